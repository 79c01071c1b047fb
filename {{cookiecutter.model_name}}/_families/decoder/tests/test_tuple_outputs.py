"""`return_dict=False` (argument or config) gives the tuples `LlamaModel` and its heads give, element by element."""

import pytest
import torch
from transformers import LlamaForCausalLM, LlamaForSequenceClassification, LlamaModel, PreTrainedModel

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForCausalLM,
    {{ cookiecutter.class_prefix }}ForSequenceClassification,
    {{ cookiecutter.class_prefix }}Model,
)
from {{ cookiecutter.model_name }}.convert_llama_to_{{ cookiecutter.model_name }} import convert_config

from .parity import assert_same_outputs
from .test_conversion import tiny_llama_config

HEADS = {
    "Model": (LlamaModel, {{ cookiecutter.class_prefix }}Model),
    "ForCausalLM": (LlamaForCausalLM, {{ cookiecutter.class_prefix }}ForCausalLM),
    "ForSequenceClassification": (LlamaForSequenceClassification, {{ cookiecutter.class_prefix }}ForSequenceClassification),
}
CALLS = {
    "plain": {},
    "no-cache": {"use_cache": False},
    "labels": {"labels": True},
    "hidden-states-and-attentions": {"output_hidden_states": True, "output_attentions": True},
}


def same_weights(head: str) -> tuple[PreTrainedModel, PreTrainedModel]:
    """The native head and ours with the same weights (the conversion's config mapping, the same names)."""
    native_class, our_class = HEADS[head]
    native = native_class(tiny_llama_config()).eval()
    ours = our_class(convert_config(native.config)).eval()
    ours.load_state_dict(native.state_dict())
    for model in (native, ours):
        model.set_attn_implementation("eager")  # the only backend that returns attention weights
    return native, ours


def call_arguments(head: str, call: str, input_ids: torch.Tensor) -> dict:
    arguments = {"input_ids": input_ids, **CALLS[call]}
    if arguments.pop("labels", False):
        arguments["labels"] = input_ids if head == "ForCausalLM" else torch.tensor([0, 2])
    return arguments


@pytest.mark.parametrize(
    ("head", "call"),
    [(head, call) for head in HEADS for call in CALLS if not (head == "Model" and call == "labels")],
)
def test_return_dict_false_gives_the_native_tuple(head, call, input_ids):
    native, ours = same_weights(head)
    arguments = call_arguments(head, call, input_ids)
    with torch.no_grad():
        expected = native(**arguments, return_dict=False)
        assert_same_outputs(ours(**arguments, return_dict=False), expected)
    assert isinstance(expected, tuple)


@pytest.mark.parametrize("head", list(HEADS))
def test_config_return_dict_false_gives_the_same_tuple(head, input_ids):
    native, ours = same_weights(head)
    ours.config.return_dict = False
    with torch.no_grad():
        # Llama's heads crash with `config.return_dict = False` (their base model returns a tuple to them); ours
        # return the tuple that `return_dict=False` gives, as BERT's heads do.
        expected = native(input_ids, output_hidden_states=True, return_dict=False)
        assert_same_outputs(ours(input_ids, output_hidden_states=True), expected)
        # The argument wins over the config, as for native models.
        assert ours(input_ids, return_dict=True).keys() == native(input_ids, return_dict=True).keys()
