"""What publishing needs to know about this model family: its task, default head, processor and usage snippet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from tokenizers import AddedToken
from transformers import PretrainedConfig, PreTrainedTokenizerBase

from .cli import CommandError
from .image_processing_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ImageProcessor
from .inputs import check_tokenizer, load_tokenizer, read_json
from .processing_{{ cookiecutter.model_name }} import IMAGE_TOKEN, {{ cookiecutter.class_prefix }}Processor
from .train_tokenizer import train_tokenizer
from .usage import code_block, export_notes, run_model

PIPELINE_TAG = "image-text-to-text"
DEFAULT_HEAD = "ForConditionalGeneration"
DESCRIPTION = (
    "An image-text-to-text model with the math of LLaVA: a CLIP-style vision tower, a two-layer multimodal projector "
    "and a language model with the math of Llama (RMSNorm, rotary position embeddings, grouped-query attention, "
    "SwiGLU MLP); the projected image features take the place of the image tokens. Its model and processor code "
    "load with `trust_remote_code=True`."
)
PROCESSOR_FILE = "processor_config.json"
Processor = {{ cookiecutter.class_prefix }}Processor
# How to give a checkpoint its processor, when publish finds none or only a tokenizer (it never ships a default one in
# its place): a tokenizer alone is not the processor, which also says how images are resized and how many image tokens
# it writes.
SAVE_PROCESSOR = (
    "save the processor into it: `{{ cookiecutter.class_prefix }}Processor("
    "{{ cookiecutter.class_prefix }}ImageProcessor(size=<the vision tower's image_size>), tokenizer)"
    ".save_pretrained(<folder>)` writes processor_config.json beside the tokenizer's files"
)
# The only code a saved processor may name: this project's own classes, imported from the package, never run from
# the folder.
PROCESSOR_AUTO_MAP = {
    auto_class: f"{cls.__module__.rsplit('.', 1)[-1]}.{cls.__name__}"
    for auto_class, cls in (
        ("AutoProcessor", {{ cookiecutter.class_prefix }}Processor),
        ("AutoImageProcessor", {{ cookiecutter.class_prefix }}ImageProcessor),
    )
}
# The native transformers model that `convert_llava_to_<name>.py` converts from (its model_type).
CONVERTS_FROM = "llava"
# The linear layers LoRA adapts (`peft.LoraConfig(target_modules=...)`): every projection of every layer of both
# towers (Llama's names in the language model, CLIP's in the vision tower with `o_proj` for `out_proj`). peft picks
# its defaults by model type, and knows none for a custom one: name them. `target_modules="all-linear"` also adapts
# the projector.
LORA_TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "fc1", "fc2"]
# Auto class of a head -> the other `LoraConfig` settings it takes: peft's task type.
LORA_OPTIONS: dict[str, dict[str, Any]] = {"AutoModelForImageTextToText": {"task_type": "CAUSAL_LM"}}
# No ONNX export, as none of LLaVA's: its export fails in the translation to ONNX, as this model's does.
ONNX_EXPORT = False
# The model card's note on torch.compile, torch.export and ONNX.
EXPORT_NOTES = export_notes("LLaVA", onnx=ONNX_EXPORT, cache=True)
# The language model's special ids, which the tokenizer must share.
SPECIAL_IDS = ("pad_token_id", "bos_token_id", "eos_token_id")


def add_image_token(tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    """`tokenizer` with the image token as a special token, added at the end of the vocabulary as LLaVA's tokenizers
    have it, if it lacks it."""
    if IMAGE_TOKEN not in tokenizer.get_vocab():
        tokenizer.add_special_tokens({"additional_special_tokens": [AddedToken(IMAGE_TOKEN, special=True)]})
    return tokenizer


def load_processor(folder: Path, config: PretrainedConfig) -> {{ cookiecutter.class_prefix }}Processor:
    """The processor saved in `folder`, rebuilt from its files with this project's own classes: the image processor's
    settings and the processor's (read as JSON), the tokenizer (with transformers' own classes) and the chat template.
    No code from the folder runs."""
    settings = read_json(folder / PROCESSOR_FILE)
    image_settings = settings.get("image_processor")
    if image_settings is None and (folder / "preprocessor_config.json").is_file():
        image_settings = read_json(folder / "preprocessor_config.json")
    # The image processor's settings may name code of their own, beside the processor's (checked by publish).
    foreign = [
        f"{key} -> {value}"
        for key, value in ((image_settings or {}).get("auto_map") or {}).items()
        if PROCESSOR_AUTO_MAP.get(key) != value
    ]
    if foreign:
        raise CommandError(
            f"{folder / PROCESSOR_FILE} names code to run (image_processor: {'; '.join(foreign)}), and code from an "
            "input folder is never run: save it with this project's classes, or remove those entries."
        )
    template_file = folder / "chat_template.jinja"
    template = template_file.read_text(encoding="utf-8") if template_file.is_file() else settings.get("chat_template")
    ignored = ("auto_map", "processor_class", "image_processor_type", "_processor_class")
    try:
        image_processor = {{ cookiecutter.class_prefix }}ImageProcessor(
            **{key: value for key, value in (image_settings or {}).items() if key not in ignored}
        )
        return {{ cookiecutter.class_prefix }}Processor(
            image_processor,
            load_tokenizer(folder, config),
            chat_template=template,
            **{key: settings[key] for key in ("image_token", "num_image_tokens") if key in settings},
        )
    except (OSError, ValueError, TypeError) as error:  # unreadable files, settings of the wrong type or value
        raise CommandError(f"cannot load the processor in {folder}: {error}") from error


def default_processor(config: PretrainedConfig) -> {{ cookiecutter.class_prefix }}Processor:
    """The default processor: images resized to the vision tower's size, and a byte-level BPE tokenizer trained on the
    shipped corpus (see train_tokenizer.py) with the image token added."""
    return {{ cookiecutter.class_prefix }}Processor(
        {{ cookiecutter.class_prefix }}ImageProcessor(size=config.vision_config.image_size),
        add_image_token(train_tokenizer()),
        num_image_tokens=config.image_seq_length,
    )


def check_processor(processor: {{ cookiecutter.class_prefix }}Processor, config: PretrainedConfig) -> None:
    """Refuse a processor whose inputs the model would refuse or misread: images of another size, another image token,
    or another number of image tokens per image; a tokenizer that does not fit the language model."""
    expected = {"height": config.vision_config.image_size, "width": config.vision_config.image_size}
    image_processor = processor.image_processor
    made = image_processor.output_size()
    if made != expected:
        how = "crops" if image_processor.do_center_crop else "resizes"
        raise CommandError(
            f"the image processor {how} to {made or 'sizes of their own'} but the vision tower expects {expected}: "
            "save a processor with that size."
        )
    if processor.image_token_id != config.image_token_id:
        raise CommandError(
            f"the processor's image token {processor.image_token!r} has id {processor.image_token_id} but the "
            f"config's image_token_id is {config.image_token_id}: make them equal."
        )
    if processor.num_image_tokens != config.image_seq_length:
        raise CommandError(
            f"the processor writes {processor.num_image_tokens} image tokens per image but the model gives "
            f"{config.image_seq_length} features: save a processor with num_image_tokens={config.image_seq_length}."
        )
    check_tokenizer(processor.tokenizer, config.text_config, SPECIAL_IDS)


def reference_inputs(config: PretrainedConfig) -> dict[str, torch.Tensor]:
    """The fixed inputs of the reference record (record.py): one normalized image from a seeded generator, and a row
    of token ids that avoid the special ids, with the image tokens after the first."""
    generator = torch.Generator().manual_seed(0)
    vision = config.vision_config
    pixel_values = torch.randn((1, vision.num_channels, vision.image_size, vision.image_size), generator=generator)
    special = sorted({config.image_token_id, *(getattr(config.text_config, name) for name in SPECIAL_IDS)} - {None})
    text = torch.randint(0, config.text_config.vocab_size - len(special), (1, 8), generator=generator)
    for token_id in special:  # shift past each special id: every id stays in the vocabulary
        text += (text >= token_id).long()
    image = torch.full((1, config.image_seq_length), config.image_token_id)
    input_ids = torch.cat([text[:, :1], image, text[:, 1:]], dim=1)
    return {"input_ids": input_ids, "pixel_values": pixel_values}


def usage_code(repo_id: str, auto_class: str) -> str:
    """A Markdown code block that loads the published model and processor, pinned to a revision, and runs them."""
    imports = ["import torch", "from PIL import Image", f"from transformers import AutoProcessor, {auto_class}"]
    lines = [
        'messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is this?"}]}]',
        "prompt = processor.apply_chat_template(messages, add_generation_prompt=True)",
        'inputs = processor(images=Image.open("cat.png"), text=prompt, return_tensors="pt")',
    ]
    decoded = "processor.decode(output[0, inputs['input_ids'].shape[1] :], skip_special_tokens=True)"
    lines += run_model(auto_class == "AutoModelForImageTextToText", decoded)
    return code_block(imports, repo_id, lines, {"processor": "AutoProcessor", "model": auto_class})


def library_files(checkpoint: Path) -> None:
    """The files of another library that a checkpoint carries into its release (see publish.py): none here."""
    return None
