"""Helpers shared by the template tests: bake a project with cookiecutter's Python API; how pytest-xdist schedules the
tests on its workers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
TEMPLATE_CONTEXT = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
ARCHITECTURES: list[str] = TEMPLATE_CONTEXT["_architectures"]
# The hand-written families; `fork` takes transformers' own code of a model type, and declares the release it is
# taken from as its minimum (so no minimum run of its own), and the benchmark covers the curated families.
CURATED: list[str] = [architecture for architecture in ARCHITECTURES if architecture != "fork"]


def bake(output_dir: Path, **answers: str) -> Path:
    """Bake the template with `answers` (defaults for the rest) and return the project folder."""
    return Path(cookiecutter(str(TEMPLATE_DIR), no_input=True, extra_context=answers, output_dir=str(output_dir)))


@pytest.fixture
def bake_in(tmp_path):
    def _bake(**answers: str) -> Path:
        return bake(tmp_path, **answers)

    return _bake


# -- scheduling under pytest-xdist (scripts/test.sh: `-n 2 --dist loadgroup`) -----------------------------------------

# The modules whose tests all share one costly result: all their tests go to one worker, which computes it once (the
# `xdist_group` mark cannot do it: pytest-xdist 3.8 adds its group to `item._nodeid`, which pytest 9 no longer reads).
ONE_WORKER_MODULES = {"tests/test_bench.py"}
# The slowest tests, slowest first (seconds each on a 2-core CI machine), queued before all others: the run ends when
# the last test does, and short tests at the end keep both workers busy until then.
SLOW_FIRST = [  # (node id prefix, suffix)
    ("tests/test_bake.py::test_generated_test_suite_passes[", "-defaults]"),  # 60-300 s
    ("tests/test_bench.py::", ""),  # one smoke run of every family, 130 s
    ("tests/test_bake.py::test_generated_test_suite_passes[", ""),  # 45-100 s
    ("tests/test_fork_sample.py::", ""),  # 60-80 s
    ("tests/test_demo.py::", ""),  # 45-65 s
]


def slowness_rank(nodeid: str) -> int:
    ranks = (rank for rank, (start, end) in enumerate(SLOW_FIRST) if nodeid.startswith(start) and nodeid.endswith(end))
    return next(ranks, len(SLOW_FIRST))


@pytest.hookimpl(trylast=True)  # after pytest's own reordering (by fixture parameters), which would undo it
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: slowness_rank(item.nodeid))  # stable: the rest keep their order


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Under `--dist loadgroup`: each test is a unit of work of its own, except that the tests of each of
    `ONE_WORKER_MODULES` are one unit; units are queued in collection order (`SLOW_FIRST`), a multi-test unit first."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ModuleGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in ONE_WORKER_MODULES else super()._split_scope(nodeid)

    return ModuleGroupScheduling(config, log)
