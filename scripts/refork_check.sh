#!/usr/bin/env bash
# Life after a fork, end to end on two real transformers releases: fork qwen3 with an older transformers (a venv of
# its own under build/), run the fork's own tests there, edit the modeling file, then re-fork with the pinned
# transformers (.venv): the edit must survive, upstream's changes must come in, and verify must pass.
#
#     bash scripts/refork_check.sh [OLD_RELEASE]     # default 5.23.0 (5.24 renamed the cache argument: a real change)
#
# It downloads that transformers release (and the pinned CPU torch) into build/venv-refork-<release> once.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
old=${1:-5.23.0}
venv="$root/build/venv-refork-$old"
work="$root/build/refork-check"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet "torch==2.13.0" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}
    "$venv/bin/python" -m pip install --quiet "transformers==$old" -r <(grep -E '^(cookiecutter|huggingface_hub|safetensors|pillow|accelerate|peft|pytest|ruff)==' requirements-dev.txt)
fi
rm -rf "$work"
"$venv/bin/cookiecutter" --no-input --output-dir "$work" . architecture=fork base_model=qwen3 model_name=my_qwen
cd "$work/my_qwen"
grep -q "\"transformers>=$old\"" pyproject.toml
# The fork's own tests on the release it was taken from (its declared minimum).
"$venv/bin/python" -m pytest -q -p no:cacheprovider tests/fork/test_fork.py tests/shared/test_modeling_common.py
# The user's edit: the MLP's product computed in two steps (the same math).
python3 - <<'EOF'
from pathlib import Path

path = Path("my_qwen/modeling_my_qwen.py")
text = path.read_text()
old = "        down_proj = self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))\n"
new = "        gated = self.act_fn(self.gate_proj(x)) * self.up_proj(x)  # my edit\n        down_proj = self.down_proj(gated)\n"
assert text.count(old) == 1
path.write_text(text.replace(old, new))
EOF
# Upgrade: re-fork with the pinned transformers, then check what came in.
"$root/.venv/bin/python" -m my_qwen.fork | tee refork.log
grep -q "my edit" my_qwen/modeling_my_qwen.py
pinned=$("$root/.venv/bin/python" -c "import transformers; print(transformers.__version__)")
grep -q "Forked from transformers $pinned" my_qwen/modeling_my_qwen.py
grep -q "\"transformers>=$pinned\"" pyproject.toml
grep -q "^verified " refork.log
echo "re-fork from transformers $old to $pinned: the edit survived, upstream's changes came in, verify passed"
