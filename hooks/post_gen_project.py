"""Keep the files of the chosen architecture family and drop the others.

The template holds one folder per family under `_families/`; the chosen one is merged into the project root, after
the shared folders it builds on (`SHARED_FOLDERS`). Whole-file choices live here rather than in conditional blocks
inside the sources. The folders mirror the project, so the tests land apart as they sit in the template: the shared
contract's in `tests/shared/`, the family's own in `tests/<architecture>/` (from
`_families/<architecture>/tests/<architecture>/`, and the text families' from the folder of `_families/_text/tests/`
that cookiecutter names after the architecture), their support modules in `tests/`.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

FAMILIES_DIR = "_families"
# The folders of `_families/` that several families share, merged in before the family's own: the text families'
# tokenizer, configuration, publishing facts and text-generation tests.
SHARED_FOLDERS = {"decoder": ("_text",), "moe": ("_text",)}
ANSWERS_FILE = ".cookiecutter.json"
# Paths of the machine that baked the project: meaningless in a shared repository.
LOCAL_KEYS = ("_output_dir", "_repo_dir")


def select_family(project_dir: Path, architecture: str) -> None:
    families = project_dir / FAMILIES_DIR
    chosen = families / architecture
    if not chosen.is_dir():
        raise FileNotFoundError(f"the template has no files for architecture {architecture!r} in {chosen}")
    for shared in SHARED_FOLDERS.get(architecture, ()):
        shutil.copytree(families / shared, project_dir, dirs_exist_ok=True)
    shutil.copytree(chosen, project_dir, dirs_exist_ok=True)
    shutil.rmtree(families)


class ForkRefused(Exception):
    """The base model cannot be forked: the message says why."""


def load_fork_engine(project_dir: Path, package: str) -> ModuleType:
    """The fork engine baked into the project (`<package>/fork.py`), imported from its file."""
    spec = importlib.util.spec_from_file_location(f"{package}_fork_engine", project_dir / package / "fork.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def fork_base_model(project_dir: Path, package: str, base_model: str, class_prefix: str) -> None:
    """Write the fork of `base_model` into the project (the engine's `bake`); a model type that cannot be forked stops
    the bake with one line (cookiecutter then removes the project)."""
    engine = load_fork_engine(project_dir, package)
    try:
        engine.bake(project_dir, package, base_model, class_prefix)
    except engine.ForkError as error:
        raise ForkRefused(f"base_model {base_model!r} cannot be forked: {error}") from error


def write_answers(project_dir: Path, context: dict) -> None:
    """Keep the answers as a cookiecutter replay file: `cookiecutter --replay-file .cookiecutter.json <template>`."""
    answers = {key: value for key, value in context.items() if key not in LOCAL_KEYS}
    replay = {"cookiecutter": answers}  # the layout cookiecutter's replay files have
    (project_dir / ANSWERS_FILE).write_text(json.dumps(replay, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    try:
        # fmt: off
        select_family(Path.cwd(), {{ cookiecutter.architecture | tojson }})
        if {{ cookiecutter.architecture | tojson }} == "fork":
            fork_base_model(
                Path.cwd(),
                {{ cookiecutter.model_name | tojson }},
                {{ cookiecutter.base_model | tojson }},
                {{ cookiecutter.class_prefix | tojson }},
            )
        write_answers(Path.cwd(), json.loads({{ cookiecutter | jsonify | tojson }}))
        # fmt: on
    except (FileNotFoundError, ForkRefused) as error:
        print(f"ERROR: {error}", file=sys.stderr)
        sys.exit(1)
