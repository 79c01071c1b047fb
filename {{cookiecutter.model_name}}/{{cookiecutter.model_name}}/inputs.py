"""Reading the folders a user passes to publish and to the conversion scripts, without running any code from them.

A folder is data. Its JSON files are read as JSON and checked before any weight is read; a config that names code
to run (`auto_map`, `custom_pipelines`) is refused unless that code is this project's own, which is imported from the
installed package, never from the folder; weights are read only from safetensors files inside the folder.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from huggingface_hub.errors import StrictDataclassError
from safetensors import SafetensorError, safe_open
from transformers import AutoTokenizer, PretrainedConfig, PreTrainedModel, PreTrainedTokenizerBase

from .cli import CommandError

# The files of a save_pretrained folder besides config.json that may name code to run.
PROCESSOR_FILES = ("tokenizer_config.json", "preprocessor_config.json", "processor_config.json")
# Every file a tokenizer, image processor or processor may save (what tells that a folder holds one, or part of one).
PROCESSOR_FILE_NAMES = (
    *PROCESSOR_FILES,
    "tokenizer.json",
    "tokenizer.model",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "special_tokens_map.json",
    "added_tokens.json",
    "chat_template.jinja",
    "chat_template.json",
)
WEIGHTS_FILE = "model.safetensors"
INDEX_FILE = "model.safetensors.index.json"
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")
# What assembling a config, or building a model from it, raises for values it refuses: a ValueError from the model's
# own checks; huggingface_hub's strict-dataclass errors from the checks transformers runs on every config it
# assembles (a value of the wrong type for a typed field, a refused `layer_types`, ...); a TypeError from code that
# computes with a value of the wrong type.
CONFIG_ERRORS = (ValueError, TypeError, StrictDataclassError)
# Old tensor names that transformers renames when it loads any checkpoint (its "legacy" conversion), so the checks read
# them as it does. transformers 5.4 to 5.17 also write them back when saving a model they loaded.
LEGACY_NAMES = (("LayerNorm.gamma", "LayerNorm.weight"), ("LayerNorm.beta", "LayerNorm.bias"))
# The key of config.json where a conversion script records what it converted (`checkpoint.record_source`), which
# publish reads to say on the model card what the weights are (`checkpoint.weights_origin`). A key of config.json
# rather than a file of its own: transformers keeps a config's unknown keys, so it stays with the model when a user
# loads the converted checkpoint, fine-tunes it and saves it elsewhere, where a file beside the weights would be left
# behind; the digest of the converted weights it holds tells the two apart.
CONVERTED_FROM = "converted_from"


def read_json(path: Path, kind: type[dict] | type[list] = dict, missing_ok: bool = False) -> Any:
    """The JSON object (or list, with `kind=list`) in the file `path`; a `CommandError` naming the file if it is
    unreadable or holds another kind of value. With `missing_ok`, an empty one if there is no such file."""
    if missing_ok and not path.is_file():
        return kind()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CommandError(f"{path} is not valid JSON ({error}): fix it, or save the folder again.") from error
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror or error}.") from error
    if not isinstance(data, kind):
        expected = "an object" if kind is dict else "a list"
        raise CommandError(f"{path} holds a JSON {type(data).__name__}, not {expected}: save the folder again.")
    return data


def read_config(folder: Path, option: str) -> dict:
    """`folder/config.json` as a dict that names its `model_type`."""
    path = folder / "config.json"
    if not path.is_file():
        raise CommandError(f"{option} {folder} has no config.json: pass a folder written by save_pretrained.")
    config = read_json(path)
    if not isinstance(config.get("model_type"), str):
        raise CommandError(f"{path} names no model_type: pass a folder written by save_pretrained.")
    return config


def config_problem(error: Exception) -> str:
    """What is wrong with a refused config: for a strict-dataclass error, the message of the check that failed."""
    if isinstance(error, StrictDataclassError) and error.__cause__ is not None:
        return str(error.__cause__)
    return str(error)


def refuse_foreign_code(path: Path, own: dict | None = None) -> None:
    """Refuse the JSON file `path` (if it exists) when it names code to run other than `own` (our auto_map entries)."""
    settings = read_json(path, missing_ok=True)
    auto_map, own = settings.get("auto_map") or {}, own or {}
    if isinstance(auto_map, dict):
        foreign = [f"{key} -> {value}" for key, value in auto_map.items() if own.get(key) != value]
    else:
        foreign = [repr(auto_map)]
    foreign += [f"custom pipeline {name!r}" for name in settings.get("custom_pipelines") or {}]
    if foreign:
        raise CommandError(
            f"{path} names code to run ({'; '.join(foreign)}), and code from an input folder is never run: save it "
            "with transformers' own classes (or this project's), or remove those entries."
        )


def safetensors_files(folder: Path, option: str) -> list[Path]:
    """The weight files of a save_pretrained folder (one file, or the shards its index lists), each one readable."""
    index = folder / INDEX_FILE
    if index.is_file():
        weight_map = read_json(index).get("weight_map")
        if not isinstance(weight_map, dict) or not weight_map:
            raise CommandError(f"{index} has no weight_map: save the checkpoint again.")
        names = sorted({str(name) for name in weight_map.values()})
        # A shard is a file of the folder itself: never "../x.safetensors", "/elsewhere/x.safetensors" or "sub/x".
        outside = [name for name in names if Path(name).name != name or name in (".", "..")]
        if outside:
            raise CommandError(
                f"{index} points outside {folder} ({', '.join(outside)}): shards must be files of the folder itself; "
                "save the checkpoint again."
            )
        files = [folder / name for name in names]
        missing = [path.name for path in files if not path.is_file()]
        if missing:
            raise CommandError(f"{index} lists {', '.join(missing)}, missing from {folder}: copy every shard.")
    elif (folder / WEIGHTS_FILE).is_file():
        files = [folder / WEIGHTS_FILE]
    else:
        pickled = sorted(path.name for path in folder.iterdir() if path.suffix in PICKLE_SUFFIXES)
        found = f" (only {', '.join(pickled)}: pickle files are never loaded)" if pickled else ""
        raise CommandError(
            f"{option} {folder} holds no {WEIGHTS_FILE} or {INDEX_FILE}{found}: save the model with save_pretrained, "
            "which writes safetensors."
        )
    return files


def current_name(name: str) -> str:
    """A tensor's name as transformers loads it: `LEGACY_NAMES` renamed."""
    for old, new in LEGACY_NAMES:
        name = name.replace(old, new)
    return name


def tensor_shapes(files: list[Path]) -> dict[str, tuple[int, ...]]:
    """Name (as transformers loads it) -> shape of every tensor in the safetensors `files`, read from their headers (no
    tensor is loaded).

    A truncated, corrupt or non-safetensors file is refused here, with its path.
    """
    shapes: dict[str, tuple[int, ...]] = {}
    for path in files:
        try:
            with safe_open(path, framework="pt") as weights:
                for name in weights.keys():
                    shapes[current_name(name)] = tuple(weights.get_slice(name).get_shape())
        except SafetensorError as error:
            raise CommandError(
                f"{path} is not a readable safetensors file ({error}): it may be truncated or corrupt; save or "
                "download it again."
            ) from error
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror or error}.") from error
    return shapes


def weights_digest(files: list[Path]) -> str:
    """A SHA-256 of the tensors in the safetensors `files` (checked by `tensor_shapes`): of each one's name (as
    transformers loads it), dtype, shape and values, whatever the sharding and the order of the files; a model loaded
    and saved again unchanged gives the same digest. One tensor at a time is in memory."""
    digests = []
    for path in files:
        with safe_open(path, framework="pt") as weights:
            for name in weights.keys():
                tensor = weights.get_tensor(name)
                digest = hashlib.sha256(f"{current_name(name)} {tensor.dtype} {tuple(tensor.shape)}".encode())
                digest.update(tensor.contiguous().view(-1).view(torch.uint8).numpy())
                digests.append(f"{current_name(name)} {digest.hexdigest()}\n")
    return hashlib.sha256("".join(sorted(digests)).encode()).hexdigest()


def expected_weights(
    model_class: type[PreTrainedModel],
    config: PretrainedConfig,
) -> tuple[dict[str, tuple[int, ...]], set[str]]:
    """Name -> shape of every tensor a `model_class(config)` checkpoint holds, and the names tied to another one."""
    with torch.device("meta"):  # no memory is allocated
        model = model_class(config)
    tied = set(model._tied_weights_keys or {}) if getattr(config, "tie_word_embeddings", False) else set()
    stored = stored_layout(model, {name: tensor for name, tensor in model.state_dict().items() if name not in tied})
    return {name: tuple(tensor.shape) for name, tensor in stored.items()}, tied


def stored_layout(model: PreTrainedModel, state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """`state_dict` of `model` as `save_pretrained` stores it: through the checkpoint conversions transformers keys on
    the model's type, which it reverts when saving (a fork of a mixture-of-experts model registers its source's, and
    stores its experts one by one); as it is for a model without any."""
    try:
        from transformers.core_model_loading import revert_weight_conversion
    except ImportError:  # a release without checkpoint conversions
        return state_dict
    return revert_weight_conversion(model, dict(state_dict))


def weight_problems(
    expected: Mapping[str, Sequence[int]],
    found: Mapping[str, Sequence[int]],
    tied: set[str],
) -> list[str]:
    """What keeps the tensors `found` (name -> shape) from loading exactly into `expected`: empty if nothing does."""
    missing = sorted(set(expected) - set(found) - tied)
    unused = sorted(set(found) - set(expected))
    mismatched = sorted(
        f"{name}: checkpoint {tuple(found[name])} != model {tuple(expected[name])}"
        for name in set(expected) & set(found)
        if tuple(found[name]) != tuple(expected[name])
    )
    problems = {"missing from checkpoint": missing, "unused from checkpoint": unused, "shape mismatches": mismatched}
    return [f"{what}: {shorten(names)}" for what, names in problems.items() if names]


def shorten(names: list[str], keep: int = 5) -> str:
    """`names` as a Python list, the first `keep` only: a real checkpoint may differ in hundreds of tensors."""
    if len(names) <= keep:
        return repr(names)
    return f"{repr(names[:keep])[:-1]}, ... {len(names) - keep} more]"


def load_tokenizer(folder: Path, config: PretrainedConfig) -> PreTrainedTokenizerBase:
    """The tokenizer saved in `folder`, loaded with transformers' own classes: no code from the folder runs."""
    try:
        # With `config` given, AutoTokenizer does not read the folder's config.json (and its auto_map) again.
        return AutoTokenizer.from_pretrained(folder, config=config, trust_remote_code=False)
    except (OSError, ValueError) as error:  # missing or unreadable files, an unknown tokenizer class
        raise CommandError(f"cannot load the tokenizer in {folder}: {error}") from error


def check_tokenizer(tokenizer: PreTrainedTokenizerBase, config: PretrainedConfig, special_ids: Sequence[str]) -> None:
    """Refuse a tokenizer that would feed the model ids it cannot embed, or whose `special_ids` (e.g. "pad_token_id")
    differ from the config's."""
    if len(tokenizer) > config.vocab_size:
        raise CommandError(
            f"the tokenizer has {len(tokenizer)} tokens but the model's vocab_size is {config.vocab_size}: "
            "ids past the embedding table would crash the model; save a tokenizer that fits, or a model with a larger "
            "vocab_size."
        )
    for name in special_ids:
        model_id, tokenizer_id = getattr(config, name, None), getattr(tokenizer, name)  # (RWKV's config: no pad id)
        if model_id is not None and tokenizer_id is not None and model_id != tokenizer_id:
            raise CommandError(
                f"the config's {name} is {model_id} but the tokenizer's is {tokenizer_id}: make them equal."
            )
