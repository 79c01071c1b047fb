"""The decoder's parallel plans are Llama's."""

from transformers import LlamaConfig, LlamaForCausalLM

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ForCausalLM

from ..distributed import unmatched_plan_keys


def test_parallel_plans_are_llamas(config):
    # That the tensor and pipeline plans name real modules and shard as planned: test_distributed.py.
    assert config.base_model_tp_plan == LlamaConfig.base_model_tp_plan
    assert config.base_model_pp_plan == LlamaConfig.base_model_pp_plan
    assert {{ cookiecutter.class_prefix }}ForCausalLM._tp_plan == LlamaForCausalLM._tp_plan
    assert {{ cookiecutter.class_prefix }}ForCausalLM._pp_plan == LlamaForCausalLM._pp_plan
    # transformers' default FSDP plan (embed_tokens, layers.*, norm) is Llama's module names: ours has them too.
    causal_lm = {{ cookiecutter.class_prefix }}ForCausalLM(config)
    assert causal_lm._fsdp_plan and unmatched_plan_keys(causal_lm, causal_lm._fsdp_plan) == []
