"""What converting a native Llama checkpoint must carry beyond the shared parity checks (test_conversion_common.py):
tied embeddings, the RoPE base, and identical greedy generation; options this model does not implement are refused."""

import pytest
import torch
from transformers import LlamaForCausalLM

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ForCausalLM
from {{ cookiecutter.model_name }}.conversion import ConversionError
from {{ cookiecutter.model_name }}.convert_llama_to_{{ cookiecutter.model_name }} import convert, main

from ..common import tiny_config
from ..contract import PAD, native_config


@pytest.fixture
def input_ids() -> torch.Tensor:
    return torch.randint(3, 99, (2, 9), generator=torch.Generator().manual_seed(2))


@pytest.mark.parametrize("tie_word_embeddings", [False, True])
def test_causal_lm_parity(tmp_path, input_ids, tie_word_embeddings):
    rope_parameters = {"rope_type": "default", "rope_theta": 500000.0}
    config = tiny_config(tie_word_embeddings=tie_word_embeddings, rope_parameters=rope_parameters, rms_norm_eps=1e-5)
    llama = LlamaForCausalLM(native_config(config)).eval()
    llama.save_pretrained(tmp_path / "llama")
    assert main(["--input", str(tmp_path / "llama"), "--output", str(tmp_path / "converted")]) == 0

    model = {{ cookiecutter.class_prefix }}ForCausalLM.from_pretrained(tmp_path / "converted").eval()
    assert model.config.rope_parameters == {"rope_type": "default", "rope_theta": 500000.0}
    assert model.config.rms_norm_eps == 1e-5
    assert model.config.tie_word_embeddings is tie_word_embeddings
    with torch.no_grad():
        torch.testing.assert_close(model(input_ids).logits, llama(input_ids).logits, rtol=1e-5, atol=1e-5)
    settings = dict(max_new_tokens=8, min_new_tokens=8, do_sample=False, pad_token_id=PAD)
    assert torch.equal(model.generate(input_ids, **settings), llama.generate(input_ids, **settings))


def test_unsupported_llama_options_are_refused(tmp_path):
    LlamaForCausalLM(native_config(tiny_config(), mlp_bias=True)).save_pretrained(tmp_path / "llama")
    with pytest.raises(ConversionError, match="mlp_bias=True is not supported"):
        convert(tmp_path / "llama", tmp_path / "converted")
