"""The tiny model configuration and checkpoint shared by the tests."""

from pathlib import Path

import torch
from transformers import PreTrainedTokenizerBase

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config, {{ cookiecutter.class_prefix }}ForCausalLM
from {{ cookiecutter.model_name }}.train_tokenizer import train_tokenizer

PAD, BOS, EOS = 0, 1, 2


def tiny_config(**overrides) -> {{ cookiecutter.class_prefix }}Config:
    """A model small enough to run every test on a laptop CPU in seconds."""
    values = dict(
        vocab_size=99,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
        pad_token_id=PAD,
        bos_token_id=BOS,
        eos_token_id=EOS,
        num_labels=3,
    )
    values.update(overrides)
    return {{ cookiecutter.class_prefix }}Config(**values)


def save_checkpoint(folder: Path, seed: int) -> tuple[{{ cookiecutter.class_prefix }}ForCausalLM, PreTrainedTokenizerBase]:
    """A tiny causal LM saved with its tokenizer, as `publish --checkpoint` takes it."""
    torch.manual_seed(seed)
    tokenizer = train_tokenizer()
    model = {{ cookiecutter.class_prefix }}ForCausalLM(tiny_config(vocab_size=len(tokenizer))).eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return model, tokenizer
