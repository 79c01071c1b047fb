"""Train a small byte-level BPE tokenizer that works offline, for tests, demos and first experiments.

    python -m {{ cookiecutter.model_name }}.train_tokenizer --output checkpoints/tokenizer [--corpus my_text.txt]

The result is a standard fast tokenizer (`tokenizer.json` + `tokenizer_config.json`) that `AutoTokenizer` loads
without remote code. Its special tokens `<pad>`, `<s>` and `</s>` take ids 0, 1 and 2, the config's defaults for
`pad_token_id`, `bos_token_id` and `eos_token_id`. For a real model, save your own tokenizer next to the weights.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

from .cli import run_tokenizer_training

DEFAULT_CORPUS = Path(__file__).with_name("tokenizer_corpus.txt")
SPECIAL_TOKENS = {"pad_token": "<pad>", "bos_token": "<s>", "eos_token": "</s>"}


def train_tokenizer(texts: Iterable[str] | None = None, vocab_size: int = 384) -> PreTrainedTokenizerFast:
    """Train on `texts` (the shipped corpus by default); every byte is in the vocabulary, so nothing is unknown."""
    if texts is None:
        texts = DEFAULT_CORPUS.read_text(encoding="utf-8").splitlines()
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    minimum = len(alphabet) + len(SPECIAL_TOKENS)
    if vocab_size < minimum:
        raise ValueError(f"vocab_size must be at least {minimum} (every byte and special token), got {vocab_size}.")

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS.values()),
        initial_alphabet=alphabet,
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer)
    # Every sequence starts with <s>, as the model is trained and as generation expects.
    bos_id = tokenizer.token_to_id(SPECIAL_TOKENS["bos_token"])
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", bos_id)]
    )
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, **SPECIAL_TOKENS)


def main(argv: list[str] | None = None) -> int:
    return run_tokenizer_training(train_tokenizer, __doc__, DEFAULT_CORPUS, 384, argv)


if __name__ == "__main__":
    raise SystemExit(main())
