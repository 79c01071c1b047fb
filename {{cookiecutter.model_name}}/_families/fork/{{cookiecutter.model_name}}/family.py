"""What publishing needs to know about this fork: its task, default head, processor and usage snippet.

A fork's facts are derived from its source (`fork.json`, written by the fork): the heads it registers, the default
head and its modality, and the processor, which stays one of transformers' own classes (no remote code): a tokenizer
trained offline for text models, the source's own image processor class for vision models.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import PIL.Image
import torch
import transformers
from transformers import PretrainedConfig, PreTrainedTokenizerBase, PreTrainedTokenizerFast, ProcessorMixin
from transformers.image_processing_utils import BaseImageProcessor
from transformers.utils import is_torchvision_available

from .cli import CommandError
from .fork import (
    FORK_FILE,
    PIPELINE_TAGS,
    SPECIAL_IDS,
    STANDARD_TOKENS,
    default_auto_class,
    example_inputs,
    image_size,
    image_token_id,
    modality,
    pixel_values,
    text_ids,
)
from .inputs import check_tokenizer, load_tokenizer
from .train_tokenizer import DEFAULT_CORPUS, SPECIAL_TOKENS, train_tokenizer
from .usage import code_block, export_notes, run_model

FACTS: dict[str, Any] = json.loads(Path(__file__).with_name(FORK_FILE).read_text(encoding="utf-8"))
# The native transformers model this project is a fork of, and that `convert_<model type>_to_<name>.py` converts
# from (its model_type).
CONVERTS_FROM: str = FACTS["base_model"]
DEFAULT_AUTO_CLASS = default_auto_class(list(FACTS["heads"]))
MODALITY = modality(DEFAULT_AUTO_CLASS)
# The default head's class name after the class prefix ("ForCausalLM").
DEFAULT_HEAD = FACTS["heads"][DEFAULT_AUTO_CLASS][1].removeprefix(FACTS["class_prefix"])
PIPELINE_TAG = PIPELINE_TAGS[DEFAULT_AUTO_CLASS]
DESCRIPTION = (
    f"A fork of transformers' `{CONVERTS_FROM}` model (`{FACTS['heads'][DEFAULT_AUTO_CLASS][0]}`): its code is "
    f"upstream's, from transformers {FACTS['transformers_version']} (license of the forked files: "
    f"{FACTS['license']}), renamed to this model's classes and model type and loaded with `trust_remote_code=True`; "
    f"its {'tokenizer' if MODALITY == 'text' else 'processor'} is one of transformers' own classes and needs no "
    "remote code."
)
PROCESSOR_FILE = {"text": "tokenizer_config.json", "image": "preprocessor_config.json"}.get(
    MODALITY, "processor_config.json"
)
Processor = {"text": PreTrainedTokenizerBase, "image": BaseImageProcessor}.get(MODALITY, ProcessorMixin)
# The processor is one of transformers' own classes: its files name no code of their own (no `auto_map`).
PROCESSOR_AUTO_MAP: dict[str, str] = {}
# How to give a checkpoint its tokenizer or processor, when publish finds none (it never ships a default one in its
# place).
SAVE_PROCESSOR = (
    "save the tokenizer or processor the model was trained with into it (`processor.save_pretrained(<folder>)`; for "
    f"a native {CONVERTS_FROM} checkpoint, the conversion carries its files over)"
)
# No ONNX export is claimed for a fork: whether upstream's model exports to ONNX is not derived
# (tests/shared/test_compile_export.py checks torch.compile and torch.export against the native model).
ONNX_EXPORT = False
# The model card's note on torch.compile, torch.export and ONNX, as for the source model.
EXPORT_NOTES = export_notes(FACTS["heads"][DEFAULT_AUTO_CLASS][0], onnx=ONNX_EXPORT, cache=MODALITY != "image")
# The linear layers LoRA adapts (`peft.LoraConfig(target_modules=...)`): peft's own defaults for the source's model
# type where it has them, else every linear layer of the repeated layers (see fork.json). peft picks its defaults by
# model type, and knows none for a fork's: name them.
LORA_TARGET_MODULES: list[str] = FACTS["lora_target_modules"]
# Auto class of a head -> the other `LoraConfig` settings it takes: peft's task type, or the new head trained in full.
LORA_OPTIONS: dict[str, dict[str, Any]] = {
    "AutoModelForCausalLM": {"task_type": "CAUSAL_LM"},
    "AutoModelForImageTextToText": {"task_type": "CAUSAL_LM"},
    "AutoModelForSequenceClassification": {"task_type": "SEQ_CLS"},
    "AutoModelForTokenClassification": {"task_type": "TOKEN_CLS"},
    "AutoModelForQuestionAnswering": {"task_type": "QUESTION_ANS"},
    "AutoModelForMaskedLM": {},
    "AutoModelForImageClassification": {"modules_to_save": FACTS["classifier_modules"]},
}
# The special ids the tokenizer and the text config share.
TOKEN_IDS = ("pad_token_id", "bos_token_id", "eos_token_id")
# How the tokenizer writes each special token the config names (`fork.token_layout`): "<mask>", "<image>", ...
IMAGE_TOKEN = "<image>"
# A simple conversation format for a processor of images and text: "user: <image>What is this?\nassistant:".
{% raw -%}
CHAT_TEMPLATE = (
    "{%- for message in messages -%}{{- message['role'] + ': ' -}}"
    "{%- if message['content'] is string -%}{{- message['content'] -}}"
    "{%- else -%}{%- for item in message['content'] -%}"
    "{%- if item['type'] == 'image' -%}{{- '" + IMAGE_TOKEN + "' -}}"
    "{%- elif item['type'] == 'text' -%}{{- item['text'] -}}{%- endif -%}"
    "{%- endfor -%}{%- endif -%}{{- '\\n' -}}{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- 'assistant:' -}}{%- endif -%}"
)
{%- endraw %}


def image_processor_class() -> type[BaseImageProcessor]:
    """The source's own image processor class (its PIL variant where torchvision is missing)."""
    from transformers.models.auto.image_processing_auto import (
        IMAGE_PROCESSOR_MAPPING_NAMES,
        get_image_processor_class_from_name,
    )

    names = IMAGE_PROCESSOR_MAPPING_NAMES.get(CONVERTS_FROM) or {}
    backends = ("torchvision", "pil") if is_torchvision_available() else ("pil", "torchvision")
    name = next((names[backend] for backend in backends if names.get(backend)), None)
    image_class = get_image_processor_class_from_name(name) if name else None
    if image_class is None:
        raise CommandError(f"transformers has no image processor for {CONVERTS_FROM!r} that loads here")
    return image_class


def load_processor(folder: Path, config: PretrainedConfig) -> Processor:
    """The processor saved in `folder`, loaded with transformers' own classes: no code from the folder runs."""
    if MODALITY == "text":
        return load_tokenizer(folder, config.get_text_config())
    auto = transformers.AutoImageProcessor if MODALITY == "image" else transformers.AutoProcessor
    try:
        return auto.from_pretrained(folder, trust_remote_code=False)
    except (OSError, ValueError, TypeError) as error:  # unreadable files, an unknown class, settings of the wrong type
        raise CommandError(f"cannot load the processor in {folder}: {error}") from error


def default_tokenizer() -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer trained on the shipped corpus (train_tokenizer.py), with the special tokens the
    config names at the ids of the tiny config (`fork.json`'s special_tokens): "<mask>", "<image>", ..."""
    layout: dict[str, int] = FACTS["special_tokens"]
    trained = train_tokenizer(vocab_size=min(layout.values()))
    spelled = {name: IMAGE_TOKEN if name == "image_token" else f"<{name.removesuffix('_token')}>" for name in layout}
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=trained.backend_tokenizer,
        **SPECIAL_TOKENS,
        **{name: token for name, token in spelled.items() if name in STANDARD_TOKENS},
        extra_special_tokens={name: token for name, token in spelled.items() if name not in STANDARD_TOKENS},
    )
    found = {name: tokenizer.convert_tokens_to_ids(token) for name, token in spelled.items()}
    if found != layout:
        raise CommandError(f"the default tokenizer's special tokens have ids {found}, not the config's {layout}")
    return tokenizer


def default_image_processor(config: PretrainedConfig) -> BaseImageProcessor:
    """The source's own image processor class, resizing (and cropping) to the model's image size."""
    _, height, width = image_size(config)
    size = {"height": height, "width": width}
    return image_processor_class()(size=size, crop_size=size)


def default_processor(config: PretrainedConfig) -> Processor:
    """The default processor, of transformers' own classes: for text, the default tokenizer (`default_tokenizer`); for
    images, the source's image processor resizing to the model's image size; for both, the source's processor of
    them, with the settings of the config it takes, writing as many image tokens as an image gives features."""
    if MODALITY == "text":
        return default_tokenizer()
    if MODALITY == "image":
        return default_image_processor(config)
    return default_image_text_processor(config)


def default_image_text_processor(config: PretrainedConfig) -> ProcessorMixin:
    """The source's processor of images and text (see `default_processor`)."""
    from transformers.models.auto.processing_auto import PROCESSOR_MAPPING_NAMES

    name = PROCESSOR_MAPPING_NAMES.get(CONVERTS_FROM)
    if not name:
        raise CommandError(f"transformers has no processor for {CONVERTS_FROM!r}")
    processor_class = getattr(transformers, name)
    vision = getattr(config, "vision_config", None)
    settings = {
        "patch_size": getattr(vision, "patch_size", None),
        "vision_feature_select_strategy": getattr(config, "vision_feature_select_strategy", None),
        "image_seq_length": FACTS["image_tokens"],
        "num_image_tokens": FACTS["image_tokens"],
        "image_seq_len": FACTS["image_tokens"],
        "image_token": IMAGE_TOKEN,
    }
    parameters = inspect.signature(processor_class.__init__).parameters
    if "video_processor" in parameters and not is_torchvision_available():
        raise CommandError(
            f"{name!r} takes videos too, and transformers' video processors need torchvision, which is "
            "not installed: pip install torchvision"
        )
    taken = {key: value for key, value in settings.items() if key in parameters and value is not None}
    # A vision tower's class token is one feature more than its patches, which some processors count apart.
    for extra in ({}, {"num_additional_image_tokens": 1}):
        processor = processor_class(
            image_processor=default_image_processor(config),
            tokenizer=default_tokenizer(),
            chat_template=CHAT_TEMPLATE,
            **taken,
            **{key: value for key, value in extra.items() if key in parameters},
        )
        if written_image_tokens(processor, config) == FACTS["image_tokens"]:
            return processor
    raise CommandError(
        f"{name} writes {written_image_tokens(processor, config)} image tokens per image, but the model gives "
        f"{FACTS['image_tokens']} features: save a processor that writes as many"
    )


def written_image_tokens(processor: ProcessorMixin, config: PretrainedConfig) -> int:
    """How many image tokens `processor` writes for one image of the model's size (none for a model without an image
    token)."""
    if image_token_id(config) is None:
        return 0
    _, height, width = image_size(config)
    image = PIL.Image.new("RGB", (width, height))
    inputs = processor(images=[image], text=[IMAGE_TOKEN + "What is this?"], return_tensors="pt")
    return int((inputs["input_ids"] == image_token_id(config)).sum())


def check_processor(processor: Processor, config: PretrainedConfig) -> None:
    """Refuse a processor that would feed the model what it cannot take: ids past its vocabulary or other special
    ids; images of another size; another number of image tokens per image than the model's features."""
    tokenizer = processor if MODALITY == "text" else getattr(processor, "tokenizer", None)
    if tokenizer is not None:
        check_tokenizer(tokenizer, config.get_text_config(), TOKEN_IDS)
    if MODALITY == "text":
        return
    image_processor = getattr(processor, "image_processor", processor)
    _, height, width = image_size(config)
    size = getattr(image_processor, "size", None) or {}
    crop = getattr(image_processor, "crop_size", None) if getattr(image_processor, "do_center_crop", False) else None
    final = crop or size
    expected = {"height": height, "width": width}
    if getattr(image_processor, "do_resize", True) and final and {key: final.get(key) for key in expected} != expected:
        raise CommandError(
            f"the image processor gives images of {final} but the model expects {expected}: save a processor with "
            "that size."
        )
    if MODALITY == "image-text" and written_image_tokens(processor, config) != FACTS["image_tokens"]:
        raise CommandError(
            f"the processor writes {written_image_tokens(processor, config)} image tokens per image but the model "
            f"gives {FACTS['image_tokens']} features: save a processor that writes as many."
        )


def reference_inputs(config: PretrainedConfig) -> dict[str, torch.Tensor]:
    """The fixed inputs of the reference record (verify.py): one seeded image, or two rows of 8 token ids that avoid
    the special ids, the second padded on the right after 5 tokens, as a tokenizer pads a batch."""
    if MODALITY == "image":
        return {"pixel_values": pixel_values(config, batch=1, seed=0)}
    if MODALITY == "image-text":
        return example_inputs(config, DEFAULT_AUTO_CLASS, "unpadded", FACTS["image_tokens"], FACTS["image_arguments"])
    input_ids = text_ids(config, (2, 8), seed=0)
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 5:] = 0
    input_ids[1, 5:] = SPECIAL_IDS["pad_token_id"]
    return {"input_ids": input_ids, "attention_mask": attention_mask}


# The first step's images (README.md): squares of three colors, each with its label and its name.
COLORS = {"red": (220, 40, 40), "green": (40, 180, 60), "blue": (40, 70, 220)}


def first_step_data(processor: Processor, config: PretrainedConfig) -> tuple[list[Any], Callable[[list[Any]], Any]]:
    """The README's first step: training examples for the default head and a function that makes a batch with labels
    of some of them. Text models learn the shipped corpus (`tokenizer_corpus.txt`; next tokens or masked tokens, as the
    head predicts), image classifiers the color of a square, vision-language models to name it."""
    if MODALITY == "text":
        if DEFAULT_AUTO_CLASS not in ("AutoModelForCausalLM", "AutoModelForMaskedLM"):
            raise CommandError(f"the first step trains a causal or masked LM, not a {DEFAULT_AUTO_CLASS} head")
        text = config.get_text_config()
        length = min(getattr(text, "max_position_embeddings", None) or 64, 64)
        texts = DEFAULT_CORPUS.read_text(encoding="utf-8").splitlines()
        examples = [processor(line, truncation=True, max_length=length) for line in texts if line.strip()]
        # Pads; the labels are the inputs (next tokens), or 15% of them masked as BERT does.
        masked = DEFAULT_AUTO_CLASS == "AutoModelForMaskedLM"
        return examples, transformers.DataCollatorForLanguageModeling(processor, mlm=masked, mlm_probability=0.15)
    _, height, width = image_size(config)
    squares = [PIL.Image.new("RGB", (width + 8, height - 2), rgb) for rgb in COLORS.values()]
    if MODALITY == "image":

        def classify(batch: list[tuple[PIL.Image.Image, int]]) -> Any:
            inputs = processor([image for image, _ in batch], return_tensors="pt")
            inputs["labels"] = torch.tensor([label for _, label in batch])
            return inputs

        return [(image, label % config.num_labels) for label, image in enumerate(squares)] * 8, classify

    def describe(batch: list[tuple[PIL.Image.Image, str]]) -> Any:
        texts = [f"{IMAGE_TOKEN}A {name} square." for _, name in batch]
        inputs = processor(images=[image for image, _ in batch], text=texts, padding=True, return_tensors="pt")
        labels = inputs["input_ids"].masked_fill(inputs["attention_mask"] == 0, -100)  # no loss on the padding
        if image_token_id(config) is not None:  # nor on the image tokens
            labels = labels.masked_fill(labels == image_token_id(config), -100)
        inputs["labels"] = labels
        return inputs

    return list(zip(squares, COLORS, strict=True)) * 8, describe


def usage_code(repo_id: str, auto_class: str) -> str:
    """A Markdown code block that loads the published model and processor, pinned to a revision, and runs it."""
    generates = auto_class in ("AutoModelForCausalLM", "AutoModelForImageTextToText")
    if MODALITY == "image":
        imports = ["import torch", "from PIL import Image"]
        imports.append(f"from transformers import AutoImageProcessor, {auto_class}")
        lines = ['inputs = processor(Image.open("cat.png"), return_tensors="pt")', *run_model(generates=False)]
        return code_block(imports, repo_id, lines, {"processor": "AutoImageProcessor", "model": auto_class})
    if MODALITY == "image-text":
        imports = ["import torch", "from PIL import Image", f"from transformers import AutoProcessor, {auto_class}"]
        lines = [
            'messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is this?"}]}]',
            "prompt = processor.apply_chat_template(messages, add_generation_prompt=True)",
            'inputs = processor(images=Image.open("cat.png"), text=prompt, return_tensors="pt")',
            *run_model(generates, "processor.decode(output[0, inputs['input_ids'].shape[1] :])"),
        ]
        return code_block(imports, repo_id, lines, {"processor": "AutoProcessor", "model": auto_class})
    imports = ["import torch", f"from transformers import AutoTokenizer, {auto_class}"]
    lines = [
        'inputs = tokenizer("The capital of France is", return_tensors="pt")',
        *run_model(generates, "tokenizer.decode(output[0], skip_special_tokens=True)"),
    ]
    return code_block(imports, repo_id, lines, {"tokenizer": "AutoTokenizer", "model": auto_class})


def library_files(checkpoint: Path) -> None:
    """The files of another library that a checkpoint carries into its release (see publish.py): none here."""
    return None
