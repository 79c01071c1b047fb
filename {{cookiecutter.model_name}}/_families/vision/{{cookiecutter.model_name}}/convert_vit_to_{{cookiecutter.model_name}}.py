r"""Convert a native transformers ViT checkpoint folder into a {{ cookiecutter.class_prefix }} checkpoint.

    python -m {{ cookiecutter.model_name }}.convert_vit_to_{{ cookiecutter.model_name }} \
        --input path/to/vit --output checkpoints/{{ cookiecutter.model_name }}

The input is a folder written by `ViTModel` or `ViTForImageClassification` `.save_pretrained()` (safetensors, sharded
or not). Tensor names are renamed with `RENAMES`, then every name and shape is checked against the target model: a
missing, unexpected or mis-shaped tensor stops the conversion with a report, nothing is loaded silently. The input's
`preprocessor_config.json` (if any, in the current format or the older `ViTFeatureExtractor` one) becomes a
`{{ cookiecutter.class_prefix }}ImageProcessor` with the same settings, checked to give the same `pixel_values` as
transformers' own image processor (see image_conversion.py).
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import PreTrainedConfig, ViTConfig

from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config
from .conversion import (
    ConversionError,
    command_line,
    converted_config,
    load_safetensors,
    native_heads,
    read_input,
    save_converted,
)
from .family import check_processor
from .image_conversion import convert_image_processor
from .image_processing_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ImageProcessor
from .modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES

# ViT head class -> ours (`ViTForImageClassification` -> `{{ cookiecutter.class_prefix }}ForImageClassification`).
HEADS = native_heads("ViT", AUTO_CLASSES)
# ViT heads keep the encoder under `vit.`, ours under `model.` (a bare model has no prefix in either).
PREFIX_RENAME = ("vit.", "model.")
# Tensor names as ViT checkpoints store them -> ours (the names transformers 5 gives ViT's modules), in this order.
# Names that are already ours pass through unchanged.
RENAMES = (
    ("encoder.layer.", "layers."),
    (".attention.attention.query.", ".attention.q_proj."),
    (".attention.attention.key.", ".attention.k_proj."),
    (".attention.attention.value.", ".attention.v_proj."),
    (".attention.output.dense.", ".attention.o_proj."),
    (".intermediate.dense.", ".mlp.fc1."),
    (".output.dense.", ".mlp.fc2."),
)


def convert_config(vit_config: PreTrainedConfig) -> {{ cookiecutter.class_prefix }}Config:
    """Map a `ViTConfig` onto ours, refusing the ViT options this model does not implement."""
    for name in ("image_size", "patch_size"):
        value = getattr(vit_config, name)
        if not isinstance(value, int):
            raise ConversionError(f"ViT option {name}={value!r} is not supported (only a single int: square).")
    head_dim = vit_config.hidden_size // vit_config.num_attention_heads
    unsupported = {"head_dim": (getattr(vit_config, "head_dim", None) or head_dim, head_dim)}
    return converted_config(vit_config, {{ cookiecutter.class_prefix }}Config, "ViT", unsupported)


def rename_key(key: str) -> str:
    old_prefix, new_prefix = PREFIX_RENAME
    if key.startswith(old_prefix):
        key = new_prefix + key.removeprefix(old_prefix)
    for old, new in RENAMES:
        key = key.replace(old, new)
    return key


def rename_keys(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """ViT names -> ours (see `RENAMES`)."""
    return {rename_key(key): tensor for key, tensor in state_dict.items()}


def convert(input_dir: Path, output_dir: Path) -> list[str]:
    """Convert `input_dir` (a ViT folder) into `output_dir`; return the report lines."""
    # Before anything else: refuse a folder of another model, of this project, or one that names code to run.
    model_class, vit_config = read_input(input_dir, "ViT", ViTConfig, HEADS, "ViTModel")
    config = convert_config(vit_config)
    image_processor, origin = convert_image_processor(input_dir)
    if image_processor is None:
        image_processor = {{ cookiecutter.class_prefix }}ImageProcessor(size=config.image_size)
        origin += f": default settings, {config.image_size}x{config.image_size}"
    check_processor(image_processor, config)
    report = save_converted(model_class, config, rename_keys(load_safetensors(input_dir)), output_dir)
    image_processor.save_pretrained(output_dir)
    return [*report, f"image processor: {origin}"]


main = command_line(convert, __doc__, "ViT")


if __name__ == "__main__":
    raise SystemExit(main())
