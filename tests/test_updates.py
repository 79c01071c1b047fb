"""Keeping a baked project current and clean: template updates through cruft keep the user's edits, the answers file
still replays, and the project's pre-commit hooks (ruff) pass on a fresh bake and catch a badly formatted edit.

Everything runs as a user would, through the command lines, on a copy of the template committed to a local git
repository (cruft takes templates from git). Git gets a configuration of its own, and pre-commit its caches under the
test's tmp folder, so that the tests neither depend on the user's settings nor write to the user's home.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import TEMPLATE_DIR, bake

NOT_TEMPLATE = shutil.ignore_patterns(
    ".git", ".venv", ".venv-min", "build", "__pycache__", ".pytest_cache", ".ruff_cache"
)
SOURCES = Path("{{cookiecutter.model_name}}")
# A file every family shares, and the modeling file of the family the tests bake.
SHARED_FILE = SOURCES / "{{cookiecutter.model_name}}" / "publish.py"
MODELING_FILE = SOURCES / "_families/decoder/{{cookiecutter.model_name}}/modeling_{{cookiecutter.model_name}}.py"
TEMPLATE_CHANGE = "# An improvement of the template, made after the project was created.\n"


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """Git with an identity of its own (none of the user's settings), pre-commit and its installs cached in tmp."""
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "gitconfig").write_text("[user]\n\tname = Test User\n\temail = test@example.com\n")
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": str(tools / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "PRE_COMMIT_HOME": str(tools / "pre-commit"),
        "VIRTUALENV_OVERRIDE_APP_DATA": str(tools / "virtualenv"),
        "PIP_CACHE_DIR": str(tools / "pip"),
    }


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )


def git(cwd: Path, env: dict[str, str], *arguments: str) -> str:
    result = run(["git", *arguments], cwd, env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def commit_all(cwd: Path, env: dict[str, str], message: str) -> str:
    git(cwd, env, "add", "--all")
    git(cwd, env, "commit", "--quiet", "--message", message)
    return git(cwd, env, "rev-parse", "HEAD")


def cruft(cwd: Path, env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "cruft", *arguments], cwd, env)


@pytest.fixture
def template_repo(tmp_path, env) -> Path:
    """This template, as its own git repository (what `cruft create https://github.com/<org>/<template>` clones)."""
    repo = tmp_path / "template"
    shutil.copytree(TEMPLATE_DIR, repo, ignore=NOT_TEMPLATE, symlinks=True)
    git(repo, env, "init", "--quiet")
    commit_all(repo, env, "The template")
    return repo


@pytest.fixture
def cruft_project(tmp_path, env, template_repo) -> Path:
    """A project created with `cruft create`, committed to its own git repository."""
    created = cruft(
        tmp_path,
        env,
        "create",
        str(template_repo),
        "--no-input",
        "--output-dir",
        str(tmp_path / "projects"),
        "--extra-context",
        json.dumps({"model_name": "kept_model", "architecture": "decoder"}),
    )
    assert created.returncode == 0, created.stdout + created.stderr
    project = tmp_path / "projects" / "kept_model"
    git(project, env, "init", "--quiet")
    commit_all(project, env, "Created with cruft")
    return project


def test_cruft_update_brings_template_changes_in_and_keeps_the_users_edit(cruft_project, template_repo, env):
    state = json.loads((cruft_project / ".cruft.json").read_text())
    assert state["template"] == str(template_repo)
    assert state["commit"] == git(template_repo, env, "rev-parse", "HEAD")
    assert cruft(cruft_project, env, "check").returncode == 0

    # The user edits the modeling file and commits.
    modeling = cruft_project / "kept_model" / "modeling_kept_model.py"
    first_line, rest = modeling.read_text().split("\n", 1)
    edited_line = f"{first_line} Edited by its user."
    modeling.write_text(f"{edited_line}\n{rest}")
    commit_all(cruft_project, env, "My edit")

    # The template improves: the same modeling file (elsewhere in it) and a file every family shares.
    for source in (MODELING_FILE, SHARED_FILE):
        path = template_repo / source
        path.write_text(path.read_text() + TEMPLATE_CHANGE)
    new_commit = commit_all(template_repo, env, "Improve the template")

    check = cruft(cruft_project, env, "check")
    assert check.returncode == 1 and "out of date" in check.stdout, check.stdout + check.stderr
    update = cruft(cruft_project, env, "update", "--skip-apply-ask")
    assert update.returncode == 0, update.stdout + update.stderr

    merged = modeling.read_text()
    assert merged.startswith(edited_line + "\n") and merged.endswith(TEMPLATE_CHANGE)
    compile(merged, str(modeling), "exec")
    assert (cruft_project / "kept_model" / "publish.py").read_text().endswith(TEMPLATE_CHANGE)
    assert json.loads((cruft_project / ".cruft.json").read_text())["commit"] == new_commit
    assert not list(cruft_project.rglob("*.rej")), "every change applied cleanly"
    check = cruft(cruft_project, env, "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_answers_of_a_cruft_project_replay(cruft_project, template_repo, env, tmp_path):
    command = [sys.executable, "-m", "cookiecutter", "--replay-file", str(cruft_project / ".cookiecutter.json")]
    result = run([*command, "-o", str(tmp_path / "again"), str(template_repo)], tmp_path, env)
    assert result.returncode == 0, result.stdout + result.stderr
    again = tmp_path / "again" / "kept_model"

    def files(folder: Path) -> dict[str, bytes]:
        paths = (path for path in folder.rglob("*") if path.is_file() and ".git" not in path.parts)
        return {path.relative_to(folder).as_posix(): path.read_bytes() for path in paths}

    # The answers file also records where the template was taken from (`_template`, `_commit`).
    answers_files = {".cookiecutter.json", ".cruft.json"}
    project_files = {name: data for name, data in files(cruft_project).items() if name not in answers_files}
    assert {name: data for name, data in files(again).items() if name not in answers_files} == project_files

    def answers(folder: Path) -> dict[str, str]:
        replay = json.loads((folder / ".cookiecutter.json").read_text())["cookiecutter"]
        return {key: value for key, value in replay.items() if not key.startswith("_")}

    assert answers(again) == answers(cruft_project)


def test_pre_commit_passes_on_a_baked_project_and_catches_a_bad_edit(tmp_path, env):
    project = bake(tmp_path, architecture="encoder")
    git(project, env, "init", "--quiet")
    git(project, env, "add", "--all")
    pre_commit = [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"]
    clean = run(pre_commit, project, env, timeout=600)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "ruff check" in clean.stdout and "ruff format" in clean.stdout and "Failed" not in clean.stdout

    modeling = project / "my_model" / "modeling_my_model.py"
    modeling.write_text(modeling.read_text() + "import os\nSIZES = [1,\n    2]\n")
    git(project, env, "add", "--all")
    caught = run(pre_commit, project, env, timeout=600)
    assert caught.returncode == 1, caught.stdout + caught.stderr
    assert "F401" in caught.stdout, caught.stdout  # ruff check: `os` imported but unused
    assert "- hook id: ruff-format\n- files were modified by this hook" in caught.stdout, caught.stdout
    assert modeling.read_text().endswith("SIZES = [1, 2]\n")  # ruff format rewrote the edit
