import torch
from transformers import LlamaConfig, LlamaForCausalLM

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForCausalLM,
    {{ cookiecutter.class_prefix }}ForSequenceClassification,
    {{ cookiecutter.class_prefix }}Model,
)

from .distributed import unmatched_plan_keys


def test_forward_shapes_of_every_head(config, input_ids):
    batch, length = input_ids.shape
    base = {{ cookiecutter.class_prefix }}Model(config).eval()
    outputs = base(input_ids, output_hidden_states=True, output_attentions=True)
    assert outputs.last_hidden_state.shape == (batch, length, config.hidden_size)
    assert len(outputs.hidden_states) == config.num_hidden_layers + 1
    assert len(outputs.past_key_values) == config.num_hidden_layers

    causal_lm = {{ cookiecutter.class_prefix }}ForCausalLM(config).eval()
    outputs = causal_lm(input_ids, labels=input_ids)
    assert outputs.logits.shape == (batch, length, config.vocab_size)
    assert outputs.loss.ndim == 0 and torch.isfinite(outputs.loss)
    assert causal_lm(input_ids, logits_to_keep=1).logits.shape == (batch, 1, config.vocab_size)

    classifier = {{ cookiecutter.class_prefix }}ForSequenceClassification(config).eval()
    outputs = classifier(input_ids, labels=torch.tensor([0, 2]))
    assert outputs.logits.shape == (batch, config.num_labels)
    assert torch.isfinite(outputs.loss)


def test_parallel_plans_are_llamas(config):
    # That the tensor and pipeline plans name real modules and shard as planned: test_distributed.py.
    assert config.base_model_tp_plan == LlamaConfig.base_model_tp_plan
    assert config.base_model_pp_plan == LlamaConfig.base_model_pp_plan
    assert {{ cookiecutter.class_prefix }}ForCausalLM._tp_plan == LlamaForCausalLM._tp_plan
    assert {{ cookiecutter.class_prefix }}ForCausalLM._pp_plan == LlamaForCausalLM._pp_plan
    # transformers' default FSDP plan (embed_tokens, layers.*, norm) is Llama's module names: ours has them too.
    causal_lm = {{ cookiecutter.class_prefix }}ForCausalLM(config)
    assert causal_lm._fsdp_plan and unmatched_plan_keys(causal_lm, causal_lm._fsdp_plan) == []
