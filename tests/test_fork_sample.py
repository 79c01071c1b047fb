"""A fork of each kind of model bakes clean and passes the part of its suite that depends on the model: the fork's own
parity tests, the shared modeling and conversion contract, fresh-process loads by path and by repo id, a publish round
trip, the conversion of checkpoints laid out as the Hub serves them (vit's and llava's), and the README's first step.
The default fork (qwen3, a dense decoder) runs its whole suite in test_bake.py; the sweep of every model type is
`scripts/fork_sweep.py` (a scheduled workflow), not part of every run. `FORK_SAMPLE="gemma2 bamba" pytest
tests/test_fork_sample.py` runs this test on other model types (the sweep compares outputs; this runs their suites).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import transformers

from .conftest import bake

# Model type -> the kind of model it stands for.
SAMPLE = {
    "qwen3_moe": "mixture of experts (transformers' checkpoint conversion of its experts)",
    "mistral": "sliding-window attention",
    "falcon_h1": "hybrid state-space and attention layers",
    "bert": "encoder with a masked-LM head, converted from bert-base-uncased's Hub layout (pre-training heads beside)",
    "vit": "vision classifier",
    "llava": "vision-language model",
}
# The part of a baked suite that depends on the model (the rest tests tooling every project shares).
MODEL_SUITES = (
    "tests/fork/test_fork.py",
    "tests/shared/test_modeling_common.py",
    "tests/shared/test_conversion_common.py",
    "tests/shared/test_tuple_outputs.py",
    "tests/shared/test_remote_code.py",
    "tests/shared/test_hub_round_trip.py",
    "tests/shared/test_hub_layouts.py",
    "tests/shared/test_first_step.py",
)


@pytest.mark.parametrize("base_model", os.environ.get("FORK_SAMPLE", "").split() or SAMPLE)
def test_a_fork_of_each_kind_bakes_clean_and_passes_its_model_tests(tmp_path, base_model):
    answers = {"architecture": "fork", "base_model": base_model, "model_name": "my_fork"}
    project = bake(tmp_path, **answers, min_transformers_version=transformers.__version__)
    for check in (["check", "--no-cache", "."], ["format", "--no-cache", "--check", "."]):
        result = subprocess.run([sys.executable, "-m", "ruff", *check], cwd=project, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *MODEL_SUITES]
    result = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=1800)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert " passed" in summary and "skipped" not in summary, summary
