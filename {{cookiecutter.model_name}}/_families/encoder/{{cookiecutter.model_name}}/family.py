{%- import "common.py" as common with context -%}
"""What publishing needs to know about this model family: its task, default head, tokenizer and usage snippet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from transformers import PretrainedConfig, PreTrainedTokenizerBase

from .cli import CommandError
from .inputs import check_tokenizer, load_tokenizer
from .sentence_transformers_files import MODULES_FILE, SentenceTransformersFiles, read_sentence_transformers
from .train_tokenizer import train_tokenizer
from .usage import code_block, export_notes

PIPELINE_TAG = "fill-mask"
DEFAULT_HEAD = "ForMaskedLM"
DESCRIPTION = (
    "A bidirectional transformer encoder with the math of BERT: word, learned position and token type embeddings, "
    "post-norm layers with a GELU MLP, and an optional pooler. Its code loads with `trust_remote_code=True`; the "
    "tokenizer is a standard fast WordPiece tokenizer and needs no remote code."
)
{{ common.tokenizer_processor() }}
# The native transformers model that `convert_bert_to_<name>.py` converts from (its model_type).
CONVERTS_FROM = "bert"
# The linear layers LoRA adapts (`peft.LoraConfig(target_modules=...)`): every projection of every encoder layer,
# with BERT's names (peft matches the end of a module's name: `output.dense` is the MLP's output, and also ends
# `attention.output.dense`). peft picks its defaults by model type, and knows none for a custom one: name them.
# `target_modules="all-linear"` works too: it also adapts the pooler and the masked-LM transform.
LORA_TARGET_MODULES = ["query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense"]
# Auto class of a head -> the other `LoraConfig` settings it takes: peft's task type (SEQ_CLS and TOKEN_CLS also
# train the new `classifier` head in full).
LORA_OPTIONS: dict[str, dict[str, Any]] = {
    "AutoModelForSequenceClassification": {"task_type": "SEQ_CLS"},
    "AutoModelForTokenClassification": {"task_type": "TOKEN_CLS"},
}
# ONNX export (`torch.onnx.export(..., dynamo=True)`, run with onnxruntime), as BERT's:
# tests/shared/test_compile_export.py.
ONNX_EXPORT = True
# The model card's note on torch.compile, torch.export and ONNX.
EXPORT_NOTES = export_notes("BERT", onnx=ONNX_EXPORT, cache=False)
PIPELINES = {
    "AutoModelForMaskedLM": ("fill-mask", "The capital of France is [MASK]."),
    "AutoModelForSequenceClassification": ("text-classification", "A short text to classify."),
    "AutoModelForTokenClassification": ("token-classification", "Ada Lovelace lived in London."),
}


def load_processor(folder: Path, config: PretrainedConfig) -> PreTrainedTokenizerBase:
    """The tokenizer saved in `folder`, loaded with transformers' own classes: no code from the folder runs."""
    return load_tokenizer(folder, config)


def default_processor(config: PretrainedConfig) -> PreTrainedTokenizerBase:
    """The default processor: a WordPiece tokenizer trained on the shipped corpus (see train_tokenizer.py)."""
    return train_tokenizer(model_max_length=config.max_position_embeddings)


def check_processor(tokenizer: PreTrainedTokenizerBase, config: PretrainedConfig) -> None:
    """Refuse a tokenizer that would feed the model ids it cannot embed or a padding id it does not expect."""
    check_tokenizer(tokenizer, config, ("pad_token_id",))


def reference_inputs(config: PretrainedConfig) -> dict[str, torch.Tensor]:
    """The fixed inputs of the reference record (record.py): two rows of 8 token ids after the tokenizer's 5 special
    ids, a pair of segments (token types 0 and 1), the second row padded on the right after 5 tokens, as the
    tokenizer pads a batch."""
    input_ids = torch.randint(5, config.vocab_size, (2, 8), generator=torch.Generator().manual_seed(0))
    token_type_ids = torch.zeros_like(input_ids)
    token_type_ids[:, 3:] = 1
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 5:] = 0
    input_ids[1, 5:] = config.pad_token_id or 0
    token_type_ids[1, 5:] = 0
    return {"input_ids": input_ids, "token_type_ids": token_type_ids, "attention_mask": attention_mask}


def usage_code(repo_id: str, auto_class: str) -> str:
    """A Markdown code block that loads the published model, pinned to a revision, and runs it in a pipeline."""
    task, text = PIPELINES.get(auto_class, ("feature-extraction", "A short text."))
    lines = [
        f'pipe = pipeline("{task}", model=repo_id, trust_remote_code=True, revision=revision)',
        f'print(pipe("{text}"))',
    ]
    return code_block(["from transformers import pipeline"], repo_id, lines)


def library_files(checkpoint: Path) -> SentenceTransformersFiles | None:
    """The sentence-transformers files of `checkpoint`, checked (see sentence_transformers_files.py); None if none."""
    files = read_sentence_transformers(checkpoint)
    if files is not None and files.model_path:
        raise CommandError(
            f"{checkpoint / MODULES_FILE} keeps the model in {files.model_path!r}, not in {checkpoint} itself: save "
            "it with SentenceTransformer, which keeps the model beside modules.json."
        )
    return files
