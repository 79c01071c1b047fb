"""The reference record, `reference_outputs.safetensors`: fixed inputs and what the model's head returned for them
with `output_hidden_states=True` (logits, pooled outputs, the first, middle and last hidden states), with the
transformers, torch and Python versions that computed them. publish writes one into every release and
`python -m {{ cookiecutter.model_name }}.verify --record` into a local checkpoint; verify checks a model against it.

It stays small (a few KB for a text model, whatever its vocabulary): of each output it keeps `COLUMNS` evenly spaced
features of the last dimension and the norm of that whole dimension, which moves when any feature moves (a report's
positions in an output are those of its fingerprint: the last feature is the norm). Its metadata lists what it holds:
the inputs with their dtypes and the outputs, so that a record that lost a tensor, or holds one in another dtype, is
refused as damaged (`check_record`) instead of checking less than it should. Outputs are finite fp32 values: a model
that computes NaN or infinite values cannot be recorded.

This file imports installed packages only: verify's checking process, where this project cannot be imported, loads
it by its path.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import torch
import transformers
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

RECORD_FILE = "reference_outputs.safetensors"
FORMAT_VERSION = "2"
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
    check_record(tensors, metadata)
    return tensors, metadata


def check_record(tensors: dict[str, torch.Tensor], metadata: dict[str, Any]) -> None:
    """Refuse a record that is damaged or of another version, with a `RecordError` naming what is wrong: it must be
    of this format, name the Auto class and class that recorded it, and hold exactly the tensors it lists, in their
    dtypes, with finite outputs."""
    if metadata.get("format_version") != FORMAT_VERSION:
        found = metadata.get("format_version")
        raise RecordError(f"it is a record of format {found!r}; this verify reads format {FORMAT_VERSION!r}")
    missing = [key for key in METADATA_KEYS if key not in metadata]
    if missing:
        raise RecordError(f"its metadata lacks {', '.join(missing)}")
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
        if INPUT_DTYPES.get(dtype) != tensor.dtype:
            raise RecordError(f"inputs.{name} is {str(tensor.dtype).removeprefix('torch.')}, listed as {dtype!r}")
        if tensor.is_floating_point() and not tensor.isfinite().all():
            raise RecordError(f"inputs.{name} holds NaN or infinite values")
    for name in outputs:
        tensor = tensors[f"outputs.{name}"]
        if tensor.dtype != torch.float32:
            raise RecordError(f"outputs.{name} is {str(tensor.dtype).removeprefix('torch.')}, not float32")
        if not tensor.isfinite().all():
            raise RecordError(f"outputs.{name} holds NaN or infinite values")
