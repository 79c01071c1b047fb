"""Refresh `hooks/transformers_names.json` from the installed transformers.

The pre-generation hook refuses a `model_name` that is one of transformers' model types and a `class_prefix` whose
classes would shadow transformers' own exports (`Llama` gives `LlamaConfig`, `Auto` gives `AutoConfig`), and a
`min_transformers_version` newer than the release the template is tested with. It reads those names from this file,
so the checks work where transformers is not installed (cookiecutter from pipx, for example). Run it after changing
the pinned transformers (requirements-dev.txt) or the class names the template generates; a template test fails
while the file is out of date.

    .venv/bin/python scripts/refresh_transformers_names.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
NAMES_FILE = TEMPLATE_DIR / "hooks" / "transformers_names.json"
# A generated class name: the class_prefix answer followed by a suffix, in any template source; in the shared blocks
# (templates/), the `prefix` argument of a macro (the class_prefix by default) or a default built from it.
GENERATED_CLASS = re.compile(r"\{\{ (?:cookiecutter\.class_prefix|prefix) \}\}(\w+)|prefix ~ \"(\w+)\"")
CLASS_PREFIX = re.compile(r"[A-Z][A-Za-z0-9]*")  # what the hook accepts as a class_prefix


def class_name_suffixes(template_dir: Path = TEMPLATE_DIR) -> list[str]:
    """Every suffix the template appends to the class prefix (Config, Model, ForCausalLM, Attention, ...)."""
    folders = (template_dir / "{{cookiecutter.model_name}}", template_dir / "templates")
    files = [path for folder in folders for path in folder.rglob("*") if path.is_file()]
    found = [match for path in files for match in GENERATED_CLASS.findall(path.read_text())]
    return sorted({suffix for match in found for suffix in match if suffix})


def current_names(template_dir: Path = TEMPLATE_DIR) -> dict:
    """The names the hook needs, from the installed transformers."""
    import transformers
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    suffixes = class_name_suffixes(template_dir)
    shadowed: dict[str, str] = {}
    for name in sorted(transformers.__all__):
        for suffix in suffixes:
            prefix = name.removesuffix(suffix)
            if prefix != name and CLASS_PREFIX.fullmatch(prefix):
                shadowed.setdefault(prefix, name)
    return {
        "transformers_version": transformers.__version__,
        "class_name_suffixes": suffixes,
        "model_types": sorted(CONFIG_MAPPING_NAMES),
        "shadowed_class_prefixes": dict(sorted(shadowed.items())),
    }


def main() -> None:
    names = current_names()
    NAMES_FILE.write_text(json.dumps(names, indent=1) + "\n")
    print(
        f"wrote {NAMES_FILE.relative_to(TEMPLATE_DIR)}: transformers {names['transformers_version']}, "
        f"{len(names['model_types'])} model types, {len(names['shadowed_class_prefixes'])} class prefixes"
    )


if __name__ == "__main__":
    main()
