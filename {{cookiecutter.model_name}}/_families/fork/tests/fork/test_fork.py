"""The fork computes what transformers' own model computes, head by head, and its config checks what upstream's does.

Each head is built from the tiny config with the native head's weights and compared on every input variant, with and
without labels, hidden states and attentions, at 0.0 in float32: the fork is upstream's code, renamed. A head that
generates gives the native greedy tokens. The re-fork command (`python -m <package>.fork`) is tested in the template.
"""

from collections.abc import Mapping

import pytest
import torch

from {{ cookiecutter.model_name }}.family import DEFAULT_AUTO_CLASS, FACTS
from {{ cookiecutter.model_name }}.fork import labels_for

from ..common import HEADS, tiny_config
from ..contract import CONFIG_REFUSALS, INPUT_VARIANTS, NATIVE_HEADS, example_inputs, native_config, refusal
from ..parity import layer_tensors


@pytest.fixture(scope="module", params=HEADS)
def same_weights(request):
    """A head of the fork and the native head with the same weights (built once per head)."""
    torch.manual_seed(0)
    native = NATIVE_HEADS[request.param](native_config(tiny_config())).eval()
    ours = HEADS[request.param](tiny_config()).eval()
    ours.load_state_dict(native.state_dict())
    for model in (native, ours):
        model.set_attn_implementation("eager")  # the only backend that returns attention weights
    return request.param, native, ours


@pytest.mark.parametrize("variant", INPUT_VARIANTS)
def test_every_head_computes_what_the_native_head_computes(same_weights, variant):
    auto_class, native, ours = same_weights
    inputs = example_inputs(tiny_config(), variant)
    arguments = {**inputs, **labels_for(auto_class, inputs, ours.config.num_labels)}
    with torch.no_grad():
        expected = native(**arguments, output_hidden_states=True, output_attentions=True)
        found = ours(**arguments, output_hidden_states=True, output_attentions=True)
    assert found.keys() == expected.keys()
    for name, value in expected.items():
        for index, (tensor, native_tensor) in enumerate(zip(flat(found[name]), flat(value), strict=True)):
            torch.testing.assert_close(tensor, native_tensor, rtol=0, atol=0, msg=f"{auto_class} {name}[{index}]")


def flat(value) -> list[torch.Tensor]:
    """The tensors of an output (a tensor, a tuple of tensors, a cache, the outputs of a sub-model)."""
    if isinstance(value, torch.Tensor):
        return [value]
    if hasattr(value, "layers"):  # a cache: its attention layers' keys and values, its recurrent layers' states
        return [tensor for layer in value.layers for tensor in layer_tensors(layer).values()]
    if hasattr(value, "cross_attention_cache"):  # an encoder-decoder's caches
        return flat([value.self_attention_cache, value.cross_attention_cache])
    if isinstance(value, Mapping):
        return [tensor for item in value.values() for tensor in flat(item)]
    if isinstance(value, list | tuple):
        return [tensor for item in value for tensor in flat(item)]
    return []


if NATIVE_HEADS[DEFAULT_AUTO_CLASS].can_generate():

    def test_greedy_generation_gives_the_native_tokens():
        torch.manual_seed(0)
        native = NATIVE_HEADS[DEFAULT_AUTO_CLASS](native_config(tiny_config())).eval()
        ours = HEADS[DEFAULT_AUTO_CLASS](tiny_config()).eval()
        ours.load_state_dict(native.state_dict())
        inputs = example_inputs(tiny_config(), INPUT_VARIANTS[-1])
        options = {"max_new_tokens": 6, "min_new_tokens": 6, "do_sample": False}
        with torch.no_grad():
            assert torch.equal(ours.generate(**inputs, **options), native.generate(**inputs, **options))
            # Without a cache too (RWKV's, whose state ignores the padding, then gives other tokens: as upstream's).
            uncached = native.generate(**inputs, **options, use_cache=False)
            assert torch.equal(ours.generate(**inputs, **options, use_cache=False), uncached)


@pytest.mark.parametrize(("values", "message"), CONFIG_REFUSALS.values(), ids=CONFIG_REFUSALS)
def test_the_config_refuses_what_upstreams_refuses(values, message):
    assert refusal(values) == message  # upstream's config
    with pytest.raises(Exception) as error:
        tiny_config(**values)
    assert message in str(error.value.__cause__ or error.value)


def test_the_parallel_plans_are_upstreams():
    config = tiny_config()
    native = native_config(config)
    plans = (config.base_model_tp_plan, config.base_model_pp_plan)
    assert plans == (native.base_model_tp_plan, native.base_model_pp_plan)
    for auto_class, head in HEADS.items():
        assert (head._tp_plan, head._pp_plan) == (NATIVE_HEADS[auto_class]._tp_plan, NATIVE_HEADS[auto_class]._pp_plan)


def test_the_heads_are_the_forked_ones():
    """The modeling file registers the heads the fork took from its source, each for its Auto class."""
    assert {auto_class: model_class.__name__ for auto_class, model_class in HEADS.items()} == {
        auto_class: names[1] for auto_class, names in FACTS["heads"].items()
    }
    assert type(tiny_config()).model_type == FACTS["model_types"][FACTS["base_model"]]
