"""The README's first step: the marked code block that trains a model from scratch runs as it is written, in an
empty folder, trains (the loss it prints falls), and saves a checkpoint that `verify --record` records and `publish`
takes, whose model card says it was trained from scratch."""

import re
from pathlib import Path

import pytest

from {{ cookiecutter.model_name }}.publish import main as publish_main
from {{ cookiecutter.model_name }}.verify import main as verify_main

from ..helpers import PACKAGE, PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
# The comment on the line before each code block of the README that this test runs (invisible once rendered).
MARKER = "<!-- tested: tests/shared/test_first_step.py runs this block -->"
MARKED_BLOCK = re.compile(rf"^{re.escape(MARKER)}\n```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def marked_code(text: str) -> str:
    """The Python blocks of the Markdown `text` that follow a `MARKER` line, each on the lines it has there (so that
    a traceback names the README's line), the rest blank."""
    lines = [""] * text.count("\n")
    for block in MARKED_BLOCK.finditer(text):
        first = text.count("\n", 0, block.start(1))
        code = block.group(1).splitlines()
        lines[first : first + len(code)] = code
    return "\n".join(lines)


def test_the_readme_block_trains_a_model_that_verify_and_publish_take(tmp_path, monkeypatch, capsys):
    code = marked_code(README.read_text(encoding="utf-8"))
    assert code.strip(), f"{README} has no Python block after a {MARKER!r} line: the first step would go untested"
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(README), "exec"), {"__name__": "__main__"})
    losses = [float(loss) for loss in re.findall(r"\bloss (\d+\.\d+)", capsys.readouterr().out)]
    # Without training (a learning rate of 0), the masking and the batches' make-up move it by 0.03 at most.
    assert len(losses) >= 2 and losses[0] - losses[-1] > 0.1, f"the printed loss does not fall: {losses}"

    checkpoint = Path("checkpoints", PACKAGE)
    assert verify_main([str(checkpoint), "--record"]) == 0
    assert publish_main(["--checkpoint", str(checkpoint), "--dry-run", "--output", "release"]) == 0
    assert "- **Weights:** trained from scratch\n" in Path("release", "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"intro\n{MARKER}\n```python\nx = 1\n```\n\n```python\nnot = run\n```\n", "\n\n\nx = 1\n\n\n\n\n"),
        (f"{MARKER}\n```python\na = 1\n```\n{MARKER}\n```python\nb = a\n```\n", "\n\na = 1\n\n\n\nb = a\n"),
        ("```python\nunmarked = 1\n```\n", "\n\n"),
    ],
    ids=["one block, another unmarked", "two blocks", "no marker"],
)
def test_only_the_marked_blocks_run_on_their_own_lines(text, expected):
    assert marked_code(text) == expected
