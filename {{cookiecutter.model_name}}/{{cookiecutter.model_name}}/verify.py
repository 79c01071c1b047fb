r"""Check that a published (or saved) model still loads and computes what it computed when it was recorded.

    python -m {{ cookiecutter.model_name }}.verify {{ cookiecutter.hub_repo_id }} --revision <commit sha>
    python -m {{ cookiecutter.model_name }}.verify checkpoints/{{ cookiecutter.model_name }}
    python -m {{ cookiecutter.model_name }}.verify checkpoints/{{ cookiecutter.model_name }} --record

The record, `reference_outputs.safetensors` (publish writes one into every release, `--record` into a local
checkpoint), holds fixed inputs and what the model's head returned for them with `output_hidden_states=True` (logits,
pooled outputs, the first, middle and last hidden states), with the transformers, torch and Python versions that
computed them. It stays small (a few KB for a text model, whatever its vocabulary): of each output it keeps
`COLUMNS` evenly spaced features of the last dimension and the norm of that whole dimension, which moves when any
feature moves (a report's positions in an output are those of its fingerprint: the last feature is the norm).

verify loads the model as its users do, in a fresh Python process where this project cannot be imported:
`<Auto class>.from_pretrained(source, trust_remote_code=True, revision=...)`, so what runs is the code saved beside
the weights, on the transformers installed here. Then it checks what breaks silently on a transformers upgrade:

- the load report is clean: no missing, unexpected or mismatched weights, no error messages;
- every loaded weight equals the checkpoint's tensor (an `_init_weights` that writes in place can overwrite them);
- every non-persistent buffer equals a freshly built model's (buffers are not in checkpoints: the code re-creates
  them, or they hold garbage);
- the model and config classes come from the downloaded code, and `auto_map` is the recorded one, every entry a
  class of that code;
- every recorded output is computed again within `--atol` + `--rtol` x |recorded| (where the attention mask is 0,
  outputs are padding and are not compared);
- a head that generates gives the same greedy tokens with its key/value cache as without it (a model that no longer
  receives the cache `generate` hands it, as when transformers renames that argument, computes right logits and
  generates wrong tokens).

It prints one summary line and exits 0, or a report of each failed check, with the versions that recorded and that
checked, and exits 1. A source without a record, or one that cannot be reached, is one `error:` line (exit 1); a bad
command line exits 2. Checking buffers builds a second model: verify needs memory for two copies of the model.

This file runs twice: as `python -m {{ cookiecutter.model_name }}.verify` (the command), and as a plain script in the
fresh process that the command starts. So it imports only installed packages at the top; the project's own modules
are imported where a function of the command needs them.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import platform
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import torch
import transformers
from huggingface_hub import constants, hf_hub_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import httpx
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from transformers import PreTrainedModel
from transformers.dynamic_module_utils import get_class_from_dynamic_module

PACKAGE = "{{ cookiecutter.model_name }}"
RECORD_FILE = "reference_outputs.safetensors"
FORMAT_VERSION = "1"
# The one metadata entry of a record: JSON of format_version, auto_class, class, auto_map and the versions.
METADATA_KEY = "reference_record"
WEIGHTS_FILE = "model.safetensors"
INDEX_FILE = "model.safetensors.index.json"
# Checkpoint names that transformers 5 renames on load for every model (and that 5.4 writes back on save).
LEGACY_NAMES = {".LayerNorm.gamma": ".LayerNorm.weight", ".LayerNorm.beta": ".LayerNorm.bias"}
# Both processes compute in fp32 on CPU. The same math through other kernels moves the results a little: on
# 100M-parameter models of each family, eager instead of sdpa attention moved outputs by at most 4e-6, another thread
# count by 5e-7; `rtol` covers the larger activations of trained models. A broken mask, re-initialised weights or
# changed math move them by 1e-2 and more.
DEFAULT_ATOL = 1e-5
DEFAULT_RTOL = 1e-4
# What transformers and a model's code raise when they no longer fit each other (a removed import, a changed
# signature, a helper that returns something else). They are reported as a failed check; anything else is a bug.
CODE_ERRORS = (ImportError, AttributeError, TypeError, ValueError, RuntimeError, KeyError, IndexError, OSError)
# At most this many weights, buffers or entries are named per check: a real model may differ in hundreds.
NAMED = 10
# Features of the last dimension of each output that a record keeps (plus the norm of the whole dimension).
COLUMNS = 64
# The greedy tokens the generation check asks for, from the record's inputs, with and without the cache.
GENERATED_TOKENS = 8


def versions() -> dict[str, str]:
    return {"transformers": transformers.__version__, "torch": torch.__version__, "python": platform.python_version()}


def tensor_outputs(outputs: Any) -> dict[str, torch.Tensor]:
    """Every tensor a model returned, by name; a tuple of tensors (the hidden states) as `<name>.<index>`."""
    found = {}
    for name, value in outputs.items():
        if isinstance(value, torch.Tensor):
            found[name] = value
        elif isinstance(value, tuple | list) and value and all(isinstance(item, torch.Tensor) for item in value):
            found.update({f"{name}.{index}": item for index, item in enumerate(value)})
    return found


def fingerprint(tensor: torch.Tensor) -> torch.Tensor:
    """`COLUMNS` evenly spaced features of the last dimension of `tensor`, then the norm of that whole dimension (all
    of a short last dimension); a new tensor, never a view of the model's output."""
    size = tensor.shape[-1] if tensor.dim() else 0
    if size <= COLUMNS:
        return tensor.clone()
    columns = torch.arange(COLUMNS) * (size - 1) // (COLUMNS - 1)
    norm = torch.linalg.vector_norm(tensor.double(), dim=-1, keepdim=True).to(tensor.dtype)
    return torch.cat([tensor[..., columns], norm], dim=-1)


def recorded_outputs(outputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The fingerprints a record keeps: every output but the hidden states, and of those the first, middle and last."""
    layers = sorted(int(name.rsplit(".", 1)[1]) for name in outputs if name.startswith("hidden_states."))
    kept = {f"hidden_states.{layers[i]}" for i in (0, len(layers) // 2, -1)} if layers else set()
    return {
        name: fingerprint(value)
        for name, value in outputs.items()
        if not name.startswith("hidden_states.") or name in kept
    }


# -- recording (the command; imports the project) -------------------------------------------------------------------


def record(folder: Path, model: PreTrainedModel | None = None) -> dict[str, Any]:
    """Write `folder/reference_outputs.safetensors` for the checkpoint in `folder`; return the record's metadata.

    `model` is the model just saved there (publish); without it, the folder is checked as publish checks a checkpoint
    (no code from it runs) and loaded with this project's class. Outputs are computed in fp32, in eval mode.
    """
    from .cli import CommandError
    from .family import reference_inputs
    from .modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES
    from .publish import load_model

    model = (model or load_model(folder, None, None)).float().eval()
    inputs = reference_inputs(model.config)
    with torch.no_grad():
        outputs = tensor_outputs(model(**inputs, output_hidden_states=True))
    tensors = {f"inputs.{name}": value for name, value in inputs.items()}
    tensors.update({f"outputs.{name}": value for name, value in recorded_outputs(outputs).items()})
    metadata = {
        "format_version": FORMAT_VERSION,
        "auto_class": AUTO_CLASSES[type(model)],
        "class": type(model).__name__,
        "auto_map": model.config.auto_map,
        **{f"{name}_version": version for name, version in versions().items()},
    }
    path = folder / RECORD_FILE
    partial = path.with_name(f".{RECORD_FILE}.partial")
    # One metadata entry: safetensors writes several in no fixed order, and the same release must be the same bytes.
    header = {METADATA_KEY: json.dumps(metadata, sort_keys=True)}
    try:
        save_file({name: tensor.contiguous() for name, tensor in tensors.items()}, partial, metadata=header)
        partial.replace(path)
    except OSError as error:  # e.g. a read-only folder, or no space left on the device
        partial.unlink(missing_ok=True)
        raise CommandError(f"cannot write {path}: {error.strerror or error}.") from error
    return metadata


# -- checking (the fresh process; installed packages only) ----------------------------------------------------------


def read_record(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The tensors of a record and its metadata (an empty dict if the file has none: not a record)."""
    with safe_open(path, framework="pt") as record_file:
        header = record_file.metadata() or {}
        tensors = {name: record_file.get_tensor(name) for name in record_file.keys()}
    return tensors, json.loads(header[METADATA_KEY]) if METADATA_KEY in header else {}


def check(source: str, revision: str | None, record_path: str, atol: float, rtol: float) -> dict[str, Any]:
    """Load `source` as a user does and run every check against the record; what failed, and what was checked."""
    tensors, metadata = read_record(Path(record_path))
    inputs = {name.removeprefix("inputs."): value for name, value in tensors.items() if name.startswith("inputs.")}
    expected = {name: value for name, value in tensors.items() if name.startswith("outputs.")}
    auto_class = metadata["auto_class"]
    result: dict[str, Any] = {"failures": [], "checked": {}, "versions": versions()}
    try:
        model, loading_info = getattr(transformers, auto_class).from_pretrained(
            source, revision=revision, trust_remote_code=True, dtype=torch.float32, output_loading_info=True
        )
    except CODE_ERRORS as error:
        result["failures"].append(f"load: {auto_class}.from_pretrained({source!r}) raised {describe(error)}")
        return result
    model.eval()
    checks = [
        ("classes", lambda: class_problems(model, metadata)),
        ("load report", lambda: loading_problems(loading_info)),
        ("weights", lambda: weight_problems(model, weight_files(source, revision))),
        ("buffers", lambda: buffer_problems(model)),
        ("auto_map", lambda: auto_map_problems(model.config, metadata["auto_map"], source, revision)),
        ("outputs", lambda: output_problems(model, inputs, expected, atol, rtol)),
    ]
    if model.can_generate():
        checks.append(("generation", lambda: generation_problems(model, inputs)))
    for name, run in checks:
        try:
            problems, checked = run()
        except CODE_ERRORS as error:
            problems, checked = [f"{name}: the check raised {describe(error)}"], None
        result["failures"] += problems
        result["checked"][name] = checked
    return result


def describe(error: BaseException) -> str:
    """`Type: message (file:line)`: the last line of the model's own code that it went through, else where it was
    raised."""
    frames = traceback.extract_tb(error.__traceback__)
    remote = [frame for frame in frames if "transformers_modules" in frame.filename]
    where = (remote or frames or [None])[-1]
    location = f" ({Path(where.filename).name}:{where.lineno})" if where else ""
    return f"{type(error).__name__}: {' '.join(str(error).split())}{location}"


def named(items: list[str]) -> list[str]:
    return items if len(items) <= NAMED else [*items[:NAMED], f"... and {len(items) - NAMED} more"]


def class_problems(model: Any, metadata: dict[str, Any]) -> tuple[list[str], str]:
    problems = []
    for what, loaded in (("model", type(model)), ("config", type(model.config))):
        if not loaded.__module__.startswith("transformers_modules."):
            problems.append(f"classes: the {what} class {loaded.__name__} is {loaded.__module__}'s, not remote code")
    if type(model).__name__ != metadata["class"]:
        problems.append(f"classes: {metadata['auto_class']} loads {type(model).__name__}, not {metadata['class']}")
    return problems, type(model).__module__


def loading_problems(loading_info: dict[str, Any]) -> tuple[list[str], None]:
    problems = []
    for kind in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"):
        entries = sorted(str(entry) for entry in loading_info.get(kind) or ())
        if entries:
            problems.append(f"load report: {kind.replace('_', ' ')}: {', '.join(named(entries))}")
    return problems, None


def weight_files(source: str, revision: str | None) -> list[Path]:
    """The checkpoint's safetensors files: the shards its index lists, or the single file."""
    index = checkpoint_file(source, revision, INDEX_FILE)
    if index is None:
        single = checkpoint_file(source, revision, WEIGHTS_FILE)
        return [single] if single else []
    shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
    return [path for path in (checkpoint_file(source, revision, shard) for shard in shards) if path]


def checkpoint_file(source: str, revision: str | None, name: str) -> Path | None:
    if Path(source).is_dir():
        path = Path(source) / name
        return path if path.is_file() else None
    try:
        return Path(hf_hub_download(source, name, revision=revision))
    except EntryNotFoundError:
        return None


def weight_problems(model: Any, files: list[Path]) -> tuple[list[str], int]:
    """Every tensor of the checkpoint must be in the loaded model exactly (compared in the model's dtype, fp32)."""
    if not files:
        return ["weights: the checkpoint holds no model.safetensors (or index): nothing to compare the model with"], 0
    state = stored_layout(model)
    differ, compared = [], 0
    for path in files:
        with safe_open(path, framework="pt") as weights:
            for stored_name in weights.keys():
                name = loaded_name(stored_name)
                if name not in state:
                    differ.append(f"{stored_name}: in {path.name}, not in the loaded model")
                    continue
                stored, loaded = weights.get_tensor(stored_name), state[name]
                compared += 1
                if stored.shape != loaded.shape or not torch.equal(loaded, stored.to(loaded.dtype)):
                    difference = largest_difference(loaded, stored)
                    differ.append(f"{name}: differs from {path.name} by up to {difference:.3g}")
    problems = [f"weight {entry}" for entry in named(differ)]
    if differ:
        problems.append(
            f"weights: {len(differ)} of {compared} loaded weights are not the checkpoint's: the model's code changed "
            "them while loading (an `_init_weights` that writes `.data` in place, not through transformers' init)"
        )
    return problems, compared


def stored_layout(model: Any) -> dict[str, torch.Tensor]:
    """The model's weights as `save_pretrained` stores them: through the checkpoint conversions transformers keys on
    the model's type, reverted (a fork of a mixture-of-experts model stores its experts one by one)."""
    try:
        from transformers.core_model_loading import revert_weight_conversion
    except ImportError:  # a release without checkpoint conversions
        return model.state_dict()
    return revert_weight_conversion(model, dict(model.state_dict()))


def loaded_name(stored_name: str) -> str:
    """The name transformers loads a checkpoint tensor under."""
    for legacy, name in LEGACY_NAMES.items():
        if stored_name.endswith(legacy):
            return stored_name.removesuffix(legacy) + name
    return stored_name


def largest_difference(actual: torch.Tensor, expected: torch.Tensor) -> float:
    if actual.shape != expected.shape:
        return math.inf
    return (actual.double() - expected.double()).abs().max().item() if actual.numel() else 0.0


def buffer_problems(model: Any) -> tuple[list[str], int]:
    """Non-persistent buffers are not in the checkpoint: after loading they must equal a freshly built model's."""
    persistent = set(model.state_dict())
    loaded = {name: buffer for name, buffer in model.named_buffers() if name not in persistent}
    if not loaded:
        return [], 0
    fresh = dict(type(model)(copy.deepcopy(model.config)).named_buffers())
    differ = []
    for name, buffer in loaded.items():
        if name not in fresh:
            differ.append(f"buffer {name}: a freshly built model has no such buffer")
        elif buffer.shape != fresh[name].shape or not torch.equal(buffer, fresh[name].to(buffer.dtype)):
            difference = largest_difference(buffer, fresh[name])
            differ.append(f"buffer {name}: differs from a freshly built model's (largest difference {difference:.3g})")
    return named(differ), len(loaded)


def auto_map_problems(config: Any, recorded: dict[str, str], source: str, revision: str | None) -> tuple[list, int]:
    """The config's auto_map is the recorded one, and each entry is a class of the downloaded code."""
    current = dict(getattr(config, "auto_map", None) or {})
    problems = [
        f"auto_map: {key}: recorded {recorded.get(key)!r}, config.json has {current.get(key)!r}"
        for key in sorted(set(recorded) | set(current))
        if recorded.get(key) != current.get(key)
    ]
    for key, reference in sorted(current.items()):
        try:
            found = get_class_from_dynamic_module(reference, source, revision=revision)
        except CODE_ERRORS as error:
            problems.append(f"auto_map: {key} -> {reference} does not resolve: {describe(error)}")
            continue
        if found.__name__ != reference.rsplit(".", 1)[-1] or not found.__module__.startswith("transformers_modules."):
            problems.append(f"auto_map: {key} -> {reference} resolves to {found.__module__}.{found.__name__}")
    return problems, len(current)


def output_problems(
    model: Any, inputs: dict[str, torch.Tensor], expected: dict[str, torch.Tensor], atol: float, rtol: float
) -> tuple[list[str], dict[str, Any]]:
    """Every recorded output, computed again, within atol + rtol x |recorded| where the attention mask is 1."""
    with torch.no_grad():
        outputs = tensor_outputs(model(**inputs, output_hidden_states=True))
    actual = {name: fingerprint(value) for name, value in outputs.items()}
    mask = inputs.get("attention_mask")
    problems, largest = [], 0.0
    for key, recorded in expected.items():
        name = key.removeprefix("outputs.")
        if name not in actual:
            problems.append(f"{key}: not returned any more (the model returns {', '.join(sorted(actual))})")
            continue
        value = actual[name]
        if value.shape != recorded.shape:
            problems.append(f"{key}: shape {tuple(value.shape)}, recorded {tuple(recorded.shape)}")
            continue
        difference = (value.double() - recorded.double()).abs()
        difference = torch.where(value.isnan() & recorded.isnan(), 0.0, difference.nan_to_num(nan=math.inf))
        keep = torch.ones_like(difference, dtype=torch.bool)
        if mask is not None and value.dim() >= 2 and value.shape[:2] == mask.shape:  # padding is not compared
            keep = mask.bool().reshape(*mask.shape, *[1] * (value.dim() - 2)).expand_as(difference)
            difference = torch.where(keep, difference, 0.0)
        outside = difference > atol + rtol * recorded.double().abs()
        worst = difference.max().item() if difference.numel() else 0.0
        largest = max(largest, worst)
        if outside.any():
            index = tuple(int(i) for i in torch.unravel_index(difference.argmax(), difference.shape))
            problems.append(
                f"{key}: {int(outside.sum())} of {int(keep.sum())} values outside atol {atol:g} + rtol {rtol:g} x "
                f"|recorded|; largest difference {worst:.3g} at {list(index)} (recorded {recorded[index].item():.6g}, "
                f"now {value[index].item():.6g})"
            )
    return problems, {"count": len(expected), "largest": largest}


def generation_problems(model: Any, inputs: dict[str, torch.Tensor]) -> tuple[list[str], int]:
    """Greedy `generate` from the record's inputs gives the same tokens with the cache as without it."""
    settings = dict(max_new_tokens=GENERATED_TOKENS, min_new_tokens=GENERATED_TOKENS, do_sample=False)
    with torch.no_grad():
        cached = model.generate(**inputs, **settings, use_cache=True)
        uncached = model.generate(**inputs, **settings, use_cache=False)
    if torch.equal(cached, uncached):
        return [], GENERATED_TOKENS
    prompt = inputs["input_ids"].shape[1]  # min_new_tokens: both are prompt + GENERATED_TOKENS long
    first = int((cached[:, prompt:] != uncached[:, prompt:]).any(0).nonzero()[0]) + 1
    return [
        f"generation: greedy tokens with the key/value cache differ from those without it from new token {first} "
        f"of {GENERATED_TOKENS} on: the model does not use the cache that generate passes it"
    ], GENERATED_TOKENS


def check_main(plan: str) -> int:
    """The fresh process: run the checks of the JSON `plan` and print the result as one JSON line."""
    sys.modules[PACKAGE] = None  # `import {{ cookiecutter.model_name }}` fails here: the code comes from the source
    options = json.loads(plan)
    print(json.dumps(check(**options)))
    return 0


# -- the command ----------------------------------------------------------------------------------------------------


def fetch_record(source: str, revision: str | None) -> tuple[Path, str | None]:
    """The record of `source` (a folder, or a repo id at `revision`), and the commit it came from (None: a folder)."""
    from .cli import CommandError

    if Path(source).is_dir():
        path = Path(source) / RECORD_FILE
        if not path.is_file():
            raise CommandError(
                f"{source} holds no {RECORD_FILE}: record it with `python -m {PACKAGE}.verify {source} --record` "
                "(publish records it into every release)."
            )
        return path, None
    where = f"{source} at revision {revision!r}" if revision else source
    endpoint = constants.ENDPOINT
    try:
        path = Path(hf_hub_download(source, RECORD_FILE, revision=revision))
    except RepositoryNotFoundError as error:
        raise CommandError(
            f"{source} is not a folder, and the Hub at {endpoint} has no model repository {source} (or your token "
            "cannot see it): pass a checkpoint folder, or the repo id of a published release."
        ) from error
    except RevisionNotFoundError as error:
        raise CommandError(f"{source} has no revision {revision!r}: pass a commit hash, branch or tag.") from error
    except (LocalEntryNotFoundError, OfflineModeIsEnabled, httpx.TransportError) as error:
        raise CommandError(
            f"cannot download {RECORD_FILE} of {where}: no connection to the Hub at {endpoint}, and no copy in the "
            "local cache. Check the network, and HF_ENDPOINT or HF_HUB_OFFLINE if you set them."
        ) from error
    except EntryNotFoundError as error:  # after LocalEntryNotFoundError, one of its kinds
        raise CommandError(
            f"{where} holds no {RECORD_FILE}: it was not published by this project's publish, which records it. "
            f"Publish it again, or download it and record it with `python -m {PACKAGE}.verify <folder> --record`."
        ) from error
    except HfHubHTTPError as error:
        answer = f"the Hub at {endpoint} answered {error.response.status_code}"
        raise CommandError(f"cannot download {RECORD_FILE} of {where}: {answer}.") from error
    return path, path.parent.name  # .../snapshots/<commit>/reference_outputs.safetensors


def verify(args: argparse.Namespace) -> int:
    from .cli import CommandError

    record_path, commit = fetch_record(args.source, args.revision)
    try:
        _, metadata = read_record(record_path)
    except (SafetensorError, OSError, json.JSONDecodeError) as error:
        raise CommandError(f"{record_path} is not a readable record ({error}): record it again.") from error
    if metadata.get("format_version") != FORMAT_VERSION:
        raise CommandError(
            f"{record_path} is a record of format {metadata.get('format_version')!r}; this verify reads format "
            f"{FORMAT_VERSION!r}: use the project's version that recorded it."
        )
    source = str(Path(args.source).resolve()) if commit is None else args.source
    plan = dict(source=source, revision=commit, record_path=str(record_path), atol=args.atol, rtol=args.rtol)
    # -P: the folder of this file is not put on sys.path, and the script makes `import <project>` fail.
    command = [sys.executable, "-P", str(Path(__file__).resolve()), json.dumps(plan)]
    process = subprocess.run(command, capture_output=True, text=True)
    if process.returncode != 0 or not process.stdout.strip():
        sys.stderr.write(process.stderr)
        raise CommandError(f"the checking process stopped with exit status {process.returncode}; its output is above.")
    result = json.loads(process.stdout.strip().splitlines()[-1])
    shown = f"{args.source}@{commit}" if commit else args.source
    recorded = {name: metadata.get(f"{name}_version", "?") for name in ("transformers", "torch", "python")}
    print(report(shown, metadata["class"], result, recorded, args.atol, args.rtol))
    return 1 if result["failures"] else 0


def report(shown: str, class_name: str, result: dict, recorded: dict, atol: float, rtol: float) -> str:
    def version_set(found: dict) -> str:
        return ", ".join(f"{name} {found[name]}" for name in ("transformers", "torch", "python"))

    if not result["failures"]:
        checked = result["checked"]
        outputs = checked["outputs"]
        generation = ""
        if "generation" in checked:
            generation = f", {checked['generation']} greedy tokens alike with and without the cache"
        return (
            f"verified {shown}: {class_name} loads as remote code with a clean load report, {checked['weights']} "
            f"weights as stored, {checked['buffers']} buffers as built, the recorded auto_map ({checked['auto_map']} "
            f"entries), {outputs['count']} outputs within atol {atol:g} rtol {rtol:g} (largest difference "
            f"{outputs['largest']:.2g}){generation}; recorded with transformers {recorded['transformers']}, checked "
            f"with transformers {result['versions']['transformers']}"
        )
    count = len(result["failures"])
    lines = [f"verify FAILED for {shown} ({class_name}): {count} problem{'s' if count > 1 else ''}"]
    lines += [f"  {failure}" for failure in result["failures"]]
    lines.append(f"recorded with: {version_set(recorded)}")
    lines.append(f"checked with:  {version_set(result['versions'])}")
    return "\n".join(lines)


def tolerance(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not number >= 0 or math.isinf(number):  # also refuses nan
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of 0 or more")
    return number


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="a save_pretrained folder, or the repo id of a published release")
    parser.add_argument("--revision", help="commit hash, branch or tag of the repo id (default: main)")
    parser.add_argument("--record", action="store_true", help="write the record into the folder instead of checking")
    parser.add_argument("--atol", type=tolerance, default=DEFAULT_ATOL, help=f"default: {DEFAULT_ATOL:g}")
    parser.add_argument("--rtol", type=tolerance, default=DEFAULT_RTOL, help=f"default: {DEFAULT_RTOL:g}")
    args = parser.parse_args(argv)
    is_folder = Path(args.source).is_dir()
    if is_folder and args.revision:
        parser.error(f"--revision is for a repo id, and {args.source} is a local folder.")
    if args.record and not is_folder:
        parser.error(f"--record writes into a local checkpoint folder, and {args.source} is not a folder.")
    if not is_folder and not valid_repo_id(args.source):
        parser.error(f"{args.source!r} is neither a folder nor a valid repo id ('namespace/name').")
    return args


def valid_repo_id(value: str) -> bool:
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(value)
    except HFValidationError:
        return False
    return "/" in value


def main(argv: list[str] | None = None) -> int:
    from .cli import run_command

    args = parse_args(argv)
    if args.record:
        return run_command(lambda: print_record(Path(args.source)))
    return run_command(lambda: verify(args))


def print_record(folder: Path) -> int:
    metadata = record(folder)
    print(
        f"recorded {folder / RECORD_FILE}: {metadata['class']} with transformers {metadata['transformers_version']}, "
        f"torch {metadata['torch_version']}"
    )
    return 0


if __name__ == "__main__":
    if __package__:  # python -m {{ cookiecutter.model_name }}.verify: the command
        raise SystemExit(main())
    raise SystemExit(check_main(sys.argv[1]))  # the fresh process that the command starts
