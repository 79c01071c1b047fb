r"""Convert a native transformers BERT checkpoint folder into a {{ cookiecutter.class_prefix }} checkpoint.

    python -m {{ cookiecutter.model_name }}.convert_bert_to_{{ cookiecutter.model_name }} \
        --input path/to/bert --output checkpoints/{{ cookiecutter.model_name }}

The input is a folder written by `BertModel`, `BertForMaskedLM`, `BertForSequenceClassification` or
`BertForTokenClassification` `.save_pretrained()` (safetensors, sharded or not). Every tensor name and shape is
checked against the target model: a missing, unexpected or mis-shaped tensor stops the conversion with a report and
nothing is written. Tokenizer files found in the input folder are copied next to the converted model.

A sentence-transformers folder (`SentenceTransformer.save`: the BERT model, `modules.json`, `1_Pooling/`, ...) is
converted too: its model becomes this model's, and its sentence-transformers files are checked (see
sentence_transformers_files.py: no code from the folder is ever imported) and carried along, so that
`SentenceTransformer(output, trust_remote_code=True)` gives the embeddings the original gave. A model kept in a
sub-folder (`0_Transformer/`, as very old releases of sentence-transformers saved it) moves beside `modules.json`.
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import BertConfig, PreTrainedConfig

from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config
from .conversion import (
    ConversionError,
    check_input,
    copy_files,
    load_checked,
    load_safetensors,
    load_source_config,
    run_cli,
)
from .modeling_{{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForMaskedLM,
    {{ cookiecutter.class_prefix }}ForSequenceClassification,
    {{ cookiecutter.class_prefix }}ForTokenClassification,
    {{ cookiecutter.class_prefix }}Model,
    {{ cookiecutter.class_prefix }}PreTrainedModel,
)
from .sentence_transformers_files import read_sentence_transformers

# BERT head class -> our head class.
HEADS: dict[str, type[{{ cookiecutter.class_prefix }}PreTrainedModel]] = {
    "BertModel": {{ cookiecutter.class_prefix }}Model,
    "BertForMaskedLM": {{ cookiecutter.class_prefix }}ForMaskedLM,
    "BertForSequenceClassification": {{ cookiecutter.class_prefix }}ForSequenceClassification,
    "BertForTokenClassification": {{ cookiecutter.class_prefix }}ForTokenClassification,
}
# BERT name prefix -> ours, first match wins. Inside the base model the names are BERT's.
RENAMES = (
    ("bert.", "model."),
    ("cls.predictions.transform.", "lm_head.transform."),
    ("cls.predictions.decoder.", "lm_head.decoder."),
    ("cls.predictions.bias", "lm_head.decoder.bias"),
)
# Non-persistent buffers that old checkpoints stored; the model re-creates them.
BUFFER_SUFFIXES = ("embeddings.position_ids", "embeddings.token_type_ids")
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
)


def convert_config(bert_config: PreTrainedConfig, add_pooling_layer: bool) -> {{ cookiecutter.class_prefix }}Config:
    """Map a `BertConfig` onto ours, refusing the BERT options this model does not implement."""
    if bert_config.model_type != "bert":
        raise ConversionError(f"expected a BERT checkpoint (model_type 'bert'), got {bert_config.model_type!r}.")
    unsupported = {
        "is_decoder": (getattr(bert_config, "is_decoder", False), False),
        "add_cross_attention": (getattr(bert_config, "add_cross_attention", False), False),
        "position_embedding_type": (getattr(bert_config, "position_embedding_type", "absolute"), "absolute"),
        "chunk_size_feed_forward": (getattr(bert_config, "chunk_size_feed_forward", 0), 0),
    }
    for name, (value, supported) in unsupported.items():
        if value != supported:
            raise ConversionError(f"BERT option {name}={value!r} is not supported (only {supported!r}).")
    config = {{ cookiecutter.class_prefix }}Config(
        vocab_size=bert_config.vocab_size,
        hidden_size=bert_config.hidden_size,
        num_hidden_layers=bert_config.num_hidden_layers,
        num_attention_heads=bert_config.num_attention_heads,
        intermediate_size=bert_config.intermediate_size,
        hidden_act=bert_config.hidden_act,
        hidden_dropout_prob=bert_config.hidden_dropout_prob,
        attention_probs_dropout_prob=bert_config.attention_probs_dropout_prob,
        max_position_embeddings=bert_config.max_position_embeddings,
        type_vocab_size=bert_config.type_vocab_size,
        initializer_range=bert_config.initializer_range,
        layer_norm_eps=bert_config.layer_norm_eps,
        classifier_dropout=bert_config.classifier_dropout,
        add_pooling_layer=add_pooling_layer,
        pad_token_id=bert_config.pad_token_id,
        bos_token_id=bert_config.bos_token_id,
        eos_token_id=bert_config.eos_token_id,
        tie_word_embeddings=bert_config.tie_word_embeddings,
        id2label=bert_config.id2label,
        label2id=bert_config.label2id,
        problem_type=bert_config.problem_type,
        dtype=bert_config.dtype,
    )
    try:
        config.validate_architecture()
    except ValueError as error:  # e.g. an activation given as a callable, or a value out of range
        raise ConversionError(f"the BERT config cannot be converted: {error}") from error
    return config


def rename_keys(state_dict: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], list[str]]:
    """BERT names -> ours; returns the renamed tensors and the names deliberately dropped.

    The masked-LM bias: a tied BERT saves only `cls.predictions.bias`; an untied one also saves
    `cls.predictions.decoder.bias`, which is the one its forward adds, so that one wins.
    """
    state_dict = dict(state_dict)
    dropped = sorted(key for key in state_dict if key.endswith(BUFFER_SUFFIXES))
    if "cls.predictions.decoder.bias" in state_dict and "cls.predictions.bias" in state_dict:
        dropped.append("cls.predictions.bias")
    for key in dropped:
        del state_dict[key]

    renamed: dict[str, torch.Tensor] = {}
    for key, tensor in state_dict.items():
        new_key = key
        for old, new in RENAMES:
            if key.startswith(old):
                new_key = new + key.removeprefix(old)
                break
        renamed[new_key] = tensor
    return renamed, dropped


def convert(input_dir: Path, output_dir: Path) -> list[str]:
    """Convert `input_dir` (a BERT folder, or a sentence-transformers one) into `output_dir`; return the report."""
    # Before anything else: refuse a folder of another model, of this project, or one that names code to run.
    sentence_transformers = read_sentence_transformers(input_dir)
    model_dir = input_dir / sentence_transformers.model_path if sentence_transformers else input_dir
    architecture = check_input(model_dir, "BERT", "bert", HEADS, default_head="BertModel")
    model_class = HEADS[architecture]
    bert_config = load_source_config(BertConfig, model_dir, "BERT")
    converted, dropped = rename_keys(load_safetensors(model_dir))
    has_pooler = any(key.startswith(("pooler.", "model.pooler.")) for key in converted)
    config = convert_config(bert_config, add_pooling_layer=has_pooler)

    model, report = load_checked(model_class, config, converted)
    report.append(f"dropped (re-created buffers, unused bias): {dropped or 'none'}")

    output_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output_dir)
    report.append(copy_files(model_dir, output_dir, TOKENIZER_FILES))
    if sentence_transformers is not None:
        sentence_transformers.copy_into(output_dir)
        report.append(f"sentence-transformers files: {sentence_transformers.files()}")
    return report


def main(argv: list[str] | None = None) -> int:
    return run_cli(convert, __doc__, "BERT", argv)


if __name__ == "__main__":
    raise SystemExit(main())
