#!/usr/bin/env bash
# Run each family's generated test suite on the oldest transformers release the template declares for it, with the
# oldest releases of the clients (peft, sentence-transformers, trl, datasets) its test extra declares.
# The default bake of each family pins `transformers>=<minimum>`; this installs exactly that release in .venv-min.
# Every test must run there: a summary that says "skipped" fails.
set -euo pipefail
cd "$(dirname "$0")/.."
# The lower bounds of each family's optional clients in the baked pyproject.toml (its `test` extra).
declare -A CLIENTS=(
    [decoder]="peft==0.21.0 trl==1.13.0 datasets==5.0.1"
    [encoder]="peft==0.21.0 sentence-transformers==6.0.1"
    [vision]="peft==0.21.0"
)
python3 -m venv .venv-min
.venv-min/bin/python -m pip install --quiet "torch==2.13.0" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}
rm -rf build/minimum
for family in decoder encoder vision; do
    .venv/bin/cookiecutter --no-input --output-dir "build/minimum/$family" . "architecture=$family"
    project="build/minimum/$family/my_model"
    minimum=$(.venv/bin/python -c "import json, sys; print(json.load(open(sys.argv[1]))['cookiecutter']['min_transformers_version'])" \
        "$project/.cookiecutter.json")
    echo "== $family on transformers $minimum, with ${CLIENTS[$family]}"
    # shellcheck disable=SC2086 # the clients are separate words
    .venv-min/bin/python -m pip install --quiet "transformers==$minimum" "jinja2>=3.1" pytest pyyaml pillow \
        "accelerate==1.15.0" ${CLIENTS[$family]}
    (cd "$project" && ../../../../.venv-min/bin/python -m pytest -q -p no:cacheprovider) | tee "build/minimum/$family.log"
    summary=$(tail -n 1 "build/minimum/$family.log")
    if [[ "$summary" == *skipped* ]]; then
        echo "error: the $family suite skipped tests on transformers $minimum ($summary): every test must run." >&2
        exit 1
    fi
done
