"""What publishing needs to know about this model family: its task, default head, image processor and usage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from transformers import PretrainedConfig

from .cli import CommandError
from .image_processing_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ImageProcessor
from .usage import code_block, export_notes, run_model

PIPELINE_TAG = "image-classification"
DEFAULT_HEAD = "ForImageClassification"
DESCRIPTION = (
    "A vision transformer with the math of ViT: convolutional patch embeddings, a CLS token, learned (interpolable) "
    "position embeddings and pre-norm layers with a GELU MLP. Its model and image processor code load with "
    "`trust_remote_code=True`."
)
PROCESSOR_FILE = "preprocessor_config.json"
Processor = {{ cookiecutter.class_prefix }}ImageProcessor
# How to give a checkpoint its image processor, when publish finds none (it never ships a default one in its place).
SAVE_PROCESSOR = (
    "save the image processor the model was trained with into it "
    "(`{{ cookiecutter.class_prefix }}ImageProcessor(size=...).save_pretrained(<folder>)`)"
)
# The only code a saved image processor may name: this project's own class, imported from the package, never run from
# the folder.
PROCESSOR_AUTO_MAP = {"AutoImageProcessor": f"{Processor.__module__.rsplit('.', 1)[-1]}.{Processor.__name__}"}
# The native transformers model that `convert_vit_to_<name>.py` converts from (its model_type).
CONVERTS_FROM = "vit"
# The linear layers LoRA adapts (`peft.LoraConfig(target_modules=...)`): every projection of every encoder layer.
# peft picks its defaults by model type, and knows none for a custom one: name them.
# `target_modules="all-linear"` works too: it also adapts the pooler of the bare model.
LORA_TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "fc1", "fc2"]
# Auto class of a head -> the other `LoraConfig` settings it takes: peft has no task type for images; the new
# classifier is trained in full.
LORA_OPTIONS: dict[str, dict[str, Any]] = {
    "AutoModelForImageClassification": {"modules_to_save": ["classifier"]},
}
# ONNX export (`torch.onnx.export(..., dynamo=True)`, run with onnxruntime), as ViT's:
# tests/shared/test_compile_export.py.
ONNX_EXPORT = True
# The model card's note on torch.compile, torch.export and ONNX.
EXPORT_NOTES = export_notes("ViT", onnx=ONNX_EXPORT, cache=False)


def load_processor(folder: Path, config: PretrainedConfig) -> {{ cookiecutter.class_prefix }}ImageProcessor:
    """The image processor saved in `folder`, read by this project's own class: no code from the folder runs."""
    try:
        return {{ cookiecutter.class_prefix }}ImageProcessor.from_pretrained(folder)
    except (OSError, ValueError, TypeError) as error:  # unreadable files, settings of the wrong type or value
        raise CommandError(f"cannot load the image processor in {folder}: {error}") from error


def default_processor(config: PretrainedConfig) -> {{ cookiecutter.class_prefix }}ImageProcessor:
    """The default processor: resize to the model's image_size, then rescale and normalize as ViT."""
    return {{ cookiecutter.class_prefix }}ImageProcessor(size=config.image_size)


def check_processor(processor: {{ cookiecutter.class_prefix }}ImageProcessor, config: PretrainedConfig) -> None:
    """Refuse a processor whose images do not fit the model without `interpolate_pos_encoding`."""
    expected, made = {"height": config.image_size, "width": config.image_size}, processor.output_size()
    if made is not None and made != expected:
        how = "crops" if processor.do_center_crop else "resizes"
        raise CommandError(
            f"the image processor {how} to {made} but the model expects {expected}: save a processor with that size."
        )


def reference_inputs(config: PretrainedConfig) -> dict[str, torch.Tensor]:
    """The fixed input of the reference record (record.py): one normalized image of the model's size, from a seeded
    generator."""
    size = (1, config.num_channels, config.image_size, config.image_size)
    return {"pixel_values": torch.randn(size, generator=torch.Generator().manual_seed(0))}


def usage_code(repo_id: str, auto_class: str) -> str:
    """A Markdown code block that loads the published model and processor, pinned to a revision, and runs them."""
    imports = ["import torch", "from PIL import Image", f"from transformers import AutoImageProcessor, {auto_class}"]
    inputs = 'inputs = processor(Image.open("cat.png"), return_tensors="pt")'
    lines = [inputs, *run_model(generates=False)]
    if auto_class == "AutoModelForImageClassification":
        lines.append("print(model.config.id2label[outputs.logits.argmax(-1).item()])")
    return code_block(imports, repo_id, lines, {"processor": "AutoImageProcessor", "model": auto_class})


def library_files(checkpoint: Path) -> None:
    """The files of another library that a checkpoint carries into its release (see publish.py): none here."""
    return None
