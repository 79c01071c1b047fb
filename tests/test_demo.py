"""The README's demo script works on a freshly baked project."""

import re
import subprocess
import sys

from .conftest import TEMPLATE_DIR, bake


def test_demo_saves_and_reloads_in_a_fresh_process(tmp_path):
    project = bake(tmp_path, model_name="demo_lm")
    result = subprocess.run(
        [sys.executable, str(TEMPLATE_DIR / "scripts" / "demo.py"), str(project)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "loaded DemoLmForCausalLM from transformers_modules." in result.stdout
    assert "auto_map: AutoModelForSequenceClassification" in result.stdout
    difference = re.search(r"largest logit difference from the saved model: (\S+)", result.stdout)
    assert difference is not None and float(difference.group(1)) <= 1e-5, result.stdout


def test_demo_works_for_the_vision_family(tmp_path):
    project = bake(tmp_path, model_name="demo_vit", architecture="vision")
    result = subprocess.run(
        [sys.executable, str(TEMPLATE_DIR / "scripts" / "demo.py"), str(project)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "loaded DemoVitForImageClassification from transformers_modules." in result.stdout
    assert "auto_map: AutoModelForImageClassification" in result.stdout
    difference = re.search(r"largest logit difference from the saved model: (\S+)", result.stdout)
    assert difference is not None and float(difference.group(1)) <= 1e-5, result.stdout
