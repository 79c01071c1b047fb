"""What converting a native BERT checkpoint must carry beyond the shared parity checks (test_conversion_common.py):
the tied or untied masked-LM decoder and its bias, the pooler or its absence, labels and tokenizer files; options this
model does not implement are refused."""

import json

import pytest
import torch
from safetensors.torch import load_file, save_file
from transformers import (
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
from {{ cookiecutter.model_name }}.conversion import ConversionError
from {{ cookiecutter.model_name }}.convert_bert_to_{{ cookiecutter.model_name }} import convert, main
from {{ cookiecutter.model_name }}.family import default_processor
from {{ cookiecutter.model_name }}.publish import main as publish_main

from ..common import tiny_config
from ..contract import INPUT_VARIANTS, example_inputs, native_config


@pytest.fixture
def inputs(config) -> dict[str, torch.Tensor]:
    """A padded batch with two segments, so that masks and token types are converted too."""
    return example_inputs(config, INPUT_VARIANTS[1])


def assert_parity(ours: torch.Tensor, native: torch.Tensor, attention_mask: torch.Tensor) -> None:
    if ours.dim() == 3:  # per token: compare the real tokens
        ours, native = ours[attention_mask.bool()], native[attention_mask.bool()]
    torch.testing.assert_close(ours, native, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("tie_word_embeddings", [True, False])
def test_masked_lm_parity(tmp_path, inputs, tie_word_embeddings):
    bert = BertForMaskedLM(native_config(tiny_config(tie_word_embeddings=tie_word_embeddings))).eval()
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
    bert = BertModel(native_config(tiny_config()), add_pooling_layer=add_pooling_layer).eval()
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
    names = ("negative", "neutral", "positive")
    labels = {"id2label": dict(enumerate(names)), "label2id": {name: index for index, name in enumerate(names)}}
    bert = bert_class(native_config(tiny_config(**labels))).eval()
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


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"is_decoder": True}, "is_decoder=True is not supported"),
        ({"hidden_act": "no_such_activation"}, "`hidden_act` 'no_such_activation' is not an activation"),
    ],
)
def test_unsupported_bert_options_are_refused(tmp_path, overrides, message):
    BertForMaskedLM(native_config(tiny_config())).save_pretrained(tmp_path / "bert")
    saved = json.loads((tmp_path / "bert" / "config.json").read_text())
    (tmp_path / "bert" / "config.json").write_text(json.dumps({**saved, **overrides}))
    with pytest.raises(ConversionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        convert(tmp_path / "bert", tmp_path / "converted")
    assert not (tmp_path / "converted").exists()


def legacy_names(path) -> None:
    """Rename LayerNorm weights as old BERT checkpoints do, and transformers 5.4 to 5.17 on saving a loaded model."""
    tensors = load_file(path)
    renamed = {name.replace("LayerNorm.weight", "LayerNorm.gamma"): tensor for name, tensor in tensors.items()}
    renamed = {name.replace("LayerNorm.bias", "LayerNorm.beta"): tensor for name, tensor in renamed.items()}
    assert renamed.keys() != tensors.keys()
    save_file(renamed, path, metadata={"format": "pt"})


def test_legacy_layer_norm_names_are_read_as_transformers_reads_them(tmp_path, inputs):
    bert = BertModel(native_config(tiny_config())).eval()
    bert.save_pretrained(tmp_path / "bert")
    legacy_names(tmp_path / "bert" / "model.safetensors")
    assert main(["--input", str(tmp_path / "bert"), "--output", str(tmp_path / "converted")]) == 0
    model = {{ cookiecutter.class_prefix }}Model.from_pretrained(tmp_path / "converted").eval()
    with torch.no_grad():
        ours, native = model(**inputs), bert(**inputs)
    assert_parity(ours.last_hidden_state, native.last_hidden_state, inputs["attention_mask"])

    # publish takes a checkpoint of this model with those names too
    legacy_names(tmp_path / "converted" / "model.safetensors")
    default_processor(tiny_config()).save_pretrained(tmp_path / "converted")
    arguments = ["--checkpoint", str(tmp_path / "converted"), "--dry-run", "--output", str(tmp_path / "release")]
    assert publish_main(arguments) == 0
