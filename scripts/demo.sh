#!/usr/bin/env bash
# Set up .venv, bake the template with its default answers into build/demo/, then save a model of the baked project
# and load it back with trust_remote_code=True in a fresh process. Extra arguments are passed to cookiecutter
# (e.g. `model_name=my_lm`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -rf build/demo
.venv/bin/cookiecutter --no-input --output-dir build/demo . "$@"
project=$(find build/demo -mindepth 1 -maxdepth 1 -type d)
echo "baked $project:"
(cd "$project" && find . -type f -not -path "./.*" | sort | sed 's/^\.\//  /')
.venv/bin/python scripts/demo.py "$project"
