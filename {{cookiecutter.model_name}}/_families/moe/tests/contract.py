"""The moe family's contract with the shared tests: what they need to know about this family (Mixtral math).

The shared tests read the heads and their Auto classes from the modeling file (`AUTO_CLASSES`), and the default head,
pipeline tag and processor from `family.py`; `common.py` lists what each name here is for. What the text families
share (inputs, pipeline, release files) is in `text_contract.py`.
"""

from __future__ import annotations

from typing import Any

from transformers import MixtralConfig

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config, convert_mixtral_to_{{ cookiecutter.model_name }}

from .parity import same_math
from .text_contract import *  # noqa: F403 (what every text family's contract says alike: its `__all__`)
from .text_contract import TINY_TEXT_CONFIG

# This family's tiny model, on top of the sizes of every family's (`common.TINY_SIZES`): 4 experts, 2 per token.
TINY_CONFIG: dict[str, Any] = dict(TINY_TEXT_CONFIG, num_local_experts=4, num_experts_per_tok=2)


# Settings the config must refuse when a model is built or the config saved (never while it is assembled), each with
# what the error says; those of the sizes every family has are `common.INVALID_SIZES`.
INVALID_CONFIGS: list[tuple[dict[str, Any], str]] = [
    ({"num_experts_per_tok": 5}, "`num_experts_per_tok` (5) must be at most `num_local_experts` (4)"),
    ({"num_local_experts": 0}, "`num_local_experts` must be a positive integer"),
    ({"num_experts_per_tok": 0}, "`num_experts_per_tok` must be a positive integer"),
    ({"sliding_window": 0}, "`sliding_window` must be a positive integer"),
    ({"router_aux_loss_coef": -0.1}, "`router_aux_loss_coef` must be a number >= 0, got -0.1"),
    ({"router_jitter_noise": 1.0}, "`router_jitter_noise` must be in [0, 1)"),
    ({"num_key_value_heads": 3}, "must be divisible by `num_key_value_heads`"),
    ({"rope_parameters": {"rope_type": "ntk-by-parts", "factor": 2.0}}, "rope_type 'ntk-by-parts'"),
    ({"vocab_size": 99, "pad_token_id": 99}, "`pad_token_id` (99) must be in [0, vocab_size=99)"),
    # Values of the wrong type: named, never computed with.
    ({"num_local_experts": "4"}, "`num_local_experts` must be a positive integer, got '4'"),
    ({"sliding_window": 4.0}, "`sliding_window` must be a positive integer, got 4.0"),
    ({"router_aux_loss_coef": "0.01"}, "`router_aux_loss_coef` must be a number >= 0, got '0.01'"),
]

# The family's values of the benchmark's mid-size model (`common.benchmark_config`: the template's scripts/bench.py):
# 8 experts, 2 per token, each a quarter of the dense MLP's width.
BENCHMARK_CONFIG: dict[str, Any] = dict(
    intermediate_size=512,
    num_local_experts=8,
    num_experts_per_tok=2,
    num_key_value_heads=2,
    vocab_size=8192,
    max_position_embeddings=1024,
)


# -- conversion from the native transformers model -----------------------------------------------------------------

# The conversion script from native Mixtral checkpoints: its `HEADS`, `convert` and `main` (the command line).
CONVERSION = convert_mixtral_to_{{ cookiecutter.model_name }}

# The Hub repos whose layout the conversion takes (hub_layouts.py; test_hub_layouts.py converts each).
HUB_LAYOUTS = ("mistralai/Mixtral-8x7B-v0.1",)

# A tensor as the native checkpoint names it, and as this model names it (the conversion's error messages use ours).
CONVERTED_KEY = ("model.layers.1.block_sparse_moe.gate.weight", "model.layers.1.mlp.gate.weight")


def native_config(config: {{ cookiecutter.class_prefix }}Config, **overrides: Any) -> MixtralConfig:
    """The Mixtral config with the math of `config`: what the conversion maps back onto ours."""
    return same_math(config, MixtralConfig, **overrides)
