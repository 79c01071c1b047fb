"""The README's demo script works on a freshly baked project of every family: saved, reloaded by local path,
published to the test Hub and reloaded by repo id, each time in a fresh process, then verified against the
reference record of the release."""

import re
import subprocess
import sys

import pytest

from .conftest import CURATED, TEMPLATE_DIR, bake

# Per family: the class the demo builds and one auto_map entry its saved config must carry beyond that class's own.
FAMILIES = {
    "decoder": ("DemoModelForCausalLM", "AutoModelForSequenceClassification"),
    "encoder": ("DemoModelForMaskedLM", "AutoModelForTokenClassification"),
    "vision": ("DemoModelForImageClassification", "AutoModel "),
    "moe": ("DemoModelForCausalLM", "AutoModelForSequenceClassification"),
    "vlm": ("DemoModelForConditionalGeneration", "AutoModel "),
}


@pytest.mark.parametrize("architecture", CURATED)  # a family without an entry in FAMILIES fails
def test_demo_saves_publishes_and_reloads_in_fresh_processes(tmp_path, architecture):
    project = bake(tmp_path, model_name="demo_model", architecture=architecture)
    result = subprocess.run(
        [sys.executable, str(TEMPLATE_DIR / "scripts" / "demo.py"), str(project)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    model_class, other_head = FAMILIES[architecture]
    assert f"auto_map: {other_head}" in result.stdout
    loaded_from = re.findall(rf"loaded {model_class} from (\S+)", result.stdout)
    assert len(loaded_from) == 2, result.stdout
    assert loaded_from[0].startswith("transformers_modules.demo.")  # by local path
    sha = re.search(r"^  commit: (\w{40})$", result.stdout, re.MULTILINE).group(1)
    assert loaded_from[1].startswith(f"transformers_modules.demo_hyphen_user.demo_hyphen_model.{sha}.")  # by repo id
    differences = re.findall(r"largest logit difference from the saved model: (\S+)", result.stdout)
    assert len(differences) == 2 and all(float(value) <= 1e-5 for value in differences), result.stdout
    verified = f"  verified demo-user/demo-model@{sha}: {model_class} loads as remote code with a clean load report, "
    assert result.stdout.splitlines()[-1].startswith(verified), result.stdout
