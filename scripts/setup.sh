#!/usr/bin/env bash
# Create .venv with the pinned development tools. Safe to run again: pip skips what is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
# An existing environment is reused as it is (venv refuses to touch .venv when it is a link to a shared one).
[ -x .venv/bin/python ] || python3 -m venv .venv
# torch first and pinned, so that nothing later pulls another (multi-GB CUDA) build. On a machine without the CPU
# wheel at hand, point TORCH_INDEX_URL at https://download.pytorch.org/whl/cpu to get the CPU build.
.venv/bin/python -m pip install --quiet "torch==2.13.0" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}
.venv/bin/python -m pip install --quiet -r requirements-dev.txt
