"""Mixtral's math where it differs from a dense decoder: top-k routing, the router logits outputs, the load-balancing
loss and its coefficient, the sliding window, and the same outputs and gradients under every experts implementation
transformers offers on the CPU; Mixtral's parallel plans, experts included, and the LoRA config that adapts what peft
adapts for Mixtral."""

import pytest
import torch
import transformers
from transformers.integrations.moe import ALL_EXPERTS_FUNCTIONS
from transformers.models.mixtral import modeling_mixtral

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ForCausalLM, {{ cookiecutter.class_prefix }}Model
from {{ cookiecutter.model_name }}.family import LORA_OPTIONS, LORA_TARGET_MODULES
from {{ cookiecutter.model_name }}.modeling_{{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}SparseMoeBlock,
    load_balancing_loss_func,
)

from ..common import tiny_config
from ..contract import PAD, native_config
from ..distributed import unmatched_plan_keys

# The experts implementations that run on a CPU ("deepgemm" and "sonicmoe", where offered, need CUDA).
CPU_EXPERTS_IMPLEMENTATIONS = ("eager", "batched_mm", "grouped_mm")


def test_parallel_plans_are_the_installed_mixtrals(config):
    # That they name real modules and split the experts over two processes as planned: test_distributed.py.
    native_config_class = transformers.MixtralConfig
    assert config.base_model_tp_plan == native_config_class.base_model_tp_plan
    assert config.base_model_ep_plan == (native_config_class.base_model_ep_plan or {})
    assert config.base_model_pp_plan == native_config_class.base_model_pp_plan
    ours, native = {{ cookiecutter.class_prefix }}ForCausalLM(config), transformers.MixtralForCausalLM(native_config(config))
    # The plans of the whole model, as transformers assembles them (the head's, the base model's, what it adds).
    for plan in ("_tp_plan", "_ep_plan", "_pp_plan"):
        assert getattr(ours, plan, None) == getattr(native, plan, None), plan
    # The experts are split by one of the plans (by the tensor plan up to transformers 5.24, the expert plan after).
    experts = {"model.layers.*.mlp.experts.gate_up_proj", "model.layers.*.mlp.experts.down_proj"}
    assert experts <= set(ours._tp_plan) | set(getattr(ours, "_ep_plan", None) or {})
    assert unmatched_plan_keys(ours, getattr(ours, "_ep_plan", None) or {}) == []


def test_the_cards_lora_config_trains_what_peft_trains_for_mixtral(config):
    # peft adapts Mixtral's experts and router with `target_modules="all-linear"` as it knows Mixtral's model type; for
    # this model the card's LoraConfig names them (target_parameters). The same trainable tensors, shape by shape.
    peft = pytest.importorskip("peft", reason="peft is an optional test extra: pip install -e '.[test]'")
    settings = {"r": 8, "lora_alpha": 16}  # the card's (publish.py)
    all_linear = peft.LoraConfig(task_type="CAUSAL_LM", target_modules="all-linear", **settings)
    native = peft.get_peft_model(transformers.MixtralForCausalLM(native_config(config)), all_linear)
    ours = {{ cookiecutter.class_prefix }}ForCausalLM(config)
    card = {**LORA_OPTIONS["AutoModelForCausalLM"], **settings, "target_modules": LORA_TARGET_MODULES}
    ours = peft.get_peft_model(ours, peft.LoraConfig(**card))

    def trainable(model: torch.nn.Module) -> dict[str, tuple[int, ...]]:
        return {name: tuple(p.shape) for name, p in model.named_parameters() if p.requires_grad}

    assert trainable(ours) == trainable(native)
    assert any(".mlp.experts." in name for name in trainable(ours))


def test_router_logits_and_aux_loss_outputs(config, input_ids):
    batch, length = input_ids.shape
    base = {{ cookiecutter.class_prefix }}Model(config).eval()
    outputs = base(input_ids, output_router_logits=True)
    assert len(outputs.router_logits) == config.num_hidden_layers
    assert all(logits.shape == (batch * length, config.num_local_experts) for logits in outputs.router_logits)
    assert base(input_ids).router_logits is None  # only when asked

    causal_lm = {{ cookiecutter.class_prefix }}ForCausalLM(config).eval()
    plain = causal_lm(input_ids, labels=input_ids)
    assert plain.router_logits is None and plain.aux_loss is None
    outputs = causal_lm(input_ids, labels=input_ids, output_router_logits=True)
    assert outputs.logits.shape == (batch, length, config.vocab_size)
    assert outputs.aux_loss.ndim == 0 and outputs.aux_loss > 0
    # The LM loss plus the load-balancing loss of the same router logits, weighted by the config's coefficient.
    experts, top_k = config.num_local_experts, config.num_experts_per_tok
    expected_aux = load_balancing_loss_func(outputs.router_logits, experts, top_k)
    torch.testing.assert_close(outputs.aux_loss, expected_aux)
    torch.testing.assert_close(outputs.loss, plain.loss + config.router_aux_loss_coef * outputs.aux_loss)
    # `config.output_router_logits` is the default.
    by_default = {{ cookiecutter.class_prefix }}ForCausalLM(tiny_config(output_router_logits=True)).eval()
    by_default.load_state_dict(causal_lm.state_dict())
    torch.testing.assert_close(by_default(input_ids, labels=input_ids).loss, outputs.loss)
    assert by_default(input_ids, output_router_logits=False).router_logits is None


@pytest.mark.parametrize("coefficient", [0.0, 0.5])
def test_the_aux_loss_coefficient_weights_the_load_balancing_loss(input_ids, coefficient):
    torch.manual_seed(0)
    model = {{ cookiecutter.class_prefix }}ForCausalLM(tiny_config(router_aux_loss_coef=coefficient)).eval()
    with torch.no_grad():
        outputs = model(input_ids, labels=input_ids, output_router_logits=True)
        lm_loss = model(input_ids, labels=input_ids).loss
    torch.testing.assert_close(outputs.loss - lm_loss, coefficient * outputs.aux_loss)


def test_routing_equals_mixtrals_sparse_moe_block(config):
    ours = {{ cookiecutter.class_prefix }}SparseMoeBlock(config)
    for parameter in ours.parameters():
        torch.nn.init.normal_(parameter, std=0.5)
    native_config_ = native_config(config)
    native_config_._experts_implementation = "eager"
    ours.experts.config._experts_implementation = "eager"
    mixtral = modeling_mixtral.MixtralSparseMoeBlock(native_config_)
    mixtral.load_state_dict(ours.state_dict())
    hidden_states = torch.randn(2, 5, config.hidden_size)
    with torch.no_grad():
        torch.testing.assert_close(ours(hidden_states), mixtral(hidden_states), rtol=1e-6, atol=1e-6)
        logits, weights, indices = ours.gate(hidden_states)
        for ours_output, native_output in zip((logits, weights, indices), mixtral.gate(hidden_states), strict=True):
            torch.testing.assert_close(ours_output, native_output, rtol=0, atol=0)
    # Softmax over all experts, then the top k, renormalised: the weights sum to 1 and follow the probabilities.
    probabilities = logits.float().softmax(-1)
    assert indices.shape == (10, config.num_experts_per_tok)
    torch.testing.assert_close(weights.sum(-1), torch.ones(10))
    top = probabilities.topk(config.num_experts_per_tok, dim=-1)
    assert torch.equal(indices, top.indices)
    torch.testing.assert_close(weights, top.values / top.values.sum(-1, keepdim=True))


@pytest.mark.parametrize("masked", [False, True])
def test_load_balancing_loss_equals_mixtrals(masked):
    generator = torch.Generator().manual_seed(0)
    batch, length, experts, layers = 3, 5, 4, 2
    gate_logits = tuple(torch.randn(batch * length, experts, generator=generator) for _ in range(layers))
    attention_mask = None
    if masked:
        attention_mask = torch.ones(batch, length, dtype=torch.long)
        attention_mask[1, :2] = 0
        attention_mask[2, 3:] = 0
    ours = load_balancing_loss_func(gate_logits, experts, 2, attention_mask)
    native = modeling_mixtral.load_balancing_loss_func(gate_logits, experts, 2, attention_mask)
    torch.testing.assert_close(ours, native, rtol=1e-6, atol=1e-6)
    if masked:  # padding is left out: the loss of the real rows alone
        real = attention_mask.reshape(-1).bool()
        torch.testing.assert_close(ours, load_balancing_loss_func(tuple(g[real] for g in gate_logits), experts, 2))
    assert load_balancing_loss_func(None, experts, 2) == 0


def test_the_cpu_experts_implementations_are_offered_and_agree(tmp_path, config, input_ids):
    assert {"batched_mm", "grouped_mm"} <= set(ALL_EXPERTS_FUNCTIONS.keys())
    torch.manual_seed(0)
    model = {{ cookiecutter.class_prefix }}ForCausalLM(config)
    assert model.config._experts_implementation == "grouped_mm"  # transformers' default where the mark is found
    results = {}
    for implementation in CPU_EXPERTS_IMPLEMENTATIONS:
        model.set_experts_implementation(implementation)
        assert model.config._experts_implementation == implementation
        model.zero_grad()
        outputs = model(input_ids, labels=input_ids, output_router_logits=True)
        outputs.loss.backward()
        gradients = {name: parameter.grad.clone() for name, parameter in model.named_parameters() if "experts" in name}
        results[implementation] = (outputs.logits.detach(), outputs.loss.detach(), gradients)
    logits, loss, gradients = results["eager"]
    for implementation, (other_logits, other_loss, other_gradients) in results.items():
        torch.testing.assert_close(other_logits, logits, rtol=1e-5, atol=1e-5, msg=implementation)
        torch.testing.assert_close(other_loss, loss, rtol=1e-5, atol=1e-5, msg=implementation)
        for name, gradient in gradients.items():
            torch.testing.assert_close(other_gradients[name], gradient, rtol=1e-5, atol=1e-5, msg=name)

    # Chosen at loading, on the remote code too (transformers finds the mark in the module's source).
    model.save_pretrained(tmp_path)
    for implementation in CPU_EXPERTS_IMPLEMENTATIONS:
        loaded = transformers.AutoModelForCausalLM.from_pretrained(
            tmp_path, trust_remote_code=True, experts_implementation=implementation
        ).eval()
        assert type(loaded).__module__.startswith("transformers_modules.")
        assert loaded.config._experts_implementation == implementation
        with torch.no_grad():
            torch.testing.assert_close(loaded(input_ids).logits, logits, rtol=1e-5, atol=1e-5, msg=implementation)


def test_the_sliding_window_limits_attention_on_every_backend(input_ids):
    torch.manual_seed(0)
    model = {{ cookiecutter.class_prefix }}ForCausalLM(tiny_config(sliding_window=3)).eval()
    model.set_attn_implementation("eager")
    with torch.no_grad():
        outputs = model(input_ids, output_attentions=True)
    positions = torch.arange(input_ids.shape[1])
    outside = (positions[:, None] - positions[None, :] >= 3) | (positions[None, :] > positions[:, None])
    for attentions in outputs.attentions:
        assert torch.all(attentions[..., outside] == 0) and torch.all(attentions[..., ~outside] > 0)
    full = {{ cookiecutter.class_prefix }}ForCausalLM(tiny_config()).eval()
    full.load_state_dict(model.state_dict())
    with torch.no_grad():
        assert not torch.allclose(full(input_ids).logits[:, 3:], outputs.logits[:, 3:], atol=1e-4)
        # Within the window, the first tokens see the same as without one.
        torch.testing.assert_close(full(input_ids).logits[:, :3], outputs.logits[:, :3])
        model.set_attn_implementation("sdpa")
        torch.testing.assert_close(model(input_ids).logits, outputs.logits, rtol=1e-5, atol=1e-5)


def test_generation_with_a_sliding_window_and_cache_equals_without(input_ids):
    torch.manual_seed(0)
    model = {{ cookiecutter.class_prefix }}ForCausalLM(tiny_config(sliding_window=4)).eval()
    settings = dict(max_new_tokens=10, min_new_tokens=10, do_sample=False, pad_token_id=PAD)
    with_cache = model.generate(input_ids, use_cache=True, **settings)
    assert with_cache.shape == (2, 17)
    assert torch.equal(with_cache, model.generate(input_ids, use_cache=False, **settings))
