#!/usr/bin/env bash
# Run each family's generated test suite on the oldest transformers release the template declares for it, with the
# oldest releases of the clients (peft, sentence-transformers, trl, datasets, onnx) its test extra declares, then
# check that a release published with the pinned transformers (.venv) still verifies on that minimum: by repo id
# through the project's test Hub, and by local path.
# Each family is baked with the custom answers of the template's tests (tests/answer_sets.json: other names, quoting, a
# repo id with dots; the template's tests run the defaults' suites on the pinned release) and its own minimum, which
# its bake pins as `transformers>=<minimum>`; this installs exactly that release in a venv of its own. The families run in two lanes at once, each with its own venv (.venv-min/<lane>): one suite keeps about one
# core busy, and CI machines have two. Every test must run there: a summary that says "skipped" fails.
#
#     bash scripts/test_minimum.sh            # every family
#     bash scripts/test_minimum.sh vision     # the families named, in one lane
#     bash scripts/test_minimum.sh --prepare  # only install the lanes' venvs (scripts/test.sh, beside its setup)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# The lower bounds of each family's optional clients in the baked pyproject.toml (its `test` extra).
declare -A CLIENTS=(
    [decoder]="peft==0.21.0 trl==1.13.0 datasets==5.0.1 onnx==1.23.2 onnxscript==0.7.2 onnxruntime==1.31.1"
    [encoder]="peft==0.21.0 sentence-transformers==6.0.1 onnx==1.23.2 onnxscript==0.7.2 onnxruntime==1.31.1"
    [vision]="peft==0.21.0 onnx==1.23.2 onnxscript==0.7.2 onnxruntime==1.31.1"
    [moe]="peft==0.21.0 trl==1.13.0 datasets==5.0.1"
    [vlm]="peft==0.21.0"
)
# Two lanes of about equal length; families that share clients share a lane (fewer reinstalls).
LANES=("decoder moe vision" "encoder vlm")

# Bake the family argv[1] into the folder argv[2] with the custom answers and the family's own minimum; print the
# project's folder (the last line).
BAKE_CUSTOM='
import json, sys
from cookiecutter.main import cookiecutter
answers = json.load(open("tests/answer_sets.json"))["custom"]
answers.pop("min_transformers_version")
answers["architecture"] = sys.argv[1]
print(cookiecutter(".", no_input=True, extra_context=answers, output_dir=sys.argv[2]))
'

# verify_on_minimum VENV PROJECT FAMILY MINIMUM: publish a tiny model with .venv to the project's test Hub, verify it
# with VENV (the minimum).
verify_on_minimum() {
    local venv=$1 project=$2 work="$root/build/minimum/verify-$3" url="" sha hub_pid package
    package=$(basename "$project")
    mkdir -p "$work"
    (cd "$project" && exec "$root/.venv/bin/python" -m tests.hub_server --port 0) >"$work/hub.log" 2>&1 &
    hub_pid=$!
    # shellcheck disable=SC2064 # the pid is fixed now
    trap "kill $hub_pid 2>/dev/null || true" EXIT
    for _ in $(seq 1 300); do
        url=$(sed -n 's/^test Hub serving at \(http:[^ ]*\) .*/\1/p' "$work/hub.log")
        if [ -n "$url" ] || ! kill -0 "$hub_pid" 2>/dev/null; then break; fi
        sleep 0.1
    done
    if [ -z "$url" ]; then
        echo "the test Hub did not start:" >&2
        cat "$work/hub.log" >&2
        return 1
    fi
    local hub=(env "HF_ENDPOINT=$url" "HF_HOME=$work/hf_home" HF_HUB_OFFLINE=0)
    # Save the checkpoint and publish it (the publish command's own code, main()) in one process: each start spends
    # seconds importing torch and transformers.
    (cd "$project" && "${hub[@]}" HF_TOKEN=test-token "$root/.venv/bin/python" -c \
        "import sys; from pathlib import Path; from tests.common import save_checkpoint; "\
"from $package.publish import main; save_checkpoint(Path(sys.argv[1]), 0); raise SystemExit(main(sys.argv[2:]))" \
        "$work/checkpoint" --repo-id test-org/minimum --checkpoint "$work/checkpoint" --output "$work/release") |
        tee "$work/publish.log"
    sha=$(sed -n 's/^commit: //p' "$work/publish.log")
    echo "== $3: verify the release published with transformers $("$root/.venv/bin/python" -c \
        'from importlib.metadata import version; print(version("transformers"))') on transformers $4"
    (cd "$project" && "${hub[@]}" HF_TOKEN= "$venv/bin/python" -m "$package.verify" test-org/minimum --revision "$sha")
    (cd "$project" && "${hub[@]}" "$venv/bin/python" -m "$package.verify" "$work/release")
    kill "$hub_pid" 2>/dev/null || true
    wait "$hub_pid" 2>/dev/null || true
    trap - EXIT
}

# install VENV FAMILY MINIMUM: the venv (made if missing) with torch, transformers MINIMUM and the family's clients.
install() {
    local venv=$1 family=$2 minimum=$3
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet "torch==2.13.0" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}
    # shellcheck disable=SC2086 # the clients are separate words
    "$venv/bin/python" -m pip install --quiet "transformers==$minimum" "jinja2>=3.1" pytest pyyaml pillow \
        "accelerate==1.15.0" ${CLIENTS[$family]}
}

# run_lane NAME FAMILY...: a venv of the lane's own, then each family's suite and verify on its minimum.
run_lane() {
    local venv="$root/.venv-min/$1" family project minimum summary
    shift
    for family in "$@"; do
        project=$(.venv/bin/python -c "$BAKE_CUSTOM" "$family" "build/minimum/$family" | tail -n 1)
        minimum=$(.venv/bin/python -c \
            "import json, sys; print(json.load(open(sys.argv[1]))['cookiecutter']['min_transformers_version'])" \
            "$project/.cookiecutter.json")
        echo "== $family on transformers $minimum, with ${CLIENTS[$family]}"
        install "$venv" "$family" "$minimum"
        (cd "$project" && "$venv/bin/python" -m pytest -q -p no:cacheprovider) | tee "build/minimum/$family.log"
        summary=$(tail -n 1 "build/minimum/$family.log")
        if [[ "$summary" == *skipped* ]]; then
            echo "error: the $family suite skipped tests on transformers $minimum ($summary): every test must run." >&2
            return 1
        fi
        verify_on_minimum "$venv" "$project" "$family" "$minimum"
    done
}

mkdir -p .venv-min
# --prepare: only install each lane's venv for its first family, one lane after the other (scripts/test.sh runs it
# beside its own setup, which keeps one core busy; the lanes then find it installed).
if [ "${1:-}" = "--prepare" ]; then
    for lane in "${!LANES[@]}"; do
        first=${LANES[$lane]%% *}
        install "$root/.venv-min/lane$lane" "$first" "$(python3 -c \
            "import json, sys; print(json.load(open('cookiecutter.json'))['_families'][sys.argv[1]]['min_transformers'])" \
            "$first")"
    done
    exit 0
fi
rm -rf build/minimum
mkdir -p build/minimum
if [ $# -gt 0 ]; then
    LANES=("$*")
fi
pids=()
for index in "${!LANES[@]}"; do
    # shellcheck disable=SC2086 # a lane's families are separate words
    (set -euo pipefail; run_lane "lane$index" ${LANES[$index]}) >"build/minimum/lane$index.log" 2>&1 &
    pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null; exit 143' INT TERM
status=0
for index in "${!LANES[@]}"; do
    if wait "${pids[$index]}"; then result="passed"; else result="FAILED"; status=1; fi
    echo "==== lane $index (${LANES[$index]}): $result"
    cat "build/minimum/lane$index.log"
done
exit $status
