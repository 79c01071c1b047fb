"""The tokenizer trained offline on the shipped corpus fits the model's special ids."""

import json

import pytest
from transformers import AutoTokenizer

from {{ cookiecutter.model_name }}.train_tokenizer import main, train_tokenizer

from ..common import save_checkpoint


def test_tokenizer_matches_the_config_special_ids(tmp_path):
    save_checkpoint(tmp_path, seed=0)
    config = json.loads((tmp_path / "config.json").read_text())
    tokenizer_config = json.loads((tmp_path / "tokenizer_config.json").read_text())
    assert (tmp_path / "tokenizer.json").is_file()
    assert tokenizer_config["pad_token"] == "<pad>" and config["pad_token_id"] == 0
    assert "auto_map" not in tokenizer_config, "a standard tokenizer needs no remote code"
    assert main(["--output", str(tmp_path / "trained")]) == 0  # the command line, on the shipped corpus
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "trained")
    assert len(tokenizer) == config["vocab_size"]
    assert tokenizer("Hello").input_ids[0] == config["bos_token_id"]
    assert tokenizer.convert_tokens_to_ids(["<pad>", "<s>", "</s>"]) == [0, 1, 2]


def test_train_tokenizer_refuses_a_vocabulary_smaller_than_the_bytes():
    with pytest.raises(ValueError, match="vocab_size must be at least 259"):
        train_tokenizer(vocab_size=100)
