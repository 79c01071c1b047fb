"""Show a baked project at work: build a small model, save it, and load it back as remote code in a fresh process.

python scripts/demo.py build/demo/my_model
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import torch

# What the demo builds and which Auto class loads it, per architecture family.
DEMOS = {
    "decoder": {
        "head": "ForCausalLM",
        "auto_class": "AutoModelForCausalLM",
        "config": dict(vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=2),
        "inputs": lambda: {"input_ids": torch.arange(3, 11).unsqueeze(0)},
    },
    "vision": {
        "head": "ForImageClassification",
        "auto_class": "AutoModelForImageClassification",
        "config": dict(
            image_size=32,
            patch_size=8,
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
        ),
        "inputs": lambda: {"pixel_values": torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(0))},
    },
}

FRESH_PROCESS = """
import json, sys
import torch
import transformers

folder, auto_class, package = sys.argv[1], sys.argv[2], sys.argv[3]
inputs = {name: torch.tensor(value) for name, value in json.loads(sys.argv[4]).items()}
sys.modules[package] = None  # the project is not importable here: the code must come from the saved folder
model = getattr(transformers, auto_class).from_pretrained(folder, trust_remote_code=True)
with torch.no_grad():
    logits = model(**inputs).logits
print(json.dumps({"class": type(model).__name__, "module": type(model).__module__, "logits": logits.tolist()}))
"""


def main(project: Path) -> None:
    answers = json.loads((project / ".cookiecutter.json").read_text())
    package, prefix, demo = answers["model_name"], answers["class_prefix"], DEMOS[answers["architecture"]]
    sys.path.insert(0, str(project))
    config_class = getattr(importlib.import_module(package), f"{prefix}Config")
    model_class = getattr(importlib.import_module(package), f"{prefix}{demo['head']}")

    torch.manual_seed(0)
    model = model_class(config_class(**demo["config"])).eval()
    checkpoint = project / "checkpoints" / "demo"
    model.save_pretrained(checkpoint)
    print(f"saved {type(model).__name__} ({model.num_parameters():,} parameters) to {checkpoint}")
    print("  files:", ", ".join(sorted(path.name for path in checkpoint.iterdir())))
    for auto_class, target in json.loads((checkpoint / "config.json").read_text())["auto_map"].items():
        print(f"  auto_map: {auto_class:38} -> {target}")

    inputs = demo["inputs"]()
    serialized_inputs = json.dumps({name: value.tolist() for name, value in inputs.items()})
    arguments = [str(checkpoint.resolve()), demo["auto_class"], package, serialized_inputs]
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, *arguments],
        cwd=checkpoint.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    with torch.no_grad():
        expected = model(**inputs).logits
    difference = (torch.tensor(loaded["logits"]) - expected).abs().max().item()
    print(f"fresh process: {demo['auto_class']}.from_pretrained(..., trust_remote_code=True)")
    print(f"  loaded {loaded['class']} from {loaded['module']}")
    print(f"  largest logit difference from the saved model: {difference:.2e}")
    if difference > 1e-5:
        raise SystemExit("the reloaded model does not match the saved one")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(f"usage: python {sys.argv[0]} PATH_TO_BAKED_PROJECT")
    main(Path(sys.argv[1]))
