r"""Convert a native transformers Mixtral checkpoint folder into a {{ cookiecutter.class_prefix }} checkpoint.

    python -m {{ cookiecutter.model_name }}.convert_mixtral_to_{{ cookiecutter.model_name }} \
        --input path/to/mixtral --output checkpoints/{{ cookiecutter.model_name }}

The input is a folder written by `MixtralModel`, `MixtralForCausalLM` or `MixtralForSequenceClassification`
`.save_pretrained()` (safetensors, sharded or not). Mixtral saves its experts one by one, as the original checkpoints
hold them (`block_sparse_moe.experts.<e>.w1` / `w3` / `w2`); this model holds them fused as transformers' Mixtral does
in memory (`mlp.experts.gate_up_proj` = [w1; w3] and `mlp.experts.down_proj` = w2, stacked over the experts), and the
router as `mlp.gate`. Every tensor name and shape is then checked against the target model: a missing, unexpected or
mis-shaped tensor stops the conversion with a report, nothing is loaded silently. The folder may be laid out as the
Hub's Mixtral repos are (weights sharded with an index, Mistral's pickle files beside them, never read; legacy config
keys). Its tokenizer is saved beside the converted model as transformers reads it, and its `generation_config.json`,
if any, is copied.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch
from transformers import MixtralConfig

from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config
from .conversion import command_line, converted_config, load_safetensors, native_heads, read_input, save_converted
from .modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES

# One expert's projection as Mixtral saves it: <layer>.block_sparse_moe.experts.<expert>.<w1|w2|w3>.weight.
EXPERT_KEY = re.compile(r"^(?P<layer>.+)\.block_sparse_moe\.experts\.(?P<expert>\d+)\.(?P<projection>w[123])\.weight$")
# Mixtral head class -> ours (`MixtralForCausalLM` -> `{{ cookiecutter.class_prefix }}ForCausalLM`), Mixtral's parameter names inside.
HEADS = native_heads("Mixtral", AUTO_CLASSES)


def convert_config(mixtral_config: MixtralConfig) -> {{ cookiecutter.class_prefix }}Config:
    """Map a `MixtralConfig` onto ours (the same names: experts, routing, sliding window, RoPE and `head_dim`),
    refusing what this model does not implement."""
    unsupported = {"hidden_act": (mixtral_config.hidden_act, "silu")}
    return converted_config(mixtral_config, {{ cookiecutter.class_prefix }}Config, "Mixtral", unsupported)


def fuse_experts(state_dict: dict[str, torch.Tensor], num_experts: int) -> dict[str, torch.Tensor]:
    """Each layer's per-expert w1, w3 and w2 -> `gate_up_proj` (experts, 2 * intermediate, hidden) and `down_proj`
    (experts, hidden, intermediate), as transformers' Mixtral loads them. A layer whose experts are not all there
    is left as it is: the check against the model then names what is missing."""
    experts: dict[str, dict[tuple[str, int], torch.Tensor]] = {}
    fused = {}
    for key, tensor in state_dict.items():
        match = EXPERT_KEY.match(key)
        if match is None:
            fused[key] = tensor
        else:
            experts.setdefault(match["layer"], {})[match["projection"], int(match["expert"])] = tensor
    for layer, projections in experts.items():
        expected = {(projection, expert) for projection in ("w1", "w2", "w3") for expert in range(num_experts)}
        if set(projections) != expected:
            fused.update(
                {f"{layer}.block_sparse_moe.experts.{e}.{p}.weight": tensor for (p, e), tensor in projections.items()}
            )
            continue
        w1, w2, w3 = (
            torch.stack([projections[projection, expert] for expert in range(num_experts)])
            for projection in ("w1", "w2", "w3")
        )
        fused[f"{layer}.mlp.experts.gate_up_proj"] = torch.cat([w1, w3], dim=1)
        fused[f"{layer}.mlp.experts.down_proj"] = w2
    return fused


def rename_keys(state_dict: dict[str, torch.Tensor], num_experts: int) -> dict[str, torch.Tensor]:
    """Mixtral's saved names -> ours: the experts fused, `block_sparse_moe.` -> `mlp.`."""
    renamed = {key.replace(".block_sparse_moe.gate.", ".mlp.gate."): tensor for key, tensor in state_dict.items()}
    return fuse_experts(renamed, num_experts)


def convert(input_dir: Path, output_dir: Path) -> list[str]:
    """Convert `input_dir` (a Mixtral folder) into `output_dir`; return the report lines."""
    # Before anything else: refuse a folder of another model, of this project, or one that names code to run.
    model_class, mixtral_config = read_input(input_dir, "Mixtral", MixtralConfig, HEADS, "MixtralForCausalLM")
    config = convert_config(mixtral_config)
    converted = rename_keys(load_safetensors(input_dir), config.num_local_experts)
    return save_converted(model_class, config, converted, output_dir, input_dir, mixtral_config)


main = command_line(convert, __doc__, "Mixtral")


if __name__ == "__main__":
    raise SystemExit(main())
