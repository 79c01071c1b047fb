import shutil
import tempfile

import pytest
import torch
from safetensors import safe_open

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config, verify, verify_worker
from {{ cookiecutter.model_name }}.record import RECORD_FILE

from .common import DEFAULT_CLASS, tiny_config
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


# -- verify's in-process tests (test_verify_reliability.py and the families' own) -------------------------------------


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """One saved and recorded checkpoint of this model, copied by `release` for each test."""
    folder = tmp_path_factory.mktemp("recorded") / "checkpoint"
    torch.manual_seed(0)
    DEFAULT_CLASS(tiny_config()).save_pretrained(folder)
    assert verify.main([str(folder), "--record"]) == 0
    return folder


@pytest.fixture
def release(recorded, tmp_path):
    return shutil.copytree(recorded, tmp_path / "release")


@pytest.fixture
def model_and_record(release):
    """The model of `release` and its recorded inputs and outputs."""
    with safe_open(release / RECORD_FILE, framework="pt") as record:
        tensors = {name: record.get_tensor(name) for name in record.keys()}
    inputs = {name.removeprefix("inputs."): value for name, value in tensors.items() if name.startswith("inputs.")}
    expected = {name: value for name, value in tensors.items() if name.startswith("outputs.")}
    return DEFAULT_CLASS.from_pretrained(release).eval(), inputs, expected


@pytest.fixture
def checks_here(monkeypatch):
    """verify's checks run in this process (`verify_worker.check`), not in a process of their own: for the tests of
    what verify reads and reports, which are not about that process."""
    monkeypatch.setattr(verify, "run_checks", lambda plan, deadline: verify_worker.check(**plan))
