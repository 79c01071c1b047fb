"""`return_dict=False` (argument or config) gives the tuples the native transformers head gives, element by element
(None entries dropped, native order; hidden states, attentions, caches and losses included), for every head.

The native head and ours hold the same weights: the native one converted with the family's conversion script.
"""

import functools
import tempfile
from pathlib import Path

import pytest
import torch
import transformers
from transformers import PreTrainedModel

from ..common import HEADS, UPSTREAM_CODE, tiny_config
from ..contract import CONVERSION, TUPLE_VARIANTS, example_inputs, native_config
from ..parity import assert_same_outputs

# Our head class -> the native head class it converts from.
NATIVE_HEADS = {model_class: getattr(transformers, name) for name, model_class in CONVERSION.HEADS.items()}
CONFIG = tiny_config()
CALLS = {
    "plain": {},
    "labels": {"labels": True},
    "hidden-states-and-attentions": {"output_hidden_states": True, "output_attentions": True},
}
if hasattr(CONFIG.get_text_config(), "use_cache"):  # a model that returns a key/value cache: also without one
    CALLS["no-cache"] = {"use_cache": False}
# Every head with every call, but labels for the bare model (it has no loss).
HEAD_CALLS = [(head, call) for head in HEADS for call in CALLS if (head, call) != ("AutoModel", "labels")]


@functools.cache
def same_weights(auto_class: str) -> tuple[PreTrainedModel, PreTrainedModel]:
    """The native head and its conversion into ours (built once per head: the tests only run them)."""
    torch.manual_seed(0)
    native = NATIVE_HEADS[HEADS[auto_class]](native_config(CONFIG)).eval()
    with tempfile.TemporaryDirectory() as folder:
        native.save_pretrained(Path(folder) / "native")
        CONVERSION.convert(Path(folder) / "native", Path(folder) / "converted")
        ours = HEADS[auto_class].from_pretrained(Path(folder) / "converted").eval()
    for model in (native, ours):
        model.set_attn_implementation("eager")  # the only backend that returns attention weights
    return native, ours


def label_arguments(auto_class: str, inputs: dict) -> dict[str, torch.Tensor]:
    """The labels of the head's task for `inputs` (as transformers' common tests prepare them for each Auto class)."""
    if auto_class in ("AutoModelForCausalLM", "AutoModelForMaskedLM", "AutoModelForImageTextToText"):
        return {"labels": inputs["input_ids"]}
    if auto_class == "AutoModelForTokenClassification":
        return {"labels": inputs["input_ids"] % CONFIG.num_labels}
    batch_size = len(next(iter(inputs.values())))
    if auto_class == "AutoModelForQuestionAnswering":  # an answer span per sequence
        return {"start_positions": torch.arange(batch_size) % 3, "end_positions": torch.arange(batch_size) % 3 + 2}
    return {"labels": torch.arange(batch_size) % CONFIG.num_labels}  # one class per sequence or image


def call_arguments(auto_class: str, call: str, variant: str) -> dict:
    inputs = example_inputs(CONFIG, variant)
    arguments = {**inputs, **CALLS[call]}
    if arguments.pop("labels", False):
        arguments.update(label_arguments(auto_class, inputs))
    return arguments


@pytest.mark.parametrize("variant", TUPLE_VARIANTS)
@pytest.mark.parametrize(("auto_class", "call"), HEAD_CALLS)
def test_return_dict_false_gives_the_native_tuple(auto_class, call, variant):
    native, ours = same_weights(auto_class)
    arguments = call_arguments(auto_class, call, variant)
    with torch.no_grad():
        expected = native(**arguments, return_dict=False)
        output = ours(**arguments, return_dict=False)
    assert isinstance(expected, tuple)
    if len(expected) == len(output) + 1 and isinstance(expected[-1], tuple) and not expected[-1]:
        # A native model that can be a decoder (BERT) also returns its cross-attentions, last: none here. This model
        # has no cross-attention and returns everything before them.
        expected = expected[:-1]
    assert_same_outputs(output, expected)


@pytest.mark.parametrize("auto_class", HEADS)
def test_config_return_dict_false_gives_the_same_tuple(auto_class):
    native, ours = same_weights(auto_class)
    inputs = example_inputs(CONFIG)
    ours.config.return_dict = False
    try:
        with torch.no_grad():
            if UPSTREAM_CODE:
                # A fork's code is upstream's: with the config's return_dict off it does what the native head does
                # (some return the tuple, some crash: the same crash).
                native.config.return_dict = False
                assert_same_outcome(lambda: ours(**inputs), lambda: native(**inputs))
                return
            # Some native heads (Llama's, ViT's) crash with `config.return_dict = False` (their base model returns a
            # tuple to them); ours return the tuple that `return_dict=False` gives, as BERT's heads do.
            expected = native(**inputs, output_hidden_states=True, return_dict=False)
            assert_same_outputs(ours(**inputs, output_hidden_states=True), expected)
            # The argument wins over the config, as for native models.
            assert ours(**inputs, return_dict=True).keys() == native(**inputs, return_dict=True).keys()
    finally:
        ours.config.return_dict = native.config.return_dict = True


def assert_same_outcome(ours, native) -> None:
    """`ours()` and `native()` return the same outputs, or raise the same error."""
    try:
        expected = native()
    except Exception as error:  # noqa: BLE001 - whatever the native head raises, ours must raise alike
        with pytest.raises(type(error)) as raised:
            ours()
        assert str(raised.value) == str(error)
        return
    assert_same_outputs(ours(), expected)
