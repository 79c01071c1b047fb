"""A native checkpoint's image processor settings (its `preprocessor_config.json`) as this project's image processor.

The file is read as JSON and its settings are read by transformers' own PIL/NumPy image processor class for the type
it names (`image_processor_type`, or the older `feature_extractor_type`), which gives every setting the file leaves
out that class's default and reads older formats (an `int` size: a square for ViT, the shortest edge for CLIP). The
settings this image processor shares with that class are carried over; then both process the same images, and the
conversion stops unless their `pixel_values` are equal, bit for bit. No code from the folder runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import PIL.Image
import transformers
from transformers.image_processing_utils import BaseImageProcessor

from .conversion import ConversionError
from .image_processing_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ImageProcessor
from .inputs import read_json

IMAGE_PROCESSOR_FILE = "preprocessor_config.json"
# The settings of transformers' image processors that this one implements, under the same names.
SETTINGS = (
    "do_resize",
    "size",
    "resample",
    "do_center_crop",
    "crop_size",
    "do_rescale",
    "rescale_factor",
    "do_normalize",
    "image_mean",
    "image_std",
    "do_convert_rgb",
)
# The (height, width, channels) of the random images both image processors are checked on: both orientations, and
# one smaller than most crops.
PROBE_SHAPES = ((45, 61, 3), (61, 45, 3), (9, 13, 3))


def native_image_processor(path: Path) -> BaseImageProcessor:
    """The image processor the file `path` describes, built by transformers' own PIL/NumPy class for its type."""
    settings = read_json(path)
    kind = settings.get("image_processor_type") or settings.get("feature_extractor_type")
    if not isinstance(kind, str):
        raise ConversionError(f"{path} names no image_processor_type: save the image processor with transformers.")
    name = kind.replace("FeatureExtractor", "ImageProcessor").removesuffix("Fast").removesuffix("Pil")
    native_class = getattr(transformers, f"{name}Pil", None) or getattr(transformers, name, None)
    if not (isinstance(native_class, type) and issubclass(native_class, BaseImageProcessor)):
        raise ConversionError(f"{path} names the image processor {kind!r}, which is not one of transformers'.")
    ignored = ("auto_map", "image_processor_type", "feature_extractor_type", "processor_class")
    try:
        return native_class.from_dict({key: value for key, value in settings.items() if key not in ignored})
    except (ValueError, TypeError) as error:  # settings of the wrong type or value
        raise ConversionError(f"{path} is not a valid {kind} config: {error}") from error


def convert_image_processor(input_dir: Path) -> tuple[{{ cookiecutter.class_prefix }}ImageProcessor | None, str]:
    """This project's image processor with the settings of `input_dir`'s `preprocessor_config.json` (None if it has
    none), and where they come from; a ConversionError if it would not make the same `pixel_values`."""
    path = input_dir / IMAGE_PROCESSOR_FILE
    if not path.is_file():
        return None, f"no {IMAGE_PROCESSOR_FILE}"
    native = native_image_processor(path)
    settings: dict[str, Any] = native.to_dict()
    kind = settings.get("image_processor_type", type(native).__name__)
    others = sorted(name for name, value in settings.items() if name.startswith("do_") and value)
    others = [name for name in others if name not in SETTINGS]
    if others:
        raise ConversionError(f"{path}: the {kind} does {', '.join(others)}, which this image processor does not do.")
    kept = {name: settings[name] for name in SETTINGS if settings.get(name) is not None}
    for name in ("image_mean", "image_std"):  # lists, as JSON saves them
        if isinstance(kept.get(name), tuple | list):
            kept[name] = [float(value) for value in kept[name]]
    try:
        processor = {{ cookiecutter.class_prefix }}ImageProcessor(**kept)
    except (ValueError, TypeError) as error:  # a size this image processor does not take
        raise ConversionError(f"{path}: the {kind}'s settings are not supported: {error}") from error
    generator = np.random.default_rng(0)
    for shape in PROBE_SHAPES:  # one by one: without a crop, the images keep sizes of their own
        probe = PIL.Image.fromarray(generator.integers(0, 256, shape, dtype=np.uint8))
        ours = processor(probe, return_tensors="np").pixel_values
        theirs = native(probe, return_tensors="np").pixel_values
        if ours.shape != theirs.shape:
            found = f"images of {ours.shape[-2:]} where it makes {theirs.shape[-2:]}"
        elif not np.array_equal(ours, theirs):
            found = f"pixel values up to {np.abs(ours - theirs).max()} apart"
        else:
            continue
        raise ConversionError(
            f"{path}: this image processor does not compute what the {kind} computes with the same settings "
            f"({found}): convert the image processor by hand."
        )
    return processor, f"the {kind} of the input's {IMAGE_PROCESSOR_FILE}, checked to give the same pixel values"
