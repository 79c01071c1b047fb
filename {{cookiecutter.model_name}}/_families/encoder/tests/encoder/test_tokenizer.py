"""The WordPiece tokenizer trained offline on the shipped corpus fits the model's special ids and BERT's templates."""

import json

import pytest
from transformers import AutoTokenizer

from {{ cookiecutter.model_name }}.train_tokenizer import main, train_tokenizer

from ..common import save_checkpoint
from ..contract import CLS, MASK, PAD, SEP


def test_tokenizer_matches_the_config_special_ids(tmp_path):
    _, tokenizer = save_checkpoint(tmp_path, seed=0)
    config = json.loads((tmp_path / "config.json").read_text())
    tokenizer_config = json.loads((tmp_path / "tokenizer_config.json").read_text())
    assert (tmp_path / "tokenizer.json").is_file()
    assert tokenizer_config["pad_token"] == "[PAD]" and config["pad_token_id"] == PAD
    assert tokenizer_config["mask_token"] == "[MASK]"
    assert "auto_map" not in tokenizer_config, "a standard tokenizer needs no remote code"
    assert len(tokenizer) == config["vocab_size"]
    assert tokenizer.model_max_length == config["max_position_embeddings"]
    assert tokenizer.convert_tokens_to_ids(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]) == [PAD, 1, CLS, SEP, MASK]
    single = tokenizer("hello world")
    assert single.input_ids[0] == CLS and single.input_ids[-1] == SEP
    pair = tokenizer("hello", "world")
    assert pair.input_ids.count(SEP) == 2 and pair.token_type_ids == [0, 0, 0, 1, 1]
    assert tokenizer("[MASK]").input_ids == [CLS, MASK, SEP]


def test_train_tokenizer_refuses_a_tiny_vocabulary_and_trains_from_the_command_line(tmp_path):
    with pytest.raises(ValueError, match="vocab_size must be at least 10"):
        train_tokenizer(vocab_size=5)
    # The command line: the same default vocabulary and special tokens as the function's.
    assert main(["--output", str(tmp_path)]) == 0
    assert AutoTokenizer.from_pretrained(tmp_path).convert_tokens_to_ids(["[PAD]", "[MASK]"]) == [PAD, MASK]
