"""The reference record, `reference_outputs.safetensors`: fixed inputs and what the model's head returned for them
with `output_hidden_states=True` (logits, pooled outputs, the first, middle and last hidden states, and the outputs
nested in its outputs, such as a vision-language model's `image_outputs`), with the transformers, torch and Python
versions that computed them. publish writes one into every release and
`python -m {{ cookiecutter.model_name }}.verify --record` into a local checkpoint; verify checks a model against it.

It stays small (a few KB for a text model, whatever its vocabulary): of each output it keeps `COLUMNS` evenly spaced
features of the last dimension and the norm of that whole dimension, which moves when any feature moves (a report's
positions in an output are those of its fingerprint: the last feature is the norm). Its metadata lists what it holds:
the inputs with their dtypes and the outputs, so that a record that lost a tensor, or holds one in another dtype, is
refused as damaged (`check_record`) instead of checking less than it should. Outputs are finite fp32 values: a model
that computes NaN or infinite values cannot be recorded.

Records of format 1, which every release published by the template before format 2 carries, hold the same tensors
without that list: verify reads them (their inputs are always those of FORMAT_1_INPUTS), refuses them when damaged as
it refuses the others, and compares their outputs one way only: every output they hold, not every output the model
returns. Where transformers renamed an output between the release that recorded and the installed one
(RENAMED_OUTPUTS), the record and the model are compared under the output's old name (`common_layout`).

This file imports installed packages only: verify's checking process, where this project cannot be imported, loads
it by its path.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import torch
import transformers
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

RECORD_FILE = "reference_outputs.safetensors"
# The format this project writes; verify reads this one and FORMAT_1.
FORMAT_VERSION = "2"
# The format of the records of the template's releases before format 2: the same tensors and metadata, without the
# lists of inputs and outputs. Their inputs were always some of these (the families' `reference_inputs`).
FORMAT_1 = "1"
FORMAT_1_INPUTS = {
    "input_ids": "int64",
    "attention_mask": "int64",
    "token_type_ids": "int64",
    "pixel_values": "float32",
}
FORMAT_1_KEYS = ("format_version", "auto_class", "class", "auto_map", "transformers_version")
# The one metadata entry of a record: JSON of format_version, auto_class, class, auto_map, the versions, the inputs
# (name -> dtype) and the outputs (names).
METADATA_KEY = "reference_record"
# The dtypes of a record's tensors: inputs are token ids or masks (int64) or pixels (float32); outputs are float32.
INPUT_DTYPES = {"int64": torch.int64, "float32": torch.float32}
METADATA_KEYS = ("format_version", "auto_class", "class", "auto_map", "inputs", "outputs", "transformers_version")
# Features of the last dimension of each output that a record keeps (plus the norm of the whole dimension).
COLUMNS = 64


def versions() -> dict[str, str]:
    return {"transformers": transformers.__version__, "torch": torch.__version__, "python": platform.python_version()}


class RenamedOutput(NamedTuple):
    """An output that transformers renamed in its release `since`: `old`, one tensor, is since then the tensors
    `<new>.<index>` (one per image) concatenated along their first dimension. The other outputs under `group` came with
    the rename: a release before it has nothing to compare them with."""

    since: str
    old: str
    new: str
    group: str


# transformers' renames of outputs within the releases the families declare (the vlm's minimum is 5.18): verify
# compares a record made on one side of a rename with a model on the other under the old name. From 5.24, multimodal
# models return the outputs of their encoders: LLaVA's projected image features, `image_hidden_states`, became the
# `pooler_output` of its vision tower's outputs, `image_outputs` (a list: the features of each image).
RENAMED_OUTPUTS = (RenamedOutput("5.24.0", "image_hidden_states", "image_outputs.pooler_output", "image_outputs"),)


def tensor_outputs(outputs: Mapping[str, Any], prefix: str = "") -> dict[str, torch.Tensor]:
    """Every tensor a model returned, by dotted name: the fields of an output nested in its outputs (a vision
    tower's, `image_outputs`) as `<name>.<field>`, a tuple or list of tensors (the hidden states, the features of each
    image) as `<name>.<index>`."""
    found = {}
    for name, value in outputs.items():
        if isinstance(value, torch.Tensor):
            found[f"{prefix}{name}"] = value
        elif isinstance(value, Mapping):  # a ModelOutput
            found.update(tensor_outputs(value, f"{prefix}{name}."))
        elif isinstance(value, tuple | list) and value and all(isinstance(item, torch.Tensor) for item in value):
            found.update({f"{prefix}{name}.{index}": item for index, item in enumerate(value)})
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
    """The fingerprints a record keeps: every output but the hidden states, and of each sequence of those (the
    model's, a vision tower's) the first, middle and last."""
    layers: dict[str, list[int]] = {}
    for name in outputs:
        group, _, index = name.rpartition(".")
        if group.rpartition(".")[2] == "hidden_states" and index.isdigit():
            layers.setdefault(group, []).append(int(index))
    kept = {f"{group}.{sorted(found)[i]}" for group, found in layers.items() for i in (0, len(found) // 2, -1)}
    return {
        name: fingerprint(value)
        for name, value in outputs.items()
        if name in kept or name.rpartition(".")[0] not in layers
    }


def common_layout(
    actual: dict[str, torch.Tensor], recorded: dict[str, torch.Tensor]
) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor], list[RenamedOutput], list[str]]:
    """The fingerprints of the model's outputs (`actual`) and of the record's (`recorded`), by name, with each output
    that transformers renamed between the release that recorded and the installed one (RENAMED_OUTPUTS) under its old
    name on both sides; the renames this applied, and the outputs that came with them, which are left out of both (the
    other release has nothing to compare them with). Fingerprints are made along the last dimension: those of the
    features of each image, concatenated, are the fingerprint of the features of all images."""
    actual, recorded = dict(actual), dict(recorded)
    applied, unmatched = [], []
    for rename in RENAMED_OUTPUTS:
        if (rename.old in actual) == (rename.old in recorded):
            continue  # the same layout on both sides
        newer = recorded if rename.old in actual else actual
        parts = [name for name in newer if name.rpartition(".")[0] == rename.new and name.rpartition(".")[2].isdigit()]
        if not parts:
            continue  # not a rename: an output one side lacks, which the comparison reports
        parts.sort(key=lambda name: int(name.rpartition(".")[2]))
        newer[rename.old] = torch.cat([newer.pop(name) for name in parts])
        came = sorted(name for name in newer if name.startswith(f"{rename.group}."))
        for name in came:
            del newer[name]
        applied.append(rename)
        unmatched += came
    return actual, recorded, applied, unmatched


class RecordError(ValueError):
    """A record that cannot be written (a model that computes NaN) or trusted (damaged, or of another version)."""


def write_record(folder: Path, model: Any, auto_class: str, inputs: dict[str, torch.Tensor]) -> dict[str, Any]:
    """Write `folder/reference_outputs.safetensors` for `model` (loaded by `auto_class`) on `inputs`; return the
    record's metadata. Outputs are computed in fp32, in eval mode: a `RecordError` if one holds NaN or infinite
    values. The file appears whole or not at all: an error while writing (OSError, SafetensorError) leaves no file
    behind and is raised for the caller to report."""
    model = model.float().eval()
    with torch.no_grad():
        outputs = recorded_outputs(tensor_outputs(model(**inputs, output_hidden_states=True)))
    not_finite = sorted(name for name, value in outputs.items() if not value.isfinite().all())
    if not_finite:
        raise RecordError(
            f"the model computes NaN or infinite values for the record's inputs (in {', '.join(not_finite)}): a "
            "record of them could not tell this model from a broken one. Check the checkpoint's weights."
        )
    tensors = {f"inputs.{name}": value for name, value in inputs.items()}
    tensors.update({f"outputs.{name}": value for name, value in outputs.items()})
    metadata = {
        "format_version": FORMAT_VERSION,
        "auto_class": auto_class,
        "class": type(model).__name__,
        "auto_map": model.config.auto_map,
        "inputs": {name: str(value.dtype).removeprefix("torch.") for name, value in inputs.items()},
        "outputs": sorted(outputs),
        **{f"{name}_version": version for name, version in versions().items()},
    }
    path = folder / RECORD_FILE
    partial = path.with_name(f".{RECORD_FILE}.partial")
    # One metadata entry: safetensors writes several in no fixed order, and the same release must be the same bytes.
    header = {METADATA_KEY: json.dumps(metadata, sort_keys=True)}
    try:
        save_file({name: tensor.contiguous() for name, tensor in tensors.items()}, partial, metadata=header)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return metadata


def read_record(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The tensors of a record and its metadata, checked (`check_record`): a `RecordError` says what is damaged."""
    try:
        with safe_open(path, framework="pt") as record_file:
            header = record_file.metadata() or {}
            tensors = {name: record_file.get_tensor(name) for name in record_file.keys()}
    except (SafetensorError, OSError) as error:
        raise RecordError(f"it is not a readable safetensors file ({' '.join(str(error).split())})") from error
    if METADATA_KEY not in header:
        raise RecordError("it holds no record metadata")
    try:
        metadata = json.loads(header[METADATA_KEY])
    except json.JSONDecodeError as error:
        raise RecordError(f"its metadata is not JSON ({error})") from error
    if not isinstance(metadata, dict):
        raise RecordError(f"its metadata is a JSON {type(metadata).__name__}, not an object")
    return tensors, check_record(tensors, metadata)


def check_record(tensors: dict[str, torch.Tensor], metadata: dict[str, Any]) -> dict[str, Any]:
    """Refuse a record that is damaged or of another version, with a `RecordError` naming what is wrong: it must be
    of format 2 (or 1), name the Auto class and class that recorded it, and hold exactly the tensors it lists, in
    their dtypes, with finite outputs. Return its metadata, with a format 1 record's inputs and outputs listed."""
    found = metadata.get("format_version")
    if found not in (FORMAT_1, FORMAT_VERSION):
        raise RecordError(
            f"it is a record of format {found!r}; this verify reads formats {FORMAT_1!r} and {FORMAT_VERSION!r}"
        )
    missing = [key for key in (FORMAT_1_KEYS if found == FORMAT_1 else METADATA_KEYS) if key not in metadata]
    if missing:
        raise RecordError(f"its metadata lacks {', '.join(missing)}")
    if found == FORMAT_1:
        metadata = {**metadata, **format_1_lists(tensors)}
    auto_class, class_name = metadata["auto_class"], metadata["class"]
    if not (isinstance(auto_class, str) and auto_class.startswith("Auto") and hasattr(transformers, auto_class)):
        raise RecordError(f"its auto_class {auto_class!r} is not a transformers Auto class")
    if not (isinstance(class_name, str) and class_name.isidentifier()):
        raise RecordError(f"its class {class_name!r} is not a class name")
    inputs, outputs = metadata["inputs"], metadata["outputs"]
    if not (isinstance(inputs, dict) and inputs and isinstance(outputs, list) and outputs):
        raise RecordError("its metadata lists no inputs or no outputs")
    listed = {f"inputs.{name}" for name in inputs} | {f"outputs.{name}" for name in outputs}
    if set(tensors) != listed:
        absent, unlisted = sorted(listed - set(tensors)), sorted(set(tensors) - listed)
        what = [f"{', '.join(absent)} listed but missing"] if absent else []
        what += [f"{', '.join(unlisted)} not listed"] if unlisted else []
        raise RecordError(f"its tensors are not those its metadata lists ({'; '.join(what)})")
    for name, dtype in inputs.items():
        tensor = tensors[f"inputs.{name}"]
        if not (isinstance(dtype, str) and dtype in INPUT_DTYPES):
            raise RecordError(f"inputs.{name} is listed as {dtype!r}, not one of {', '.join(INPUT_DTYPES)}")
        if INPUT_DTYPES[dtype] != tensor.dtype:
            raise RecordError(f"inputs.{name} is {str(tensor.dtype).removeprefix('torch.')}, not {dtype}")
        if tensor.is_floating_point() and not tensor.isfinite().all():
            raise RecordError(f"inputs.{name} holds NaN or infinite values")
    for name in outputs:
        tensor = tensors[f"outputs.{name}"]
        if tensor.dtype != torch.float32:
            raise RecordError(f"outputs.{name} is {str(tensor.dtype).removeprefix('torch.')}, not float32")
        if not tensor.isfinite().all():
            raise RecordError(f"outputs.{name} holds NaN or infinite values")
    return metadata


def format_1_lists(tensors: dict[str, torch.Tensor]) -> dict[str, Any]:
    """The inputs (with their dtypes) and the outputs that a record of format 1 holds, as format 2 lists them."""
    other = sorted(name for name in tensors if not name.startswith(("inputs.", "outputs.")))
    if other:
        raise RecordError(f"it holds tensors that are neither inputs nor outputs ({', '.join(other)})")
    inputs = sorted(name.removeprefix("inputs.") for name in tensors if name.startswith("inputs."))
    unknown = [name for name in inputs if name not in FORMAT_1_INPUTS]
    if unknown:
        raise RecordError(
            f"inputs.{unknown[0]} is not an input of a record of format 1 (they are {', '.join(FORMAT_1_INPUTS)})"
        )
    outputs = sorted(name.removeprefix("outputs.") for name in tensors if name.startswith("outputs."))
    if not (inputs and outputs):
        raise RecordError("it holds no inputs or no outputs")
    return {"inputs": {name: FORMAT_1_INPUTS[name] for name in inputs}, "outputs": outputs}
