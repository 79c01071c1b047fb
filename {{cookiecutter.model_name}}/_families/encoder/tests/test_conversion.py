"""A native transformers BERT checkpoint converts into this model with the same outputs."""

import json

import pytest
import torch
from safetensors.torch import load_file, save_file
from transformers import (
    BertConfig,
    BertForMaskedLM,
    BertForSequenceClassification,
    BertForTokenClassification,
    BertModel,
)

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForMaskedLM,
    {{ cookiecutter.class_prefix }}ForSequenceClassification,
    {{ cookiecutter.class_prefix }}ForTokenClassification,
    {{ cookiecutter.class_prefix }}Model,
)
from {{ cookiecutter.model_name }}.convert_bert_to_{{ cookiecutter.model_name }} import ConversionError, convert, main

from .tiny import PAD


def tiny_bert_config(**overrides) -> BertConfig:
    values = dict(
        vocab_size=99,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        max_position_embeddings=64,
        type_vocab_size=2,
        layer_norm_eps=1e-12,
        pad_token_id=PAD,
        num_labels=3,
    )
    values.update(overrides)
    return BertConfig(**values)


@pytest.fixture
def inputs() -> dict[str, torch.Tensor]:
    """A padded batch with two segments, so masks and token types are converted too."""
    generator = torch.Generator().manual_seed(2)
    input_ids = torch.randint(5, 99, (2, 9), generator=generator)
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 6:] = 0
    token_type_ids = torch.zeros_like(input_ids)
    token_type_ids[:, 5:] = 1
    return {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}


def assert_parity(ours: torch.Tensor, native: torch.Tensor, attention_mask: torch.Tensor) -> None:
    if ours.dim() == 3:  # per token: compare the real tokens
        ours, native = ours[attention_mask.bool()], native[attention_mask.bool()]
    torch.testing.assert_close(ours, native, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("tie_word_embeddings", [True, False])
def test_masked_lm_parity(tmp_path, inputs, tie_word_embeddings):
    bert = BertForMaskedLM(tiny_bert_config(tie_word_embeddings=tie_word_embeddings)).eval()
    with torch.no_grad():  # a non-zero bias, so that using the wrong one would show
        bert.cls.predictions.decoder.bias.normal_()
    bert.save_pretrained(tmp_path / "bert")
    assert main(["--input", str(tmp_path / "bert"), "--output", str(tmp_path / "converted")]) == 0

    model = {{ cookiecutter.class_prefix }}ForMaskedLM.from_pretrained(tmp_path / "converted").eval()
    assert model.config.tie_word_embeddings is tie_word_embeddings
    tied = model.lm_head.decoder.weight is model.model.embeddings.word_embeddings.weight
    assert tied is tie_word_embeddings
    with torch.no_grad():
        ours = model(**inputs, output_hidden_states=True)
        native = bert(**inputs, output_hidden_states=True)
    assert_parity(ours.logits, native.logits, inputs["attention_mask"])
    for ours_layer, native_layer in zip(ours.hidden_states, native.hidden_states, strict=True):
        assert_parity(ours_layer, native_layer, inputs["attention_mask"])


@pytest.mark.parametrize("add_pooling_layer", [True, False])
def test_base_model_parity(tmp_path, inputs, add_pooling_layer):
    bert = BertModel(tiny_bert_config(), add_pooling_layer=add_pooling_layer).eval()
    bert.save_pretrained(tmp_path / "bert")
    convert(tmp_path / "bert", tmp_path / "converted")
    model = {{ cookiecutter.class_prefix }}Model.from_pretrained(tmp_path / "converted").eval()
    assert model.config.add_pooling_layer is add_pooling_layer
    with torch.no_grad():
        ours, native = model(**inputs), bert(**inputs)
    assert_parity(ours.last_hidden_state, native.last_hidden_state, inputs["attention_mask"])
    if add_pooling_layer:
        assert_parity(ours.pooler_output, native.pooler_output, inputs["attention_mask"])
    else:
        assert ours.pooler_output is None and native.pooler_output is None


@pytest.mark.parametrize(
    ("bert_class", "model_class"),
    [
        (BertForSequenceClassification, {{ cookiecutter.class_prefix }}ForSequenceClassification),
        (BertForTokenClassification, {{ cookiecutter.class_prefix }}ForTokenClassification),
    ],
    ids=["sequence", "token"],
)
def test_classifier_parity(tmp_path, inputs, bert_class, model_class):
    labels = {"id2label": {0: "negative", 1: "neutral", 2: "positive"}}
    bert = bert_class(tiny_bert_config(**labels)).eval()
    bert.save_pretrained(tmp_path / "bert")
    (tmp_path / "bert" / "vocab.txt").write_text("[PAD]\n[UNK]\n")  # tokenizer files travel along
    convert(tmp_path / "bert", tmp_path / "converted")
    model = model_class.from_pretrained(tmp_path / "converted").eval()
    assert model.config.id2label == {0: "negative", 1: "neutral", 2: "positive"}
    assert (tmp_path / "converted" / "vocab.txt").read_text() == "[PAD]\n[UNK]\n"
    assert json.loads((tmp_path / "converted" / "config.json").read_text())["architectures"] == [model_class.__name__]
    with torch.no_grad():
        ours, native = model(**inputs, output_hidden_states=True), bert(**inputs, output_hidden_states=True)
    assert_parity(ours.logits, native.logits, inputs["attention_mask"])
    assert_parity(ours.hidden_states[-1], native.hidden_states[-1], inputs["attention_mask"])


def corrupt_checkpoint(folder, edit) -> None:
    tensors = load_file(folder / "model.safetensors")
    edit(tensors)
    save_file(tensors, folder / "model.safetensors", metadata={"format": "pt"})


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.pop("bert.encoder.layer.1.attention.self.query.weight"),
            "missing from checkpoint: ['model.encoder.layer.1.attention.self.query.weight']",
        ),
        (lambda t: t.update(extra=torch.zeros(1)), "unused from checkpoint: ['extra']"),
        (
            lambda t: t.update({"bert.embeddings.LayerNorm.weight": torch.ones(31)}),
            "model.embeddings.LayerNorm.weight: checkpoint (31,) != model (32,)",
        ),
    ],
    ids=["missing", "unexpected", "shape"],
)
def test_mismatched_checkpoint_fails_loudly_and_writes_nothing(tmp_path, edit, message):
    BertForMaskedLM(tiny_bert_config()).save_pretrained(tmp_path / "bert")
    corrupt_checkpoint(tmp_path / "bert", edit)
    with pytest.raises(ConversionError) as error:
        convert(tmp_path / "bert", tmp_path / "converted")
    assert message in str(error.value)
    assert not (tmp_path / "converted").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"is_decoder": True}, "is_decoder=True is not supported"),
        ({"hidden_act": "no_such_activation"}, "`hidden_act` 'no_such_activation' is not an activation"),
    ],
)
def test_unsupported_bert_options_are_refused(tmp_path, overrides, message):
    config = tiny_bert_config()
    BertForMaskedLM(config).save_pretrained(tmp_path / "bert")
    saved = json.loads((tmp_path / "bert" / "config.json").read_text())
    (tmp_path / "bert" / "config.json").write_text(json.dumps({**saved, **overrides}))
    with pytest.raises(ConversionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        convert(tmp_path / "bert", tmp_path / "converted")
    assert not (tmp_path / "converted").exists()


def test_cli_refuses_a_non_empty_output_folder(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("do not overwrite")
    with pytest.raises(SystemExit):
        main(["--input", str(tmp_path), "--output", str(tmp_path / "out")])
    assert "is not empty" in capsys.readouterr().err
