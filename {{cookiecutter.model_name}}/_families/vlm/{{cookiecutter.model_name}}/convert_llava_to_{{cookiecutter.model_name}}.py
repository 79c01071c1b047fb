r"""Convert a native transformers LLaVA checkpoint folder into a {{ cookiecutter.class_prefix }} checkpoint.

    python -m {{ cookiecutter.model_name }}.convert_llava_to_{{ cookiecutter.model_name }} \
        --input path/to/llava --output checkpoints/{{ cookiecutter.model_name }}

The input is a folder written by `LlavaModel` or `LlavaForConditionalGeneration` `.save_pretrained()` (safetensors,
sharded or not) with a CLIP vision tower and a Llama language model, as llava-hf's checkpoints have. The tensors keep
the names LLaVA gives them in memory (`model.vision_tower.`, `model.multi_modal_projector.`, `model.language_model.`,
`lm_head.`, read from the older layout it saves under, as transformers reads it) but two: CLIP's `encoder.layers` are
`layers`, its `out_proj` is `o_proj`. Every tensor
name and shape is checked against the target model: a missing, unexpected or mis-shaped tensor stops the conversion
with a report, nothing is loaded silently. Tokenizer files found in the input folder are copied next to the converted
model; save a {{ cookiecutter.class_prefix }}Processor with that tokenizer (see the README) to publish it.
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
    ConversionError,
    command_line,
    converted_config,
    load_safetensors,
    native_heads,
    read_input,
    save_converted,
)
from .modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES

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


def convert(input_dir: Path, output_dir: Path) -> list[str]:
    """Convert `input_dir` (a LLaVA folder) into `output_dir`; return the report lines."""
    # Before anything else: refuse a folder of another model, of this project, or one that names code to run.
    model_class, llava_config = read_input(input_dir, "LLaVA", LlavaConfig, HEADS, "LlavaForConditionalGeneration")
    config = convert_config(llava_config)
    converted = rename_keys(load_safetensors(input_dir))
    return save_converted(model_class, config, converted, output_dir, input_dir)


main = command_line(convert, __doc__, "LLaVA")


if __name__ == "__main__":
    raise SystemExit(main())
