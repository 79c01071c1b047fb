"""Reading and checking the model a user publishes or records: a saved checkpoint of this project, checked before
anything is loaded from it (no code from it runs), or a new model built from a config; its tokenizer or processor; and
what a conversion records of its source in config.json: written here (`record_source`), read here (`weights_origin`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

from transformers import PreTrainedModel

from .cli import CommandError
from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config
from .family import (
    CONVERTS_FROM,
    DEFAULT_HEAD,
    PROCESSOR_AUTO_MAP,
    PROCESSOR_FILE,
    SAVE_PROCESSOR,
    Processor,
    check_processor,
    default_processor,
    load_processor,
)
from .inputs import (
    CONFIG_ERRORS,
    CONVERTED_FROM,
    PROCESSOR_FILE_NAMES,
    PROCESSOR_FILES,
    config_problem,
    expected_weights,
    read_config,
    read_json,
    refuse_foreign_code,
    safetensors_files,
    tensor_shapes,
    weight_problems,
    weights_digest,
)
from .modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES, auto_map

PACKAGE = "{{ cookiecutter.model_name }}"
CLASS_PREFIX = "{{ cookiecutter.class_prefix }}"
MODEL_TYPE = {{ cookiecutter.class_prefix }}Config.model_type
# What the saved processor is, in words (for messages).
PROCESSOR_KIND = {
    "tokenizer_config.json": "tokenizer",
    "preprocessor_config.json": "image processor",
    "processor_config.json": "processor",
}[PROCESSOR_FILE]
# Head name (e.g. "ForCausalLM") -> class, for every registered class.
HEADS = {model_class.__name__.removeprefix(CLASS_PREFIX): model_class for model_class in AUTO_CLASSES}
# What a conversion records in config.json (`record_source`): the keys it always writes, and the one it
# writes for a snapshot of the Hub cache.
SOURCE_KEYS = ("model", "model_type", "name", "weights_sha256")
SOURCE_REVISION = "revision"


class Origin(NamedTuple):
    """What the published weights are, for the model card: `kind` is "untrained" (a new model, random weights),
    "trained" (a checkpoint that no conversion wrote), "converted" (the weights a conversion script wrote) or
    "fine-tuned" (converted, then trained: the weights are no longer the converted ones); `source` is what the
    conversion recorded (the config's `CONVERTED_FROM`)."""

    kind: str
    source: dict[str, str] | None = None


def load_model(checkpoint: Path | None, config_file: Path | None, head: str | None) -> PreTrainedModel:
    """The model saved in `checkpoint`, or a new one of `head` built from `config_file` (default config if None)."""
    if checkpoint is None:
        return new_model(config_file, head or DEFAULT_HEAD)
    if head is not None:
        raise CommandError("--head is for a new model: a checkpoint keeps the head it was saved with.")
    model_class = check_checkpoint(checkpoint)
    try:
        config = {{ cookiecutter.class_prefix }}Config.from_pretrained(checkpoint)
        expected, tied = expected_weights(model_class, config)
    except CONFIG_ERRORS as error:  # the config's values cannot build the model
        problem = config_problem(error)
        raise CommandError(f"--checkpoint {checkpoint} has a config this model refuses: {problem}") from error
    problems = weight_problems(expected, tensor_shapes(safetensors_files(checkpoint, "--checkpoint")), tied)
    if problems:
        raise CommandError(
            f"--checkpoint {checkpoint} does not hold this model's weights ({'; '.join(problems)}): save it with "
            f"{model_class.__name__}.save_pretrained."
        )
    return model_class.from_pretrained(checkpoint, config=config, use_safetensors=True)


def new_model(config_file: Path | None, head: str) -> PreTrainedModel:
    """A new, randomly initialised model of `head` with the settings of `config_file` (the default config if None)."""
    settings = read_json(config_file) if config_file else {}
    model_type = settings.get("model_type", MODEL_TYPE)
    if model_type != MODEL_TYPE:
        raise CommandError(f"--config {config_file} is a {model_type!r} config, not a {MODEL_TYPE!r} one.")
    try:
        return HEADS[head]({{ cookiecutter.class_prefix }}Config.from_dict(settings))
    except CONFIG_ERRORS as error:  # a value of the wrong type or out of range
        source = f"--config {config_file}" if config_file else "the default config"
        raise CommandError(f"{source} cannot build the model: {config_problem(error)}") from error


def check_checkpoint(checkpoint: Path) -> type[PreTrainedModel]:
    """Check `checkpoint` before anything is loaded from it; return the class that saved it."""
    config = read_config(checkpoint, "--checkpoint")
    model_type = config["model_type"]
    if model_type != MODEL_TYPE:
        if model_type == CONVERTS_FROM:
            fix = (
                f"convert it first: python -m {PACKAGE}.convert_{CONVERTS_FROM}_to_{PACKAGE} --input {checkpoint} "
                "--output <new folder>"
            )
        else:
            fix = f"publish takes {MODEL_TYPE} checkpoints only"
        raise CommandError(f"--checkpoint {checkpoint} holds a {model_type!r} model, not a {MODEL_TYPE!r} one: {fix}.")
    by_name = {model_class.__name__: model_class for model_class in AUTO_CLASSES}
    architectures = config.get("architectures")
    if not isinstance(architectures, list) or len(architectures) != 1 or architectures[0] not in by_name:
        raise CommandError(
            f"--checkpoint {checkpoint} was saved by {architectures or 'no class'}, not by one of {sorted(by_name)}: "
            "save it with one of them."
        )
    refuse_foreign_code(checkpoint / "config.json", own=auto_map())
    for name in PROCESSOR_FILES:
        refuse_foreign_code(checkpoint / name, own=PROCESSOR_AUTO_MAP)
    return by_name[architectures[0]]


def weights_origin(checkpoint: Path | None) -> Origin:
    """What the weights of `checkpoint` (None: a new model) are: converted, by what its config.json records, and still
    as converted if their digest is the recorded one."""
    if checkpoint is None:
        return Origin("untrained")
    source = read_config(checkpoint, "--checkpoint").get(CONVERTED_FROM)
    if source is None:
        return Origin("trained")
    keys = (*SOURCE_KEYS, SOURCE_REVISION)
    if (
        not isinstance(source, dict)
        or not set(SOURCE_KEYS) <= set(source) <= set(keys)
        or not all(isinstance(value, str) for value in source.values())
    ):
        raise CommandError(
            f"{checkpoint / 'config.json'} has a {CONVERTED_FROM!r} entry that no conversion script wrote (it records "
            f"the strings {', '.join(keys[:-1])} and, for a Hub download, {keys[-1]}): convert the model again, or "
            f"remove the entry if the model was not converted."
        )
    converted = weights_digest(safetensors_files(checkpoint, "--checkpoint")) == source["weights_sha256"]
    return Origin("converted" if converted else "fine-tuned", source)


def record_source(input_dir: Path, output_dir: Path, source: str) -> str:
    """Record in `output_dir`'s config.json (its `CONVERTED_FROM` key) what was converted: the `source` model, the
    input's name and the digest of the converted weights, by which publish tells this checkpoint from one trained
    further. The name is the repo id and revision of a snapshot of the Hub cache (where `hf download <repo id>`
    puts it), else the folder's name: never the whole local path, which a published config.json would show. Returns
    the report line."""
    folder = input_dir.resolve()
    cache = folder.parent.parent.name  # models--<namespace>--<name>, for <cache>/snapshots/<commit>
    if folder.parent.name == "snapshots" and cache.startswith("models--"):
        name = {"name": cache.removeprefix("models--").replace("--", "/"), "revision": folder.name}
    else:
        name = {"name": folder.name}
    weights = weights_digest(safetensors_files(output_dir, "--output"))
    recorded = {"model": source, "model_type": CONVERTS_FROM, **name, "weights_sha256": weights}
    config = {**read_json(output_dir / "config.json"), CONVERTED_FROM: recorded}
    # As transformers writes config.json (`PretrainedConfig.to_json_string`).
    (output_dir / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return f"recorded in config.json ({CONVERTED_FROM}): converted from {name['name']}, a {source} checkpoint"


def find_processor(folder: Path | None, config: {{ cookiecutter.class_prefix }}Config, required: bool) -> Processor:
    """The tokenizer or processor saved in `folder` (`--processor`, or else the checkpoint); the family's default one
    only for a new model (`folder` None). A checkpoint that holds none, or only part of one (a vision-language model's
    tokenizer without its processor), is refused with how to save it: a default never replaces what the model was
    trained with."""
    if folder is not None and (folder / PROCESSOR_FILE).is_file():
        for name in PROCESSOR_FILES:
            refuse_foreign_code(folder / name, own=PROCESSOR_AUTO_MAP)
        processor = load_processor(folder, config)
    elif required:
        raise CommandError(f"--processor {folder} holds no {PROCESSOR_FILE}: pass the folder it was saved to.")
    elif folder is not None:
        found = sorted(name for name in PROCESSOR_FILE_NAMES if (folder / name).exists())
        holds = f"holds {', '.join(found)} but no {PROCESSOR_FILE}" if found else f"holds no {PROCESSOR_FILE}"
        raise CommandError(
            f"--checkpoint {folder} {holds}: publish ships the checkpoint's own {PROCESSOR_KIND}, never a default one "
            f"in its place. {SAVE_PROCESSOR[:1].upper()}{SAVE_PROCESSOR[1:]}, or pass --processor <folder>."
        )
    else:
        print(f"no {PROCESSOR_FILE}: a new model gets the default one. {default_processor.__doc__}")
        processor = default_processor(config)
    check_processor(processor, config)
    return processor
