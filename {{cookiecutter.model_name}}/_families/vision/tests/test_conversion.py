"""A native transformers ViT checkpoint converts into this model with the same outputs."""

import json

import numpy as np
import PIL.Image
import pytest
import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import ViTConfig, ViTForImageClassification, ViTModel

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForImageClassification,
    {{ cookiecutter.class_prefix }}ImageProcessor,
    {{ cookiecutter.class_prefix }}Model,
)
from {{ cookiecutter.model_name }}.convert_vit_to_{{ cookiecutter.model_name }} import ConversionError, convert, main

from .tiny import LABELS

# transformers' PIL/NumPy ViT image processor (see test_image_processing.py).
VIT_IMAGE_PROCESSOR = getattr(transformers, "ViTImageProcessorPil", None) or transformers.ViTImageProcessor


def tiny_vit_config(**overrides) -> ViTConfig:
    values = dict(
        image_size=32,
        patch_size=8,
        num_channels=3,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        layer_norm_eps=1e-6,
        id2label=dict(enumerate(LABELS)),
        label2id={label: index for index, label in enumerate(LABELS)},
    )
    values.update(overrides)
    return ViTConfig(**values)


def assert_same(actual: torch.Tensor, expected: torch.Tensor) -> None:
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5)


# (height, width, interpolate_pos_encoding): the trained size, then other sizes with interpolated positions.
SIZES = [(32, 32, False), (48, 48, True), (48, 40, True)]


def test_classifier_parity(tmp_path):
    vit = ViTForImageClassification(tiny_vit_config()).eval()
    vit.save_pretrained(tmp_path / "vit")
    assert main(["--input", str(tmp_path / "vit"), "--output", str(tmp_path / "converted")]) == 0

    model = {{ cookiecutter.class_prefix }}ForImageClassification.from_pretrained(tmp_path / "converted").eval()
    assert model.config.id2label == dict(enumerate(LABELS))
    assert model.config.layer_norm_eps == 1e-6
    for height, width, interpolate in SIZES:
        pixel_values = torch.randn(2, 3, height, width)
        with torch.no_grad():
            ours = model(pixel_values, interpolate_pos_encoding=interpolate, output_hidden_states=True)
            theirs = vit(pixel_values, interpolate_pos_encoding=interpolate, output_hidden_states=True)
        assert_same(ours.logits, theirs.logits)
        assert len(ours.hidden_states) == len(theirs.hidden_states)
        for our_hidden, their_hidden in zip(ours.hidden_states, theirs.hidden_states, strict=True):
            assert_same(our_hidden, their_hidden)


def test_base_model_parity(tmp_path):
    vit = ViTModel(tiny_vit_config(pooler_act="gelu", qkv_bias=False)).eval()
    vit.save_pretrained(tmp_path / "vit")
    convert(tmp_path / "vit", tmp_path / "converted")
    model = {{ cookiecutter.class_prefix }}Model.from_pretrained(tmp_path / "converted").eval()
    assert model.config.qkv_bias is False and model.config.pooler_act == "gelu"
    for height, width, interpolate in SIZES:
        pixel_values = torch.randn(2, 3, height, width)
        with torch.no_grad():
            ours = model(pixel_values, interpolate_pos_encoding=interpolate)
            theirs = vit(pixel_values, interpolate_pos_encoding=interpolate)
        assert_same(ours.last_hidden_state, theirs.last_hidden_state)
        assert_same(ours.pooler_output, theirs.pooler_output)


def test_image_processor_settings_carry_over(tmp_path):
    ViTForImageClassification(tiny_vit_config()).save_pretrained(tmp_path / "vit")
    settings = dict(
        size={"height": 32, "width": 32},
        image_mean=[0.485, 0.456, 0.406],
        image_std=[0.229, 0.224, 0.225],
    )
    VIT_IMAGE_PROCESSOR(**settings).save_pretrained(tmp_path / "vit")
    report = convert(tmp_path / "vit", tmp_path / "converted")
    assert any("settings of the input's preprocessor_config.json" in line for line in report), report

    processor = {{ cookiecutter.class_prefix }}ImageProcessor.from_pretrained(tmp_path / "converted")
    assert "auto_map" in json.loads((tmp_path / "converted" / "preprocessor_config.json").read_text())
    image = PIL.Image.fromarray(np.random.default_rng(0).integers(0, 256, (45, 61, 3), dtype=np.uint8))
    torch.testing.assert_close(
        processor(image, return_tensors="pt").pixel_values,
        VIT_IMAGE_PROCESSOR(**settings)(image, return_tensors="pt").pixel_values,
        rtol=0,
        atol=0,
    )


def test_without_a_preprocessor_config_the_image_processor_fits_the_model(tmp_path):
    ViTModel(tiny_vit_config()).save_pretrained(tmp_path / "vit")
    report = convert(tmp_path / "vit", tmp_path / "converted")
    assert "image processor: no preprocessor_config.json: default settings, 32x32" in report
    processor = {{ cookiecutter.class_prefix }}ImageProcessor.from_pretrained(tmp_path / "converted")
    assert processor.size == {"height": 32, "width": 32}


def corrupt_checkpoint(folder, edit) -> None:
    tensors = load_file(folder / "model.safetensors")
    edit(tensors)
    save_file(tensors, folder / "model.safetensors", metadata={"format": "pt"})


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.pop("vit.encoder.layer.1.intermediate.dense.weight"),
            "missing from checkpoint: ['model.layers.1.mlp.fc1.weight']",
        ),
        (lambda t: t.update(extra=torch.zeros(1)), "unused from checkpoint: ['extra']"),
        (
            lambda t: t.update({"vit.embeddings.position_embeddings": torch.zeros(1, 10, 32)}),
            "model.embeddings.position_embeddings: checkpoint (1, 10, 32) != model (1, 17, 32)",
        ),
    ],
    ids=["missing", "unexpected", "shape"],
)
def test_mismatched_checkpoint_fails_loudly_and_writes_nothing(tmp_path, edit, message):
    ViTForImageClassification(tiny_vit_config()).save_pretrained(tmp_path / "vit")
    corrupt_checkpoint(tmp_path / "vit", edit)
    with pytest.raises(ConversionError) as error:
        convert(tmp_path / "vit", tmp_path / "converted")
    assert message in str(error.value)
    assert not (tmp_path / "converted").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"image_size": [32, 48]}, "image_size=[32, 48] is not supported"),
        ({"patch_size": [8, 4]}, "patch_size=[8, 4] is not supported"),
    ],
)
def test_unsupported_vit_options_are_refused(tmp_path, overrides, message):
    ViTModel(tiny_vit_config(**overrides)).save_pretrained(tmp_path / "vit")
    with pytest.raises(ConversionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        convert(tmp_path / "vit", tmp_path / "converted")
    assert not (tmp_path / "converted").exists()


def test_cli_refuses_a_non_empty_output_folder(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("do not overwrite")
    with pytest.raises(SystemExit):
        main(["--input", str(tmp_path), "--output", str(tmp_path / "out")])
    assert "is not empty" in capsys.readouterr().err
