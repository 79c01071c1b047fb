"""The vision family's contract with the shared tests: what they need to know about this family (ViT math).

The shared tests read the heads and their Auto classes from the modeling file (`AUTO_CLASSES`), and the default head,
pipeline tag and processor from `family.py`; `common.py` lists what each name here is for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from transformers import AutoImageProcessor, ViTConfig

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config, convert_vit_to_{{ cookiecutter.model_name }}

from .hub_layouts import native_image_processor, same_inputs
from .images import random_images, write_images
from .parity import same_math

LABELS = ("cat", "dog", "bird")
# The Auto class that loads the processor, and the files a published release holds beside those of every family's
# (config.json, model.safetensors, the reference record, README.md, .gitattributes, configuration and modeling code).
PROCESSOR_AUTO_CLASS = "AutoImageProcessor"
RELEASE_FILES = {"image_processing_{{ cookiecutter.model_name }}.py", "preprocessor_config.json"}
# The base model's non-persistent buffers: none (a new one needs its name here, and is then checked after loading).
BUFFERS: set[str] = set()

# This family's tiny model, on top of the sizes of every family's (`common.TINY_SIZES`): 32x32 images, 16 patches
# of 8x8.
TINY_CONFIG: dict[str, Any] = dict(
    image_size=32,
    patch_size=8,
    num_channels=3,
    id2label=dict(enumerate(LABELS)),
    label2id={label: index for index, label in enumerate(LABELS)},
)


# Settings the config must refuse when a model is built or the config saved (never while it is assembled), each with
# what the error says; those of the sizes every family has are `common.INVALID_SIZES`.
INVALID_CONFIGS: list[tuple[dict[str, Any], str]] = [
    ({"image_size": 30}, "`image_size` (30) must be divisible by `patch_size` (8)"),
    ({"patch_size": 0}, "`patch_size` must be a positive integer"),
    ({"image_size": (32, 32)}, "`image_size` must be a positive integer"),
    ({"num_channels": True}, "`num_channels` must be a positive integer"),
    ({"hidden_dropout_prob": 1.0}, "`hidden_dropout_prob` must be in [0, 1)"),
    ({"attention_probs_dropout_prob": -0.1}, "`attention_probs_dropout_prob` must be in [0, 1)"),
    ({"layer_norm_eps": 0.0}, "`layer_norm_eps` must be positive"),
    ({"hidden_act": "swish_nope"}, "`hidden_act` 'swish_nope' is not an activation"),
    # Values of the wrong type: named, never computed with (a TypeError inside transformers' own checks).
    ({"hidden_dropout_prob": "none"}, "`hidden_dropout_prob` must be in [0, 1), got 'none'"),
    ({"initializer_range": "0.02"}, "`initializer_range` must be positive, got '0.02'"),
    ({"pooler_act": ["tanh"]}, "`pooler_act` ['tanh'] is not an activation"),
]

# Ways to feed the model that the shared tests check each backend and the conversion with: the trained size, then
# other sizes with interpolated position embeddings. Variant -> (height, width, interpolate_pos_encoding).
SIZES = {"32x32": (32, 32, False), "48x48, interpolated": (48, 48, True), "48x40, interpolated": (48, 40, True)}
# The settings of the tiny model the tensor-parallel test splits over two processes (on top of `TINY_CONFIG`).
PARALLEL_CONFIG: dict[str, Any] = {}
INPUT_VARIANTS = tuple(SIZES)
# The input variants whose `return_dict=False` tuples equal ViT's element by element (test_tuple_outputs.py).
TUPLE_VARIANTS = INPUT_VARIANTS


def example_inputs(config: {{ cookiecutter.class_prefix }}Config, variant: str = "32x32") -> dict[str, Any]:
    """Two normalized RGB images of the variant's size."""
    height, width, interpolate = SIZES[variant]
    pixel_values = torch.randn(2, config.num_channels, height, width, generator=torch.Generator().manual_seed(1))
    if not interpolate:
        return {"pixel_values": pixel_values}
    return {"pixel_values": pixel_values, "interpolate_pos_encoding": True}


def training_batch(config: {{ cookiecutter.class_prefix }}Config) -> dict[str, torch.Tensor]:
    """Inputs and labels for the default head (one class per image)."""
    return {**example_inputs(config), "labels": torch.tensor([0, 2])}


# The family's values of the benchmark's mid-size model (`common.benchmark_config`: the template's scripts/bench.py).
BENCHMARK_CONFIG: dict[str, Any] = dict(image_size=224, patch_size=16)


def benchmark_batch(config: {{ cookiecutter.class_prefix }}Config) -> dict[str, torch.Tensor]:
    """The benchmark's batch for the default head: 4 normalized RGB images of `config.image_size`, with labels."""
    generator = torch.Generator().manual_seed(2)
    size = (4, config.num_channels, config.image_size, config.image_size)
    pixel_values = torch.randn(size, generator=generator)
    return {"pixel_values": pixel_values, "labels": torch.randint(0, config.num_labels, (4,), generator=generator)}


# Auto class of a head -> the pipeline task that serves it, and call options that return every prediction.
PIPELINES: dict[str, tuple[str, dict[str, Any]]] = {
    "AutoModelForImageClassification": ("image-classification", {"top_k": None}),
}


def pipeline_inputs(task: str, folder: Path) -> list[str]:
    """What the processor and the pipeline of `task` are given: two random PNG images, written to `folder`."""
    return write_images(folder, [(45, 61, 3), (32, 32, 3)])


# -- conversion from the native transformers model -----------------------------------------------------------------

# The conversion script from native ViT checkpoints: its `HEADS`, `convert` and `main` (the command line).
CONVERSION = convert_vit_to_{{ cookiecutter.model_name }}

# The Hub repos whose layout the conversion takes (hub_layouts.py; test_hub_layouts.py converts each).
HUB_LAYOUTS = ("google/vit-base-patch16-224", "ViT saved by transformers 4.26+")


def hub_inputs(source: Path, converted: Path) -> dict[str, torch.Tensor]:
    """The inputs of test_hub_layouts.py: two random images of other sizes than the model's, as transformers' own
    image processor for the source's preprocessor_config.json makes them; the converted one must make them alike."""
    images = random_images([(45, 61, 3), (61, 45, 3)])
    ours = AutoImageProcessor.from_pretrained(converted, trust_remote_code=True)
    theirs = native_image_processor(source)
    return same_inputs(dict(theirs(images, return_tensors="pt")), dict(ours(images, return_tensors="pt")))


# A tensor as the native checkpoint names it, and as this model names it (the conversion's error messages use ours).
CONVERTED_KEY = ("vit.encoder.layer.1.intermediate.dense.weight", "model.layers.1.mlp.fc1.weight")


def native_config(config: {{ cookiecutter.class_prefix }}Config, **overrides: Any) -> ViTConfig:
    """The ViT config with the math of `config`: what the conversion maps back onto ours."""
    return same_math(config, ViTConfig, **overrides)
