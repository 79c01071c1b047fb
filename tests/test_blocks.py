"""The shared blocks under `templates/`, which families' modeling and configuration files include at bake time.

The baked families check the blocks as each family includes them (tests/test_bake.py); here every block is rendered
alone with each set of variables a family may give it (options no family uses yet included), and must be Python that
ruff leaves as it is, and end where the include tag's own line ends it.
"""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest
from cookiecutter.environment import StrictEnvironment
from jinja2 import FileSystemLoader

from .conftest import TEMPLATE_DIR

BLOCKS_DIR = TEMPLATE_DIR / "templates"
BLOCKS = sorted(path.relative_to(BLOCKS_DIR).as_posix() for path in BLOCKS_DIR.rglob("*.py"))
# What a block sees: the answers (the longest class prefix the answer checks allow, with a sub-model's suffix), and
# the variables a family sets around an include.
COOKIECUTTER = {"model_name": "my_model", "class_prefix": "MyModel"}
VARIABLES = {
    "defaults": {},
    "long names": {"cookiecutter": {"model_name": "m" * 24, "class_prefix": "LongResearchModelName"}},
    "sub-model": {"prefix": "LongResearchModelNameText", "config_class": "LongResearchModelNameTextConfig"},
    "options": {
        "sliding_window": True,
        "mlp_class": "MyModelSparseMoeBlock",
        "model_class": "MyModelTextModel",
        "output_class": "MoeModelOutputWithPast",
    },
}


def render(block: str, variables: dict) -> str:
    environment = StrictEnvironment(keep_trailing_newline=True, loader=FileSystemLoader(BLOCKS_DIR))
    return environment.get_template(block).render(**{"cookiecutter": COOKIECUTTER, **variables})


def test_every_block_is_included_by_a_family_or_documented():
    sources = "\n".join(path.read_text() for path in (TEMPLATE_DIR / "{{cookiecutter.model_name}}").rglob("*.py"))
    readme = (TEMPLATE_DIR / "README.md").read_text()
    for block in BLOCKS:
        assert f'{{% include "{block}" %}}' in sources or f"`{block}`" in readme, f"{block} is never used"


@pytest.mark.parametrize("variant", VARIABLES)
def test_blocks_render_to_formatted_python(tmp_path, variant):
    rendered = {block: render(block, VARIABLES[variant]) for block in BLOCKS}
    for block, text in rendered.items():
        assert "{{" not in text and "{%" not in text and "{#" not in text, block
        # The include tag stands on its own line: the block neither starts nor ends with a line break of its own.
        assert text.strip("\n") == text, f"{block} starts or ends with a newline"
        # A block of a class body (indented) is checked inside a class.
        module = f"class Block:\n{text}\n" if text.startswith(" ") else f"{text}\n"
        try:
            ast.parse(module)
        except SyntaxError as error:
            pytest.fail(f"{block} ({variant}) is not Python: {error}")
        path = tmp_path / block
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(module)
    (tmp_path / "ruff.toml").write_text('line-length = 119\ntarget-version = "py311"\n')
    command = [sys.executable, "-m", "ruff", "format", "--no-cache", "--check", "--diff", "."]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
