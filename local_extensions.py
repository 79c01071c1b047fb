"""Jinja extensions that cookiecutter loads from this template (`_extensions` in cookiecutter.json).

They run in cookiecutter's own process, so that a bad answer reaches the user as the one line that names it:

- the `required` filter stops the bake before cookiecutter creates any folder when an answer is empty (an empty
  `model_name` would make cookiecutter bake into the output folder itself and report that it "already exists");
- `template_dir` names this template's folder, absolute, for the hooks (cookiecutter runs them in the project folder
  and its `_repo_dir` may be relative);
- `installed_transformers` is the transformers release installed beside cookiecutter (empty if none), whose code a
  fork takes and whose version it declares as its minimum (read from the package metadata: nothing is imported);
- when a hook refuses the answers, it prints one line per problem; cookiecutter then logs its own traceback of the
  hook's exit status, which tells the user nothing more: that log record is dropped (its closing "Hook script
  failed" line stays).
"""

from __future__ import annotations

import logging
from importlib import metadata
from pathlib import Path

from cookiecutter.exceptions import EmptyDirNameException
from jinja2 import Environment
from jinja2.ext import Extension


class HookTraceback(logging.Filter):
    """Drop cookiecutter's "Stopping generation because ... hook script didn't exit successfully" traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and record.getMessage().startswith("Stopping generation because"))


DROP_HOOK_TRACEBACK = HookTraceback()
TEMPLATE_DIR = Path(__file__).resolve().parent


def installed_version(distribution: str) -> str:
    """The installed version of `distribution`, or "" if it is not installed."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def required(value: str, name: str, example: str) -> str:
    """`value`, or stop the bake with one line if it is empty."""
    if not str(value).strip():
        raise EmptyDirNameException(f"{name} is empty: give one, such as {example!r}.")
    return value


class OneLineAnswerErrors(Extension):
    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["required"] = required
        environment.globals["template_dir"] = str(TEMPLATE_DIR)
        environment.globals["installed_transformers"] = installed_version("transformers")
        logging.getLogger("cookiecutter.hooks").addFilter(DROP_HOOK_TRACEBACK)  # added once: filters are a set
