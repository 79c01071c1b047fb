"""The shared blocks in `templates/`: Jinja macros that families' modeling and configuration files call at bake time.

The baked families check the blocks as each family calls them (tests/test_bake.py); here every macro is called alone
with each set of arguments a family may give it (options no family uses yet included), and must write Python that
ruff leaves as it is, and end where the line of its call ends it.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest
from cookiecutter.environment import StrictEnvironment
from jinja2 import FileSystemLoader
from jinja2.runtime import Macro

from .conftest import TEMPLATE_DIR

BLOCKS_DIR = TEMPLATE_DIR / "templates"
TEMPLATES = sorted(path.name for path in BLOCKS_DIR.glob("*.py"))
# What a macro is given: the answers (the longest class prefix the answer checks allow), and the arguments a family
# passes, those of a sub-model's classes (a vision-language model's text tower) and options no family uses yet.
ANSWERS = {"model_name": "my_model", "class_prefix": "MyModel"}
# The arguments some macros need.
REQUIRED = {"heads": {"Model": "AutoModel", "ForCausalLM": "AutoModelForCausalLM"}}
VARIANTS = {
    "defaults": ({}, {}),
    "long names": ({"model_name": "m" * 24, "class_prefix": "LongResearchModelName"}, {}),
    "sub-model": (
        {},
        {
            "prefix": "LongResearchModelNameText",
            "config_class": "LongResearchModelNameTextConfig",
            "auto_map": False,
        },
    ),
    "options": (
        {},
        {
            "sliding_window": True,
            "mlp_class": "MyModelSparseMoeBlock",
            "model_class": "MyModelTextModel",
            "output_class": "MoeModelOutputWithPast",
            "recorded_outputs": '\n        "router_logits": OutputRecorder(MyModelTopKRouter, index=0),',
            "embeddings": True,
        },
    ),
}


def macros(name: str, answers: dict) -> dict[str, Macro]:
    environment = StrictEnvironment(keep_trailing_newline=True, loader=FileSystemLoader(BLOCKS_DIR))
    module = environment.get_template(name).make_module({"cookiecutter": answers})
    return {key: value for key, value in vars(module).items() if isinstance(value, Macro)}


# Where the macros are called: the families' sources and the macro files themselves.
CALLERS = (TEMPLATE_DIR / "{{cookiecutter.model_name}}", BLOCKS_DIR)
SOURCES = "\n".join(path.read_text() for folder in CALLERS for path in folder.rglob("*.py"))


def call_indentation(module: str, macro: str) -> str:
    """A block of a class or method body is called indented, so that its first line has no indentation of its own."""
    calls = re.findall(rf"^( *){{{{ {module}\.{macro}\(", SOURCES, re.MULTILINE)
    return calls[0] if calls else ""


def as_module(text: str, indentation: str) -> str:
    """The block where it is called: at the top of a module, in a class (4 spaces) or in a method (8)."""
    enclosing = ["class Block:", "    def method(self):"][: len(indentation) // 4]
    return "\n".join([*enclosing, indentation + text, ""])


def test_every_macro_is_called_by_a_family_or_documented():
    """A macro no family calls yet is named in CONTRIBUTING.md (where the macros are documented) as `module.macro`."""
    sources = SOURCES
    documentation = (TEMPLATE_DIR / "CONTRIBUTING.md").read_text()
    for name in TEMPLATES:
        module = name.removesuffix(".py")
        assert f'import "{name}" as {module} with context' in sources or f"`{name}`" in documentation, name
        for macro in macros(name, ANSWERS):
            assert re.search(rf"{{{{ {module}\.{macro}\(", sources) or f"`{module}.{macro}`" in documentation, macro


@pytest.mark.parametrize("variant", VARIANTS)
def test_macros_write_formatted_python(tmp_path, variant):
    answers, arguments = VARIANTS[variant]
    for name in TEMPLATES:
        for macro_name, macro in macros(name, {**ANSWERS, **answers}).items():
            block = f"{name.removesuffix('.py')}.{macro_name}"
            given = {**REQUIRED, **arguments}
            text = macro(**{key: value for key, value in given.items() if key in macro.arguments})
            assert "{{" not in text and "{%" not in text and "{#" not in text, block
            # The call stands on its own line: the block neither starts nor ends with a line break of its own.
            assert text.strip() == text.lstrip(" "), f"{block} starts or ends with white space"
            module = as_module(text, call_indentation(name.removesuffix(".py"), macro_name))
            try:
                ast.parse(module)
            except SyntaxError as error:
                pytest.fail(f"{block} ({variant}) is not Python: {error}")
            (tmp_path / f"{block}.py").write_text(module)
    (tmp_path / "ruff.toml").write_text('line-length = 119\ntarget-version = "py311"\n')
    command = [sys.executable, "-m", "ruff", "format", "--no-cache", "--check", "--diff", "."]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
