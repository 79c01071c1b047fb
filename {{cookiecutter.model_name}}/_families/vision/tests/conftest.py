import pytest
import torch

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config

from .tiny import tiny_config


@pytest.fixture
def config() -> {{ cookiecutter.class_prefix }}Config:
    return tiny_config()


@pytest.fixture(autouse=True)
def seed() -> None:
    torch.manual_seed(0)


@pytest.fixture
def pixel_values() -> torch.Tensor:
    """Two normalized 32x32 RGB images."""
    return torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
