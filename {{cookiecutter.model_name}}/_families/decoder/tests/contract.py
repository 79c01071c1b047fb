"""The decoder family's contract with the shared tests: what they need to know about this family (Llama math).

The shared tests read the heads and their Auto classes from the modeling file (`AUTO_CLASSES`), and the default head,
pipeline tag and processor from `family.py`; `common.py` lists what each name here is for. What the text families
share (inputs, pipeline, release files) is in `text_contract.py`.
"""

from __future__ import annotations

from typing import Any

from transformers import LlamaConfig

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config, convert_llama_to_{{ cookiecutter.model_name }}

from .parity import same_math
from .text_contract import *  # noqa: F403 (what every text family's contract says alike: its `__all__`)
from .text_contract import TINY_TEXT_CONFIG

# This family's tiny model, on top of the sizes of every family's (`common.TINY_SIZES`).
TINY_CONFIG: dict[str, Any] = dict(TINY_TEXT_CONFIG)


# Settings the config must refuse when a model is built or the config saved (never while it is assembled), each with
# what the error says; those of the sizes every family has are `common.INVALID_SIZES`.
INVALID_CONFIGS: list[tuple[dict[str, Any], str]] = [
    ({"num_key_value_heads": 3}, "must be divisible by `num_key_value_heads`"),
    ({"hidden_size": 12, "num_attention_heads": 4, "num_key_value_heads": 4}, "`head_dim` (3) must be even"),
    ({"head_dim": 0}, "`head_dim` must be a positive integer"),
    ({"vocab_size": -1}, "`vocab_size` must be a positive integer"),
    ({"rope_theta": 0.0}, "`rope_parameters['rope_theta']` must be positive"),
    ({"rope_parameters": {"rope_type": "ntk-by-parts", "factor": 2.0}}, "rope_type 'ntk-by-parts'"),
    ({"attention_dropout": 1.5}, "`attention_dropout` must be in [0, 1)"),
    ({"vocab_size": 99, "pad_token_id": 99}, "`pad_token_id` (99) must be in [0, vocab_size=99)"),
    # Values of the wrong type: named, never computed with (a TypeError inside transformers' own checks).
    ({"attention_dropout": "0.1"}, "`attention_dropout` must be in [0, 1), got '0.1'"),
    ({"rope_parameters": {"rope_type": "default", "rope_theta": "1e4"}}, "must be positive, got '1e4'"),
    ({"bos_token_id": "1"}, "`bos_token_id` ('1') must be in [0, vocab_size=384)"),
]

# The family's values of the benchmark's mid-size model (`common.benchmark_config`: the template's scripts/bench.py).
BENCHMARK_CONFIG: dict[str, Any] = dict(
    intermediate_size=1536, num_key_value_heads=2, vocab_size=8192, max_position_embeddings=1024
)


# -- conversion from the native transformers model -----------------------------------------------------------------

# The conversion script from native Llama checkpoints: its `HEADS`, `convert` and `main` (the command line).
CONVERSION = convert_llama_to_{{ cookiecutter.model_name }}

# The Hub repos whose layout the conversion takes (hub_layouts.py; test_hub_layouts.py converts each).
HUB_LAYOUTS = (
    "meta-llama/Llama-2-7b-hf",
    "meta-llama/Llama-3.1-8B-Instruct",
    "meta-llama/Llama-3.1-8B-Instruct without generation_config.json",
)

# A tensor as the native checkpoint names it, and as this model names it (the conversion's error messages use ours).
CONVERTED_KEY = ("model.layers.1.mlp.up_proj.weight", "model.layers.1.mlp.up_proj.weight")


def native_config(config: {{ cookiecutter.class_prefix }}Config, **overrides: Any) -> LlamaConfig:
    """The Llama config with the math of `config`: what the conversion maps back onto ours."""
    return same_math(config, LlamaConfig, **overrides)
