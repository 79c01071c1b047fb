"""Train a small WordPiece tokenizer that works offline, for tests, demos and first experiments.

    python -m {{ cookiecutter.model_name }}.train_tokenizer --output checkpoints/tokenizer [--corpus my_text.txt]

The result is a standard fast tokenizer (`tokenizer.json` + `tokenizer_config.json`) that `AutoTokenizer` loads
without remote code. Its special tokens `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]` and `[MASK]` take ids 0 to 4 (`[PAD]` = 0
is the config's default `pad_token_id`); a text becomes `[CLS] text [SEP]`, a pair `[CLS] a [SEP] b [SEP]` with token
type ids 0 then 1, as BERT expects. For a real model, save your own tokenizer next to the weights.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

from .cli import run_tokenizer_training

DEFAULT_CORPUS = Path(__file__).with_name("tokenizer_corpus.txt")
# In id order: [PAD] = 0, [UNK] = 1, [CLS] = 2, [SEP] = 3, [MASK] = 4.
SPECIAL_TOKENS = {
    "pad_token": "[PAD]",
    "unk_token": "[UNK]",
    "cls_token": "[CLS]",
    "sep_token": "[SEP]",
    "mask_token": "[MASK]",
}


def train_tokenizer(
    texts: Iterable[str] | None = None,
    vocab_size: int = 512,
    model_max_length: int = 512,
) -> PreTrainedTokenizerFast:
    """Train on `texts` (the shipped corpus by default): lowercased, split on whitespace and punctuation.

    `model_max_length` should be the model's `max_position_embeddings`, so that `truncation=True` fits the model.
    """
    if texts is None:
        texts = DEFAULT_CORPUS.read_text(encoding="utf-8").splitlines()
    minimum = 2 * len(SPECIAL_TOKENS)
    if vocab_size < minimum:
        raise ValueError(f"vocab_size must be at least {minimum}, got {vocab_size}.")

    tokenizer = Tokenizer(models.WordPiece(unk_token=SPECIAL_TOKENS["unk_token"]))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece(prefix="##")
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS.values()),
        continuing_subword_prefix="##",
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer)
    cls_id = tokenizer.token_to_id(SPECIAL_TOKENS["cls_token"])
    sep_id = tokenizer.token_to_id(SPECIAL_TOKENS["sep_token"])
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0",
        pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        model_input_names=["input_ids", "token_type_ids", "attention_mask"],
        model_max_length=model_max_length,
        **SPECIAL_TOKENS,
    )


def main(argv: list[str] | None = None) -> int:
    return run_tokenizer_training(train_tokenizer, __doc__, DEFAULT_CORPUS, 512, argv)


if __name__ == "__main__":
    raise SystemExit(main())
