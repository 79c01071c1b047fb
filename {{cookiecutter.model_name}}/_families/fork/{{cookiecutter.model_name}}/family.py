"""What publishing needs to know about this fork: its task, default head, processor and usage snippet.

A fork's facts are derived from its source (`fork.json`, written by the fork): the heads it registers, the default
head and its modality, and the processor, which stays one of transformers' own classes (no remote code): a tokenizer
trained offline for text models, the source's own image processor class for vision models.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from transformers import PretrainedConfig, PreTrainedTokenizerBase
from transformers.image_processing_utils import BaseImageProcessor

from .cli import CommandError
from .fork import FORK_FILE, SPECIAL_IDS, TINY_VOCAB, default_auto_class, image_size, modality, pixel_values, text_ids
from .inputs import check_tokenizer, load_tokenizer
from .train_tokenizer import train_tokenizer
from .usage import code_block, run_model

FACTS: dict[str, Any] = json.loads(Path(__file__).with_name(FORK_FILE).read_text(encoding="utf-8"))
# The native transformers model this project is a fork of, and that `convert_<model type>_to_<name>.py` converts
# from (its model_type).
CONVERTS_FROM: str = FACTS["base_model"]
DEFAULT_AUTO_CLASS = default_auto_class(list(FACTS["heads"]))
MODALITY = modality(DEFAULT_AUTO_CLASS)
# The default head's class name after the class prefix ("ForCausalLM").
DEFAULT_HEAD = FACTS["heads"][DEFAULT_AUTO_CLASS][1].removeprefix(FACTS["class_prefix"])
PIPELINE_TAG = {
    "AutoModelForImageTextToText": "image-text-to-text",
    "AutoModelForCausalLM": "text-generation",
    "AutoModelForMaskedLM": "fill-mask",
    "AutoModelForImageClassification": "image-classification",
    "AutoModelForSequenceClassification": "text-classification",
    "AutoModelForTokenClassification": "token-classification",
    "AutoModelForQuestionAnswering": "question-answering",
}[DEFAULT_AUTO_CLASS]
DESCRIPTION = (
    f"A fork of transformers' `{CONVERTS_FROM}` model (`{FACTS['heads'][DEFAULT_AUTO_CLASS][0]}`): its code is "
    f"upstream's, from transformers {FACTS['transformers_version']}, renamed to this model's classes and model type "
    f"and loaded with `trust_remote_code=True`; the {'tokenizer' if MODALITY == 'text' else 'image processor'} is one "
    "of transformers' own classes and needs no remote code."
)
PROCESSOR_FILE = "tokenizer_config.json" if MODALITY == "text" else "preprocessor_config.json"
Processor = PreTrainedTokenizerBase if MODALITY == "text" else BaseImageProcessor
# The processor is one of transformers' own classes: its files name no code of their own (no `auto_map`).
PROCESSOR_AUTO_MAP: dict[str, str] = {}
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


def image_processor_class() -> type[BaseImageProcessor]:
    """The source's own image processor class (its PIL variant where torchvision is missing)."""
    from transformers.models.auto.image_processing_auto import (
        IMAGE_PROCESSOR_MAPPING_NAMES,
        get_image_processor_class_from_name,
    )
    from transformers.utils import is_torchvision_available

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
    from transformers import AutoImageProcessor

    try:
        return AutoImageProcessor.from_pretrained(folder, trust_remote_code=False)
    except (OSError, ValueError, TypeError) as error:  # unreadable files, an unknown class, settings of the wrong type
        raise CommandError(f"cannot load the image processor in {folder}: {error}") from error


def default_processor(config: PretrainedConfig) -> Processor:
    """The default processor: for text, a byte-level BPE tokenizer trained on the shipped corpus (train_tokenizer.py)
    with a mask token, the special ids of the tiny config (`fork.SPECIAL_IDS`); for images, the source's image
    processor resizing to the model's image size."""
    if MODALITY == "text":
        tokenizer = train_tokenizer(vocab_size=TINY_VOCAB - 1)
        tokenizer.add_special_tokens({"mask_token": "<mask>"})
        assert tokenizer.mask_token_id == SPECIAL_IDS["mask_token_id"], tokenizer.mask_token_id
        return tokenizer
    _, height, width = image_size(config)
    return image_processor_class()(size={"height": height, "width": width})


def check_processor(processor: Processor, config: PretrainedConfig) -> None:
    """Refuse a processor that would feed the model what it cannot take: ids past its vocabulary or other special
    ids; images of another size."""
    if MODALITY == "text":
        check_tokenizer(processor, config.get_text_config(), TOKEN_IDS)
        return
    _, height, width = image_size(config)
    size = getattr(processor, "size", None) or {}
    crop = getattr(processor, "crop_size", None) if getattr(processor, "do_center_crop", False) else None
    final = crop or size
    expected = {"height": height, "width": width}
    if getattr(processor, "do_resize", True) and final and {key: final.get(key) for key in expected} != expected:
        raise CommandError(
            f"the image processor gives images of {final} but the model expects {expected}: save a processor with "
            "that size."
        )


def reference_inputs(config: PretrainedConfig) -> dict[str, torch.Tensor]:
    """The fixed inputs of the reference record (verify.py): one seeded image, or two rows of 8 token ids that avoid
    the special ids, the second padded on the right after 5 tokens, as a tokenizer pads a batch."""
    if MODALITY == "image":
        return {"pixel_values": pixel_values(config, batch=1, seed=0)}
    input_ids = text_ids(config, (2, 8), seed=0)
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 5:] = 0
    input_ids[1, 5:] = SPECIAL_IDS["pad_token_id"]
    return {"input_ids": input_ids, "attention_mask": attention_mask}


def usage_code(repo_id: str, auto_class: str) -> str:
    """A Markdown code block that loads the published model and processor, pinned to a revision, and runs it."""
    generates = auto_class == "AutoModelForCausalLM"
    if MODALITY == "image":
        imports = ["import torch", "from PIL import Image"]
        imports.append(f"from transformers import AutoImageProcessor, {auto_class}")
        lines = ['inputs = processor(Image.open("cat.png"), return_tensors="pt")', *run_model(generates=False)]
        return code_block(imports, repo_id, lines, {"processor": "AutoImageProcessor", "model": auto_class})
    imports = ["import torch", f"from transformers import AutoTokenizer, {auto_class}"]
    lines = [
        'inputs = tokenizer("The capital of France is", return_tensors="pt")',
        *run_model(generates, "tokenizer.decode(output[0], skip_special_tokens=True)"),
    ]
    return code_block(imports, repo_id, lines, {"tokenizer": "AutoTokenizer", "model": auto_class})


def library_files(checkpoint: Path) -> None:
    """The files of another library that a checkpoint carries into its release (see publish.py): none here."""
    return None
