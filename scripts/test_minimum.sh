#!/usr/bin/env bash
# Run each family's generated test suite on the oldest transformers release the template declares for it.
# The default bake of each family pins `transformers>=<minimum>`; this installs exactly that release in .venv-min.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv-min
.venv-min/bin/python -m pip install --quiet "torch==2.13.0" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}
rm -rf build/minimum
for family in decoder encoder vision; do
    .venv/bin/cookiecutter --no-input --output-dir "build/minimum/$family" . "architecture=$family"
    project="build/minimum/$family/my_model"
    minimum=$(.venv/bin/python -c "import json, sys; print(json.load(open(sys.argv[1]))['cookiecutter']['min_transformers_version'])" \
        "$project/.cookiecutter.json")
    echo "== $family on transformers $minimum"
    .venv-min/bin/python -m pip install --quiet "transformers==$minimum" "jinja2>=3.1" pytest pyyaml pillow \
        "accelerate==1.15.0"
    (cd "$project" && ../../../../.venv-min/bin/python -m pytest -q -p no:cacheprovider)
done
