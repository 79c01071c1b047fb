"""The fork's contract with the shared tests, derived from its source rather than written by hand.

`fork.json` (written when the project was forked) holds the source's model type, the heads and their native classes,
and the tiny config: the source's defaults with every size shrunk and the settings that depend on them (per-layer
lists, expert counts, token ids) kept consistent, checked by building the native model. The example inputs follow the
default head's Auto class (`fork.example_inputs`); parity is against the native class of each head, with the same
weights (tests/fork/test_fork.py). `common.py` lists what each name here is for.
"""

from __future__ import annotations

import dataclasses
import functools
import tempfile
from pathlib import Path
from typing import Any

import torch
import transformers
from transformers import PretrainedConfig, PreTrainedModel

from {{ cookiecutter.model_name }} import convert_{{ cookiecutter.base_model | replace("-", "_") | replace(".", "_") }}_to_{{ cookiecutter.model_name }}, fork
from {{ cookiecutter.model_name }}.family import DEFAULT_AUTO_CLASS, FACTS, MODALITY, default_processor
from {{ cookiecutter.model_name }}.inputs import CONFIG_ERRORS, config_problem, stored_layout

from .hub_layouts import LAYOUT_MODEL_TYPES, native_image_processor, same_inputs, tokenized
from .hub_layouts import TEXTS as HUB_TEXTS
from .images import random_images, write_images

# The code is upstream's: the shared tests compare it with upstream where a curated family promises more.
UPSTREAM_CODE = True
# The source's tiny config is complete: the shared tests add no sizes of their own (`common.TINY_SIZES`).
TINY_SIZES: dict[str, Any] = {}
TINY_CONFIG: dict[str, Any] = FACTS["tiny_config"]
# The config is upstream's: it refuses what upstream's refuses (tests/fork/test_fork.py); the contract adds nothing.
INVALID_SIZES: list[tuple[dict[str, Any], str]] = []
INVALID_CONFIGS: list[tuple[dict[str, Any], str]] = []

NATIVE_CONFIG: type[PretrainedConfig] = transformers.CONFIG_MAPPING[FACTS["base_model"]]


def refusal(values: dict[str, Any]) -> str | None:
    """What upstream's config says when the tiny config is assembled with `values` (None if it takes them), up to the
    settings it may print (in the order they were given)."""
    try:
        NATIVE_CONFIG(**{**TINY_CONFIG, **values})
    except CONFIG_ERRORS as error:
        return config_problem(error).split("{")[0]
    return None


# Settings upstream's config refuses, and what it says (see `common.CONFIG_REFUSALS`): a size of the wrong type (in its
# text or vision config, where the config itself holds none: Idefics3's), and unknown layer types where the config has
# them. Upstream's configs check no ranges.
_FIELDS = {field.name for field in dataclasses.fields(NATIVE_CONFIG)}
_SIZE = next((key for key in (*fork.TINY_SIZES, "hidden_sizes") if key in _FIELDS), None)
_PART = next((key for key in ("text_config", "vision_config") if key in _FIELDS), None)
_WRONG_TYPE = {_SIZE: "large"} if _SIZE else {_PART: {**TINY_CONFIG.get(_PART, {}), "hidden_size": "large"}}
_CASES = {"wrong-type": _WRONG_TYPE, "refused-by-transformers": {"layer_types": ["no_such_layer"]}}
CONFIG_REFUSALS = {
    case: (values, refusal(values)) for case, values in _CASES.items() if set(values) <= _FIELDS and refusal(values)
}
CONFIG_REFUSALS["unbuildable"] = CONFIG_REFUSALS["wrong-type"]
NATIVE_REFUSALS = {
    {"refused-by-transformers": "refused-layer-types"}.get(case, case): refused
    for case, refused in CONFIG_REFUSALS.items()
    if case != "unbuildable"
}

# Ways to feed the model: padded rows are left-padded for a generating head, right-padded for the others.
INPUT_VARIANTS = ("unpadded",) if MODALITY == "image" else ("unpadded", "padded")
# The code is the native model's: its tuples are the native ones in every variant.
TUPLE_VARIANTS = INPUT_VARIANTS

# Our head class -> the native one.
NATIVE_HEADS: dict[str, type[PreTrainedModel]] = fork.native_classes(FACTS)


def example_inputs(config: PretrainedConfig, variant: str = "unpadded") -> dict[str, torch.Tensor]:
    """The inputs of the default head's Auto class (`fork.example_inputs`): a batch of 2."""
    return fork.example_inputs(config, DEFAULT_AUTO_CLASS, variant, FACTS["image_tokens"], FACTS["image_arguments"])


def training_batch(config: PretrainedConfig) -> dict[str, torch.Tensor]:
    """Inputs and labels for the default head."""
    inputs = example_inputs(config)
    return {**inputs, **fork.labels_for(DEFAULT_AUTO_CLASS, inputs, config.num_labels)}


# The benchmark's mid-size model (`common.benchmark_config`): the shared sizes, and for a text model the text
# families' vocabulary and positions (where the source's config has them).
BENCHMARK_CONFIG: dict[str, Any] = {
    key: value
    for key, value in {"vocab_size": 8192, **dict.fromkeys(fork.POSITION_SIZES, 1024)}.items()
    if MODALITY == "text" and key in TINY_CONFIG
}


def benchmark_batch(config: PretrainedConfig) -> dict[str, torch.Tensor]:
    """The benchmark's batch for the default head, with its labels: as the curated families', 4 images, or 4 rows of
    random tokens an eighth of the longest sequence the config takes, the last one padded by a quarter (on the left
    for a generating head); a vision-language model's example inputs."""
    if MODALITY == "image-text":
        return training_batch(config)
    if MODALITY == "image":
        inputs = {"pixel_values": fork.pixel_values(config, batch=4, seed=2)}
        return {**inputs, **fork.labels_for(DEFAULT_AUTO_CLASS, inputs, config.num_labels)}
    positions = (getattr(config, key, None) for key in fork.POSITION_SIZES)
    length = next((value for value in positions if isinstance(value, int)), 1024) // 8
    input_ids = fork.text_ids(config, (4, length), seed=2)
    attention_mask = torch.ones_like(input_ids)
    padding = slice(None, length // 4) if DEFAULT_AUTO_CLASS in fork.GENERATING_HEADS else slice(-(length // 4), None)
    attention_mask[-1, padding] = 0
    inputs = {
        "input_ids": input_ids.masked_fill(attention_mask == 0, fork.SPECIAL_IDS["pad_token_id"]),
        "attention_mask": attention_mask,
    }
    labels = fork.labels_for(DEFAULT_AUTO_CLASS, inputs, config.num_labels)
    if labels.get("labels") is not None and labels["labels"].shape == input_ids.shape:  # no loss at the padding
        labels["labels"] = labels["labels"].masked_fill(attention_mask == 0, -100)
    return {**inputs, **labels}


def native_config(config: PretrainedConfig, **overrides: Any) -> PretrainedConfig:
    """The native config with the settings of `config`: what a conversion maps back onto ours."""
    values = {**fork.config_values(config), "id2label": config.id2label, "label2id": config.label2id}
    values.pop("model_type", None)
    back = {ours: source for source, ours in FACTS["model_types"].items()}
    for key, value in list(values.items()):
        if isinstance(value, dict) and value.get("model_type") in back:
            values[key] = {**value, "model_type": back[value["model_type"]]}
    return NATIVE_CONFIG(**{**values, **overrides})


@functools.cache
def native_base() -> PreTrainedModel:
    """The native base model of the tiny config (built once)."""
    torch.manual_seed(0)
    return NATIVE_HEADS["AutoModel"](NATIVE_CONFIG(**TINY_CONFIG))


# The base model's non-persistent buffers: the shared tests check their values after `from_pretrained`.
BUFFERS = {
    f"{prefix}.{name}" if prefix else name
    for prefix, module in native_base().named_modules()
    for name in module._non_persistent_buffers_set
}

PROCESSOR_AUTO_CLASS = {"text": "AutoTokenizer", "image": "AutoImageProcessor"}.get(MODALITY, "AutoProcessor")


def processor_files() -> set[str]:
    """The files the default processor saves."""
    with tempfile.TemporaryDirectory() as folder:
        default_processor(NATIVE_CONFIG(**TINY_CONFIG)).save_pretrained(folder)
        return {path.name for path in Path(folder).iterdir()}


# The files a published release holds beside those of every project: the processor's, and the generation config of a
# head that generates.
RELEASE_FILES = processor_files() | (
    {"generation_config.json"} if NATIVE_HEADS[DEFAULT_AUTO_CLASS].can_generate() else set()
)

# Auto class of a head -> the pipeline task that serves it, and call options that make it deterministic.
TASKS: dict[str, tuple[str, dict[str, Any]]] = {
    "AutoModelForCausalLM": (
        "text-generation",
        {"max_new_tokens": 8, "min_new_tokens": 8, "do_sample": False, "return_full_text": False},
    ),
    "AutoModelForMaskedLM": ("fill-mask", {"top_k": 5}),
    "AutoModelForSequenceClassification": ("text-classification", {"top_k": None}),
    "AutoModelForTokenClassification": ("token-classification", {"ignore_labels": []}),
    "AutoModelForImageClassification": ("image-classification", {"top_k": None}),
    "AutoModelForImageTextToText": (
        "image-text-to-text",
        {"max_new_tokens": 8, "min_new_tokens": 8, "do_sample": False, "return_full_text": False},
    ),
}
PIPELINES = {auto_class: task for auto_class, task in TASKS.items() if auto_class in FACTS["heads"]}
# transformers' `pipeline.save_pretrained` drops a native processor's own settings (see `common`): a fork of a model
# of images and text checks its pipeline, not a saved copy of it.
PIPELINE_SAVES_PROCESSOR = MODALITY != "image-text"
TEXTS = {
    "text-generation": ["Hello world", "The quick brown fox"],
    "fill-mask": ["The capital of France is <mask>.", "Hello <mask> world!"],
    "text-classification": ["The movie was wonderful.", "The food was cold and the service was terrible."],
    "token-classification": ["Alice works in London.", "Bob lives in New York."],
}


def pipeline_inputs(task: str, folder: Path) -> list:
    """What the processor and the pipeline of `task` are given: two texts, two random PNG images in `folder`, or two
    chats with a question on such an image."""
    if MODALITY == "text":
        return TEXTS.get(task, TEXTS["text-classification"])
    paths = write_images(folder, [(45, 61, 3), (32, 32, 3)])
    if MODALITY == "image":
        return paths
    questions = ["What is this?", "Describe it"]
    return [
        [{"role": "user", "content": [{"type": "image", "url": path}, {"type": "text", "text": question}]}]
        for path, question in zip(paths, questions, strict=True)
    ]


# The tiny model splits over two processes as it is (what upstream's plans split, its sizes divide by two).
PARALLEL_CONFIG: dict[str, Any] = {}


# -- conversion from the native transformers model -----------------------------------------------------------------

CONVERSION = convert_{{ cookiecutter.base_model | replace("-", "_") | replace(".", "_") }}_to_{{ cookiecutter.model_name }}


def converted_key() -> str:
    """A tensor of the last layers of the default head, as the checkpoint stores it (not an expert's: those are stored
    through a conversion); the fork stores it under the same name (the code is the same)."""
    torch.manual_seed(0)
    head = NATIVE_HEADS[DEFAULT_AUTO_CLASS](NATIVE_CONFIG(**TINY_CONFIG))
    names = [name for name, tensor in stored_layout(head, head.state_dict()).items() if tensor.dim() == 2]
    names = [name for name in names if "expert" not in name] or names
    return next((name for name in reversed(names) if ".1." in name), names[-1])


CONVERTED_KEY = (converted_key(),) * 2


# The checkpoints laid out as the Hub serves them (tests/hub_layouts.py) of this fork's source model type, if any.
HUB_LAYOUTS = tuple(repo for repo, model_type in LAYOUT_MODEL_TYPES.items() if model_type == FACTS["base_model"])


def older_processor_settings(source: Path) -> dict[str, Any]:
    """What a user passes to the processor of a llava-hf folder from before processor_config.json (the source's and the
    converted one alike): the vision tower's patch size, its feature selection, one more token for CLS."""
    if MODALITY != "image-text" or (source / "processor_config.json").is_file():
        return {}
    config = transformers.AutoConfig.from_pretrained(source)
    return {
        "patch_size": config.vision_config.patch_size,
        "vision_feature_select_strategy": config.vision_feature_select_strategy,
        "num_additional_image_tokens": 1,
    }


def hub_inputs(source: Path, converted: Path) -> dict[str, torch.Tensor]:
    """The inputs of test_hub_layouts.py, as the source's tokenizer, image processor or processor makes them; the
    converted folder's (carried over: the same files) must make them alike."""
    if MODALITY == "text":
        return same_inputs(tokenized(source, padding_side="left"), tokenized(converted, True, padding_side="left"))
    images = random_images([(45, 61, 3), (61, 45, 3)])
    if MODALITY == "image":
        made = [native_image_processor(folder)(images, return_tensors="pt") for folder in (source, converted)]
        return same_inputs(*map(dict, made))
    chats = [[{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}] for text in HUB_TEXTS]
    settings = older_processor_settings(source)
    processors = [transformers.AutoProcessor.from_pretrained(folder, **settings) for folder in (source, converted)]
    for processor in processors:  # a folder from before processor_config.json holds its template in the tokenizer's
        processor.chat_template = processor.chat_template or processor.tokenizer.chat_template
    prompts = [
        [processor.apply_chat_template(chat, add_generation_prompt=True) for chat in chats] for processor in processors
    ]
    assert prompts[0] == prompts[1]  # the converted processor writes the source's prompts
    made = [processor(images=images, text=prompts[0], padding=True, return_tensors="pt") for processor in processors]
    return same_inputs(*map(dict, made))
