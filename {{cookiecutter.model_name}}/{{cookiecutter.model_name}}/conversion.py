"""What every conversion script shares: checking the input folder before anything is loaded from it, reading its
config and safetensors weights, building our config from the source's, checking the weights against the model so that
nothing loads silently, and the command line. Each family's `convert_<source>_to_<name>.py` adds what is specific to
its source model: the options it refuses, the settings and tensor names that differ, and the files beside the weights.

The input is data, never code: its config.json is read as JSON and its model_type and architecture are checked
first; a folder that names code to run (`auto_map`) is refused; the config is read with transformers' own class for
the source model. The converted checkpoint is written to a temporary folder and moved to `--output` only when
complete, so a failed or interrupted conversion leaves `--output` as it was. Its config.json records what was converted
(`record_source`), for the model card that publish writes.
"""

from __future__ import annotations

import argparse
import copy
import inspect
import shutil
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file
from transformers import PretrainedConfig, PreTrainedModel

from .checkpoint import record_source
from .cli import CommandError, check_new_folder, move_into, path_kind, run_command, temporary_folder, writing
from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config
from .inputs import (
    CONFIG_ERRORS,
    PROCESSOR_FILES,
    config_problem,
    current_name,
    load_tokenizer,
    read_config,
    refuse_foreign_code,
    safetensors_files,
    tensor_shapes,
    weight_problems,
)

PACKAGE = "{{ cookiecutter.model_name }}"
PREFIX = "{{ cookiecutter.class_prefix }}"
# What every config holds beside the model's own settings, carried over by `converted_config`.
BASE_SETTINGS = ("id2label", "label2id", "problem_type", "dtype")
# The files of a tokenizer beside the weights, in its current and older formats; the older ones, which transformers'
# own save no longer writes, are carried as they are for the tools that read them (SentencePiece's model, BERT's
# vocabulary); the generation settings are carried as they are.
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "tokenizer.model",
    "vocab.txt",
    "chat_template.jinja",
)
OLDER_TOKENIZER_FILES = ("tokenizer.model", "vocab.txt")
GENERATION_FILE = "generation_config.json"


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


def native_heads(source_prefix: str, heads: Collection[type[PreTrainedModel]]) -> dict[str, type[PreTrainedModel]]:
    """Native head class name -> ours, for each of `heads` (the modeling file's `AUTO_CLASSES`): our heads are named as
    the source model's after the prefix (`LlamaForCausalLM` -> `{PREFIX}ForCausalLM`)."""
    return {source_prefix + head.__name__.removeprefix(PREFIX): head for head in heads}


def read_input(
    folder: Path,
    source: str,
    config_class: type[PretrainedConfig],
    heads: Mapping[str, type[PreTrainedModel]],
    default_head: str,
) -> tuple[type[PreTrainedModel], PretrainedConfig]:
    """Check `folder` before anything is loaded from it (`check_input`), then read its config with `config_class`,
    transformers' own class for the source model: return our head for the folder's architecture, and that config.
    The weights come next (`load_safetensors`), once the config is known to convert."""
    architecture = check_input(folder, source, config_class.model_type, heads, default_head)
    return heads[architecture], load_source_config(config_class, folder, source)


def load_source_config(config_class: type[PretrainedConfig], folder: Path, source: str) -> PretrainedConfig:
    """The input's config, read by `config_class`: transformers' own class for the source model."""
    try:
        return config_class.from_pretrained(folder)
    except CONFIG_ERRORS as error:  # a value of the wrong type or out of range
        problem = config_problem(error)
        raise ConversionError(f"{folder / 'config.json'} is not a valid {source} config: {problem}") from error


def converted_config(
    source_config: PretrainedConfig,
    config_class: type[PretrainedConfig],
    source: str,
    unsupported: Mapping[str, tuple[Any, Any]] | None = None,
    **settings: Any,
) -> PretrainedConfig:
    """Our config with the settings of `source_config` that `config_class` takes under the same name (copies: the
    names mean what they mean in the source model), its labels, problem type and dtype, then `settings`; a setting the
    source config lacks keeps our default. `unsupported` (name -> (value, the one value this model implements)) and
    our config's own checks refuse what this model cannot do, with a ConversionError that names the setting."""
    for name, (value, supported) in (unsupported or {}).items():
        if value != supported:
            raise ConversionError(f"{source} option {name}={value!r} is not supported (only {supported!r}).")
    names = [name for name in inspect.signature(config_class.__init__).parameters if name not in ("self", "kwargs")]
    names += BASE_SETTINGS
    same = {name: copy.deepcopy(getattr(source_config, name)) for name in names if hasattr(source_config, name)}
    config = config_class(**{**same, **settings})
    try:
        config.validate_architecture()
    except ValueError as error:  # e.g. a RoPE type or an activation this model does not implement
        raise ConversionError(f"the {source} config does not fit this model: {error}") from error
    return config


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


def named_for(model: PreTrainedModel, converted: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """`converted` named as our heads name it (`model.` before the base model's weights), renamed for `model`: a bare
    base model holds them without that prefix (its `base_model_prefix`), as transformers' own base models do."""
    prefix = f"{model.base_model_prefix}."
    if any(name.startswith(prefix) for name in model.state_dict()):
        return converted
    return {name.removeprefix(prefix): tensor for name, tensor in converted.items()}


def load_checked(
    model_class: type[PreTrainedModel],
    config: PretrainedConfig,
    converted: dict[str, torch.Tensor],
) -> tuple[PreTrainedModel, list[str]]:
    """Build `model_class` without allocating weights, check `converted` (`named_for` it) against it, then load it
    (and re-tie)."""
    with torch.device("meta"):
        model = model_class(config)
    converted = named_for(model, converted)
    tied = getattr(config, "tie_word_embeddings", False)
    report = check_state_dict(model.state_dict(), converted, set(model._tied_weights_keys or {}) if tied else set())
    model.load_state_dict(converted, strict=False, assign=True)
    model.tie_weights()
    return model, report


def save_converted(
    model_class: type[PreTrainedModel],
    config: PretrainedConfig,
    converted: dict[str, torch.Tensor],
    output_dir: Path,
    input_dir: Path | None = None,
    source_config: PretrainedConfig | None = None,
) -> list[str]:
    """Load `converted` into `model_class` once checked (`load_checked`), save it (weights, config and code) to
    `output_dir`, made if need be, with the tokenizer (`save_tokenizer`, as the model of `source_config` reads it) and
    the generation settings of `input_dir`, if it has them; return the report."""
    model, report = load_checked(model_class, config, converted)
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output_dir)
    if input_dir is not None and source_config is not None:
        report.append(save_tokenizer(input_dir, output_dir, source_config))
        report.append(copy_files(input_dir, output_dir, (GENERATION_FILE,)))
    return report


def save_tokenizer(input_dir: Path, output_dir: Path, source_config: PretrainedConfig) -> str:
    """Save the tokenizer of `input_dir` into `output_dir` as transformers reads it for the source model
    (`source_config`; its own classes, no code from the folder), so that the converted folder, whose model type
    transformers does not know, names its tokenizer's class and special tokens itself (bert-base-uncased's
    tokenizer_config.json names neither); carry the older files beside it. Files that transformers cannot read here
    are copied as they are. Returns the report line."""
    if not any((input_dir / name).is_file() for name in TOKENIZER_FILES):
        return "tokenizer: none in the input folder"
    try:
        tokenizer = load_tokenizer(input_dir, source_config)
    except CommandError as error:
        return f"tokenizer: {copy_files(input_dir, output_dir, TOKENIZER_FILES)}, as they are ({error})"
    tokenizer.save_pretrained(output_dir)
    older = copy_files(input_dir, output_dir, OLDER_TOKENIZER_FILES)
    return f"tokenizer: saved as {type(tokenizer).__name__}; {older}"


def copy_files(input_dir: Path, output_dir: Path, names: tuple[str, ...]) -> str:
    """Copy the files of `names` that `input_dir` has; return a report line."""
    copied = [name for name in names if (input_dir / name).is_file()]
    for name in copied:
        shutil.copyfile(input_dir / name, output_dir / name)
    return f"copied from the input folder: {copied or 'none'}"


def command_line(convert: Callable[[Path, Path], list[str]], doc: str, source: str) -> Callable[..., int]:
    """A conversion script's `main(argv=None)`: its command line, `--input` (a `source` folder) and a new `--output`
    folder, that runs `convert` and returns the exit code."""

    def main(argv: list[str] | None = None) -> int:
        return run_cli(convert, doc, source, argv)

    return main


def run_cli(convert: Callable[[Path, Path], list[str]], doc: str, source: str, argv: list[str] | None) -> int:
    """The command line of a conversion script: `--input` (a `source` folder) and a new `--output` folder."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--input", type=Path, required=True, help=f"folder of a {source} checkpoint (save_pretrained)")
    parser.add_argument("--output", type=Path, required=True, help="new folder to write the converted checkpoint to")
    args = parser.parse_args(argv)
    if (kind := path_kind(args.input)) != "folder":
        what = "is a file" if kind == "file" else "does not exist"
        parser.error(
            f"--input {args.input} {what}: pass the local folder a {source} model was saved to (for a Hub model, "
            "download it first: `hf download <repo id> --local-dir <folder>`)."
        )
    problem = check_new_folder(args.output, "--output")
    if problem:
        parser.error(problem)
    return run_command(lambda: convert_into(convert, args.input, args.output, source))


def convert_into(convert: Callable[[Path, Path], list[str]], input_dir: Path, output: Path, source: str) -> int:
    """Convert into a temporary folder, record the `source` there (`record_source`), then move the complete result
    to `output`."""
    with temporary_folder("convert-") as staging:
        with writing(staging, "the converted checkpoint"):
            report = convert(input_dir, staging)
            report.append(record_source(input_dir, staging, source))
        move_into(staging, output)
    print("\n".join(report))
    print(f"saved to {output}")
    return 0
