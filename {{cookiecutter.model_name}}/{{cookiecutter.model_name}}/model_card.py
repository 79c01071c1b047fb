"""The model card of a release: generated from the real config and the reference record's metadata through
huggingface_hub's `ModelCard` and `ModelCardData`, from `model_card_template.md`."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any, Protocol

from huggingface_hub import ModelCard, ModelCardData
from transformers import PretrainedConfig, PreTrainedModel

from .checkpoint import Origin
from .family import DESCRIPTION, EXPORT_NOTES, LORA_OPTIONS, LORA_TARGET_MODULES, PIPELINE_TAG, usage_code
from .modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES
from .record import RECORD_FILE
from .usage import code_block

PACKAGE = "{{ cookiecutter.model_name }}"
LICENSE = "{{ cookiecutter.license }}"
AUTHOR = "{{ cookiecutter.author }}"
MIN_TRANSFORMERS = "{{ cookiecutter.min_transformers_version }}"
CARD_TEMPLATE = Path(__file__).with_name("model_card_template.md")


class LibraryFiles(Protocol):
    """The checked files of another library that loads the model from the same repository (`family.library_files`).

    They go into the release beside the model's own, and the model card names that library and shows its usage.
    """

    library_name: str
    pipeline_tag: str
    tags: list[str]

    def copy_into(self, folder: Path) -> None: ...

    def usage_code(self, repo_id: str) -> str: ...

    def load_line(self, repo_id: str, revision: str) -> str: ...


def architecture_table(config: PretrainedConfig, prefix: str = "") -> str:
    """Markdown rows of every argument the config class declares, with this model's values; a sub-config (a
    vision-language model's `text_config`, ...) gives the rows of its own arguments (`text_config.hidden_size`)."""
    names = [name for name in inspect.signature(type(config).__init__).parameters if name not in ("self", "kwargs")]
    rows = []
    for name, value in ((name, getattr(config, name)) for name in names):
        is_sub_config = isinstance(value, PretrainedConfig)
        rows.append(architecture_table(value, f"{name}.") if is_sub_config else f"| `{prefix}{name}` | `{value!r}` |")
    return "\n".join(rows)


def citation(repo_id: str) -> str:
    name = repo_id.split("/")[-1]
    key = name.replace("-", "_").replace(".", "_")
    url = f"https://huggingface.co/{repo_id}"
    return "\n".join(
        ["@misc{" + key + ",", "  author = {" + AUTHOR + "},", "  title = {" + name + "},"]
        + ["  howpublished = {\\url{" + url + "}},", "}"]
    )


def lora_code(repo_id: str, auto_class: str) -> str:
    """A Markdown code block that adds a LoRA adapter to the published model, with the family's target modules."""
    settings = {**LORA_OPTIONS.get(auto_class, {}), "r": 8, "lora_alpha": 16, "target_modules": LORA_TARGET_MODULES}
    lines = [
        "config = LoraConfig(",
        *(f"    {name}={json.dumps(value)}," for name, value in settings.items()),
        ")",
        "model = get_peft_model(model, config)",
        "model.print_trainable_parameters()",
    ]
    imports = ["from peft import LoraConfig, get_peft_model", f"from transformers import {auto_class}"]
    return code_block(imports, repo_id, lines, {"model": auto_class})


def hub_link(repo_id: str) -> str:
    """A Markdown link to `repo_id` on the Hub."""
    return f"[{repo_id}](https://huggingface.co/{repo_id})"


def describe_weights(origin: Origin, base_model: str | None) -> str:
    """What the weights are, in words: untrained, trained from scratch (or from `base_model`), converted from the
    recorded source, or fine-tuned from its conversion (see `checkpoint.weights_origin`)."""
    if origin.kind == "trained":
        return f"trained from {hub_link(base_model)}" if base_model else "trained from scratch"
    if origin.kind == "untrained" or origin.source is None:
        words = "untrained: random weights, newly initialised from the config"
    else:
        source, revision = origin.source, origin.source.get("revision")
        name = f"{hub_link(source['name'])} (revision `{revision}`)" if revision else f"`{source['name']}`"
        converted = f"{name}, a {source['model']} checkpoint"
        if origin.kind == "converted":
            words = f"converted from {converted}, not trained since"
        else:
            words = f"fine-tuned from a conversion of {converted}"
    return words + (f"; base model: {hub_link(base_model)}" if base_model else "")


def build_model_card(
    model: PreTrainedModel,
    repo_id: str,
    code_files: list[str],
    origin: Origin,
    recorded: dict[str, Any],
    base_model: str | None = None,
    datasets: list[str] | None = None,
    library: LibraryFiles | None = None,
) -> ModelCard:
    """The model card, from the real config, what the weights are (`origin`) and the reference record's metadata
    (`recorded`), through huggingface_hub's `ModelCard` and `ModelCardData`."""
    config = model.config
    auto_class = AUTO_CLASSES[type(model)]
    card_data = ModelCardData(
        library_name=library.library_name if library else "transformers",
        license=LICENSE,
        pipeline_tag=library.pipeline_tag if library else PIPELINE_TAG,
        tags=[*(library.tags if library else []), "custom_code", config.model_type],
        base_model=base_model,
        datasets=datasets or None,
    )
    return ModelCard.from_template(
        card_data,
        template_path=str(CARD_TEMPLATE),
        model_name=repo_id.split("/")[-1],
        description=DESCRIPTION,
        repo_id=repo_id,
        repo_url=f"https://huggingface.co/{repo_id}",
        author=AUTHOR,
        license=LICENSE,
        num_parameters=f"{model.num_parameters():,}",
        weights=describe_weights(origin, base_model),
        model_class=type(model).__name__,
        auto_class=auto_class,
        model_type=config.model_type,
        usage=library.usage_code(repo_id) if library else usage_code(repo_id, auto_class),
        lora=lora_code(repo_id, auto_class),
        export_notes=EXPORT_NOTES,
        code_files="`, `".join(code_files),
        architecture_table=architecture_table(config),
        record_file=RECORD_FILE,
        recorded_transformers=recorded["transformers_version"],
        recorded_torch=recorded["torch_version"],
        min_transformers=MIN_TRANSFORMERS,
        package=PACKAGE,
        citation=citation(repo_id),
    )
