"""Random RGB images for the processor, pipeline and conversion tests, from a seeded generator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import PIL.Image


def random_images(shapes: list[tuple[int, int, int]], seed: int = 0) -> list[PIL.Image.Image]:
    """One random RGB image per (height, width, 3) shape of `shapes`."""
    generator = np.random.default_rng(seed)
    return [PIL.Image.fromarray(generator.integers(0, 256, shape, dtype=np.uint8)) for shape in shapes]


def write_images(folder: Path, shapes: list[tuple[int, int, int]]) -> list[str]:
    """The paths of `random_images(shapes)`, saved as PNG files in `folder`."""
    paths = []
    for index, image in enumerate(random_images(shapes)):
        path = folder / f"image_{index}.png"
        image.save(path)
        paths.append(str(path))
    return paths
