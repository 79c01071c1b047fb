"""Users edit their modeling file: the generated tests must hold whatever its text says as long as the model does the
same. `edit_keeping_behaviour` makes the edits a user makes that keep the behaviour (consistent renames, comments,
reformatting); tests/test_bake.py runs each family's whole default suite on a modeling file edited so."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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
