"""The reference record, `reference_outputs.safetensors`: fixed inputs and what the model's head returned for them
with `output_hidden_states=True` (logits, pooled outputs, the first, middle and last hidden states), with the
transformers, torch and Python versions that computed them. publish writes one into every release and
`python -m {{ cookiecutter.model_name }}.verify --record` into a local checkpoint; verify checks a model against it.

It stays small (a few KB for a text model, whatever its vocabulary): of each output it keeps `COLUMNS` evenly spaced
features of the last dimension and the norm of that whole dimension, which moves when any feature moves (a report's
positions in an output are those of its fingerprint: the last feature is the norm).

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
from safetensors import safe_open
from safetensors.torch import save_file

RECORD_FILE = "reference_outputs.safetensors"
FORMAT_VERSION = "1"
# The one metadata entry of a record: JSON of format_version, auto_class, class, auto_map and the versions.
METADATA_KEY = "reference_record"
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


def write_record(folder: Path, model: Any, auto_class: str, inputs: dict[str, torch.Tensor]) -> dict[str, Any]:
    """Write `folder/reference_outputs.safetensors` for `model` (loaded by `auto_class`) on `inputs`; return the
    record's metadata. Outputs are computed in fp32, in eval mode. The file appears whole or not at all: an error
    while writing (OSError, SafetensorError) leaves no file behind and is raised for the caller to report."""
    model = model.float().eval()
    with torch.no_grad():
        outputs = tensor_outputs(model(**inputs, output_hidden_states=True))
    tensors = {f"inputs.{name}": value for name, value in inputs.items()}
    tensors.update({f"outputs.{name}": value for name, value in recorded_outputs(outputs).items()})
    metadata = {
        "format_version": FORMAT_VERSION,
        "auto_class": auto_class,
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
    finally:
        partial.unlink(missing_ok=True)
    return metadata


def read_record(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The tensors of a record and its metadata (an empty dict if the file has none: not a record)."""
    with safe_open(path, framework="pt") as record_file:
        header = record_file.metadata() or {}
        tensors = {name: record_file.get_tensor(name) for name in record_file.keys()}
    return tensors, json.loads(header[METADATA_KEY]) if METADATA_KEY in header else {}
