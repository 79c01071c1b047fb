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
def input_ids() -> torch.Tensor:
    """Two rows of random tokens that avoid the special ids."""
    return torch.randint(5, 99, (2, 7), generator=torch.Generator().manual_seed(1))
