"""The clients a baked project's tests use (peft, sentence-transformers, trl, datasets, onnx): each family's `test`
extra declares the ones its tests import, the minimum-version run installs exactly their lower bounds, and the
template's development environment pins releases within them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from .conftest import CURATED, TEMPLATE_DIR, bake

ONNX = {"onnx", "onnxscript", "onnxruntime"}
CLIENTS = {"peft", "sentence-transformers", "trl", "datasets"} | ONNX
# The clients each family's tests need: every family trains LoRA adapters, the encoder's tests load
# sentence-transformers models, the decoder's and the moe's fine-tune with TRL; the families whose native model
# exports to ONNX (the decoder, the encoder, vision) export and run theirs with onnxruntime.
NEEDED = {
    "decoder": {"peft", "trl", "datasets"} | ONNX,
    "encoder": {"peft", "sentence-transformers"} | ONNX,
    "vision": {"peft"} | ONNX,
    "moe": {"peft", "trl", "datasets"},
    "vlm": {"peft"},
}


def minimum_script_clients() -> dict[str, dict[str, Version]]:
    """The clients scripts/test_minimum.sh installs for each family: name -> version."""
    script = (TEMPLATE_DIR / "scripts" / "test_minimum.sh").read_text()
    clients = {}
    for family, pins in re.findall(r"\[(\w+)\]=\"([^\"]*)\"", script):
        clients[family] = {name: Version(version) for name, version in (pin.split("==") for pin in pins.split())}
    return clients


def development_pins() -> dict[str, Version]:
    lines = (TEMPLATE_DIR / "requirements-dev.txt").read_text().splitlines()
    requirements = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    return {requirement.name: Version(next(iter(requirement.specifier)).version) for requirement in requirements}


@pytest.mark.parametrize("architecture", CURATED)
def test_each_family_declares_its_clients_and_the_minimum_run_installs_their_lower_bounds(tmp_path, architecture):
    project = bake(tmp_path, architecture=architecture)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    extra = [Requirement(text) for text in pyproject["project"]["optional-dependencies"]["test"]]
    declared = {requirement.name: requirement.specifier for requirement in extra if requirement.name in CLIENTS}
    assert set(declared) == NEEDED[architecture]
    for name in declared:
        for test_file in Path(project / "tests").rglob("test_*.py"):
            if re.search(rf'importorskip\(\s*"{name.replace("-", "_")}"', test_file.read_text()):
                break
        else:
            pytest.fail(f"{architecture}: {name} is declared, but no test imports it")

    minimum = minimum_script_clients()[architecture]
    assert set(minimum) == set(declared), "test_minimum.sh must install exactly the family's clients"
    pins = development_pins()
    for name, specifier in declared.items():
        (bound,) = [spec for spec in specifier if spec.operator == ">="]
        assert Version(bound.version) == minimum[name], f"{name}: test_minimum.sh must install the lower bound"
        assert pins[name] in specifier, f"{name}: requirements-dev.txt pins a release outside {specifier}"


def test_the_minimum_run_covers_every_curated_family_once():
    # A family missing from the lanes (or from the clients) would never run on its minimum.
    script = (TEMPLATE_DIR / "scripts" / "test_minimum.sh").read_text()
    (lanes,) = re.findall(r"^LANES=\(([^)]*)\)", script, re.MULTILINE)
    families = " ".join(re.findall(r"\"([^\"]*)\"", lanes)).split()
    assert sorted(families) == sorted(CURATED)
    assert sorted(minimum_script_clients()) == sorted(CURATED)
