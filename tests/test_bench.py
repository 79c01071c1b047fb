"""The benchmark's smoke run (`scripts/bench.py --smoke`) on freshly baked projects of every family: a table row for
every measurement, outputs equal to the native model's, the same generated tokens, remote code loaded in the fresh
processes. The times it prints are never asserted on (a benchmark is run by hand; see docs/benchmark.md)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
from filelock import FileLock

from .conftest import CURATED, TEMPLATE_DIR, bake

BENCH = TEMPLATE_DIR / "scripts" / "bench.py"
# The families with a generation head: their table also times greedy generation with both caches.
GENERATING = {"decoder", "moe", "vlm"}
# One smoke run serves every test of this module (see `smoke_run`); under pytest-xdist they run on one worker
# (conftest.ONE_WORKER_MODULES).
ROWS = [
    "forward",
    "training step",
    "from_pretrained, fresh process",
    "from_pretrained, machinery imported",
    "peak memory, forward",
    "peak memory, training step",
]
GENERATION_ROWS = ["generate 4 tokens, dynamic cache", "generate 4 tokens, static cache"]


ROW = re.compile(r"^\| (\w+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([\d.]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$")


class SmokeRun(NamedTuple):
    """What the tests read of the smoke run's process."""

    returncode: int
    stdout: str
    stderr: str


def run_smoke(folder: Path) -> dict:
    """One smoke run over a freshly baked project of every family, in `folder`: its exit status, output and JSON."""
    projects = [str(bake(folder / family, architecture=family)) for family in CURATED]
    command = [sys.executable, str(BENCH), *projects, "--smoke", "--repeats", "1", "--threads", "1", "--profile"]
    result = subprocess.run(
        [*command, "--json", str(folder / "results.json")], capture_output=True, text=True, timeout=900
    )
    results = json.loads((folder / "results.json").read_text()) if result.returncode == 0 else []
    return {"returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr, "results": results}


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> tuple[SmokeRun, dict[str, dict[str, list[str]]], list[dict]]:
    """One smoke run over a project of every family; its table rows by family and measurement, and its JSON.

    It runs once per test session even under pytest-xdist, which tears session fixtures down whenever a worker's
    queue runs dry and sets them up again for the next test it is sent: the first worker to need it runs it, under a
    lock, into the folder that all workers of the session share, and the others (and later setups) read its result.
    """
    if "PYTEST_XDIST_WORKER" not in os.environ:  # no xdist: the fixture lives as long as the session
        smoke = run_smoke(tmp_path_factory.mktemp("bench"))
    else:
        shared = tmp_path_factory.getbasetemp().parent  # this session's, shared by its workers
        with FileLock(shared / "bench.lock"):
            cached = shared / "bench-smoke.json"
            if cached.is_file():
                smoke = json.loads(cached.read_text())
            else:
                smoke = run_smoke(tmp_path_factory.mktemp("bench"))
                cached.write_text(json.dumps(smoke))
    result = SmokeRun(smoke["returncode"], smoke["stdout"], smoke["stderr"])
    rows: dict[str, dict[str, list[str]]] = {}
    for line in result.stdout.splitlines():
        if match := ROW.match(line):
            family, name, *cells = (cell.strip() for cell in match.groups())
            rows.setdefault(family, {})[name] = cells
    return result, rows, smoke["results"]


def test_the_smoke_run_prints_every_row_of_every_family(smoke_run):
    result, rows, _ = smoke_run
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(
        r"^machine: \d+ CPUs \(.+\), torch \S+, transformers \S+; cpu, float32, sdpa", result.stdout, re.M
    )
    assert "| family | measurement | baked | native | baked/native | noise | within noise | check |" in result.stdout
    assert list(rows) == CURATED
    for family in CURATED:
        expected = ROWS[:1] + (GENERATION_ROWS if family in GENERATING else []) + ROWS[1:]
        assert list(rows[family]) == expected, family
        # The sizes line of the table header names the model, the native model and the batch.
        sizes = r"\((text_config\.)?hidden_size=32, .*\)"  # a composite config's sizes by sub-config (vlm)
        assert re.search(rf"^- {family}: MyModel\w+ vs \w+, [\d,]+ parameters {sizes}; batch: ", result.stdout, re.M)


def test_outputs_loss_and_tokens_match_the_native_model(smoke_run):
    result, rows, _ = smoke_run
    assert result.returncode == 0, result.stdout + result.stderr
    for family, measurements in rows.items():
        difference = re.fullmatch(r"max abs diff (\S+) \((\w+)\)", measurements["forward"][-1])
        assert difference and float(difference.group(1)) <= 1e-5, (family, measurements["forward"])
        loss = re.fullmatch(r"loss diff (\S+)", measurements["training step"][-1])
        assert loss and float(loss.group(1)) <= 1e-5, (family, measurements["training step"])
        for name in GENERATION_ROWS if family in GENERATING else []:
            assert measurements[name][-1] == "same tokens", (family, name)
        for name in ("from_pretrained, fresh process", "from_pretrained, machinery imported"):
            assert ", remote code; " in measurements[name][-1], (family, name, measurements[name])
    assert "check failed" not in result.stdout


def test_every_measurement_has_one_timing_per_model_and_a_ratio(smoke_run):
    result, rows, results = smoke_run
    assert result.returncode == 0, result.stdout + result.stderr
    for family_result in results:
        for row in family_result["rows"]:
            assert len(row["baked"]) == len(row["native"]) == 1, (family_result["family"], row["name"])
            assert all(value >= 0 for value in row["baked"] + row["native"]), row
            if row["unit"] == "s":
                assert all(value > 0 for value in row["baked"] + row["native"]), row
    for family, measurements in rows.items():
        for name, (baked, native, ratio, noise, within, _) in measurements.items():
            assert re.fullmatch(r"[\d.]+ (ms|s|MiB|KiB)", baked) and re.fullmatch(r"[\d.]+ (ms|s|MiB|KiB)", native)
            assert float(ratio) > 0 and (noise, within) == ("n/a", "n/a"), (family, name)  # one round: no spread


def test_profile_lists_the_ops_whose_counts_differ(smoke_run):
    result, _, results = smoke_run
    assert result.returncode == 0, result.stdout + result.stderr
    for family_result in results:
        in_process = [
            row for row in family_result["rows"] if row["name"] in ["forward", "training step", *GENERATION_ROWS]
        ]
        for row in in_process:
            header = (
                f"{family_result['family']}, {row['name']}: ops called a different number of times (baked, native):"
            )
            assert header in result.stdout
            assert all(baked != native for baked, native in row["ops"].values()), row["ops"]


def test_a_folder_that_is_not_a_baked_project_is_refused(tmp_path):
    result = subprocess.run([sys.executable, str(BENCH), str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"error: {tmp_path} is not a baked project (no .cookiecutter.json)" in result.stderr
