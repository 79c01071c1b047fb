"""The fork sweep (`scripts/fork_sweep.py`) on one model type: forked, converted, loaded in a fresh process and
compared with the native model as its users meet it, loaded from its checkpoint. The sweep of every type is a
scheduled workflow, not part of every run."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import TEMPLATE_DIR

SWEEP = TEMPLATE_DIR / "scripts" / "fork_sweep.py"


def test_a_type_whose_native_model_changes_in_the_last_bit_when_reloaded_is_at_parity(tmp_path):
    # transformers' own lara_mini gives logits 1e-7 apart built in memory and loaded from its checkpoint: the fork,
    # loaded, is compared with the native model loaded.
    results = tmp_path / "results.jsonl"
    command = [sys.executable, str(SWEEP), "lara_mini", "--results", str(results)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    [result] = [json.loads(line) for line in results.read_text().splitlines()]
    assert (result["model_type"], result["status"]) == ("lara_mini", "parity"), result
    assert "| causal LM | 1 | 1 | 0 | 0 | 100% | 90% |" in run.stdout
