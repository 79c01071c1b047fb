"""The encoder family's contract with the shared tests: what they need to know about this family (BERT math).

The shared tests read the heads and their Auto classes from the modeling file (`AUTO_CLASSES`), and the default head,
pipeline tag and processor from `family.py`; `common.py` lists what each name here is for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from transformers import BertConfig

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config, convert_bert_to_{{ cookiecutter.model_name }}

from .hub_layouts import same_inputs, tokenized
from .parity import same_math

PAD, UNK, CLS, SEP, MASK = 0, 1, 2, 3, 4
LABELS = ("O", "PER", "LOC")
# The Auto class that loads the processor, and the files a published release holds beside those of every family's
# (config.json, model.safetensors, the reference record, README.md, .gitattributes, configuration and modeling code).
PROCESSOR_AUTO_CLASS = "AutoTokenizer"
RELEASE_FILES = {"tokenizer.json", "tokenizer_config.json"}
# The base model's non-persistent buffers: the shared tests check their values after `from_pretrained`.
BUFFERS = {"embeddings.position_ids", "embeddings.token_type_ids"}

# This family's tiny model, on top of the sizes of every family's (`common.TINY_SIZES`), with the vocabulary of
# the tokenizer that `family.default_processor` trains (512 tokens).
TINY_CONFIG: dict[str, Any] = dict(
    vocab_size=512,
    max_position_embeddings=64,
    pad_token_id=PAD,
    id2label=dict(enumerate(LABELS)),
    label2id={label: index for index, label in enumerate(LABELS)},
)


# Settings the config must refuse when a model is built or the config saved (never while it is assembled), each with
# what the error says; those of the sizes every family has are `common.INVALID_SIZES`.
INVALID_CONFIGS: list[tuple[dict[str, Any], str]] = [
    ({"vocab_size": -1}, "`vocab_size` must be a positive integer"),
    ({"type_vocab_size": 0}, "`type_vocab_size` must be a positive integer"),
    ({"max_position_embeddings": 2.5}, "`max_position_embeddings` must be a positive integer"),
    ({"hidden_act": "swish_of_doom"}, "`hidden_act` 'swish_of_doom' is not an activation"),
    ({"hidden_dropout_prob": 1.0}, "`hidden_dropout_prob` must be in [0, 1)"),
    ({"attention_probs_dropout_prob": -0.1}, "`attention_probs_dropout_prob` must be in [0, 1)"),
    ({"classifier_dropout": 1.5}, "`classifier_dropout` must be in [0, 1)"),
    ({"layer_norm_eps": 0.0}, "`layer_norm_eps` must be positive"),
    ({"initializer_range": -0.02}, "`initializer_range` must be positive"),
    ({"vocab_size": 99, "pad_token_id": 99}, "`pad_token_id` (99) must be in [0, vocab_size=99)"),
    # Values of the wrong type: named, never computed with (a TypeError inside transformers' own checks).
    ({"classifier_dropout": "0.1"}, "`classifier_dropout` must be in [0, 1), got '0.1'"),
    ({"layer_norm_eps": "1e-12"}, "`layer_norm_eps` must be positive, got '1e-12'"),
    ({"pad_token_id": "0"}, "`pad_token_id` ('0') must be in [0, vocab_size=512)"),
    ({"hidden_act": ["gelu"]}, "`hidden_act` ['gelu'] is not an activation"),
]

# The settings of the tiny model the tensor-parallel test splits over two processes (on top of `TINY_CONFIG`).
PARALLEL_CONFIG: dict[str, Any] = {}
# Ways to feed the model that the shared tests check each backend and the conversion with.
INPUT_VARIANTS = ("one segment", "two segments, right-padded")
# The input variants whose `return_dict=False` tuples equal BERT's element by element (test_tuple_outputs.py).
TUPLE_VARIANTS = INPUT_VARIANTS


def example_inputs(config: {{ cookiecutter.class_prefix }}Config, variant: str = "one segment") -> dict[str, torch.Tensor]:
    """Two rows of random tokens that avoid the special ids; the other variant gives the last 3 tokens the second
    token type and pads row 1 after 4 tokens."""
    input_ids = torch.randint(5, 99, (2, 7), generator=torch.Generator().manual_seed(1))
    if variant == "one segment":
        return {"input_ids": input_ids}
    token_type_ids = torch.zeros_like(input_ids)
    token_type_ids[:, 4:] = 1
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 4:] = 0
    return {"input_ids": input_ids, "token_type_ids": token_type_ids, "attention_mask": attention_mask}


def training_batch(config: {{ cookiecutter.class_prefix }}Config) -> dict[str, torch.Tensor]:
    """Inputs and labels for the default head: every third token masked, the loss on the masked tokens only."""
    input_ids = example_inputs(config)["input_ids"]
    masked = input_ids.clone()
    masked[:, 2::3] = MASK
    return {"input_ids": masked, "labels": torch.where(masked == MASK, input_ids, -100)}


# The family's values of the benchmark's mid-size model (`common.benchmark_config`: the template's scripts/bench.py).
BENCHMARK_CONFIG: dict[str, Any] = dict(vocab_size=8192, max_position_embeddings=512)


def benchmark_batch(config: {{ cookiecutter.class_prefix }}Config) -> dict[str, torch.Tensor]:
    """The benchmark's batch for the default head: 4 rows of random tokens, `max_position_embeddings // 4` long, in
    two segments, the last row right-padded by a quarter; every seventh real token masked, with its label."""
    length = config.max_position_embeddings // 4
    original = torch.randint(5, config.vocab_size, (4, length), generator=torch.Generator().manual_seed(2))
    token_type_ids = torch.zeros_like(original)
    token_type_ids[:, length // 2 :] = 1
    attention_mask = torch.ones_like(original)
    attention_mask[-1, length - length // 4 :] = 0
    masked = torch.zeros_like(original, dtype=torch.bool)
    masked[:, ::7] = True
    masked &= attention_mask.bool()
    input_ids = original.masked_fill(masked, MASK).masked_fill(attention_mask == 0, PAD)
    labels = original.masked_fill(~masked, -100)
    return {
        "input_ids": input_ids,
        "token_type_ids": token_type_ids,
        "attention_mask": attention_mask,
        "labels": labels,
    }


# Auto class of a head -> the pipeline task that serves it, and call options that return every prediction.
PIPELINES: dict[str, tuple[str, dict[str, Any]]] = {
    "AutoModelForMaskedLM": ("fill-mask", {"top_k": 5}),
    "AutoModelForSequenceClassification": ("text-classification", {"top_k": None}),
    "AutoModelForTokenClassification": ("token-classification", {"ignore_labels": []}),
}
TEXTS = {
    "fill-mask": ["The capital of France is [MASK].", "Hello [MASK] world!"],
    "text-classification": ["The movie was wonderful.", "The food was cold and the service was terrible."],
    "token-classification": ["Alice works in London.", "Bob lives in New York."],
}


def pipeline_inputs(task: str, folder: Path) -> list[str]:
    """What the processor and the pipeline of `task` are given: two texts."""
    return TEXTS[task]


# -- conversion from the native transformers model -----------------------------------------------------------------

# The conversion script from native BERT checkpoints: its `HEADS`, `convert` and `main` (the command line).
CONVERSION = convert_bert_to_{{ cookiecutter.model_name }}

# The Hub repos whose layout the conversion takes (hub_layouts.py; test_hub_layouts.py converts each; the
# sentence-transformers ones are in test_sentence_transformers.py).
HUB_LAYOUTS = ("google-bert/bert-base-uncased",)


def hub_inputs(source: Path, converted: Path) -> dict[str, torch.Tensor]:
    """The inputs of test_hub_layouts.py: `hub_layouts.TEXTS` as the source's tokenizer encodes them, padded; the
    converted folder's tokenizer must encode them alike."""
    return same_inputs(tokenized(source), tokenized(converted, True))


# A tensor as the native checkpoint names it, and as this model names it (the conversion's error messages use ours).
CONVERTED_KEY = (
    "bert.encoder.layer.1.attention.self.query.weight",
    "model.encoder.layer.1.attention.self.query.weight",
)


def native_config(config: {{ cookiecutter.class_prefix }}Config, **overrides: Any) -> BertConfig:
    """The BERT config with the math of `config`: what the conversion maps back onto ours."""
    return same_math(config, BertConfig, **overrides)
