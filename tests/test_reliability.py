"""Re-baking a project: the saved answers replay as README.md documents, and baking over an existing project
(`cookiecutter -f`) is refused before anything is written, leaving the project byte for byte as it was."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

from .conftest import TEMPLATE_DIR, bake


def files_of(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.fixture
def edited_project(tmp_path) -> Path:
    """A baked project whose user has edited a file and added one."""
    project = bake(tmp_path, architecture="decoder", model_name="kept_model")
    (project / "README.md").write_text((project / "README.md").read_text() + "\nMy own notes.\n")
    (project / "kept_model" / "my_data.py").write_text("DATA = 1\n")
    return project


def test_the_answers_file_replays_the_same_project(tmp_path):
    project = bake(tmp_path / "first", architecture="vision", model_name="replayed", author="Ada")
    # The command README.md documents, run as a user would.
    command = ["--replay-file", str(project / ".cookiecutter.json"), "-o", str(tmp_path / "again"), str(TEMPLATE_DIR)]
    result = subprocess.run([sys.executable, "-m", "cookiecutter", *command], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert files_of(tmp_path / "again" / "replayed") == files_of(project)
    answers = json.loads((project / ".cookiecutter.json").read_text())["cookiecutter"]
    assert (answers["architecture"], answers["author"]) == ("vision", "Ada")


@pytest.mark.parametrize("architecture", ["decoder", "vision"], ids=["same-family", "other-family"])
def test_baking_over_an_existing_project_is_refused_and_changes_nothing(edited_project, capfd, architecture):
    before = files_of(edited_project)
    with pytest.raises(FailedHookException):
        cookiecutter(
            str(TEMPLATE_DIR),
            no_input=True,
            overwrite_if_exists=True,
            extra_context={"model_name": "kept_model", "architecture": architecture},
            output_dir=str(edited_project.parent),
        )
    assert files_of(edited_project) == before
    errors = capfd.readouterr().err.strip().splitlines()
    assert errors == [
        f"ERROR: {edited_project} already holds files (.cookiecutter.json, .github, .gitignore, ...): baking over "
        "them would overwrite your edits and leave files of the earlier bake mixed in, so nothing was changed. Bake "
        "into a new folder (--output-dir) and compare."
    ]


def test_a_replay_over_the_existing_project_is_refused_too(edited_project):
    before = files_of(edited_project)
    command = ["--replay-file", str(edited_project / ".cookiecutter.json"), "-f", "-o", str(edited_project.parent)]
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", *command, str(TEMPLATE_DIR)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert f"ERROR: {edited_project} already holds files" in result.stderr
    assert files_of(edited_project) == before


def test_baking_into_an_empty_existing_folder_is_allowed(tmp_path):
    (tmp_path / "my_model" / ".git").mkdir(parents=True)  # e.g. a repository made first with `git init`
    project = cookiecutter(str(TEMPLATE_DIR), no_input=True, overwrite_if_exists=True, output_dir=str(tmp_path))
    assert Path(project) == tmp_path / "my_model"
    assert (tmp_path / "my_model" / "my_model" / "publish.py").is_file()


def test_the_declared_python_floor_is_the_python_the_baked_suites_run_on(tmp_path):
    # The baked projects' suites (tests/test_bake.py) run on this interpreter: the floor they declare is tested.
    pyproject = tomllib.loads((bake(tmp_path) / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == ">=3.11"
    assert pyproject["tool"]["ruff"]["target-version"] == "py311"
    assert sys.version_info[:2] == (3, 11)
