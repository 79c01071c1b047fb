"""The tiny model configuration and checkpoint shared by the tests."""

from pathlib import Path

import torch

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}Config,
    {{ cookiecutter.class_prefix }}ForImageClassification,
    {{ cookiecutter.class_prefix }}ImageProcessor,
)

LABELS = ["cat", "dog", "bird"]


def tiny_config(**overrides) -> {{ cookiecutter.class_prefix }}Config:
    """A model small enough to run every test on a laptop CPU in seconds: 32x32 images, 16 patches of 8x8."""
    values = dict(
        image_size=32,
        patch_size=8,
        num_channels=3,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        id2label=dict(enumerate(LABELS)),
        label2id={label: index for index, label in enumerate(LABELS)},
    )
    values.update(overrides)
    return {{ cookiecutter.class_prefix }}Config(**values)


def save_checkpoint(
    folder: Path,
    seed: int,
) -> tuple[{{ cookiecutter.class_prefix }}ForImageClassification, {{ cookiecutter.class_prefix }}ImageProcessor]:
    """A tiny image classifier saved with its image processor, as `publish --checkpoint` takes it."""
    torch.manual_seed(seed)
    config = tiny_config()
    model = {{ cookiecutter.class_prefix }}ForImageClassification(config).eval()
    processor = {{ cookiecutter.class_prefix }}ImageProcessor(size=config.image_size)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return model, processor
