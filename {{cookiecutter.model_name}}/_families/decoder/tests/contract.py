"""The decoder family's contract with the shared tests: what they need to know about this family (Llama math).

The shared tests read the heads and their Auto classes from the modeling file (`AUTO_CLASSES`), and the default head,
pipeline tag and processor from `family.py`; `common.py` lists what each name here is for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from transformers import LlamaConfig

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config, convert_llama_to_{{ cookiecutter.model_name }}

from .parity import same_math

PAD, BOS, EOS = 0, 1, 2
# The Auto class that loads the processor, and the files a published release holds beside config.json,
# model.safetensors, README.md, .gitattributes and the configuration and modeling code.
PROCESSOR_AUTO_CLASS = "AutoTokenizer"
RELEASE_FILES = {
    "generation_config.json",
    "reference_outputs.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
}
# The base model's non-persistent buffers: the shared tests check their values after `from_pretrained`.
BUFFERS = {"rotary_emb.inv_freq", "rotary_emb.original_inv_freq"}

# This family's tiny model, on top of the sizes of every family's (`common.TINY_SIZES`), with the vocabulary of
# the tokenizer that `family.default_processor` trains (384 tokens).
TINY_CONFIG: dict[str, Any] = dict(
    vocab_size=384,
    num_key_value_heads=2,
    max_position_embeddings=64,
    pad_token_id=PAD,
    bos_token_id=BOS,
    eos_token_id=EOS,
    num_labels=3,
)


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

# Ways to feed the model that the shared tests check each backend and the conversion with.
INPUT_VARIANTS = ("unpadded", "left-padded")
# The input variants whose `return_dict=False` tuples equal Llama's element by element (test_tuple_outputs.py): not
# left padding without `position_ids`, where this model counts positions from the attention mask and Llama from the
# first column. The real tokens' outputs agree (rotary embeddings are relative: test_conversion_common.py), the cached
# keys and the padded positions do not.
TUPLE_VARIANTS = ("unpadded",)


def example_inputs(config: {{ cookiecutter.class_prefix }}Config, variant: str = "unpadded") -> dict[str, torch.Tensor]:
    """Two rows of random tokens that avoid the special ids; "left-padded" masks the first 3 tokens of row 1."""
    input_ids = torch.randint(3, 99, (2, 7), generator=torch.Generator().manual_seed(1))
    if variant == "unpadded":
        return {"input_ids": input_ids}
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, :3] = 0
    return {"input_ids": input_ids, "attention_mask": attention_mask}


def training_batch(config: {{ cookiecutter.class_prefix }}Config) -> dict[str, torch.Tensor]:
    """Inputs and labels for the default head (next-token prediction on the example tokens)."""
    inputs = example_inputs(config)
    return {**inputs, "labels": inputs["input_ids"]}


# The family's values of the benchmark's mid-size model (`common.benchmark_config`: the template's scripts/bench.py).
BENCHMARK_CONFIG: dict[str, Any] = dict(
    intermediate_size=1536, num_key_value_heads=2, vocab_size=8192, max_position_embeddings=1024
)


def benchmark_batch(config: {{ cookiecutter.class_prefix }}Config) -> dict[str, torch.Tensor]:
    """The benchmark's batch for the default head (also the prompts it generates from): 4 rows of random tokens,
    `max_position_embeddings // 8` long, the last one left-padded by a quarter, with next-token labels."""
    length = config.max_position_embeddings // 8
    input_ids = torch.randint(3, config.vocab_size, (4, length), generator=torch.Generator().manual_seed(2))
    attention_mask = torch.ones_like(input_ids)
    attention_mask[-1, : length // 4] = 0
    input_ids = input_ids.masked_fill(attention_mask == 0, PAD)
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


# Auto class of a head -> the pipeline task that serves it, and call options that make it deterministic.
PIPELINES: dict[str, tuple[str, dict[str, Any]]] = {
    "AutoModelForCausalLM": (
        "text-generation",
        {"max_new_tokens": 8, "min_new_tokens": 8, "do_sample": False, "return_full_text": False},
    ),
}


def pipeline_inputs(task: str, folder: Path) -> list[str]:
    """What the processor and the pipeline of `task` are given: two prompts."""
    return ["Hello world", "The quick brown fox"]


# -- verify: edits of a saved modeling file that `python -m <name>.verify` must catch (tests/test_verify.py) ----------

# A change of the math: SwiGLU's product of the gate and the up projection becomes a sum.
MATH_CHANGE = (
    "self.activation(self.gate_proj(hidden_states)) * self.up_proj(hidden_states)",
    "self.activation(self.gate_proj(hidden_states)) + self.up_proj(hidden_states)",
)
# An old-style `_init_weights` that writes `.data` in place. After a complete load, transformers calls `_init_weights`
# only on modules that hold a tensor the checkpoint lacks, such as a non-persistent buffer (it skips the others, remote
# code included): the edits give the RMSNorm a buffer for its epsilon beside its loaded weight, and re-initialise it
# in place. The loaded norm weights are overwritten and the load report stays clean; `INIT_CLOBBERED` is one of the
# weights verify must name.
INIT_CLOBBER: list[tuple[str, str]] = [
    (
        "        self.variance_epsilon = eps\n",
        "        self.variance_epsilon = eps\n"
        '        self.register_buffer("eps", torch.tensor(eps), persistent=False)\n',
    ),
    (
        "            init.ones_(module.weight)\n",
        "            module.weight.data.fill_(1.0)\n            module.eps.data.fill_(module.variance_epsilon)\n",
    ),
]
INIT_CLOBBERED = "model.norm.weight"


# -- conversion from the native transformers model -----------------------------------------------------------------

# The conversion script from native Llama checkpoints: its `HEADS`, `convert` and `main` (the command line).
CONVERSION = convert_llama_to_{{ cookiecutter.model_name }}

# A tensor as the native checkpoint names it, and as this model names it (the conversion's error messages use ours).
CONVERTED_KEY = ("model.layers.1.mlp.up_proj.weight", "model.layers.1.mlp.up_proj.weight")


def native_config(config: {{ cookiecutter.class_prefix }}Config, **overrides: Any) -> LlamaConfig:
    """The Llama config with the math of `config`: what the conversion maps back onto ours."""
    return same_math(config, LlamaConfig, **overrides)
