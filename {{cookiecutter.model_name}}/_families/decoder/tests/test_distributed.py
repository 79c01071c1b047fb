"""Parallel plans as `LlamaConfig`'s, tensor parallel on two CPU processes, device maps and half-precision loading."""

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForCausalLM,
    {{ cookiecutter.class_prefix }}ForSequenceClassification,
    {{ cookiecutter.class_prefix }}Model,
)
from {{ cookiecutter.model_name }}.convert_llama_to_{{ cookiecutter.model_name }} import convert

from .distributed import WORLD_SIZE, tensor_parallel_outputs, unmatched_plan_keys
from .test_conversion import tiny_llama_config
from .tiny import tiny_config


def test_parallel_plans_are_llamas_and_name_real_modules(config):
    assert config.base_model_tp_plan == LlamaConfig.base_model_tp_plan
    assert config.base_model_pp_plan == LlamaConfig.base_model_pp_plan
    assert {{ cookiecutter.class_prefix }}ForCausalLM._tp_plan == LlamaForCausalLM._tp_plan
    assert {{ cookiecutter.class_prefix }}ForCausalLM._pp_plan == LlamaForCausalLM._pp_plan

    base = {{ cookiecutter.class_prefix }}Model(config)
    assert unmatched_plan_keys(base, config.base_model_tp_plan) == []
    # Pipeline stages are children of the base model, each given its inputs and outputs by name.
    assert set(config.base_model_pp_plan) <= {name for name, _ in base.named_children()}
    causal_lm = {{ cookiecutter.class_prefix }}ForCausalLM(config)
    for plan in (causal_lm._tp_plan, causal_lm._pp_plan, causal_lm._fsdp_plan):
        assert unmatched_plan_keys(causal_lm, plan) == []
    # `_no_split_modules` (what `device_map="auto"` never splits across devices) names a real class.
    classes = {type(module).__name__ for module in causal_lm.modules()}
    assert set({{ cookiecutter.class_prefix }}ForSequenceClassification._no_split_modules) <= classes


def test_tensor_parallel_on_two_cpu_processes_gives_the_single_process_logits(tmp_path, input_ids):
    config = tiny_config(vocab_size=100)  # the gathered logits split evenly over the processes
    model = {{ cookiecutter.class_prefix }}ForCausalLM(config).eval()
    model.save_pretrained(tmp_path)
    with torch.no_grad():
        expected = model(input_ids).logits

    for rank in tensor_parallel_outputs(tmp_path, {{ cookiecutter.class_prefix }}ForCausalLM, {"input_ids": input_ids}):
        torch.testing.assert_close(rank["output"], expected, rtol=1e-5, atol=1e-5)
        # Really sharded: each process holds its share of the heads and of the MLP.
        hidden, intermediate = config.hidden_size, config.intermediate_size
        query = config.num_attention_heads * config.head_dim
        assert rank["shapes"]["model.layers.0.self_attn.q_proj.weight"] == (query // WORLD_SIZE, hidden)
        assert rank["shapes"]["model.layers.0.mlp.down_proj.weight"] == (hidden, intermediate // WORLD_SIZE)


@pytest.fixture
def llama_and_converted(tmp_path) -> tuple[str, str]:
    torch.manual_seed(0)
    LlamaForCausalLM(tiny_llama_config()).save_pretrained(tmp_path / "llama")
    convert(tmp_path / "llama", tmp_path / "converted")
    return str(tmp_path / "llama"), str(tmp_path / "converted")


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_loading_matches_llama(llama_and_converted, input_ids, dtype):
    llama_folder, folder = llama_and_converted
    llama = LlamaForCausalLM.from_pretrained(llama_folder, dtype=dtype).eval()
    model = {{ cookiecutter.class_prefix }}ForCausalLM.from_pretrained(folder, dtype=dtype).eval()
    assert {parameter.dtype for parameter in model.parameters()} == {dtype}
    with torch.no_grad():
        logits = model(input_ids).logits
        assert logits.dtype == dtype
        torch.testing.assert_close(logits, llama(input_ids).logits, rtol=0, atol=0)


def test_dtype_auto_loads_the_saved_precision(tmp_path, config):
    {{ cookiecutter.class_prefix }}ForCausalLM(config).to(torch.bfloat16).save_pretrained(tmp_path)
    model = {{ cookiecutter.class_prefix }}ForCausalLM.from_pretrained(tmp_path, dtype="auto")
    assert model.dtype == torch.bfloat16


def test_device_map_auto(llama_and_converted, input_ids):
    pytest.importorskip("accelerate", reason="device_map needs accelerate (in the `test` extra)")
    llama_folder, folder = llama_and_converted
    model = {{ cookiecutter.class_prefix }}ForCausalLM.from_pretrained(folder, device_map="auto").eval()
    assert {parameter.device.type for parameter in model.parameters()} == {"cpu"}
    llama = LlamaForCausalLM.from_pretrained(llama_folder).eval()
    with torch.no_grad():
        torch.testing.assert_close(model(input_ids).logits, llama(input_ids).logits, rtol=1e-5, atol=1e-5)
