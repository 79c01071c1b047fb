"""The checking process of `python -m {{ cookiecutter.model_name }}.verify`: it loads a release as its users do and
checks it against its reference record, then prints the result as one JSON line.

verify starts it as a plain script (`python -P verify_worker.py <plan>`) in a fresh process where this project cannot
be imported, so that what runs is the code saved beside the weights, on the transformers installed here. Importing that
code is its job: the process gets no Hub token. It imports installed packages only, and the record's format from
`record.py` beside it, loaded by its path.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import math
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

import torch
import transformers
from safetensors import safe_open
from transformers.dynamic_module_utils import get_class_from_dynamic_module

PACKAGE = "{{ cookiecutter.model_name }}"
# Checkpoint names that transformers 5 renames on load for every model (and that 5.4 writes back on save).
LEGACY_NAMES = {".LayerNorm.gamma": ".LayerNorm.weight", ".LayerNorm.beta": ".LayerNorm.bias"}
# What transformers and a model's code raise when they no longer fit each other (a removed import, a changed
# signature, a helper that returns something else). They are reported as a failed check; anything else is a bug.
CODE_ERRORS = (ImportError, AttributeError, TypeError, ValueError, RuntimeError, KeyError, IndexError, OSError)
# At most this many weights, buffers or entries are named per check: a real model may differ in hundreds.
NAMED = 10
# The greedy tokens the generation check asks for, from the record's inputs, with and without the cache.
GENERATED_TOKENS = 8
# The module prefix of the classes transformers loads from a release's code files.
REMOTE_CODE = "transformers_modules."
# The files of a release whose `auto_map` users' `from_pretrained` reads.
AUTO_MAP_FILES = ("config.json", "tokenizer_config.json", "preprocessor_config.json", "processor_config.json")
# How this process names its current step on stderr (verify names it if the time runs out).
STEP_PREFIX = "verify step: "


def load_beside(name: str) -> ModuleType:
    """The module `<name>.py` beside this file, loaded by its path (the project's package is never imported here)."""
    spec = importlib.util.spec_from_file_location(f"_verify_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


record = load_beside("record")


def check(
    source: str,
    revision: str | None,
    folder: str,
    record_path: str,
    weight_files: list[str],
    atol: float,
    rtol: float,
) -> dict[str, Any]:
    """Load `source` (a folder, or a repo id at `revision` from the Hub cache; its files are in `folder`) as a user
    does and run every check against the record; what failed, and what was checked."""
    tensors, metadata = record.read_record(Path(record_path))
    inputs = {name.removeprefix("inputs."): value for name, value in tensors.items() if name.startswith("inputs.")}
    expected = {name: value for name, value in tensors.items() if name.startswith("outputs.")}
    auto_class = metadata["auto_class"]
    listed = metadata["format_version"] != record.FORMAT_1  # a record of format 1 does not list the outputs it holds
    result: dict[str, Any] = {"failures": [], "checked": {}, "versions": record.versions()}
    step(f"importing the release's code and loading it ({auto_class}.from_pretrained)")
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
        ("weights", lambda: weight_problems(model, [Path(path) for path in weight_files])),
        ("buffers", lambda: buffer_problems(model)),
        ("auto_map", lambda: auto_map_problems(Path(folder), metadata["auto_map"], source, revision)),
        ("outputs", lambda: output_problems(model, inputs, expected, atol, rtol, both_ways=listed)),
    ]
    if model.can_generate():
        checks.append(("generation", lambda: generation_problems(model, inputs)))
    for name, run in checks:
        step(f"checking the {name}")
        try:
            problems, checked = run()
        except CODE_ERRORS as error:
            problems, checked = [f"{name}: the check raised {describe(error)}"], None
        result["failures"] += problems
        result["checked"][name] = checked
    return result


def step(what: str) -> None:
    """Say on stderr what this process does now: if verify runs out of time, it names this step."""
    print(f"{STEP_PREFIX}{what}", file=sys.stderr, flush=True)


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
        if not loaded.__module__.startswith(REMOTE_CODE):
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
    the model's type, reverted (a fork of a mixture-of-experts model stores its experts one by one), under the names
    transformers loads them by (older releases, 5.4 among them, revert to LayerNorm's legacy `gamma` and `beta`)."""
    try:
        from transformers.core_model_loading import revert_weight_conversion
    except ImportError:  # a release without checkpoint conversions
        return model.state_dict()
    reverted = revert_weight_conversion(model, dict(model.state_dict()))
    return {loaded_name(name): tensor for name, tensor in reverted.items()}


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


def auto_map_problems(folder: Path, recorded: dict[str, str], source: str, revision: str | None) -> tuple[list, int]:
    """What users' `from_pretrained` reads: the `auto_map` of the release's config.json is the recorded one, and every
    entry of it and of the processor files resolves to a class of a code file of the release."""
    maps = {name: read_auto_map(folder / name) for name in AUTO_MAP_FILES}
    current = maps["config.json"]
    problems = [
        f"auto_map: {key}: recorded {recorded.get(key)!r}, config.json has {current.get(key)!r}"
        for key in sorted(set(recorded) | set(current))
        if recorded.get(key) != current.get(key)
    ]
    count = 0
    for file_name, auto_map in maps.items():
        for key, value in sorted(auto_map.items()):
            # A tokenizer's entry is a pair (slow, fast) of which either may be None.
            for reference in [item for item in (value if isinstance(value, list) else [value]) if item is not None]:
                count += 1
                where = f"auto_map: {file_name}: {key} -> {reference}"
                if not isinstance(reference, str) or "--" in reference or reference.count(".") != 1:
                    problems.append(f"{where} is not a class of a code file of the release ('<module>.<class>')")
                    continue
                if not (folder / f"{reference.split('.')[0]}.py").is_file():
                    problems.append(f"{where}: the release has no {reference.split('.')[0]}.py")
                    continue
                try:
                    found = get_class_from_dynamic_module(reference, source, revision=revision)
                except CODE_ERRORS as error:
                    problems.append(f"{where} does not resolve: {describe(error)}")
                    continue
                if found.__name__ != reference.rsplit(".", 1)[-1] or not found.__module__.startswith(REMOTE_CODE):
                    problems.append(f"{where} resolves to {found.__module__}.{found.__name__}")
    return problems, count


def read_auto_map(path: Path) -> dict[str, Any]:
    """The `auto_map` of the JSON file `path` (empty if there is no such file or entry)."""
    if not path.is_file():
        return {}
    auto_map = json.loads(path.read_text(encoding="utf-8")).get("auto_map") or {}
    return auto_map if isinstance(auto_map, dict) else {"auto_map": auto_map}


def output_problems(
    model: Any,
    inputs: dict[str, torch.Tensor],
    expected: dict[str, torch.Tensor],
    atol: float,
    rtol: float,
    both_ways: bool = True,
) -> tuple[list[str], dict[str, Any]]:
    """Every recorded output, computed again, within atol + rtol x |recorded| where the attention mask is 1 (NaN never
    is), and (`both_ways`, for a record that lists its outputs) every output that a record of the model would hold is
    in the record. An output that transformers renamed between the release that recorded and this one is compared
    under its old name, and the outputs that came with the rename are not compared (record.common_layout)."""
    with torch.no_grad():
        outputs = record.recorded_outputs(record.tensor_outputs(model(**inputs, output_hidden_states=True)))
    held = {name.removeprefix("outputs."): value for name, value in expected.items()}
    outputs, held, renamed, unmatched = record.common_layout(outputs, held)
    actual = {f"outputs.{name}": value for name, value in outputs.items()}
    expected = {f"outputs.{name}": value for name, value in held.items()}
    mask = inputs.get("attention_mask")
    problems = [
        f"{key}: returned by the model, not in the record (it holds {', '.join(sorted(expected))})"
        for key in sorted(set(actual) - set(expected))
        if both_ways
    ]
    largest = 0.0
    for key, recorded in expected.items():
        if key not in actual:
            problems.append(f"{key}: not returned any more (the model returns {', '.join(sorted(actual))})")
            continue
        value = actual[key]
        if value.shape != recorded.shape:
            problems.append(f"{key}: shape {tuple(value.shape)}, recorded {tuple(recorded.shape)}")
            continue
        difference = (value.double() - recorded.double()).abs().nan_to_num(nan=math.inf)
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
    renames = [f"{rename.old} as {rename.new} (renamed in transformers {rename.since})" for rename in renamed]
    return problems, {
        "count": len(expected),
        "largest": largest,
        "both_ways": both_ways,
        "renamed": renames,
        "not_compared": unmatched,
    }


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
    """The fresh process: run the checks of the JSON file `plan` and print the result as one JSON line."""
    sys.modules[PACKAGE] = None  # `import {{ cookiecutter.model_name }}` fails here: the code comes from the source
    options = json.loads(Path(plan).read_text())
    print(json.dumps(check(**options)))
    return 0


if __name__ == "__main__":
    raise SystemExit(check_main(sys.argv[1]))
