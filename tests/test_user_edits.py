"""Users edit their modeling file: the generated tests must hold whatever its text says as long as the model does the
same. Each family's modeling file gets edits that keep its behaviour (consistent renames, reformatting, comments), then
the baked tests that read or rewrite the saved modeling file (verify's: they change the model through code appended
to it) must still pass. The other baked tests only call the model; the default bake runs them all
(tests/test_bake.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ARCHITECTURES, bake

# Consistent renames a user makes: attributes that hold an activation (a module without weights; Llama calls its
# `act_fn`, but transformers itself reads the experts' `act_fn` of a mixture of experts, which stays) and locals of the
# RMSNorm. Each file has some of them.
RENAMES = {
    r"\bself\.activation\b": "self.act_fn",
    r"\bself\.act\b": "self.projector_act",
    r"\bvariance\b": "mean_square",
    r"\binput_dtype\b": "original_dtype",
}
DEFINITION = re.compile(r"^(\s*)(def|class) ", re.MULTILINE)
# The baked tests that change the saved model through code appended to its modeling file, and verify's checks of it.
# The second is the text families' own (in the folder of the family's own tests).
VERIFY_SUITES = ("tests/shared/test_verify.py", "tests/{architecture}/test_verify_generation.py")
VERIFY_TESTS = "compute or imports or cache"


def edit_keeping_behaviour(path: Path) -> None:
    """Rename attributes and locals (`RENAMES`), add a comment above every function and class, and reformat the file to
    70 columns."""
    text, renamed = path.read_text(), 0
    for pattern, name in RENAMES.items():
        text, count = re.subn(pattern, name, text)
        renamed += count
    assert renamed, f"nothing to rename in {path.name}"
    text, commented = DEFINITION.subn(r"\1# (a note of the user's)\n\1\2 ", text)
    assert commented, path.name
    path.write_text(text)
    command = [sys.executable, "-m", "ruff", "format", "--no-cache", "--line-length", "70", str(path)]
    subprocess.run(command, check=True, capture_output=True)
    compile(path.read_text(), str(path), "exec")


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_behaviour_preserving_edits_of_the_modeling_file_keep_the_tests_green(tmp_path, architecture):
    project = bake(tmp_path, architecture=architecture)
    modeling = project / "my_model" / "modeling_my_model.py"
    before = modeling.read_text()
    edit_keeping_behaviour(modeling)
    assert modeling.read_text() != before
    suites = [name.format(architecture=architecture) for name in VERIFY_SUITES]
    suites = [name for name in suites if (project / name).is_file()]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *suites, "-k", VERIFY_TESTS]
    result = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=600)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    expected = 4 if len(suites) == 2 else 3
    assert summary.startswith(f"{expected} passed") and "skipped" not in summary, summary
