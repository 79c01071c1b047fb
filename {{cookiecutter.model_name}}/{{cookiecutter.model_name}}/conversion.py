"""What every conversion script shares: reading a safetensors checkpoint, checking it against the model so that
nothing loads silently, and the command line. Each family's `convert_<source>_to_<name>.py` adds what is specific
to its source model: the config mapping and the tensor names.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import torch
from safetensors.torch import load_file
from transformers import PretrainedConfig, PreTrainedModel


class ConversionError(ValueError):
    """The checkpoint cannot be converted faithfully."""


def load_safetensors(folder: Path) -> dict[str, torch.Tensor]:
    """All tensors of a `save_pretrained` folder, sharded or not."""
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
    elif (folder / "model.safetensors").is_file():
        shards = ["model.safetensors"]
    else:
        raise ConversionError(f"no model.safetensors or model.safetensors.index.json in {folder}.")
    state_dict: dict[str, torch.Tensor] = {}
    for shard in shards:
        state_dict.update(load_file(folder / shard))
    return state_dict


def check_state_dict(
    expected: dict[str, torch.Tensor],
    converted: dict[str, torch.Tensor],
    tied_keys: set[str],
) -> list[str]:
    """Compare names and shapes; return the report lines, raise `ConversionError` on any mismatch."""
    missing = sorted(set(expected) - set(converted) - tied_keys)
    unexpected = sorted(set(converted) - set(expected))
    mismatched = sorted(
        f"{key}: checkpoint {tuple(converted[key].shape)} != model {tuple(expected[key].shape)}"
        for key in set(expected) & set(converted)
        if converted[key].shape != expected[key].shape
    )
    report = [
        f"tensors in checkpoint: {len(converted)}, in model: {len(expected)}",
        f"missing from checkpoint: {missing or 'none'}",
        f"unused from checkpoint: {unexpected or 'none'}",
        f"shape mismatches: {mismatched or 'none'}",
        f"tied to another weight (not stored): {sorted(tied_keys & set(expected) - set(converted)) or 'none'}",
    ]
    if missing or unexpected or mismatched:
        raise ConversionError("the checkpoint does not match the model:\n  " + "\n  ".join(report))
    return report


def load_checked(
    model_class: type[PreTrainedModel],
    config: PretrainedConfig,
    converted: dict[str, torch.Tensor],
) -> tuple[PreTrainedModel, list[str]]:
    """Build `model_class` without allocating weights, check `converted` against it, then load it (and re-tie)."""
    with torch.device("meta"):
        model = model_class(config)
    tied = getattr(config, "tie_word_embeddings", False)
    report = check_state_dict(model.state_dict(), converted, set(model._tied_weights_keys or {}) if tied else set())
    model.load_state_dict(converted, strict=False, assign=True)
    model.tie_weights()
    return model, report


def copy_files(input_dir: Path, output_dir: Path, names: tuple[str, ...]) -> str:
    """Copy the files of `names` that `input_dir` has; return a report line."""
    copied = [name for name in names if (input_dir / name).is_file()]
    for name in copied:
        shutil.copyfile(input_dir / name, output_dir / name)
    return f"copied from the input folder: {copied or 'none'}"


def run_cli(convert: Callable[[Path, Path], list[str]], doc: str, source: str, argv: list[str] | None) -> int:
    """The command line of a conversion script: `--input` (a `source` folder) and a new `--output` folder."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--input", type=Path, required=True, help=f"folder of a {source} checkpoint (save_pretrained)")
    parser.add_argument("--output", type=Path, required=True, help="folder to write the converted checkpoint to")
    args = parser.parse_args(argv)
    if args.output.exists() and any(args.output.iterdir()):
        parser.error(f"--output {args.output} is not empty: choose a new folder.")
    try:
        report = convert(args.input, args.output)
    except ConversionError as error:
        parser.exit(1, f"error: {error}\n")
    print("\n".join(report))
    print(f"saved to {args.output}")
    return 0
