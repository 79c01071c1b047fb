"""Show a baked project at work, from the bake to a model loaded by Hub repo id:

1. build a small model with the project's code and save it;
2. load it back with trust_remote_code=True in a fresh process where the project is not importable;
3. publish it with the project's publish command to a Hub server on 127.0.0.1 (the project's test Hub: the real
   huggingface_hub client, no internet), then load it by repo id, pinned to the printed commit, in a fresh process;
4. check the published commit with the project's verify command: it loads the model by repo id in a fresh process
   and compares it with the reference record that publish put into the release.

    python scripts/demo.py build/demo/my_model
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

DEMO_REPO_ID = "demo-user/demo-model"

FRESH_PROCESS = """
import json, sys
import torch
import transformers

source, revision, auto_class, package = sys.argv[1], sys.argv[2] or None, sys.argv[3], sys.argv[4]
with open(sys.argv[5]) as inputs_file:
    inputs = {name: torch.tensor(value) for name, value in json.load(inputs_file).items()}
sys.modules[package] = None  # the project is not importable here: the code must come from the checkpoint
model = getattr(transformers, auto_class).from_pretrained(source, trust_remote_code=True, revision=revision)
with torch.no_grad():
    logits = model(**inputs).logits
print(json.dumps({"class": type(model).__name__, "module": type(model).__module__, "logits": logits.tolist()}))
"""


def load_in_fresh_process(source: str, revision: str, auto_class: str, package: str, env: dict, cwd: Path) -> dict:
    command = [sys.executable, "-c", FRESH_PROCESS, source, revision, auto_class, package, str(cwd / "inputs.json")]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"loading {source} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def report(loaded: dict, expected: torch.Tensor) -> None:
    difference = (torch.tensor(loaded["logits"]) - expected).abs().max().item()
    print(f"  loaded {loaded['class']} from {loaded['module']}")
    print(f"  largest logit difference from the saved model: {difference:.2e}")
    if difference > 1e-5:
        raise SystemExit("the reloaded model does not match the saved one")


def main(project: Path) -> None:
    project = project.resolve()
    package = json.loads((project / ".cookiecutter.json").read_text())["cookiecutter"]["model_name"]
    sys.path.insert(0, str(project))
    # The baked project's own test support: its family's tiny model and example inputs, and its test Hub.
    common = importlib.import_module("tests.common")
    contract = importlib.import_module("tests.contract")
    hub_server = importlib.import_module("tests.hub_server")

    torch.manual_seed(0)
    config = common.tiny_config()
    model, auto_class = common.DEFAULT_CLASS(config).eval(), common.DEFAULT_AUTO_CLASS
    inputs = contract.example_inputs(config)
    checkpoint = project / "checkpoints" / "demo"
    model.save_pretrained(checkpoint)
    # Its tokenizer or processor beside it: publish ships the checkpoint's own, never a default one in its place.
    importlib.import_module(f"{package}.family").default_processor(config).save_pretrained(checkpoint)
    with torch.no_grad():
        expected = model(**inputs).logits
    print(f"1. saved {type(model).__name__} ({model.num_parameters():,} parameters) to {checkpoint}")
    print("  files:", ", ".join(sorted(path.name for path in checkpoint.iterdir())))
    for name, target in json.loads((checkpoint / "config.json").read_text())["auto_map"].items():
        print(f"  auto_map: {name:38} -> {target}")

    with tempfile.TemporaryDirectory() as scratch, hub_server.HubServer() as hub:
        env = {**os.environ, "HF_HOME": str(Path(scratch) / "hf_home"), "HF_ENDPOINT": hub.url, "HF_HUB_OFFLINE": "0"}
        inputs_file = Path(scratch) / "inputs.json"
        inputs_file.write_text(json.dumps({name: value.tolist() for name, value in inputs.items()}))
        print(f"2. fresh process: {auto_class}.from_pretrained('{checkpoint}', trust_remote_code=True)")
        report(load_in_fresh_process(str(checkpoint), "", auto_class, package, env, Path(scratch)), expected)

        print(f"3. HF_ENDPOINT={hub.url} python -m {package}.publish --repo-id {DEMO_REPO_ID} --checkpoint ...")
        command = [
            sys.executable,
            "-m",
            f"{package}.publish",
            "--repo-id",
            DEMO_REPO_ID,
            "--checkpoint",
            str(checkpoint),
        ]
        published = subprocess.run(
            command, cwd=project, env={**env, "HF_TOKEN": "demo-token"}, capture_output=True, text=True
        )
        if published.returncode != 0:
            raise SystemExit(f"publishing failed:\n{published.stdout}\n{published.stderr}")
        print("\n".join(f"  {line}" for line in published.stdout.strip().splitlines()))
        sha = re.search(r"^commit: (\w+)$", published.stdout, re.MULTILINE).group(1)
        print(f"  fresh process: {auto_class}.from_pretrained('{DEMO_REPO_ID}', revision='{sha[:12]}...')")
        report(load_in_fresh_process(DEMO_REPO_ID, sha, auto_class, package, env, Path(scratch)), expected)

        print(f"4. python -m {package}.verify {DEMO_REPO_ID} --revision {sha[:12]}...")
        command = [sys.executable, "-m", f"{package}.verify", DEMO_REPO_ID, "--revision", sha]
        verified = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
        if verified.returncode != 0:
            raise SystemExit(f"verify failed:\n{verified.stdout}\n{verified.stderr}")
        print(f"  {verified.stdout.strip()}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(f"usage: python {sys.argv[0]} PATH_TO_BAKED_PROJECT")
    main(Path(sys.argv[1]))
