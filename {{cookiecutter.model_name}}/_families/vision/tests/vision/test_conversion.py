"""What converting a native ViT checkpoint must carry beyond the shared parity checks (test_conversion_common.py):
labels, config options, the pooler and the image processor's settings; options this model does not implement are
refused."""

import json

import pytest
import torch
import transformers
from transformers import ViTForImageClassification, ViTModel

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForImageClassification,
    {{ cookiecutter.class_prefix }}ImageProcessor,
    {{ cookiecutter.class_prefix }}Model,
)
from {{ cookiecutter.model_name }}.conversion import ConversionError
from {{ cookiecutter.model_name }}.convert_vit_to_{{ cookiecutter.model_name }} import convert, main

from ..common import tiny_config
from ..contract import INPUT_VARIANTS, LABELS, example_inputs, native_config
from ..images import random_images

# transformers' PIL/NumPy ViT image processor (see test_image_processing.py).
VIT_IMAGE_PROCESSOR = getattr(transformers, "ViTImageProcessorPil", None) or transformers.ViTImageProcessor


def assert_same(actual: torch.Tensor, expected: torch.Tensor) -> None:
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5)


def test_classifier_labels_and_options_carry_over(tmp_path, inputs):
    vit = ViTForImageClassification(native_config(tiny_config(layer_norm_eps=1e-6))).eval()
    vit.save_pretrained(tmp_path / "vit")
    assert main(["--input", str(tmp_path / "vit"), "--output", str(tmp_path / "converted")]) == 0

    model = {{ cookiecutter.class_prefix }}ForImageClassification.from_pretrained(tmp_path / "converted").eval()
    assert model.config.id2label == dict(enumerate(LABELS))
    assert model.config.layer_norm_eps == 1e-6
    with torch.no_grad():
        assert_same(model(**inputs).logits, vit(**inputs).logits)


def test_base_model_pooler_parity(tmp_path, config):
    vit = ViTModel(native_config(tiny_config(pooler_act="gelu", qkv_bias=False))).eval()
    vit.save_pretrained(tmp_path / "vit")
    convert(tmp_path / "vit", tmp_path / "converted")
    model = {{ cookiecutter.class_prefix }}Model.from_pretrained(tmp_path / "converted").eval()
    assert model.config.qkv_bias is False and model.config.pooler_act == "gelu"
    for variant in INPUT_VARIANTS:
        inputs = example_inputs(config, variant)
        with torch.no_grad():
            ours, theirs = model(**inputs), vit(**inputs)
        assert_same(ours.last_hidden_state, theirs.last_hidden_state)
        assert_same(ours.pooler_output, theirs.pooler_output)


def test_image_processor_settings_carry_over(tmp_path, config):
    ViTForImageClassification(native_config(config)).save_pretrained(tmp_path / "vit")
    settings = dict(
        size={"height": 32, "width": 32},
        image_mean=[0.485, 0.456, 0.406],
        image_std=[0.229, 0.224, 0.225],
    )
    VIT_IMAGE_PROCESSOR(**settings).save_pretrained(tmp_path / "vit")
    report = convert(tmp_path / "vit", tmp_path / "converted")
    assert report[-1] == (
        "image processor: the ViTImageProcessor of the input's preprocessor_config.json, checked to give the same "
        "pixel values"
    )

    processor = {{ cookiecutter.class_prefix }}ImageProcessor.from_pretrained(tmp_path / "converted")
    assert "auto_map" in json.loads((tmp_path / "converted" / "preprocessor_config.json").read_text())
    (image,) = random_images([(45, 61, 3)])
    torch.testing.assert_close(
        processor(image, return_tensors="pt").pixel_values,
        VIT_IMAGE_PROCESSOR(**settings)(image, return_tensors="pt").pixel_values,
        rtol=0,
        atol=0,
    )


def test_without_a_preprocessor_config_the_image_processor_fits_the_model(tmp_path, config):
    ViTModel(native_config(config)).save_pretrained(tmp_path / "vit")
    report = convert(tmp_path / "vit", tmp_path / "converted")
    assert "image processor: no preprocessor_config.json: default settings, 32x32" in report
    processor = {{ cookiecutter.class_prefix }}ImageProcessor.from_pretrained(tmp_path / "converted")
    assert processor.size == {"height": 32, "width": 32}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"image_processor_type": "NoSuchImageProcessor"}, "'NoSuchImageProcessor', which is not one of"),
        ({"image_processor_type": "ViTImageProcessor", "do_pad": True}, "does do_pad, which this image processor"),
        # ConvNeXt resizes to size / crop_pct, then crops: other pixel values from the same settings.
        (
            {"image_processor_type": "ConvNextImageProcessor", "size": {"shortest_edge": 32}, "crop_pct": 0.875},
            "this image processor does not compute what the ConvNextImageProcessor computes with the same settings",
        ),
    ],
    ids=["unknown", "padding", "convnext"],
)
def test_an_image_processor_this_one_cannot_copy_is_refused(tmp_path, config, settings, message):
    ViTModel(native_config(config)).save_pretrained(tmp_path / "vit")
    (tmp_path / "vit" / "preprocessor_config.json").write_text(json.dumps(settings))
    with pytest.raises(ConversionError, match=message):
        convert(tmp_path / "vit", tmp_path / "converted")
    assert not (tmp_path / "converted").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"image_size": [32, 48]}, "image_size=[32, 48] is not supported"),
        ({"patch_size": [8, 4]}, "patch_size=[8, 4] is not supported"),
        ({"head_dim": 7}, "head_dim=7 is not supported"),
    ],
)
def test_unsupported_vit_options_are_refused(tmp_path, overrides, message):
    ViTModel(native_config(tiny_config(), **overrides)).save_pretrained(tmp_path / "vit")
    with pytest.raises(ConversionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        convert(tmp_path / "vit", tmp_path / "converted")
    assert not (tmp_path / "converted").exists()
