"""LoRA with peft on the default head loaded with `trust_remote_code=True`, with the family's target modules (the
ones the model card shows, `family.LORA_TARGET_MODULES`) and with "all-linear": a few training steps lower the loss,
the adapter saves, and in a fresh process where this project cannot be imported it loads onto a base model loaded
with `trust_remote_code=True` and computes the same outputs; `merge_and_unload` gives a plain model of this project's
class with the same outputs, which saves and loads again."""

import json

import pytest
import torch
import transformers
from safetensors.torch import save_file
from transformers.modeling_layers import GradientCheckpointingLayer

from {{ cookiecutter.model_name }}.family import CONVERTS_FROM, LORA_OPTIONS, LORA_TARGET_MODULES

from ..common import DEFAULT_AUTO_CLASS, DEFAULT_CLASS, main_output, save_checkpoint, tiny_config
from ..contract import example_inputs, training_batch
from ..helpers import run_fresh, training_losses

peft = pytest.importorskip("peft", reason="peft is an optional test extra: pip install -e '.[test]'")
from peft import LoraConfig, get_peft_model  # noqa: E402
from peft.tuners.lora import LoraLayer  # noqa: E402
from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING  # noqa: E402

TARGETS = {"family": LORA_TARGET_MODULES, "all-linear": "all-linear"}
# What a user does with a saved adapter, in a fresh process where this project cannot be imported: load the base model
# with trust_remote_code=True, put the adapter on it, merge it, save and load the merged model.
RELOAD = """
import json, sys
import torch, transformers
from peft import PeftModel
from safetensors.torch import load_file

plan = json.loads(sys.argv[1])
inputs = load_file(plan["inputs"])
auto = getattr(transformers, plan["auto_class"])


def output(model):
    with torch.no_grad():
        outputs = model(**inputs)
    return (outputs["logits"] if "logits" in outputs else outputs["last_hidden_state"]).tolist()


def describe(model):
    return [type(model).__name__, type(model).__module__]


results = {}
for name, adapter in plan["adapters"].items():
    base = auto.from_pretrained(plan["base"], trust_remote_code=True).eval()
    model = PeftModel.from_pretrained(base, adapter).eval()
    result = {"adapter": output(model)}
    merged = model.merge_and_unload()
    result["merged"], result["merged class"] = output(merged), describe(merged)
    result["left of peft"] = sorted(
        f"{name}: {type(module).__module__}" for name, module in merged.named_modules()
        if type(module).__module__.startswith("peft") or "lora_" in name
    )
    merged.save_pretrained(adapter + "-merged")
    again = auto.from_pretrained(adapter + "-merged", trust_remote_code=True).eval()
    result["reloaded"], result["reloaded class"] = output(again), describe(again)
    results[name] = result
print(json.dumps(results))
"""


def lora_config(target_modules: list[str] | str) -> LoraConfig:
    """The LoraConfig the model card shows for the default head (publish.py: r=8, lora_alpha=16)."""
    return LoraConfig(**LORA_OPTIONS.get(DEFAULT_AUTO_CLASS, {}), r=8, lora_alpha=16, target_modules=target_modules)


def layer_projections(model: torch.nn.Module) -> set[str]:
    """The names of every linear layer inside the model's transformer layers."""
    names = set()
    for name, layer in model.named_modules():
        if isinstance(layer, GradientCheckpointingLayer):
            names |= {f"{name}.{sub}" for sub, child in layer.named_modules() if isinstance(child, torch.nn.Linear)}
    return names


def adapted(model: torch.nn.Module) -> set[str]:
    """The names (in the base model) of the modules that LoRA adapts in the peft `model`."""
    prefix = "base_model.model."
    return {name.removeprefix(prefix) for name, module in model.named_modules() if isinstance(module, LoraLayer)}


def test_the_target_modules_are_every_projection_of_every_layer():
    model = DEFAULT_CLASS(tiny_config())
    projections = layer_projections(model)
    linear_layers = {name for name, module in model.named_modules() if isinstance(module, torch.nn.Linear)}
    assert projections
    # Of the linear layers, the family's target modules adapt those of the layers (a family may adapt parameters
    # beside them: its `LORA_OPTIONS`' `target_parameters`).
    family = adapted(get_peft_model(DEFAULT_CLASS(tiny_config()), lora_config(LORA_TARGET_MODULES)))
    assert family & linear_layers == projections
    assert projections <= adapted(get_peft_model(DEFAULT_CLASS(tiny_config()), lora_config("all-linear")))
    # peft's own default for the native model (when it has one) is among them: the names users know work here.
    assert set(TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING.get(CONVERTS_FROM, [])) <= set(LORA_TARGET_MODULES)


def test_lora_trains_saves_and_loads_on_a_remote_code_base_in_a_fresh_process(tmp_path):
    save_checkpoint(tmp_path / "base", seed=0)
    auto = getattr(transformers, DEFAULT_AUTO_CLASS)
    inputs = example_inputs(tiny_config())
    save_file({name: tensor.contiguous() for name, tensor in inputs.items()}, tmp_path / "inputs.safetensors")
    expected, adapters = {}, {}
    for name, target_modules in TARGETS.items():
        torch.manual_seed(0)
        base = auto.from_pretrained(tmp_path / "base", trust_remote_code=True)
        assert type(base).__module__.startswith("transformers_modules.")
        model = get_peft_model(base, lora_config(target_modules))
        trainable = [parameter for parameter in model.parameters() if parameter.requires_grad]
        losses = training_losses(model.train(), training_batch(tiny_config()), steps=4, parameters=trainable)
        assert losses[-1] < losses[0], f"{name}: training did not lower the loss: {losses}"

        model.eval()
        with torch.no_grad():
            expected[name] = main_output(model(**inputs))
            with model.disable_adapter():
                without = main_output(model(**inputs))
        assert not torch.allclose(expected[name], without, atol=1e-4), f"{name}: the adapter changed nothing"
        adapters[name] = str(tmp_path / f"adapter-{name}")
        model.save_pretrained(adapters[name])
        assert sorted(path.name for path in (tmp_path / f"adapter-{name}").glob("adapter_*")) == [
            "adapter_config.json",
            "adapter_model.safetensors",
        ]

    plan = {"base": str(tmp_path / "base"), "auto_class": DEFAULT_AUTO_CLASS, "adapters": adapters}
    plan["inputs"] = str(tmp_path / "inputs.safetensors")
    env = {"HF_HOME": str(tmp_path / "hf_home"), "HF_HUB_OFFLINE": "1"}
    results = run_fresh(RELOAD, json.dumps(plan), cwd=tmp_path, env=env)
    for name, result in results.items():
        for output in ("adapter", "merged", "reloaded"):
            torch.testing.assert_close(torch.tensor(result[output]), expected[name], msg=f"{name}: {output}")
        for loaded in ("merged class", "reloaded class"):
            assert result[loaded][0] == DEFAULT_CLASS.__name__, f"{name}: {loaded}"
            assert result[loaded][1].startswith("transformers_modules."), f"{name}: {loaded}"
        assert result["left of peft"] == [], f"{name}: merge_and_unload left {result['left of peft']}"
