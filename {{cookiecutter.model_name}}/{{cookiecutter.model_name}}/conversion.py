"""What every conversion script shares: checking the input folder before anything is loaded from it, reading its
safetensors weights, checking them against the model so that nothing loads silently, and the command line. Each
family's `convert_<source>_to_<name>.py` adds what is specific to its source model: the config mapping and the
tensor names.

The input is data, never code: its config.json is read as JSON and its model_type and architecture are checked
first; a folder that names code to run (`auto_map`) is refused; the config is read with transformers' own class for
the source model. The converted checkpoint is written to a temporary folder and moved to `--output` only when
complete, so a failed or interrupted conversion leaves `--output` as it was.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable, Collection
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file
from transformers import PretrainedConfig, PreTrainedModel

from .cli import CommandError, check_new_folder, move_into, run_command, temporary_folder
from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config
from .inputs import (
    CONFIG_ERRORS,
    PROCESSOR_FILES,
    config_problem,
    current_name,
    read_config,
    refuse_foreign_code,
    safetensors_files,
    tensor_shapes,
    weight_problems,
)

PACKAGE = "{{ cookiecutter.model_name }}"


class ConversionError(CommandError):
    """The checkpoint cannot be converted faithfully."""


def check_input(folder: Path, source: str, model_type: str, heads: Collection[str], default_head: str) -> str:
    """Check `folder` before anything is loaded from it; return the architecture to convert, one of `heads`.

    It must be a native transformers `source` checkpoint (its config.json says `model_type`) naming no code to run.
    """
    config = read_config(folder, "--input")
    found, own = config["model_type"], {{ cookiecutter.class_prefix }}Config.model_type
    if found == own:
        raise ConversionError(
            f"--input {folder} is already a {own} checkpoint: there is nothing to convert; publish it with "
            f"`python -m {PACKAGE}.publish --checkpoint {folder}`."
        )
    if found != model_type:
        raise ConversionError(
            f"--input {folder} holds a {found!r} model, not a {source} one (model_type {model_type!r}): pass the "
            f"folder of a {source} checkpoint."
        )
    for path in (folder / "config.json", *(folder / name for name in PROCESSOR_FILES)):
        refuse_foreign_code(path)
    architectures = config.get("architectures") or [default_head]
    architecture = architectures[0] if isinstance(architectures, list) else architectures
    if architecture not in heads:
        raise ConversionError(f"cannot convert architecture {architecture!r}: supported are {sorted(heads)}.")
    return architecture


def load_source_config(config_class: type[PretrainedConfig], folder: Path, source: str) -> PretrainedConfig:
    """The input's config, read by `config_class`: transformers' own class for the source model."""
    try:
        return config_class.from_pretrained(folder)
    except CONFIG_ERRORS as error:  # a value of the wrong type or out of range
        problem = config_problem(error)
        raise ConversionError(f"{folder / 'config.json'} is not a valid {source} config: {problem}") from error


def load_safetensors(folder: Path) -> dict[str, torch.Tensor]:
    """All tensors of a `save_pretrained` folder, sharded or not, named as transformers loads them; every file is
    checked before one is loaded."""
    files = safetensors_files(folder, "--input")
    tensor_shapes(files)  # refuses a truncated or corrupt file, with its path
    state_dict: dict[str, torch.Tensor] = {}
    for path in files:
        try:
            state_dict.update({current_name(name): tensor for name, tensor in load_file(path).items()})
        except SafetensorError as error:
            raise ConversionError(f"{path} cannot be read ({error}): save or download it again.") from error
    return state_dict


def check_state_dict(
    expected: dict[str, torch.Tensor],
    converted: dict[str, torch.Tensor],
    tied_keys: set[str],
) -> list[str]:
    """Compare names and shapes; return the report lines, raise `ConversionError` on any mismatch."""
    shapes = {name: tensor.shape for name, tensor in expected.items()}
    problems = weight_problems(shapes, {name: tensor.shape for name, tensor in converted.items()}, tied_keys)
    if problems:
        raise ConversionError(f"the checkpoint does not match the model: {'; '.join(problems)}.")
    return [
        f"tensors in checkpoint: {len(converted)}, in model: {len(expected)}",
        "missing, unused or mis-shaped tensors: none",
        f"tied to another weight (not stored): {sorted(tied_keys & set(expected) - set(converted)) or 'none'}",
    ]


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
    parser.add_argument("--output", type=Path, required=True, help="new folder to write the converted checkpoint to")
    args = parser.parse_args(argv)
    if not args.input.is_dir():
        what = "is a file" if args.input.exists() else "does not exist"
        parser.error(
            f"--input {args.input} {what}: pass the local folder a {source} model was saved to (for a Hub model, "
            "download it first: `hf download <repo id> --local-dir <folder>`)."
        )
    problem = check_new_folder(args.output, "--output")
    if problem:
        parser.error(problem)
    return run_command(lambda: convert_into(convert, args.input, args.output))


def convert_into(convert: Callable[[Path, Path], list[str]], input_dir: Path, output: Path) -> int:
    """Convert into a temporary folder, then move the complete result to `output`."""
    with temporary_folder("convert-") as staging:
        report = convert(input_dir, staging)
        move_into(staging, output)
    print("\n".join(report))
    print(f"saved to {output}")
    return 0
