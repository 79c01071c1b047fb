"""Validate the answers, and the folder they will be written to, before cookiecutter writes anything.

Each check returns an error message (or None). On any error the hook prints one line per problem and exits 1:
cookiecutter removes the project folder if it created it for this bake, and leaves an existing one (`-f`) as it
was. The names transformers already uses come from `transformers_names.json` beside this hook (refreshed by
`scripts/refresh_transformers_names.py`), so the checks need no transformers where the template is baked. It runs
on the Python that runs cookiecutter (3.10 or newer, as cookiecutter requires), with the standard library only;
`architecture=fork` also needs transformers and ruff there, and imports the template's fork engine
(`FORK_ENGINE`) to check that `base_model` can be forked.
"""

from __future__ import annotations

import importlib.util
import json
import keyword
import re
import sys
from pathlib import Path
from types import ModuleType

NAMES_FILE = "transformers_names.json"
# Longer names would push generated lines past the 119-character limit.
MAX_NAME_LENGTH = 24
# Hub rules for a repo id: "namespace/name", each part letters, digits, "-", "_", "."; no "--" or ".."; may not
# start or end with "-" or "."; the name is at most 96 characters.
HUB_PART = re.compile(r"^(?![-.])(?!.*(--|\.\.))[A-Za-z0-9_.-]+(?<![-.])$")
HUB_NAME_MAX_LENGTH = 96
# Names that would shadow the packages a generated project imports.
RESERVED_MODULES = {"transformers", "torch", "safetensors", "huggingface_hub", "tokenizers", "tests", "test"}
# What may already be in the project folder when the hook runs: nothing, or a git repository without files yet.
ALLOWED_IN_PROJECT_FOLDER = {".git"}
# The fork engine, in the template (the post-generation hook runs the copy baked into the project). The folder's name
# is cookiecutter's placeholder, spelled so that rendering this hook leaves it as it is.
TEMPLATE_FOLDER = "{" + "{cookiecutter.model_name}" + "}"
FORK_ENGINE = Path(TEMPLATE_FOLDER, "_families", "fork", TEMPLATE_FOLDER, "fork.py")
# What forking needs in the Python that runs cookiecutter, beside the standard library.
FORK_NEEDS = ("transformers", "torch", "ruff")


def load_names(path: Path) -> dict:
    """The names transformers uses (model types, class prefixes its exports start with, the tested release)."""
    return json.loads(path.read_text(encoding="utf-8"))


def check_model_name(model_name: str, model_types: set[str]) -> str | None:
    accepted = "a lowercase snake_case identifier such as 'my_model' (letters, digits, '_', starting with a letter)"
    if not model_name:
        return f"model_name is empty: use {accepted}."
    if not re.fullmatch(r"[a-z][a-z0-9_]*", model_name) or model_name.endswith("_") or "__" in model_name:
        return f"model_name {model_name!r} is not valid: use {accepted}."
    if len(model_name) > MAX_NAME_LENGTH:
        return f"model_name {model_name!r} is too long: use at most {MAX_NAME_LENGTH} characters."
    if keyword.iskeyword(model_name) or keyword.issoftkeyword(model_name):
        return f"model_name {model_name!r} is a Python keyword: use {accepted} that is not a keyword."
    if model_name in RESERVED_MODULES or model_name in sys.stdlib_module_names:
        return f"model_name {model_name!r} shadows the Python module {model_name!r}: choose another name."
    if model_name in model_types:
        return (
            f"model_name {model_name!r} collides with the model_type {model_name!r} that transformers already "
            f"registers: choose a name of your own (e.g. 'my_{model_name}')."
        )
    return None


def check_class_prefix(class_prefix: str, shadowed: dict[str, str]) -> str | None:
    if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", class_prefix) or keyword.iskeyword(class_prefix):
        return (
            f"class_prefix {class_prefix!r} is not valid: use a CamelCase identifier such as 'MyModel' "
            "(starts with an uppercase letter, then letters and digits only)."
        )
    if len(class_prefix) > MAX_NAME_LENGTH:
        return f"class_prefix {class_prefix!r} is too long: use at most {MAX_NAME_LENGTH} characters."
    if class_prefix in shadowed:
        return (
            f"class_prefix {class_prefix!r} would give classes the names of transformers' own (such as "
            f"{shadowed[class_prefix]}), which the generated code and tests import: choose a prefix of your own "
            f"(e.g. 'My{class_prefix}')."
        )
    return None


def check_hub_repo_id(repo_id: str) -> str | None:
    parts = repo_id.split("/")
    accepted = (
        "'namespace/name' where each part uses letters, digits, '-', '_' or '.', does not start or end with "
        f"'-' or '.', has no '--' or '..', and the name is at most {HUB_NAME_MAX_LENGTH} characters"
    )
    if len(parts) != 2 or not all(HUB_PART.match(part) for part in parts):
        return f"hub_repo_id {repo_id!r} would be refused by the Hub: use {accepted}."
    if len(parts[1]) > HUB_NAME_MAX_LENGTH:
        return f"hub_repo_id {repo_id!r} has a name longer than {HUB_NAME_MAX_LENGTH} characters: use {accepted}."
    return None


def check_author(author: str) -> str | None:
    if not author.strip():
        return f"author {author!r} is empty: give the name to show in the model card and pyproject.toml."
    forbidden = sorted({character for character in author if character in '"\\{}' or not character.isprintable()})
    if forbidden:
        return (
            f"author {author!r} contains {' '.join(map(repr, forbidden))}: remove them (double quotes, backslashes, "
            "braces and control characters would need escaping in the generated files)."
        )
    return None


def check_choice(field: str, value: str, accepted: list[str]) -> str | None:
    if value not in accepted:
        return f"{field} {value!r} is not supported: use one of {', '.join(accepted)}."
    return None


def family_minimums(template: dict) -> dict[str, str]:
    """The oldest transformers release each curated family's generated code and tests pass on (checked by
    scripts/test_minimum.sh), from the template's cookiecutter.json (`_families`), where its default answer reads it:
    create_causal_mask's 5.4 signature; AutoImageProcessor without torchvision from 5.18 (vlm: also its processor);
    moe: Mixtral's router returns its logits (not its probabilities) from 5.6, which the router-logits and aux-loss
    parity needs (the fused experts API, `use_experts_implementation`, is there from 5.0)."""
    return {family: facts["min_transformers"] for family, facts in template["_families"].items()}


def release_number(version: str) -> tuple[int, int, int] | None:
    """`version` ("5.4" or "5.4.0") as (major, minor, patch), or None if it is not a release number."""
    match = re.fullmatch(r"(\d+)\.(\d+)(?:\.(\d+))?", version)
    return None if match is None else (int(match[1]), int(match[2]), int(match[3] or 0))


def check_min_transformers_version(
    version: str, architecture: str, newest: str, minimums: dict[str, str]
) -> str | None:
    if architecture == "fork":
        return check_fork_min_version(version, newest)
    release = release_number(version)
    # An unknown architecture is reported by its own check: compare with the newest minimum only for the example.
    supported = minimums.get(architecture)
    minimum = supported or max(minimums.values(), key=release_number)
    if release is None:
        return f"min_transformers_version {version!r} is not a release number: use e.g. '{minimum}'."
    if supported is not None and release < release_number(supported):
        return (
            f"min_transformers_version {version!r} is too old for the {architecture} family: its generated code and "
            f"tests need transformers {minimum} or newer."
        )
    if release > tuple(int(part) for part in newest.split(".")[:3]):
        return (
            f"min_transformers_version {version!r} is newer than transformers {newest}, the newest release this "
            f"template is tested with: use a version from {minimum} to {newest}."
        )
    return None


def check_fork_min_version(version: str, installed: str) -> str | None:
    """A fork declares the release it is taken from: its suite has run there, and only there, when it is baked."""
    if not installed or version == installed:
        return None  # no transformers: reported by the fork checks
    return (
        f"min_transformers_version {version!r} is not {installed}, the installed transformers that the fork is taken "
        f"from: a fork declares that release (leave the answer out); lower it once the suite passes on an older one."
    )


def load_fork_engine(template_dir: Path) -> ModuleType:
    """The template's fork engine (`FORK_ENGINE`), imported from its file."""
    spec = importlib.util.spec_from_file_location("fork_engine", template_dir / FORK_ENGINE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def check_base_model(base_model: str, architecture: str, template_dir: Path) -> str | None:
    """For a fork: `base_model` is a model type of the installed transformers that a project can be forked from."""
    if architecture != "fork":
        return None
    missing = [name for name in FORK_NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        return (
            f"architecture=fork needs {' and '.join(missing)} in the Python that runs cookiecutter "
            f"({sys.executable}): pip install {' '.join(missing)} there, or choose one of the curated families."
        )
    engine = load_fork_engine(template_dir)
    try:
        engine.find_source(base_model)
    except engine.ForkError as error:
        message = str(error) if str(error).endswith((".", "?")) else f"{error}."
        return f"base_model {base_model!r} cannot be forked: {message}" if base_model else message
    return None


def check_project_folder(folder: Path) -> str | None:
    """Refuse a re-bake over existing files (`cookiecutter -f`): it would overwrite edits and keep stale files."""
    existing = sorted(path.name for path in folder.iterdir() if path.name not in ALLOWED_IN_PROJECT_FOLDER)
    if not existing:
        return None
    shown = ", ".join(existing[:3]) + (", ..." if len(existing) > 3 else "")
    return (
        f"{folder} already holds files ({shown}): baking over them would overwrite your edits and leave files of "
        "the earlier bake mixed in, so nothing was changed. Bake into a new folder (--output-dir) and compare."
    )


def validate(
    answers: dict[str, str],
    choices: dict[str, list[str]],
    minimums: dict[str, str],
    names: dict,
    installed: str = "",
) -> list[str]:
    """Return one message per invalid answer; `choices` are the lists that cookiecutter.json offers (`_architectures`,
    `_licenses`: plain answers checked here, not cookiecutter choice lists, whose check raises a traceback before any
    hook runs); `minimums` each curated family's oldest supported transformers (`family_minimums`); `installed` the
    transformers release beside cookiecutter, which a fork is taken from (`base_model` is checked apart, by
    `check_base_model`)."""
    errors = [
        check_model_name(answers["model_name"], set(names["model_types"])),
        check_class_prefix(answers["class_prefix"], names["shadowed_class_prefixes"]),
        check_choice("architecture", answers["architecture"], choices["architecture"]),
        check_hub_repo_id(answers["hub_repo_id"]),
        check_author(answers["author"]),
        check_choice("license", answers["license"], choices["license"]),
        check_min_transformers_version(
            answers["min_transformers_version"],
            answers["architecture"],
            installed if answers["architecture"] == "fork" else names["transformers_version"],
            minimums,
        ),
    ]
    return [error for error in errors if error is not None]


def main(answers: dict[str, str], template_dir: Path, project_folder: Path, installed: str = "") -> int:
    """Check the answers (choices and names from the template itself, so that replays check them too); `installed`
    is the transformers release beside cookiecutter (empty if none)."""
    try:
        template = json.loads((template_dir / "cookiecutter.json").read_text(encoding="utf-8"))
        choices = {"architecture": template["_architectures"], "license": template["_licenses"]}
        minimums = family_minimums(template)
        names = load_names(template_dir / "hooks" / NAMES_FILE)
    except (OSError, ValueError, KeyError) as error:
        print(f"ERROR: the template in {template_dir} is incomplete ({error!r}): get it again.", file=sys.stderr)
        return 1
    errors = [
        check_project_folder(project_folder),
        *validate(answers, choices, minimums, names, installed),
        check_base_model(answers["base_model"], answers["architecture"], template_dir),
    ]
    for error in errors:
        if error is not None:
            print(f"ERROR: {error}", file=sys.stderr)
    return 1 if any(errors) else 0


if __name__ == "__main__":
    # fmt: off
    sys.exit(
        main(
            {
                "model_name": {{ cookiecutter.model_name | tojson }},
                "class_prefix": {{ cookiecutter.class_prefix | tojson }},
                "architecture": {{ cookiecutter.architecture | tojson }},
                "base_model": {{ cookiecutter.base_model | tojson }},
                "hub_repo_id": {{ cookiecutter.hub_repo_id | tojson }},
                "author": {{ cookiecutter.author | tojson }},
                "license": {{ cookiecutter.license | tojson }},
                "min_transformers_version": {{ cookiecutter.min_transformers_version | tojson }},
            },
            Path({{ template_dir | tojson }}),  # from local_extensions.py
            Path.cwd(),  # cookiecutter runs this hook in the project folder
            {{ installed_transformers | tojson }},  # from local_extensions.py
        )
    )
    # fmt: on
