"""Validate the answers before cookiecutter writes anything.

Each check returns an error message (or None). On any error the hook prints one line per problem and exits 1;
cookiecutter then removes the half-made output directory, so bad answers leave nothing behind.
"""

from __future__ import annotations

import keyword
import re
import sys

# The oldest transformers release each family's generated code and tests pass on (checked by scripts/test_minimum.sh):
# create_causal_mask's 5.4 signature; AutoImageProcessor without torchvision from 5.18.
MIN_SUPPORTED_TRANSFORMERS = {"decoder": (5, 4), "encoder": (5, 4), "vision": (5, 18)}
# Longer names would push generated lines past the 119-character limit.
MAX_NAME_LENGTH = 24
# Hub rules for a repo id: "namespace/name", each part letters, digits, "-", "_", "."; no "--" or ".."; may not
# start or end with "-" or "."; the name is at most 96 characters.
HUB_PART = re.compile(r"^(?![-.])(?!.*(--|\.\.))[A-Za-z0-9_.-]+(?<![-.])$")
HUB_NAME_MAX_LENGTH = 96
# Names that would shadow the packages a generated project imports.
RESERVED_MODULES = {"transformers", "torch", "safetensors", "huggingface_hub", "tokenizers", "tests", "test"}


def check_model_name(model_name: str) -> str | None:
    accepted = "a lowercase snake_case identifier such as 'my_model' (letters, digits, '_', starting with a letter)"
    if not re.fullmatch(r"[a-z][a-z0-9_]*", model_name) or model_name.endswith("_") or "__" in model_name:
        return f"model_name {model_name!r} is not valid: use {accepted}."
    if len(model_name) > MAX_NAME_LENGTH:
        return f"model_name {model_name!r} is too long: use at most {MAX_NAME_LENGTH} characters."
    if keyword.iskeyword(model_name) or keyword.issoftkeyword(model_name):
        return f"model_name {model_name!r} is a Python keyword: use {accepted} that is not a keyword."
    if model_name in RESERVED_MODULES or model_name in sys.stdlib_module_names:
        return f"model_name {model_name!r} shadows the Python module {model_name!r}: choose another name."
    if model_name in registered_model_types():
        return (
            f"model_name {model_name!r} collides with the model_type {model_name!r} that transformers already "
            f"registers: choose a name of your own (e.g. 'my_{model_name}')."
        )
    return None


def registered_model_types() -> set[str]:
    """Model types built into the installed transformers (empty, with a warning, if it is not installed)."""
    try:
        from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES
    except ImportError:
        print("warning: transformers is not installed here; model_name was not checked against its model types.")
        return set()
    return set(CONFIG_MAPPING_NAMES)


def check_class_prefix(class_prefix: str) -> str | None:
    if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", class_prefix) or keyword.iskeyword(class_prefix):
        return (
            f"class_prefix {class_prefix!r} is not valid: use a CamelCase identifier such as 'MyModel' "
            "(starts with an uppercase letter, then letters and digits only)."
        )
    if len(class_prefix) > MAX_NAME_LENGTH:
        return f"class_prefix {class_prefix!r} is too long: use at most {MAX_NAME_LENGTH} characters."
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


def check_min_transformers_version(version: str, architecture: str) -> str | None:
    match = re.fullmatch(r"(\d+)\.(\d+)(?:\.(\d+))?", version)
    # An unknown architecture is reported by its own check: compare with the newest minimum only for the example.
    supported = MIN_SUPPORTED_TRANSFORMERS.get(architecture)
    minimum = ".".join(map(str, supported or max(MIN_SUPPORTED_TRANSFORMERS.values()))) + ".0"
    if match is None:
        return f"min_transformers_version {version!r} is not a release number: use e.g. '{minimum}'."
    if supported is not None and (int(match[1]), int(match[2])) < supported:
        return (
            f"min_transformers_version {version!r} is too old for the {architecture} family: its generated code and "
            f"tests need transformers {minimum} or newer."
        )
    return None


def validate(answers: dict[str, str], choices: dict[str, list[str]]) -> list[str]:
    """Return one message per invalid answer; `choices` are the lists that cookiecutter.json offers."""
    errors = [
        check_model_name(answers["model_name"]),
        check_class_prefix(answers["class_prefix"]),
        check_choice("architecture", answers["architecture"], choices["architecture"]),
        check_hub_repo_id(answers["hub_repo_id"]),
        check_author(answers["author"]),
        check_choice("license", answers["license"], choices["license"]),
        check_min_transformers_version(answers["min_transformers_version"], answers["architecture"]),
    ]
    return [error for error in errors if error is not None]


def main(answers: dict[str, str], choices: dict[str, list[str]]) -> int:
    errors = validate(answers, choices)
    for error in errors:
        print(f"ERROR: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    # fmt: off
    sys.exit(
        main(
            {
                "model_name": {{ cookiecutter.model_name | tojson }},
                "class_prefix": {{ cookiecutter.class_prefix | tojson }},
                "architecture": {{ cookiecutter.architecture | tojson }},
                "hub_repo_id": {{ cookiecutter.hub_repo_id | tojson }},
                "author": {{ cookiecutter.author | tojson }},
                "license": {{ cookiecutter.license | tojson }},
                "min_transformers_version": {{ cookiecutter.min_transformers_version | tojson }},
            },
            {
                "architecture": {{ _cookiecutter.architecture | tojson }},
                "license": {{ _cookiecutter.license | tojson }},
            },
        )
    )
    # fmt: on
