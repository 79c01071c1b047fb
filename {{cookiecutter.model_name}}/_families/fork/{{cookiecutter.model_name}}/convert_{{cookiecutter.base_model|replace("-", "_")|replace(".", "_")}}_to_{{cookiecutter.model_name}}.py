r"""Convert a native transformers `{{ cookiecutter.base_model }}` checkpoint folder into a {{ cookiecutter.class_prefix }} checkpoint.

    python -m {{ cookiecutter.model_name }}.convert_{{ cookiecutter.base_model | replace("-", "_") | replace(".", "_") }}_to_{{ cookiecutter.model_name }} \
        --input path/to/{{ cookiecutter.base_model }} --output checkpoints/{{ cookiecutter.model_name }}

This project's code is a fork of that model's, so nothing is renamed: the weights load as they are (through the
checkpoint conversions transformers applies to the source's model type, which the fork registers for its own), the
config is rewritten for this model (its model_type, its classes, the complete `auto_map`), and the tokenizer,
image processor and processor files of the input folder are carried over. Every tensor is checked against the target
model: a missing, unexpected or mis-shaped tensor stops the conversion with a report, nothing is loaded silently.
"""

from __future__ import annotations

import json
import shutil
from contextlib import suppress
from pathlib import Path
from typing import Any

import torch
import transformers
from transformers import PretrainedConfig, PreTrainedModel

from .cli import CommandError, temporary_folder
from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config
from .conversion import TOKENIZER_FILES, ConversionError, command_line, copy_files, read_input
from .family import CONVERTS_FROM, DEFAULT_AUTO_CLASS, FACTS
from .fork import auto_mappings, config_values
from .inputs import expected_weights, load_tokenizer, safetensors_files, shorten, tensor_shapes, weight_problems
from .modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES

SOURCE = f"transformers {CONVERTS_FROM!r}"
NATIVE_CONFIG = transformers.CONFIG_MAPPING[CONVERTS_FROM]
# Native head class name -> ours (`{{ cookiecutter.base_model }}`'s classes, renamed by the fork).
HEADS: dict[str, type[PreTrainedModel]] = {
    FACTS["heads"][auto_class][0]: model_class for model_class, auto_class in AUTO_CLASSES.items()
}
DEFAULT_NATIVE_HEAD = FACTS["heads"][DEFAULT_AUTO_CLASS][0]
# The files beside the weights that the converted checkpoint carries over: the tokenizer's, and the image processor's
# and processor's (with its chat template).
CARRIED_FILES = (
    *TOKENIZER_FILES,
    "added_tokens.json",  # an older tokenizer's added tokens (llava-hf's "<image>")
    "preprocessor_config.json",
    "processor_config.json",
    "video_preprocessor_config.json",
    "chat_template.json",  # a processor's chat template in the older format (the current one is a tokenizer file)
    "generation_config.json",  # the source's generation settings, over those the model's save derives from its config
)


def convert_config(source_config: PretrainedConfig) -> {{ cookiecutter.class_prefix }}Config:
    """Our config with every setting of the source's (the fork's config class takes the same settings)."""
    values: dict[str, Any] = config_values(source_config)
    values.pop("model_type", None)
    for key, value in list(values.items()):
        if isinstance(value, dict) and value.get("model_type") in FACTS["model_types"]:
            values[key] = {**value, "model_type": FACTS["model_types"][value["model_type"]]}
    values.update(id2label=source_config.id2label, label2id=source_config.label2id)
    return {{ cookiecutter.class_prefix }}Config(**values)


def convert(input_dir: Path, output_dir: Path) -> list[str]:
    """Convert `input_dir` (a native `{{ cookiecutter.base_model }}` folder) into `output_dir`; return the report lines."""
    # Before anything else: refuse a folder of another model, of this project, or one that names code to run.
    model_class, source_config = read_input(input_dir, SOURCE, NATIVE_CONFIG, HEADS, DEFAULT_NATIVE_HEAD)
    config = convert_config(source_config)
    files = safetensors_files(input_dir, "--input")
    found = tensor_shapes(files)  # refuses a truncated or corrupt file, with its path
    # Every tensor the model stores, under the names and in the shapes it stores them (through the conversions
    # transformers keys on the model type), and nothing else: checked before anything is loaded.
    expected, tied = expected_weights(model_class, config)
    problems = weight_problems(expected, found, tied)
    # transformers also converts layouts it keys on a sub-model's class (a CLIP vision tower stored under
    # `vision_model.`, as llava-hf's checkpoints store it), which this check does not know: what it finds stops the
    # conversion only where loading, through every conversion, does not fit either.
    with temporary_folder("convert-stage-") as staging:
        for path in files:
            (staging / path.name).symlink_to(path.resolve())
        index = input_dir / "model.safetensors.index.json"
        if index.is_file():
            shutil.copyfile(index, staging / index.name)
        config.save_pretrained(staging)
        try:
            model, info = model_class.from_pretrained(staging, output_loading_info=True)
        except (RuntimeError, ValueError) as error:  # shapes that do not fit, even through the conversions
            reason = f"{'; '.join(problems)}." if problems else str(error)
            raise ConversionError(f"the checkpoint does not match the model: {reason}") from error
    unused = set(info.get("unexpected_keys") or ())
    dropped = sorted(unused & other_heads_tensors(source_config))
    loaded = loading_problems(model, {**info, "unexpected_keys": sorted(unused - set(dropped))}, found)
    problems = (problems or loaded) if loaded else []  # the check names the stored tensors, where both find some
    if problems:
        raise ConversionError(f"the checkpoint does not match the model: {'; '.join(problems)}.")
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output_dir)
    return [
        f"tensors in checkpoint: {len(found)}, in model: {len(model.state_dict())}",
        "missing, unused or mis-shaped tensors: none",
        *([f"dropped: {shorten(dropped)}, which only other heads of {SOURCE} hold"] if dropped else []),
        copy_files(input_dir, output_dir, CARRIED_FILES),
        *name_tokenizer_class(input_dir, output_dir, source_config),
    ]


def name_tokenizer_class(input_dir: Path, output_dir: Path, source_config: PretrainedConfig) -> list[str]:
    """Name in the carried tokenizer_config.json the tokenizer class transformers loads for the source, where the file
    names another or none: transformers picks the class by model type for some types (llava-hf's files name
    LlamaTokenizer, read for 'llava' as TokenizersBackend, which splits a prompt otherwise), and it does not know this
    model's type. Returns the report line, if the file changed."""
    path = output_dir / "tokenizer_config.json"
    if not path.is_file():
        return []
    try:
        loaded = type(load_tokenizer(input_dir, source_config)).__name__
    except CommandError as error:  # files transformers cannot read here: carried as they are
        return [f"tokenizer_config.json: as it is ({error})"]
    settings = json.loads(path.read_text())
    named = settings.get("tokenizer_class")
    if named is not None and named.removesuffix("Fast") == loaded.removesuffix("Fast"):
        return []
    settings["tokenizer_class"] = loaded
    path.write_text(json.dumps(settings, indent=2, ensure_ascii=False) + "\n")
    return [f"tokenizer_config.json: tokenizer_class {named} -> {loaded}, as transformers loads it for {SOURCE}"]


def other_heads_tensors(source_config: PretrainedConfig) -> set[str]:
    """The tensors that only the source's other heads hold (BERT's pre-training head: the pooler and the next-sentence
    head beside the masked-LM head), by their names in those heads' checkpoints: a checkpoint saved by one of them
    (bert-base-uncased's) holds them beside the weights of the head it names, which transformers' own head drops when
    it loads them; the conversion drops them too, and says so."""
    held: set[str] = set()
    heads = [mapping[CONVERTS_FROM] for mapping in auto_mappings().values() if CONVERTS_FROM in mapping]
    for name in {name for value in heads for name in ([value] if isinstance(value, str) else value)}:
        with suppress(Exception), torch.device("meta"):  # a head this config cannot build holds nothing to drop
            held |= set(getattr(transformers, name)(source_config).state_dict())
    return held


def loading_problems(model: PreTrainedModel, info: dict[str, Any], found: dict[str, tuple[int, ...]]) -> list[str]:
    """What kept the checkpoint from loading exactly, from transformers' loading report."""
    mismatched = sorted(
        f"{name}: checkpoint {tuple(checkpoint)} != model {tuple(expected)}"
        for name, checkpoint, expected in info.get("mismatched_keys") or ()
    )
    problems = {
        "missing from checkpoint": sorted(info.get("missing_keys") or ()),
        "unused from checkpoint": sorted(info.get("unexpected_keys") or ()),
        "shape mismatches": mismatched,
    }
    return [f"{what}: {shorten(list(names))}" for what, names in problems.items() if names]


main = command_line(convert, __doc__, SOURCE)


if __name__ == "__main__":
    raise SystemExit(main())
