r"""Convert a native transformers LLaVA checkpoint folder into a {{ cookiecutter.class_prefix }} checkpoint.

    python -m {{ cookiecutter.model_name }}.convert_llava_to_{{ cookiecutter.model_name }} \
        --input path/to/llava --output checkpoints/{{ cookiecutter.model_name }}

The input is a folder written by `LlavaModel` or `LlavaForConditionalGeneration` `.save_pretrained()` (safetensors,
sharded or not) with a CLIP vision tower and a Llama language model, as llava-hf's checkpoints have. The tensors keep
the names LLaVA gives them in memory (`model.vision_tower.`, `model.multi_modal_projector.`, `model.language_model.`,
`lm_head.`, read from the older layout it saves under, as transformers reads it) but two: CLIP's `encoder.layers` are
`layers`, its `out_proj` is `o_proj`. Every tensor name and shape is checked against the target model: a missing,
unexpected or mis-shaped tensor stops the conversion with a report, nothing is loaded silently.

The input's processor becomes a `{{ cookiecutter.class_prefix }}Processor`, saved beside the weights:
- its image processor with the settings of `preprocessor_config.json` (CLIP's shortest-edge resize and center crop, in
  the current or the older format), checked to give the same `pixel_values` as transformers' own (image_conversion.py);
- its tokenizer, read with transformers' own classes; its image token (`processor_config.json`'s, or `<image>`);
- its chat template (`chat_template.jinja`, llava-hf's `chat_template.json`, `processor_config.json`, or the
  tokenizer's);
- one image token per image feature: the number `LlavaProcessor` writes with the input's patch size and feature
  selection, which must be the model's.
Its generation settings and SentencePiece model (`tokenizer.model`) are carried as they are.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch
from transformers import LlavaConfig, PreTrainedConfig

from .configuration_{{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}Config,
    {{ cookiecutter.class_prefix }}TextConfig,
    {{ cookiecutter.class_prefix }}VisionConfig,
)
from .conversion import (
    GENERATION_FILE,
    OLDER_TOKENIZER_FILES,
    TOKENIZER_FILES,
    ConversionError,
    command_line,
    converted_config,
    copy_files,
    load_safetensors,
    native_heads,
    read_input,
    save_converted,
)
from .family import check_processor
from .image_conversion import convert_image_processor
from .image_processing_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ImageProcessor
from .inputs import load_tokenizer, read_json
from .modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES
from .processing_{{ cookiecutter.model_name }} import IMAGE_TOKEN, {{ cookiecutter.class_prefix }}Processor

# LLaVA head class -> ours (`LlavaForConditionalGeneration` -> `{{ cookiecutter.class_prefix }}ForConditionalGeneration`).
HEADS = native_heads("Llava", AUTO_CLASSES)
# (pattern, replacement) in order: the names LLaVA saves under (its older layout, which transformers 5 still writes and
# maps back when loading: `language_model.model.`, `language_model.lm_head.`, no `model.` prefix, and older
# checkpoints' `vision_tower.vision_model.`) as the names it uses in memory, then ours.
RENAMES = (
    (r"^language_model\.model\.", "model.language_model."),
    (r"^language_model\.lm_head\.", "lm_head."),
    (r"^(language_model|vision_tower|multi_modal_projector)\.", r"model.\1."),
    (r"^model\.vision_tower\.vision_model\.", "model.vision_tower."),
    (r"^model\.vision_tower\.encoder\.layers\.", "model.vision_tower.layers."),
    (r"^(model\.vision_tower\.layers\.\d+\.self_attn)\.out_proj\.", r"\1.o_proj."),
)


def convert_config(llava_config: PreTrainedConfig) -> {{ cookiecutter.class_prefix }}Config:
    """Map a `LlavaConfig` onto ours (the same names; CLIP's `attention_dropout` is our vision tower's
    `attention_probs_dropout_prob`), refusing a tower this model does not implement."""
    text, vision = llava_config.text_config, llava_config.vision_config
    for name, config, expected in (("text_config", text, "llama"), ("vision_config", vision, "clip_vision_model")):
        if config.model_type != expected:
            raise ConversionError(
                f"LLaVA's {name} is a {config.model_type!r} model; this model implements {expected!r} only."
            )
    unsupported = {
        "hidden_act": (text.hidden_act, "silu"),
        "mlp_bias": (text.mlp_bias, False),
        "pretraining_tp": (getattr(text, "pretraining_tp", 1) or 1, 1),
    }
    text_config = converted_config(text, {{ cookiecutter.class_prefix }}TextConfig, "Llama", unsupported)
    vision_config = converted_config(
        vision, {{ cookiecutter.class_prefix }}VisionConfig, "CLIP", attention_probs_dropout_prob=vision.attention_dropout
    )
    towers = {"text_config": text_config, "vision_config": vision_config}
    # LLaVA stores `image_seq_length` (576 unless set) without reading it: ours is what the vision tower gives.
    return converted_config(llava_config, {{ cookiecutter.class_prefix }}Config, "LLaVA", **towers, image_seq_length=None)


def rename_key(key: str) -> str:
    for pattern, replacement in RENAMES:
        key = re.sub(pattern, replacement, key)
    return key


def rename_keys(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """LLaVA names -> ours, as our heads name them (`conversion.named_for` renames them for a bare model)."""
    return {rename_key(key): tensor for key, tensor in state_dict.items()}


def chat_template(input_dir: Path, settings: dict, tokenizer_template: str | None) -> tuple[str | None, str]:
    """The input's chat template and where it is: `chat_template.jinja` (transformers 5), `chat_template.json`
    (llava-hf's repos), `processor_config.json` or the tokenizer's (older repos); None if it has none."""
    template_file, legacy_file = input_dir / "chat_template.jinja", input_dir / "chat_template.json"
    if template_file.is_file():
        return template_file.read_text(encoding="utf-8"), template_file.name
    found = [
        (read_json(legacy_file, missing_ok=True).get("chat_template"), legacy_file.name),
        (settings.get("chat_template"), "processor_config.json"),
        (tokenizer_template, "the tokenizer's"),
    ]
    for template, origin in found:
        if isinstance(template, str):
            return template, origin
    return None, "none in the input folder: LLaVA 1.5's"


def check_image_tokens(
    settings: dict,
    processor: {{ cookiecutter.class_prefix }}Processor,
    config: {{ cookiecutter.class_prefix }}Config,
) -> None:
    """Refuse the input's processor settings if `LlavaProcessor` would write another number of image tokens per image
    than the model gives features (the input's own processor and model would not work together either)."""
    if "patch_size" not in settings:  # before processor_config.json, the model expanded the image token itself
        return
    size, patch_size = processor.image_processor.output_size(), settings["patch_size"]
    tokens = (size["height"] // patch_size) * (size["width"] // patch_size)
    tokens += settings.get("num_additional_image_tokens", 0)  # CLIP's class embedding
    tokens -= 1 if settings.get("vision_feature_select_strategy") == "default" else 0  # which drops it
    if tokens != config.num_image_tokens:
        raise ConversionError(
            f"the input's processor_config.json makes LlavaProcessor write {tokens} image tokens per image, but the "
            f"model gives {config.num_image_tokens} features: make its patch_size, num_additional_image_tokens and "
            "vision_feature_select_strategy those of the model."
        )


def convert_processor(
    input_dir: Path, llava_config: PreTrainedConfig, config: {{ cookiecutter.class_prefix }}Config
) -> tuple[{{ cookiecutter.class_prefix }}Processor | None, list[str]]:
    """Our processor with the input's settings (None if it holds no tokenizer), and the report lines."""
    if not any((input_dir / name).is_file() for name in TOKENIZER_FILES):
        return None, ["processor: none (no tokenizer in the input folder): save one beside the weights to publish"]
    settings = read_json(input_dir / "processor_config.json", missing_ok=True)
    image_processor, origin = convert_image_processor(input_dir)
    if image_processor is None:
        size = config.vision_config.image_size
        image_processor = {{ cookiecutter.class_prefix }}ImageProcessor(size=size)
        origin += f": default settings, {size}x{size}"
    tokenizer = load_tokenizer(input_dir, llava_config)
    template, template_origin = chat_template(input_dir, settings, tokenizer.chat_template)
    tokenizer.chat_template = None  # the processor's, in one file
    image_token = settings.get("image_token") or getattr(tokenizer, "image_token", None) or IMAGE_TOKEN
    processor = {{ cookiecutter.class_prefix }}Processor(
        image_processor, tokenizer, template, image_token=image_token, num_image_tokens=config.num_image_tokens
    )
    check_processor(processor, config)
    check_image_tokens(settings, processor, config)
    lines = [
        f"image processor: {origin}",
        f"processor: {type(tokenizer).__name__} tokenizer, image token {image_token!r} written "
        f"{config.num_image_tokens} times per image, chat template: {template_origin}",
    ]
    return processor, lines


def convert(input_dir: Path, output_dir: Path) -> list[str]:
    """Convert `input_dir` (a LLaVA folder) into `output_dir`; return the report lines."""
    # Before anything else: refuse a folder of another model, of this project, or one that names code to run.
    model_class, llava_config = read_input(input_dir, "LLaVA", LlavaConfig, HEADS, "LlavaForConditionalGeneration")
    config = convert_config(llava_config)
    processor, processor_report = convert_processor(input_dir, llava_config, config)
    report = save_converted(model_class, config, rename_keys(load_safetensors(input_dir)), output_dir)
    if processor is not None:
        processor.save_pretrained(output_dir)
    report.append(copy_files(input_dir, output_dir, (GENERATION_FILE, *OLDER_TOKENIZER_FILES)))
    return report + processor_report


main = command_line(convert, __doc__, "LLaVA")


if __name__ == "__main__":
    raise SystemExit(main())
