#!/usr/bin/env bash
# Set up .venv, lint the template's own code, run every test (template tests bake projects and run theirs), then
# run each family's generated tests again on the oldest transformers release it declares.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check hooks tests scripts local_extensions.py
.venv/bin/ruff format --check hooks tests scripts local_extensions.py
.venv/bin/python -m pytest "$@"
bash scripts/test_minimum.sh
