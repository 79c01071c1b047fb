"""The image processor computes what transformers' ViT and CLIP image processors compute, and saves as remote
code."""

import json

import numpy as np
import PIL.Image
import pytest
import torch
import transformers

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ImageProcessor

from ..hub_layouts import CLIP_MEAN, CLIP_STD
from ..images import random_images

# transformers' PIL/NumPy ViT processor: `ViTImageProcessorPil` in recent 5.x releases (where `ViTImageProcessor`
# needs torchvision), `ViTImageProcessor` itself in the first 5.x releases. Both resize with PIL and rescale and
# normalize in NumPy exactly as ours does, so the outputs must be identical, bit for bit. (The torchvision backend
# resizes with torch instead of PIL and differs by interpolation rounding, so it is not the reference.)
REFERENCE = getattr(transformers, "ViTImageProcessorPil", None) or transformers.ViTImageProcessor
CLIP_REFERENCE = getattr(transformers, "CLIPImageProcessorPil", None) or transformers.CLIPImageProcessor
# CLIP's settings (llava-hf's image processors): bicubic shortest-edge resize, center crop, CLIP's mean and std.
CLIP_SETTINGS = dict(
    resample=PIL.Image.Resampling.BICUBIC, do_center_crop=True, image_mean=CLIP_MEAN, image_std=CLIP_STD
)

SETTINGS = [
    {"size": {"height": 32, "width": 32}},
    {
        "size": {"height": 24, "width": 40},
        "resample": PIL.Image.Resampling.BICUBIC,
        "image_mean": [0.485, 0.456, 0.406],
        "image_std": [0.229, 0.224, 0.225],
    },
    {"size": {"height": 32, "width": 32}, "do_normalize": False},
    {"do_resize": False, "rescale_factor": 1 / 127.5},
]


def images_of(mode: str = "RGB") -> list[PIL.Image.Image]:
    return [image.convert(mode) for image in random_images([(32, 32, 3), (45, 61, 3), (17, 23, 3)])]


@pytest.mark.parametrize("settings", SETTINGS, ids=["default", "bicubic-imagenet", "no-normalize", "no-resize"])
def test_same_pixel_values_as_the_transformers_vit_image_processor(settings):
    ours = {{ cookiecutter.class_prefix }}ImageProcessor(**settings)
    reference = REFERENCE(**settings)
    images = images_of() if settings.get("do_resize", True) else images_of()[:1]
    expected = reference(images, return_tensors="pt").pixel_values
    actual = ours(images, return_tensors="pt").pixel_values
    assert actual.dtype == expected.dtype == torch.float32
    torch.testing.assert_close(actual, expected, rtol=0, atol=0)


@pytest.mark.parametrize(
    "settings",
    [
        {"size": {"shortest_edge": 28}, "crop_size": {"height": 28, "width": 28}},
        {"size": {"shortest_edge": 12}, "crop_size": {"height": 16, "width": 10}},
    ],
    ids=["llava-hf", "crop-beyond-the-image"],
)
def test_same_pixel_values_as_the_transformers_clip_image_processor(settings):
    ours = {{ cookiecutter.class_prefix }}ImageProcessor(**CLIP_SETTINGS, **settings)
    reference = CLIP_REFERENCE(**settings)  # CLIP's defaults are the other settings
    images = [*images_of(), *images_of("L")[:1], images_of()[1].transpose(PIL.Image.Transpose.TRANSPOSE)]
    for image in images:  # one by one: the crop may leave images of different sizes
        expected = reference(image, return_tensors="pt").pixel_values
        torch.testing.assert_close(ours(image, return_tensors="pt").pixel_values, expected, rtol=0, atol=0)
    crop = settings["crop_size"]
    assert ours.output_size() == crop and expected.shape[-2:] == (crop["height"], crop["width"])


def test_transparency_is_composited_on_white():
    # As transformers' RGB conversion since it composites (before, it dropped the alpha channel): pixels with alpha 0
    # become white, those with alpha 255 keep their color.
    image = images_of()[1]
    alpha = np.where(np.arange(image.width) % 3 == 0, 0, 255).astype(np.uint8)
    transparent = image.copy()
    transparent.putalpha(PIL.Image.fromarray(np.broadcast_to(alpha, (image.height, image.width)).copy()))
    whitened = np.array(image)
    whitened[:, alpha == 0] = 255
    processor = {{ cookiecutter.class_prefix }}ImageProcessor(**CLIP_SETTINGS, size={"shortest_edge": 28}, crop_size=28)
    expected = CLIP_REFERENCE(size={"shortest_edge": 28}, crop_size={"height": 28, "width": 28})(
        PIL.Image.fromarray(whitened), return_tensors="pt"
    )
    actual = processor(transparent, return_tensors="pt").pixel_values
    torch.testing.assert_close(actual, expected.pixel_values, rtol=0, atol=0)


def test_grayscale_and_rgba_images_become_rgb():
    ours = {{ cookiecutter.class_prefix }}ImageProcessor(size=32)
    reference = REFERENCE(size={"height": 32, "width": 32}, do_convert_rgb=True)
    for mode in ("L", "RGBA"):
        images = images_of(mode)
        actual = ours(images, return_tensors="pt").pixel_values
        assert actual.shape == (3, 3, 32, 32)
        torch.testing.assert_close(actual, reference(images, return_tensors="pt").pixel_values, rtol=0, atol=0)


def test_arrays_and_tensors_give_the_same_result_as_pil_images():
    processor = {{ cookiecutter.class_prefix }}ImageProcessor(size=32)
    image = images_of()[1]
    array = np.array(image)  # (height, width, channels)
    expected = processor(image, return_tensors="np").pixel_values
    assert expected.shape == (1, 3, 32, 32) and isinstance(expected, np.ndarray)
    for variant in (array, array.transpose(2, 0, 1), torch.from_numpy(array), [array]):
        np.testing.assert_array_equal(processor(variant, return_tensors="np").pixel_values, expected)
    unbatched = processor(image).pixel_values
    assert isinstance(unbatched, list) and len(unbatched) == 1
    np.testing.assert_array_equal(unbatched[0], expected[0])


def test_bad_inputs_are_refused_clearly():
    processor = {{ cookiecutter.class_prefix }}ImageProcessor()
    with pytest.raises(ValueError, match="Image arrays must be uint8"):
        processor(np.zeros((8, 8, 3), dtype=np.float32))
    with pytest.raises(TypeError, match="Unsupported image type str"):
        processor("not an image")
    with pytest.raises(TypeError, match="unexpected arguments: \\['do_pad'\\]"):
        processor(images_of()[0], do_pad=True)
    with pytest.raises(ValueError, match="`size` must be an int, a dict with 'height' and 'width', or one with"):
        {{ cookiecutter.class_prefix }}ImageProcessor(size={"longest_edge": 224})
    with pytest.raises(ValueError, match="`do_center_crop` needs a `crop_size`"):
        {{ cookiecutter.class_prefix }}ImageProcessor(do_center_crop=True)


def test_save_and_load_round_trip(tmp_path):
    processor = {{ cookiecutter.class_prefix }}ImageProcessor(size={"height": 24, "width": 40}, image_mean=[0.1, 0.2, 0.3])
    processor.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "preprocessor_config.json").read_text())
    assert saved["auto_map"] == {
        "AutoImageProcessor": "image_processing_{{ cookiecutter.model_name }}.{{ cookiecutter.class_prefix }}ImageProcessor",
    }
    assert saved["size"] == {"height": 24, "width": 40} and saved["resample"] == PIL.Image.Resampling.BILINEAR
    assert (tmp_path / "image_processing_{{ cookiecutter.model_name }}.py").is_file()
    reloaded = {{ cookiecutter.class_prefix }}ImageProcessor.from_pretrained(tmp_path)
    assert reloaded.to_dict() == processor.to_dict()
    images = images_of()
    torch.testing.assert_close(
        reloaded(images, return_tensors="pt").pixel_values,
        processor(images, return_tensors="pt").pixel_values,
        rtol=0,
        atol=0,
    )
