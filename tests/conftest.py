"""Helpers shared by the template tests: bake a project with cookiecutter's Python API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
TEMPLATE_CONTEXT = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
ARCHITECTURES: list[str] = TEMPLATE_CONTEXT["_architectures"]
# The hand-written families; `fork` takes transformers' own code of a model type, and declares the release it is
# taken from as its minimum (so no minimum run of its own), and the benchmark covers the curated families.
CURATED: list[str] = [architecture for architecture in ARCHITECTURES if architecture != "fork"]


def bake(output_dir: Path, **answers: str) -> Path:
    """Bake the template with `answers` (defaults for the rest) and return the project folder."""
    return Path(cookiecutter(str(TEMPLATE_DIR), no_input=True, extra_context=answers, output_dir=str(output_dir)))


@pytest.fixture
def bake_in(tmp_path):
    def _bake(**answers: str) -> Path:
        return bake(tmp_path, **answers)

    return _bake
