"""Bake the template with several answer sets; each baked project must be clean and pass its own tests."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import transformers
from huggingface_hub import ModelCard

from .conftest import ARCHITECTURES, TEMPLATE_CONTEXT, TEMPLATE_DIR, bake
from .test_hooks import post_gen
from .user_edits import edit_keeping_behaviour

# Cookiecutter's Jinja. The model card template keeps `{{ variable }}` placeholders for huggingface_hub on purpose,
# and chat templates are Jinja too (a processor's, `processing_<name>.py` in vlm; a fork's default processor's, in its
# `family.py`; those of the Hub repos that the tests' `hub_layouts.py` lays out):
# only cookiecutter's names count there.
# (`.cookiecutter.json`, the answers file that cruft replays, is a name, not a leftover.)
LEFTOVER_TEMPLATE_SYNTAX = re.compile(r"\{\{\s*cookiecutter|\{%|\{#|(?<!\.)cookiecutter\.")
LEFTOVER_COOKIECUTTER = re.compile(r"\{\{\s*cookiecutter|(?<!\.)cookiecutter\.")

# The answer sets every family bakes with (scripts/test_minimum.sh bakes the custom answers too).
ANSWER_SETS: dict[str, dict[str, str]] = json.loads((TEMPLATE_DIR / "tests" / "answer_sets.json").read_text())
# Every family bakes every answer set clean (no template syntax left, lint, layout, card): cheap checks. The generated
# suites run for every family's defaults here, on the pinned release. The custom answers take every name through the
# code paths: scripts/test_minimum.sh runs each curated family's whole suite baked with them, on the family's minimum
# release; a fork, which declares the release it is taken from as its minimum, runs its custom suite here. Longer names
# change line lengths, which the lint checks of every answer set see, not the code paths.
CASES = [
    pytest.param((architecture, name), id=f"{architecture}-{name}")
    for architecture in ARCHITECTURES
    for name in ANSWER_SETS
]
SUITE_CASES = [case for case in CASES if case.values[0][1] == "defaults" or case.values[0] == ("fork", "custom")]
# A fork declares the transformers release it is taken from (test_fork.py): its custom answers keep that minimum.
FORK_ANSWERS = {"min_transformers_version": transformers.__version__}
# The other answer sets change names, quoting, ids and the declared minimum, not the math or the tooling around it:
# their baked suites run every test that builds, saves, loads, converts and publishes the model under those names, and
# leave out the suites whose code takes no name from the answers (the defaults run those), in whichever of the tests'
# folders they are (`tests/shared/` or the family's).
NAME_INDEPENDENT_SUITES = (
    "test_compile_export.py",
    "test_distributed.py",
    "test_fork.py",
    "test_generation.py",
    "test_peft.py",
    "test_reliability.py",
    "test_rope.py",
    "test_trl.py",
    "test_tuple_outputs.py",
    "test_verify.py",
    "test_verify_generation.py",
    "test_verify_image_outputs.py",
    "test_verify_reliability.py",
)
PIPELINE_TAGS = {
    "decoder": "text-generation",
    "encoder": "fill-mask",
    "vision": "image-classification",
    "moe": "text-generation",
    "vlm": "image-text-to-text",
    "fork": "text-generation",  # the default base model, qwen3
}
SOURCES = TEMPLATE_DIR / "{{cookiecutter.model_name}}"


def is_defaults(answers: dict[str, str]) -> bool:
    """Whether these are the default answers (with which a fork declares its own release as its minimum)."""
    return answers == {
        "architecture": answers["architecture"],
        **(FORK_ANSWERS if answers["architecture"] == "fork" else {}),
    }


def bake_case(case: tuple[str, str], tmp_path_factory) -> tuple[Path, dict[str, str]]:
    architecture, name = case
    answers = {"architecture": architecture, **ANSWER_SETS[name], **(FORK_ANSWERS if architecture == "fork" else {})}
    return bake(tmp_path_factory.mktemp(f"{architecture}-{name}"), **answers), answers


# Session-scoped: a worker of pytest-xdist runs other modules' tests between those of one bake, which would tear a
# module-scoped bake down and bake it again (a fork's bake runs the fork engine: seconds, not a fraction of one).
@pytest.fixture(scope="session", params=CASES)
def baked(request, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    return bake_case(request.param, tmp_path_factory)


@pytest.fixture(scope="session", params=SUITE_CASES)
def baked_for_suite(request, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    return bake_case(request.param, tmp_path_factory)


def run(command: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def test_no_template_syntax_left(baked):
    project, _ = baked
    assert not (project / "_families").exists()
    for path in project.rglob("*"):
        assert "{{" not in path.name, path
        if path.is_file():
            chat_templates = path.name.startswith("processing_") or path.name in ("family.py", "hub_layouts.py")
            leftover = LEFTOVER_COOKIECUTTER if chat_templates else LEFTOVER_TEMPLATE_SYNTAX
            match = leftover.search(path.read_text())
            assert match is None, f"{path.relative_to(project)}: {match and match.group()!r}"


def test_layout_and_names(baked):
    project, answers = baked
    model_name = answers.get("model_name", "my_model")
    package = project / model_name
    assert project.name == model_name
    assert (package / f"configuration_{model_name}.py").is_file()
    assert (package / f"modeling_{model_name}.py").is_file()
    modeling = (package / f"modeling_{model_name}.py").read_text()
    assert f"from .configuration_{model_name} import" in modeling, "remote code must import its config relatively"
    if "class_prefix" in answers:
        assert f"class {answers['class_prefix']}PreTrainedModel(PreTrainedModel):" in modeling


def test_ruff_check_and_format(baked):
    project, _ = baked
    check = run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], project)
    assert check.returncode == 0, check.stdout + check.stderr
    formatted = run([sys.executable, "-m", "ruff", "format", "--no-cache", "--check", "--diff", "."], project)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def package_imports(package: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (`from .x import ...`, `from . import x`)."""
    graph = {}
    for path in package.glob("*.py"):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                imported |= {node.module} if node.module else {alias.name for alias in node.names}
        graph[path.stem] = imported
    return graph


def test_the_package_imports_without_cycles(baked):
    project, answers = baked
    graph = package_imports(project / answers.get("model_name", "my_model"))
    # The code that verify's checking process runs imports nothing of the project (it loads record.py by its path).
    assert graph["verify_worker"] == set() and graph["record"] == set()
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import cycle: {' -> '.join((*path, module))}"
        if module not in done:
            for imported in graph.get(module, ()):
                visit(imported, (*path, module))
            done.add(module)

    for module in graph:
        visit(module, ())


def test_pyproject_and_model_card(baked):
    project, answers = baked
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    families = {family: facts["min_transformers"] for family, facts in TEMPLATE_CONTEXT["_families"].items()}
    default_min_version = {**families, "fork": transformers.__version__}[answers["architecture"]]
    min_version = answers.get("min_transformers_version", default_min_version)
    assert f"transformers>={min_version}" in pyproject["project"]["dependencies"]
    assert pyproject["project"]["authors"] == [{"name": answers.get("author", "Your Name")}]

    card = ModelCard.load(project / "README.md")
    assert card.data.library_name == "transformers"
    assert "custom_code" in card.data.tags
    assert card.data.license == answers.get("license", "apache-2.0")
    assert card.data.pipeline_tag == PIPELINE_TAGS[answers["architecture"]]
    assert "trust_remote_code=True" in card.text and "revision=" in card.text


def test_shared_and_family_tests_are_apart(baked):
    # A baked project's tests/shared/ holds the tests of the template's shared `tests/` and nothing else; the family's
    # own (from `_families/<architecture>/` and the folders it builds on) are in tests/<architecture>/; tests/ itself
    # holds only their support modules. pytest finds every one of them, under ids that say which folder it is from.
    project, answers = baked
    architecture = answers["architecture"]
    shared = {path.name for path in (SOURCES / "tests").rglob("test_*.py")}
    family_folders = [
        SOURCES / "_families" / folder for folder in (*post_gen.SHARED_FOLDERS.get(architecture, ()), architecture)
    ]
    own = {path.name for folder in family_folders for path in (folder / "tests").rglob("test_*.py")}
    assert shared and own
    expected = {f"tests/shared/{name}" for name in shared} | {f"tests/{architecture}/{name}" for name in own}
    tests = project / "tests"
    assert {path.relative_to(project).as_posix() for path in tests.rglob("test_*.py")} == expected
    for folder in ("shared", architecture):
        assert (tests / folder / "__init__.py").is_file(), f"tests/{folder} must be a package"
    if not is_defaults(answers):
        return  # the answers change names, not folders: what pytest collects is checked on the defaults
    collected = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only"], project)
    assert collected.returncode == 0, collected.stdout[-5000:] + collected.stderr[-3000:]
    # (A file may collect nothing for a family: a fork's tests/shared/test_hub_layouts.py, where its source has none.)
    files = {line.split("::")[0] for line in collected.stdout.splitlines() if "::" in line}
    assert files <= expected and {file.split("/")[1] for file in files} == {"shared", architecture}


def test_generated_test_suite_passes(baked_for_suite):
    """The suite passes; with the defaults, its whole suite passes on a modeling file that a user edited without
    changing what it does (user_edits.py): no generated test depends on the file's text."""
    project, answers = baked_for_suite
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    if is_defaults(answers):
        edit_keeping_behaviour(project / "my_model" / "modeling_my_model.py")
    else:
        command += [f"--ignore-glob=tests/*/{name}" for name in NAME_INDEPENDENT_SUITES]
    result = run(command, project)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert " passed" in summary and "skipped" not in summary, summary
