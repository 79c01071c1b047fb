"""Image processor of {{ cookiecutter.class_prefix }}: resize, center-crop, rescale and normalize images into
`pixel_values`.

It uses only PIL and NumPy (no torchvision) and computes exactly what transformers' PIL/NumPy image processors of ViT
and CLIP compute with the same settings: RGB conversion (transparency composited on white), a PIL resize of the 8-bit
image (to a fixed size, or its shortest edge to a length), a center crop (padded with zeros where the image is
smaller), then `x * rescale_factor` in float64 cast to float32, then `(x - mean) / std` in float32. The file is
self-contained, so `save_pretrained` can ship it as remote code.
"""

from __future__ import annotations

import math

import numpy as np
import PIL.Image
import torch
from transformers import BatchFeature
from transformers.image_processing_utils import BaseImageProcessor

# The ImageNet "standard" statistics that ViT checkpoints use.
IMAGENET_STANDARD_MEAN = (0.5, 0.5, 0.5)
IMAGENET_STANDARD_STD = (0.5, 0.5, 0.5)

ImageInput = PIL.Image.Image | np.ndarray | torch.Tensor


class {{ cookiecutter.class_prefix }}ImageProcessor(BaseImageProcessor):
    r"""
    Turn images into the `pixel_values` of [`{{ cookiecutter.class_prefix }}Model`], as ViT's image processor does.

    Args:
        do_resize (`bool`, *optional*, defaults to `True`):
            Whether to resize the images to `size`.
        size (`dict[str, int]` or `int`, *optional*, defaults to `{"height": 224, "width": 224}`):
            Size after resizing: `{"height": h, "width": w}` (an `int` gives a square), or `{"shortest_edge": n}` to
            resize the shorter side to `n` and keep the aspect ratio (as CLIP's image processor).
        resample (`int`, *optional*, defaults to `PIL.Image.Resampling.BILINEAR`):
            PIL resampling filter of the resize.
        do_center_crop (`bool`, *optional*, defaults to `False`):
            Whether to crop the center of the resized images to `crop_size` (padding with zeros where they are
            smaller).
        crop_size (`dict[str, int]` or `int`, *optional*):
            Size of the crop, `{"height": h, "width": w}` (an `int` gives a square); needed with `do_center_crop`.
        do_rescale (`bool`, *optional*, defaults to `True`):
            Whether to multiply the pixel values by `rescale_factor`.
        rescale_factor (`float`, *optional*, defaults to `1/255`):
            Scale from 8-bit values to [0, 1].
        do_normalize (`bool`, *optional*, defaults to `True`):
            Whether to normalize the pixel values with `image_mean` and `image_std`, per channel.
        image_mean (`list[float]`, *optional*, defaults to `[0.5, 0.5, 0.5]`):
            Mean per channel.
        image_std (`list[float]`, *optional*, defaults to `[0.5, 0.5, 0.5]`):
            Standard deviation per channel.
        do_convert_rgb (`bool`, *optional*, defaults to `True`):
            Whether to convert PIL images of other modes (grayscale, RGBA, palette) to RGB first, compositing any
            transparency on white.

    Images are PIL images, or `uint8` arrays / tensors of shape `(height, width, channels)` or
    `(channels, height, width)`; a single image or a list.
    """

    model_input_names = ["pixel_values"]

    def __init__(
        self,
        do_resize: bool = True,
        size: dict[str, int] | int | None = None,
        resample: int = PIL.Image.Resampling.BILINEAR,
        do_center_crop: bool = False,
        crop_size: dict[str, int] | int | None = None,
        do_rescale: bool = True,
        rescale_factor: float = 1 / 255,
        do_normalize: bool = True,
        image_mean: list[float] | None = None,
        image_std: list[float] | None = None,
        do_convert_rgb: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.do_resize = do_resize
        self.size = self.size_dict(size if size is not None else 224)
        self.resample = int(resample)
        self.do_center_crop = do_center_crop
        self.crop_size = self.crop_size_dict(crop_size) if crop_size is not None else None
        if do_center_crop and crop_size is None:
            raise ValueError("`do_center_crop` needs a `crop_size` (an int, or a dict with 'height' and 'width').")
        self.do_rescale = do_rescale
        self.rescale_factor = rescale_factor
        self.do_normalize = do_normalize
        self.image_mean = list(image_mean if image_mean is not None else IMAGENET_STANDARD_MEAN)
        self.image_std = list(image_std if image_std is not None else IMAGENET_STANDARD_STD)
        self.do_convert_rgb = do_convert_rgb

    @staticmethod
    def size_dict(size: dict[str, int] | int) -> dict[str, int]:
        if isinstance(size, dict) and set(size) == {"shortest_edge"}:
            return {"shortest_edge": int(size["shortest_edge"])}
        if isinstance(size, int) or (isinstance(size, dict) and set(size) == {"height", "width"}):
            return {{ cookiecutter.class_prefix }}ImageProcessor.crop_size_dict(size)
        raise ValueError(
            f"`size` must be an int, a dict with 'height' and 'width', or one with 'shortest_edge', got {size!r}."
        )

    @staticmethod
    def crop_size_dict(size: dict[str, int] | int) -> dict[str, int]:
        if isinstance(size, int):
            return {"height": size, "width": size}
        if not isinstance(size, dict) or set(size) != {"height", "width"}:
            raise ValueError(f"`crop_size` must be an int or a dict with 'height' and 'width', got {size!r}.")
        return {"height": int(size["height"]), "width": int(size["width"])}

    def output_size(self) -> dict[str, int] | None:
        """The height and width of every image this processor makes; None where they follow the image's."""
        if self.do_center_crop:
            return dict(self.crop_size)
        return dict(self.size) if self.do_resize and "height" in self.size else None

    def __call__(self, images: ImageInput | list[ImageInput], **kwargs) -> BatchFeature:
        return self.preprocess(images, **kwargs)

    def preprocess(
        self,
        images: ImageInput | list[ImageInput],
        do_resize: bool | None = None,
        size: dict[str, int] | int | None = None,
        resample: int | None = None,
        do_center_crop: bool | None = None,
        crop_size: dict[str, int] | int | None = None,
        do_rescale: bool | None = None,
        rescale_factor: float | None = None,
        do_normalize: bool | None = None,
        image_mean: list[float] | None = None,
        image_std: list[float] | None = None,
        do_convert_rgb: bool | None = None,
        return_tensors: str | None = None,
        **kwargs,
    ) -> BatchFeature:
        """Process one image or a list; every argument defaults to the processor's setting of the same name.

        `return_tensors` is `"pt"`, `"np"` or `None` (a list of float32 arrays of shape (channels, height, width)).
        """
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected arguments: {sorted(kwargs)}.")
        do_resize = self.do_resize if do_resize is None else do_resize
        size = self.size_dict(self.size if size is None else size)
        resample = self.resample if resample is None else int(resample)
        do_center_crop = self.do_center_crop if do_center_crop is None else do_center_crop
        crop_size = self.crop_size if crop_size is None else self.crop_size_dict(crop_size)
        if do_center_crop and crop_size is None:
            raise ValueError("`do_center_crop` needs a `crop_size` (an int, or a dict with 'height' and 'width').")
        do_rescale = self.do_rescale if do_rescale is None else do_rescale
        rescale_factor = self.rescale_factor if rescale_factor is None else rescale_factor
        do_normalize = self.do_normalize if do_normalize is None else do_normalize
        mean = np.array(self.image_mean if image_mean is None else image_mean, dtype=np.float32)
        std = np.array(self.image_std if image_std is None else image_std, dtype=np.float32)
        do_convert_rgb = self.do_convert_rgb if do_convert_rgb is None else do_convert_rgb

        if not isinstance(images, list | tuple):
            images = [images]
        pixel_values = []
        for image in images:
            image = self.to_pil(image)
            if do_convert_rgb:
                image = self.to_rgb(image)
            if do_resize:
                height, width = self.resized_size(image.height, image.width, size)
                image = image.resize((width, height), resample=resample)
            array = np.array(image)
            array = array[:, :, None] if array.ndim == 2 else array  # (height, width, channels)
            if do_center_crop:
                array = self.center_crop(array, crop_size)
            if do_rescale:
                array = (array.astype(np.float64) * rescale_factor).astype(np.float32)
            if do_normalize:
                array = (array.astype(np.float32) - mean) / std
            pixel_values.append(array.transpose(2, 0, 1))

        if return_tensors is not None:
            pixel_values = np.stack(pixel_values)
        return BatchFeature(data={"pixel_values": pixel_values}, tensor_type=return_tensors)

    @staticmethod
    def to_rgb(image: PIL.Image.Image) -> PIL.Image.Image:
        """`image` in RGB, any transparency composited on white (as transformers' `convert_to_rgb`)."""
        if "A" in image.getbands() or image.info.get("transparency") is not None:
            background = PIL.Image.new("RGBA", image.size, (255, 255, 255, 255))
            return PIL.Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")
        return image if image.mode == "RGB" else image.convert("RGB")

    @staticmethod
    def resized_size(height: int, width: int, size: dict[str, int]) -> tuple[int, int]:
        """(height, width) after resizing an image of `height` x `width` to `size`; for `shortest_edge`, the longer
        side scaled alike and rounded down, as transformers' `get_resize_output_image_size` does."""
        if "shortest_edge" not in size:
            return size["height"], size["width"]
        short, long = sorted((height, width))
        new_short, new_long = size["shortest_edge"], int(size["shortest_edge"] * long / short)
        return (new_long, new_short) if width <= height else (new_short, new_long)

    @staticmethod
    def center_crop(array: np.ndarray, crop_size: dict[str, int]) -> np.ndarray:
        """The center `crop_size` of a (height, width, channels) array, padded with zeros around where the array is
        smaller (as transformers' `center_crop`: the odd pixel goes to the bottom and right)."""
        height, width = array.shape[:2]
        crop_height, crop_width = crop_size["height"], crop_size["width"]
        top, left = (height - crop_height) // 2, (width - crop_width) // 2
        if top < 0 or left < 0:
            padded_height, padded_width = max(crop_height, height), max(crop_width, width)
            padded = np.zeros((padded_height, padded_width, *array.shape[2:]), dtype=array.dtype)
            top_pad, left_pad = math.ceil((padded_height - height) / 2), math.ceil((padded_width - width) / 2)
            padded[top_pad : top_pad + height, left_pad : left_pad + width] = array
            array, top, left = padded, top + top_pad, left + left_pad
        return array[max(0, top) : top + crop_height, max(0, left) : left + crop_width]

    @staticmethod
    def to_pil(image: ImageInput) -> PIL.Image.Image:
        """A PIL image from a PIL image, or from a `uint8` array / tensor, channels last or first."""
        if isinstance(image, PIL.Image.Image):
            return image
        if isinstance(image, torch.Tensor):
            image = image.numpy(force=True)
        if not isinstance(image, np.ndarray):
            raise TypeError(f"Unsupported image type {type(image).__name__}: pass PIL images, arrays or tensors.")
        if image.dtype != np.uint8:
            raise ValueError(
                f"Image arrays must be uint8 (0-255), got {image.dtype}: convert them, or pass PIL images."
            )
        if image.ndim == 3 and image.shape[0] in (1, 3, 4) and image.shape[-1] not in (1, 3, 4):
            image = image.transpose(1, 2, 0)  # channels first -> channels last
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[:, :, 0]
        if image.ndim not in (2, 3):
            raise ValueError(f"An image must have 2 or 3 dimensions, got shape {image.shape}.")
        return PIL.Image.fromarray(image)


{{ cookiecutter.class_prefix }}ImageProcessor.register_for_auto_class("AutoImageProcessor")

__all__ = ["{{ cookiecutter.class_prefix }}ImageProcessor"]
