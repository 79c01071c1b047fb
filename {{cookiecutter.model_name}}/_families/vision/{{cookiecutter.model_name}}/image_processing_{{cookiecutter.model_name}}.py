"""Image processor of {{ cookiecutter.class_prefix }}: resize, rescale and normalize images into `pixel_values`.

It uses only PIL and NumPy (no torchvision) and computes exactly what transformers' PIL/NumPy ViT image processor
computes with the same settings: a PIL resize of the 8-bit image, then `x * rescale_factor` in float64 cast to float32,
then `(x - mean) / std` in float32. The file is self-contained, so `save_pretrained` can ship it as remote code.
"""

from __future__ import annotations

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
            Size after resizing; an `int` gives a square.
        resample (`int`, *optional*, defaults to `PIL.Image.Resampling.BILINEAR`):
            PIL resampling filter of the resize.
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
            Whether to convert PIL images of other modes (grayscale, RGBA, palette) to RGB first.

    Images are PIL images, or `uint8` arrays / tensors of shape `(height, width, channels)` or
    `(channels, height, width)`; a single image or a list.
    """

    model_input_names = ["pixel_values"]

    def __init__(
        self,
        do_resize: bool = True,
        size: dict[str, int] | int | None = None,
        resample: int = PIL.Image.Resampling.BILINEAR,
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
        self.do_rescale = do_rescale
        self.rescale_factor = rescale_factor
        self.do_normalize = do_normalize
        self.image_mean = list(image_mean if image_mean is not None else IMAGENET_STANDARD_MEAN)
        self.image_std = list(image_std if image_std is not None else IMAGENET_STANDARD_STD)
        self.do_convert_rgb = do_convert_rgb

    @staticmethod
    def size_dict(size: dict[str, int] | int) -> dict[str, int]:
        if isinstance(size, int):
            return {"height": size, "width": size}
        if set(size) != {"height", "width"}:
            raise ValueError(f"`size` must be an int or a dict with 'height' and 'width', got {size!r}.")
        return {"height": int(size["height"]), "width": int(size["width"])}

    def __call__(self, images: ImageInput | list[ImageInput], **kwargs) -> BatchFeature:
        return self.preprocess(images, **kwargs)

    def preprocess(
        self,
        images: ImageInput | list[ImageInput],
        do_resize: bool | None = None,
        size: dict[str, int] | int | None = None,
        resample: int | None = None,
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
            if do_convert_rgb and image.mode != "RGB":
                image = image.convert("RGB")
            if do_resize:
                image = image.resize((size["width"], size["height"]), resample=resample)
            array = np.array(image)
            array = array[:, :, None] if array.ndim == 2 else array  # (height, width, channels)
            if do_rescale:
                array = (array.astype(np.float64) * rescale_factor).astype(np.float32)
            if do_normalize:
                array = (array.astype(np.float32) - mean) / std
            pixel_values.append(array.transpose(2, 0, 1))

        if return_tensors is not None:
            pixel_values = np.stack(pixel_values)
        return BatchFeature(data={"pixel_values": pixel_values}, tensor_type=return_tensors)

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
