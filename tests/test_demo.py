"""The README's demo script works on a freshly baked project: local path and repo id, in fresh processes."""

import re
import subprocess
import sys

from .conftest import TEMPLATE_DIR, bake


def test_demo_saves_publishes_and_reloads_in_fresh_processes(tmp_path):
    project = bake(tmp_path, model_name="demo_lm")
    result = subprocess.run(
        [sys.executable, str(TEMPLATE_DIR / "scripts" / "demo.py"), str(project)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "auto_map: AutoModelForSequenceClassification" in result.stdout
    loaded_from = re.findall(r"loaded DemoLmForCausalLM from (\S+)", result.stdout)
    assert len(loaded_from) == 2, result.stdout
    assert loaded_from[0].startswith("transformers_modules.demo.")  # by local path
    sha = re.search(r"^  commit: (\w{40})$", result.stdout, re.MULTILINE).group(1)
    assert loaded_from[1].startswith(f"transformers_modules.demo_hyphen_user.demo_hyphen_model.{sha}.")  # by repo id
    differences = re.findall(r"largest logit difference from the saved model: (\S+)", result.stdout)
    assert len(differences) == 2 and all(float(value) <= 1e-5 for value in differences), result.stdout
