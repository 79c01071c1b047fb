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
from .conversion import (
    ConversionError,
    command_line,
    converted_config,
    load_safetensors,
    native_heads,
    read_input,
    save_converted,
)
from .modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES

# One expert's projection as Mixtral saves it: <layer>.block_sparse_moe.experts.<expert>.<w1|w2|w3>.weight.
EXPERT_KEY = re.compile(r"^(?P<layer>.+)\.block_sparse_moe\.experts\.(?P<expert>\d+)\.(?P<projection>w[123])\.weight$")
# The projections of an expert, as Mixtral saves them: gate (w1), down (w2) and up (w3).
PROJECTIONS = ("w1", "w2", "w3")
# Mixtral head class -> ours (`MixtralForCausalLM` -> `{{ cookiecutter.class_prefix }}ForCausalLM`), with Mixtral's parameter
# names inside.
HEADS = native_heads("Mixtral", AUTO_CLASSES)


def convert_config(mixtral_config: MixtralConfig) -> {{ cookiecutter.class_prefix }}Config:
    """Map a `MixtralConfig` onto ours (the same names: experts, routing, sliding window, RoPE and `head_dim`),
    refusing what this model does not implement."""
    unsupported = {"hidden_act": (mixtral_config.hidden_act, "silu")}
    return converted_config(mixtral_config, {{ cookiecutter.class_prefix }}Config, "Mixtral", unsupported)


def fuse_experts(state_dict: dict[str, torch.Tensor], num_experts: int) -> dict[str, torch.Tensor]:
    """Each layer's per-expert w1, w3 and w2 -> `gate_up_proj` (experts, 2 * intermediate, hidden) and `down_proj`
    (experts, hidden, intermediate), as transformers' Mixtral loads them. Experts that do not fit `num_experts` (the
    config's `num_local_experts`), or one that lacks a projection, are refused with what to fix (`check_experts`)."""
    experts: dict[str, dict[tuple[str, int], torch.Tensor]] = {}
    fused = {}
    for key, tensor in state_dict.items():
        match = EXPERT_KEY.match(key)
        if match is None:
            fused[key] = tensor
        else:
            experts.setdefault(match["layer"], {})[match["projection"], int(match["expert"])] = tensor
    for layer, projections in experts.items():
        check_experts(layer, projections, num_experts)
        w1, w2, w3 = (
            torch.stack([projections[projection, expert] for expert in range(num_experts)])
            for projection in PROJECTIONS
        )
        fused[f"{layer}.mlp.experts.gate_up_proj"] = torch.cat([w1, w3], dim=1)
        fused[f"{layer}.mlp.experts.down_proj"] = w2
    return fused


def check_experts(layer: str, projections: dict[tuple[str, int], torch.Tensor], num_experts: int) -> None:
    """Refuse the experts of `layer` (projection, expert -> tensor) unless they are experts 0 to `num_experts` - 1,
    each with its w1, w2 and w3: a `ConversionError` that names the setting, or the expert and what it lacks."""
    stored = {expert for _, expert in projections}
    complete = {expert for expert in stored if all((name, expert) in projections for name in PROJECTIONS)}
    if complete == stored == set(range(len(stored))) and len(stored) != num_experts:
        raise ConversionError(
            f"{layer} stores {len(stored)} experts, but the config's num_local_experts is {num_experts}: the config "
            "and the weights must come from the same checkpoint (set num_local_experts to the number of experts "
            "saved, or convert the folder they were saved to together)."
        )
    extra = sorted(expert for expert in stored if expert >= num_experts)
    if extra:
        raise ConversionError(
            f"{layer} stores expert {extra[0]}, beyond the config's num_local_experts={num_experts}: the config and "
            "the weights must come from the same checkpoint."
        )
    for expert in range(num_experts):
        absent = [name for name in PROJECTIONS if (name, expert) not in projections]
        if absent:
            keys = ", ".join(f"{layer}.block_sparse_moe.experts.{expert}.{name}.weight" for name in absent)
            raise ConversionError(
                f"{layer} lacks expert {expert}'s {' and '.join(absent)} ({keys}), one of the config's "
                f"num_local_experts={num_experts}: the checkpoint is incomplete; download or save it again."
            )


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
