r"""Convert a native transformers BERT checkpoint folder into a {{ cookiecutter.class_prefix }} checkpoint.

    python -m {{ cookiecutter.model_name }}.convert_bert_to_{{ cookiecutter.model_name }} \
        --input path/to/bert --output checkpoints/{{ cookiecutter.model_name }}

The input is a folder written by `BertModel`, `BertForMaskedLM`, `BertForSequenceClassification` or
`BertForTokenClassification` `.save_pretrained()` (safetensors, sharded or not). Every tensor name and shape is
checked against the target model: a missing, unexpected or mis-shaped tensor stops the conversion with a report and
nothing is written. A pre-training checkpoint such as bert-base-uncased (its `BertForPreTraining` weights under the
`BertForMaskedLM` architecture, TensorFlow's LayerNorm names) converts as `BertForMaskedLM` loads it: the
next-sentence head and the pooler it has no use for are dropped, and reported. The tokenizer is saved beside the
converted model as transformers reads it for BERT (so it names its class and special tokens even where the input's
`tokenizer_config.json` does not), with `vocab.txt`.

A sentence-transformers folder (`SentenceTransformer.save`: the BERT model, `modules.json`, `1_Pooling/`, ...) is
converted too: its model becomes this model's, and its sentence-transformers files are checked (see
sentence_transformers_files.py: no code from the folder is ever imported) and carried along, so that
`SentenceTransformer(output, trust_remote_code=True)` gives the embeddings the original gave. A model kept in a
sub-folder (`0_Transformer/`, as very old releases of sentence-transformers saved it) moves beside `modules.json`; a
module that stores nothing may have no folder, as the Hub's repos have it (`2_Normalize` in all-MiniLM-L6-v2).
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import BertConfig, PreTrainedConfig

from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config
from .conversion import command_line, converted_config, load_safetensors, native_heads, read_input, save_converted
from .modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES
from .sentence_transformers_files import read_sentence_transformers

# BERT head class -> ours (`BertForMaskedLM` -> `{{ cookiecutter.class_prefix }}ForMaskedLM`).
HEADS = native_heads("Bert", AUTO_CLASSES)
# BERT name prefix -> ours, first match wins. Inside the base model the names are BERT's.
RENAMES = (
    ("bert.", "model."),
    ("cls.predictions.transform.", "lm_head.transform."),
    ("cls.predictions.decoder.", "lm_head.decoder."),
    ("cls.predictions.bias", "lm_head.decoder.bias"),
)
# Non-persistent buffers that old checkpoints stored; the model re-creates them.
BUFFER_SUFFIXES = ("embeddings.position_ids", "embeddings.token_type_ids")
# BERT's next-sentence head, which no head here has: pre-training checkpoints (bert-base-uncased holds the whole
# `BertForPreTraining`) store it beside the masked-LM head, and BERT's own heads drop it when they load them.
NEXT_SENTENCE_HEAD = "cls.seq_relationship."
POOLER = ("pooler.", "model.pooler.")


def convert_config(bert_config: PreTrainedConfig, pooler: bool) -> {{ cookiecutter.class_prefix }}Config:
    """Map a `BertConfig` onto ours (the same names), refusing the BERT options this model does not implement.
    Whether the base model has a `pooler` is an argument of `BertModel`, not a setting: read it from the tensors."""
    unsupported = {
        "is_decoder": (getattr(bert_config, "is_decoder", False), False),
        "add_cross_attention": (getattr(bert_config, "add_cross_attention", False), False),
        "position_embedding_type": (getattr(bert_config, "position_embedding_type", "absolute"), "absolute"),
        "chunk_size_feed_forward": (getattr(bert_config, "chunk_size_feed_forward", 0), 0),
    }
    return converted_config(bert_config, {{ cookiecutter.class_prefix }}Config, "BERT", unsupported, add_pooling_layer=pooler)


def rename_keys(state_dict: dict[str, torch.Tensor], pooler: bool) -> tuple[dict[str, torch.Tensor], list[str]]:
    """BERT names -> ours; returns the renamed tensors and the names deliberately dropped: stored buffers, the
    next-sentence head, and the pooler unless the head has one (`pooler`), as BERT's `from_pretrained` drops them.

    The masked-LM bias: a tied BERT saves only `cls.predictions.bias`; an untied one also saves
    `cls.predictions.decoder.bias`, which is the one its forward adds, so that one wins.
    """
    state_dict = dict(state_dict)
    dropped = sorted(
        key
        for key in state_dict
        if key.endswith(BUFFER_SUFFIXES)
        or key.startswith(NEXT_SENTENCE_HEAD)
        or (not pooler and key.removeprefix("bert.").startswith(POOLER))
    )
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
    model_class, bert_config = read_input(model_dir, "BERT", BertConfig, HEADS, "BertModel")
    with torch.device("meta"):  # does the head have a pooler (`BertForMaskedLM` has none)?
        head = model_class(convert_config(bert_config, True))
    head_pooler = any(key.startswith(POOLER) for key in head.state_dict())
    converted, dropped = rename_keys(load_safetensors(model_dir), head_pooler)
    has_pooler = any(key.startswith(POOLER) for key in converted)
    config = convert_config(bert_config, has_pooler)
    report = save_converted(model_class, config, converted, output_dir, model_dir, bert_config)
    report.append(f"dropped (re-created buffers, heads and pooler the head lacks, unused bias): {dropped or 'none'}")
    if sentence_transformers is not None:
        sentence_transformers.copy_into(output_dir)
        report.append(f"sentence-transformers files: {sentence_transformers.files()}")
    return report


main = command_line(convert, __doc__, "BERT")


if __name__ == "__main__":
    raise SystemExit(main())
