#!/usr/bin/env bash
# Set up .venv, lint the template's own code, run every test (template tests bake projects and run theirs), then
# run each family's generated tests again on the oldest transformers release it declares.
# The tests run on two workers (pytest-xdist; PYTEST_WORKERS=1 runs them in one process): a baked suite keeps about
# one core busy, and the machines this runs on have two.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
# The minimum lanes' venvs are installed beside .venv: pip keeps one core busy, the machines have two.
bash scripts/test_minimum.sh --prepare >build/prepare-minimum.log 2>&1 &
prepared=$!
bash scripts/setup.sh
if ! wait "$prepared"; then
    cat build/prepare-minimum.log >&2
    exit 1
fi
.venv/bin/ruff check hooks tests scripts local_extensions.py
.venv/bin/ruff format --check hooks tests scripts local_extensions.py
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadgroup "$@"
bash scripts/test_minimum.sh
