import tempfile

import pytest
import torch

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config

from .common import tiny_config
from .contract import example_inputs


@pytest.fixture(autouse=True)
def seed() -> None:
    torch.manual_seed(0)


@pytest.fixture
def config() -> {{ cookiecutter.class_prefix }}Config:
    return tiny_config()


@pytest.fixture
def inputs(config) -> dict[str, torch.Tensor]:
    """The family's example inputs (contract.py): a batch of 2."""
    return example_inputs(config)


# The family's own tests take the example inputs by their names.
@pytest.fixture
def input_ids(inputs) -> torch.Tensor:
    return inputs["input_ids"]


@pytest.fixture
def pixel_values(inputs) -> torch.Tensor:
    return inputs["pixel_values"]


@pytest.fixture
def temporary_directory(tmp_path, monkeypatch):
    """The system's temporary directory, for a test of a command: the command must leave it empty."""
    folder = tmp_path / "system_tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    assert list(folder.iterdir()) == [], "the command left a temporary folder behind"
