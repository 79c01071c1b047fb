"""RoPE scaling and explicit `head_dim`: the same logits as `LlamaForCausalLM` after conversion, for every type."""

import json

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config, {{ cookiecutter.class_prefix }}ForCausalLM
from {{ cookiecutter.model_name }}.conversion import ConversionError
from {{ cookiecutter.model_name }}.convert_llama_to_{{ cookiecutter.model_name }} import convert, convert_config

from ..common import tiny_config
from ..contract import PAD, native_config

# The original context is 8 positions and the model's 32: the longest test sequence (40) is past both.
ORIGINAL_CONTEXT = 8
CASES = {
    "default": ({"rope_type": "default", "rope_theta": 10000.0}, {}),
    "linear": ({"rope_type": "linear", "rope_theta": 10000.0, "factor": 2.0}, {}),
    "dynamic": ({"rope_type": "dynamic", "rope_theta": 10000.0, "factor": 2.0}, {}),
    "yarn": (
        {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0, "original_max_position_embeddings": 8},
        {},
    ),
    "llama3": (
        {
            "rope_type": "llama3",
            "rope_theta": 500000.0,
            "factor": 4.0,
            "low_freq_factor": 1.0,
            "high_freq_factor": 4.0,
            "original_max_position_embeddings": ORIGINAL_CONTEXT,
        },
        {},
    ),
    "longrope": (
        {
            "rope_type": "longrope",
            "rope_theta": 10000.0,
            "short_factor": [1.0, 1.1, 1.3, 1.6],
            "long_factor": [1.0, 2.0, 4.0, 8.0],
            "original_max_position_embeddings": ORIGINAL_CONTEXT,
        },
        {},
    ),
    # An explicit head_dim different from hidden_size / num_attention_heads (32 / 4 = 8), alone and with scaling.
    "head_dim": ({"rope_type": "default", "rope_theta": 10000.0}, {"head_dim": 16}),
    "head_dim-yarn": (
        {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0, "original_max_position_embeddings": 8},
        {"head_dim": 12},
    ),
}


@pytest.fixture(params=list(CASES), ids=list(CASES))
def converted(request, tmp_path) -> tuple[LlamaForCausalLM, {{ cookiecutter.class_prefix }}ForCausalLM]:
    """A native Llama with the case's RoPE and its conversion, loaded back with `from_pretrained`."""
    rope_parameters, overrides = CASES[request.param]
    overrides = dict(max_position_embeddings=32, rope_parameters=dict(rope_parameters), **overrides)
    llama_config = native_config(tiny_config(), **overrides)
    llama = LlamaForCausalLM(llama_config).eval()
    llama.save_pretrained(tmp_path / "llama")
    convert(tmp_path / "llama", tmp_path / "converted")
    return llama, {{ cookiecutter.class_prefix }}ForCausalLM.from_pretrained(tmp_path / "converted").eval()


def test_logits_and_generation_equal_llama(converted):
    llama, model = converted
    assert model.config.rope_parameters == llama.config.rope_parameters
    assert model.config.head_dim == llama.config.head_dim
    # The non-persistent frequency buffers are re-created on loading: the same as the native model's.
    for name in ("inv_freq", "original_inv_freq"):
        torch.testing.assert_close(
            getattr(model.model.rotary_emb, name), getattr(llama.model.rotary_emb, name), rtol=0, atol=0
        )
    assert model.model.rotary_emb.attention_scaling == llama.model.rotary_emb.attention_scaling

    generator = torch.Generator().manual_seed(3)
    # Short, past the original and the model's context (dynamic and longrope switch frequencies), short again.
    for length in (6, 40, 6):
        input_ids = torch.randint(3, 99, (2, length), generator=generator)
        with torch.no_grad():
            torch.testing.assert_close(model(input_ids).logits, llama(input_ids).logits, rtol=1e-5, atol=1e-5)

    prompt = torch.randint(3, 99, (1, 28), generator=generator)
    settings = dict(max_new_tokens=8, min_new_tokens=8, do_sample=False, pad_token_id=PAD)
    assert torch.equal(model.generate(prompt, **settings), llama.generate(prompt, **settings))


def test_legacy_rope_scaling_keys_are_read_into_rope_parameters(tmp_path):
    # A config.json written before `rope_parameters`: `rope_theta` and `rope_scaling` at the top level.
    legacy = native_config(tiny_config()).to_dict()
    legacy.pop("rope_parameters")
    legacy.update(rope_theta=500000.0, rope_scaling={"type": "linear", "factor": 2.0}, model_type="llama")
    (tmp_path / "config.json").write_text(json.dumps(legacy))

    ours = {{ cookiecutter.class_prefix }}Config.from_pretrained(tmp_path)
    assert ours.rope_parameters["rope_type"] == "linear"
    assert (ours.rope_parameters["factor"], ours.rope_parameters["rope_theta"]) == (2.0, 500000.0)
    native = LlamaConfig.from_pretrained(tmp_path)
    assert convert_config(native).rope_parameters == native.rope_parameters

    # A config saved by an earlier version of this project: `rope_theta` only.
    ours = {{ cookiecutter.class_prefix }}Config.from_dict({"rope_theta": 1234.0, "hidden_size": 32, "num_attention_heads": 4})
    assert ours.rope_parameters == {"rope_type": "default", "rope_theta": 1234.0}


def test_a_rope_type_this_model_does_not_implement_is_refused():
    llama_config = native_config(tiny_config(), rope_parameters={"rope_type": "ntk-by-parts", "rope_theta": 10000.0})
    with pytest.raises(ConversionError, match="rope_type 'ntk-by-parts', which this model does not implement"):
        convert_config(llama_config)

    config = {{ cookiecutter.class_prefix }}Config(rope_parameters={"rope_type": "ntk-by-parts", "factor": 2.0})
    with pytest.raises(ValueError, match="use one of default, linear, dynamic, yarn, llama3, longrope"):
        {{ cookiecutter.class_prefix }}ForCausalLM(config)
