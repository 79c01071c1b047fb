"""What the contracts of the text families (decoder, moe) share: the special ids of the offline tokenizer, the files a
release holds, the example, training and benchmark inputs, and the text-generation pipeline. Each family's
`contract.py` imports these and adds its own; `common.py` lists what each is for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from transformers import PretrainedConfig

from .hub_layouts import same_inputs, tokenized

__all__ = [
    "BOS",
    "BUFFERS",
    "EOS",
    "INPUT_VARIANTS",
    "PAD",
    "PARALLEL_CONFIG",
    "PIPELINES",
    "PROCESSOR_AUTO_CLASS",
    "RELEASE_FILES",
    "TUPLE_VARIANTS",
    "benchmark_batch",
    "example_inputs",
    "hub_inputs",
    "pipeline_inputs",
    "training_batch",
]

PAD, BOS, EOS = 0, 1, 2
# The Auto class that loads the processor, and the files a published release holds beside those of every family's
# (config.json, model.safetensors, the reference record, README.md, .gitattributes, configuration and modeling code).
PROCESSOR_AUTO_CLASS = "AutoTokenizer"
RELEASE_FILES = {"generation_config.json", "tokenizer.json", "tokenizer_config.json"}
# The base model's non-persistent buffers: the shared tests check their values after `from_pretrained`.
BUFFERS = {"rotary_emb.inv_freq", "rotary_emb.original_inv_freq"}
# The values of every text family's tiny model, with the vocabulary of the tokenizer that `family.default_processor`
# trains (384 tokens).
TINY_TEXT_CONFIG: dict[str, Any] = dict(
    vocab_size=384,
    num_key_value_heads=2,
    max_position_embeddings=64,
    pad_token_id=PAD,
    bos_token_id=BOS,
    eos_token_id=EOS,
    num_labels=3,
)

# The settings of the tiny model the tensor-parallel test splits over two processes (on top of `TINY_CONFIG`).
PARALLEL_CONFIG: dict[str, Any] = {}

# Ways to feed the model that the shared tests check each backend and the conversion with.
INPUT_VARIANTS = ("unpadded", "left-padded")
# The input variants whose `return_dict=False` tuples equal the native model's element by element
# (test_tuple_outputs.py): not left padding without `position_ids`, where this model counts positions from the
# attention mask and the native one from the first column. The real tokens' outputs agree (rotary embeddings are
# relative: test_conversion_common.py), the cached keys and the padded positions do not.
TUPLE_VARIANTS = ("unpadded",)


def example_inputs(config: PretrainedConfig, variant: str = "unpadded") -> dict[str, torch.Tensor]:
    """Two rows of random tokens that avoid the special ids; "left-padded" masks the first 3 tokens of row 1."""
    input_ids = torch.randint(3, 99, (2, 7), generator=torch.Generator().manual_seed(1))
    if variant == "unpadded":
        return {"input_ids": input_ids}
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, :3] = 0
    return {"input_ids": input_ids, "attention_mask": attention_mask}


def training_batch(config: PretrainedConfig) -> dict[str, torch.Tensor]:
    """Inputs and labels for the default head (next-token prediction on the example tokens)."""
    inputs = example_inputs(config)
    return {**inputs, "labels": inputs["input_ids"]}


def benchmark_batch(config: PretrainedConfig) -> dict[str, torch.Tensor]:
    """The benchmark's batch for the default head (also the prompts it generates from): 4 rows of random tokens,
    `max_position_embeddings // 8` long, the last one left-padded by a quarter, with next-token labels."""
    length = config.max_position_embeddings // 8
    input_ids = torch.randint(3, config.vocab_size, (4, length), generator=torch.Generator().manual_seed(2))
    attention_mask = torch.ones_like(input_ids)
    attention_mask[-1, : length // 4] = 0
    input_ids = input_ids.masked_fill(attention_mask == 0, PAD)
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


def hub_inputs(source: Path, converted: Path) -> dict[str, torch.Tensor]:
    """The inputs of test_hub_layouts.py: `hub_layouts.TEXTS` as the source's tokenizer encodes them, left-padded; the
    converted folder's tokenizer must encode them alike."""
    return same_inputs(tokenized(source, padding_side="left"), tokenized(converted, True, padding_side="left"))


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
