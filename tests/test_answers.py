"""Answers that would bake a broken project are refused with one line, even where transformers is not installed.

The names transformers uses (its model types, the class-name prefixes of its exports, its newest release the template
is tested with) ship in hooks/transformers_names.json; these tests check that file is current, and run the hooks on
Python 3.10, the oldest Python cookiecutter runs on, where transformers is not installed.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest
import transformers
from cookiecutter.exceptions import FailedHookException

from .conftest import TEMPLATE_CONTEXT, TEMPLATE_DIR, bake
from .test_hooks import CHOICES, MINIMUMS, NAMES, NEWEST, VALID, pre_gen

REFRESH_SCRIPT = TEMPLATE_DIR / "scripts" / "refresh_transformers_names.py"


def load_refresh_script():
    spec = importlib.util.spec_from_file_location("refresh_transformers_names", REFRESH_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def python_310() -> str:
    """Python 3.10: $PYTHON310, a pyenv install, or python3.10 on the PATH."""
    candidates = [os.environ.get("PYTHON310", "")]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.10*/bin/python3.10")))
    candidates.append(shutil.which("python3.10") or "")
    for candidate in filter(None, candidates):
        version = subprocess.run([candidate, "--version"], capture_output=True, text=True)
        if version.returncode == 0 and version.stdout.startswith("Python 3.10"):
            return candidate
    pytest.fail("Python 3.10 is needed to test the hooks on it: install it (pyenv install 3.10) or set PYTHON310.")


@pytest.mark.parametrize(
    "answers",
    [{"class_prefix": "MyLlama"}, {"min_transformers_version": NEWEST}, {"model_name": "my_vit", "class_prefix": "V"}],
)
def test_validate_accepts(answers):
    assert pre_gen.validate({**VALID, **answers}, CHOICES, MINIMUMS, NAMES) == []


def test_the_shipped_names_are_those_of_the_pinned_transformers():
    pinned = next(
        line.split("==")[1].strip()
        for line in (TEMPLATE_DIR / "requirements-dev.txt").read_text().splitlines()
        if line.startswith("transformers==")
    )
    assert transformers.__version__ == pinned == NEWEST
    current = load_refresh_script().current_names()
    stale = "hooks/transformers_names.json is out of date: run scripts/refresh_transformers_names.py"
    assert current == NAMES, stale
    assert {"Config", "Model", "ForCausalLM", "Layer", "ImageProcessor"} <= set(current["class_name_suffixes"])


def test_a_bad_answer_is_one_line_on_the_command_line(tmp_path):
    command = [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(tmp_path), str(TEMPLATE_DIR)]
    result = subprocess.run([*command, "model_name=class"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == [
        "ERROR: model_name 'class' is a Python keyword: use a lowercase snake_case identifier such as 'my_model' "
        "(letters, digits, '_', starting with a letter) that is not a keyword."
    ]
    assert result.stdout.strip() == "Hook script failed (exit status: 1)"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            "architecture=decodr",
            "architecture 'decodr' is not supported: use one of decoder, encoder, vision, moe, vlm, fork.",
        ),
        (
            "license=mit2",
            "license 'mit2' is not supported: use one of apache-2.0, mit, bsd-3-clause, gpl-3.0, cc-by-4.0, "
            "cc-by-sa-4.0, cc-by-nc-4.0, openrail.",
        ),
    ],
    ids=["architecture", "license"],
)
def test_an_answer_outside_the_choices_is_one_line_naming_them(tmp_path, answer, message):
    command = [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(tmp_path), str(TEMPLATE_DIR), answer]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == [f"ERROR: {message}"]
    assert result.stdout.strip() == "Hook script failed (exit status: 1)"
    assert list(tmp_path.iterdir()) == []


def test_the_choices_are_answers_the_hook_checks_with_the_first_the_default():
    # Not cookiecutter choice lists: cookiecutter checks those before any hook runs, with a traceback.
    for answer, choices in (("architecture", "_architectures"), ("license", "_licenses")):
        assert TEMPLATE_CONTEXT[answer] == TEMPLATE_CONTEXT[choices][0]
        assert CHOICES[answer] == TEMPLATE_CONTEXT[choices]
        prompt = TEMPLATE_CONTEXT["__prompts__"][answer]
        assert all(choice in prompt for choice in TEMPLATE_CONTEXT[choices]), prompt


def test_the_prompt_and_the_readme_state_the_minimums_of_cookiecutter_json():
    # The default family's minimum, then the others' where they differ; a fork's is the installed release.
    default = MINIMUMS[TEMPLATE_CONTEXT["architecture"]]
    others = [(family, minimum) for family, minimum in MINIMUMS.items() if minimum != default]
    prompt = TEMPLATE_CONTEXT["__prompts__"]["min_transformers_version"]
    stated = ", ".join(f"{minimum} for {family}" for family, minimum in others)
    assert prompt == f"Minimum transformers version ({default} or newer; {stated}; a fork: the installed release)"
    readme = (TEMPLATE_DIR / "README.md").read_text().splitlines()
    row = next(line for line in readme if line.startswith("| `min_transformers_version` |")).split(" | ")
    stated = ", ".join(f"`{minimum}` for `{family}`" for family, minimum in others)
    assert row[1] == f"`{default}` ({stated}; for `fork` the installed release)"
    ordered = sorted(MINIMUMS.values(), key=pre_gen.release_number)
    span = " to ".join(minimum.removesuffix(".0") for minimum in (ordered[0], ordered[-1]))
    fork_doc = (TEMPLATE_DIR / "docs" / "fork.md").read_text()
    assert f"a range (the family's declared minimum, {span}, up to the tested release)" in fork_doc


def test_an_empty_model_name_is_named_before_any_folder_is_made(tmp_path):
    command = [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(tmp_path), str(TEMPLATE_DIR)]
    result = subprocess.run([*command, "model_name="], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert (result.stdout + result.stderr).strip() == "model_name is empty: give one, such as 'my_model'."
    assert list(tmp_path.iterdir()) == []


def test_the_hooks_run_on_python_3_10_without_transformers(tmp_path, monkeypatch, capfd):
    interpreter = python_310()
    missing = subprocess.run([interpreter, "-c", "import transformers"], capture_output=True)
    assert missing.returncode != 0, "this check is about a Python without transformers"
    monkeypatch.setattr(sys, "executable", interpreter)  # cookiecutter runs .py hooks with sys.executable

    project = bake(tmp_path / "good", architecture="encoder")
    answers = json.loads((project / ".cookiecutter.json").read_text())["cookiecutter"]
    assert answers["architecture"] == "encoder" and not (project / "_families").exists()
    assert (project / "my_model" / f"convert_bert_to_{answers['model_name']}.py").is_file()

    capfd.readouterr()
    with pytest.raises(FailedHookException):
        bake(tmp_path / "bad", model_name="llama", class_prefix="Auto", min_transformers_version="99.0")
    errors = capfd.readouterr().err.strip().splitlines()
    assert [line.split(" ", 2)[1] for line in errors] == ["model_name", "class_prefix", "min_transformers_version"]
    assert "collides with the model_type 'llama'" in errors[0] and "Traceback" not in "".join(errors)
    assert list((tmp_path / "bad").iterdir()) == []


def test_every_prompt_has_a_check():
    checked = set(VALID)
    answers = {key for key in TEMPLATE_CONTEXT if not key.startswith("_")}
    assert answers == checked
