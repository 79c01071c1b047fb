"""`return_dict=False` (argument or config) gives the tuples `BertModel` and its heads give, element by element."""

from pathlib import Path

import pytest
import torch
from transformers import (
    BertForMaskedLM,
    BertForSequenceClassification,
    BertForTokenClassification,
    BertModel,
    PreTrainedModel,
)

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForMaskedLM,
    {{ cookiecutter.class_prefix }}ForSequenceClassification,
    {{ cookiecutter.class_prefix }}ForTokenClassification,
    {{ cookiecutter.class_prefix }}Model,
)
from {{ cookiecutter.model_name }}.convert_bert_to_{{ cookiecutter.model_name }} import convert

from .parity import assert_same_outputs
from .test_conversion import tiny_bert_config

HEADS = {
    "Model": (BertModel, {{ cookiecutter.class_prefix }}Model),
    "ForMaskedLM": (BertForMaskedLM, {{ cookiecutter.class_prefix }}ForMaskedLM),
    "ForSequenceClassification": (BertForSequenceClassification, {{ cookiecutter.class_prefix }}ForSequenceClassification),
    "ForTokenClassification": (BertForTokenClassification, {{ cookiecutter.class_prefix }}ForTokenClassification),
}
CALLS = {
    "plain": {},
    "labels": {"labels": True},
    "hidden-states-and-attentions": {"output_hidden_states": True, "output_attentions": True},
}


def same_weights(head: str, folder: Path) -> tuple[PreTrainedModel, PreTrainedModel]:
    """The native head and its conversion into ours."""
    native_class, our_class = HEADS[head]
    native = native_class(tiny_bert_config()).eval()
    native.save_pretrained(folder / "bert")
    convert(folder / "bert", folder / "converted")
    ours = our_class.from_pretrained(folder / "converted").eval()
    for model in (native, ours):
        model.set_attn_implementation("eager")  # the only backend that returns attention weights
    return native, ours


def call_arguments(head: str, call: str, input_ids: torch.Tensor) -> dict:
    token_type_ids = torch.zeros_like(input_ids)
    token_type_ids[:, 4:] = 1
    arguments = {"input_ids": input_ids, "token_type_ids": token_type_ids, **CALLS[call]}
    if arguments.pop("labels", False):
        arguments["labels"] = torch.tensor([0, 2]) if head == "ForSequenceClassification" else input_ids % 3
    return arguments


@pytest.mark.parametrize(
    ("head", "call"),
    [(head, call) for head in HEADS for call in CALLS if not (head == "Model" and call == "labels")],
)
def test_return_dict_false_gives_the_native_tuple(tmp_path, head, call, input_ids):
    native, ours = same_weights(head, tmp_path)
    arguments = call_arguments(head, call, input_ids)
    with torch.no_grad():
        expected = native(**arguments, return_dict=False)
        if head == "Model" and call == "hidden-states-and-attentions":
            # `BertModel` can be a decoder, so it also returns its cross-attentions: none here, an empty tuple last.
            # This model has no cross-attention and returns everything before it.
            assert expected[-1] == ()
            expected = expected[:-1]
        assert_same_outputs(ours(**arguments, return_dict=False), expected)
    assert isinstance(expected, tuple)


@pytest.mark.parametrize("head", list(HEADS))
def test_config_return_dict_false_gives_the_native_tuple(tmp_path, head, input_ids):
    native, ours = same_weights(head, tmp_path)
    for model in (native, ours):
        model.config.return_dict = False
    with torch.no_grad():
        expected = native(input_ids, output_hidden_states=True)
        assert_same_outputs(ours(input_ids, output_hidden_states=True), expected)
        # The argument wins over the config, as for native models.
        assert ours(input_ids, return_dict=True).keys() == native(input_ids, return_dict=True).keys()
    assert isinstance(expected, tuple)
