{#- Mixtral's sparse mixture-of-experts blocks, as Jinja macros (see llama.py for how a family calls them): each writes one
whole unit of `transformers.models.mixtral.modeling_mixtral` with Mixtral's names, so that Mixtral checkpoints convert
one to one and transformers' experts implementations (`experts_implementation="grouped_mm"`, "batched_mm", ...)
apply. Every macro takes `prefix` and `config_class`, as llama.py's; the model classes are Llama's (llama.py) with
Mixtral's parts composed in where they differ. -#}
{%- import "llama.py" as llama with context %}


{#- The experts of every layer, stored fused as Mixtral stores them: `gate_up_proj` (experts, 2 * intermediate, hidden;
the gate rows first) and `down_proj` (experts, hidden, intermediate), as `MixtralExperts`. Needs torch, nn, ACT2FN and
use_experts_implementation; defines <prefix>Experts. -#}
{% macro experts(prefix=cookiecutter.class_prefix, config_class=prefix ~ "Config") -%}
# `use_experts_implementation` is Mixtral's mark: `from_pretrained(..., experts_implementation=...)` (or
# `set_experts_implementation`) swaps this loop for transformers' fused paths ("grouped_mm", the default where it runs,
# "batched_mm"); "eager" runs the loop below. The parameters are not `nn.Linear` layers: LoRA adapts them as
# parameters (peft's `target_parameters`, as the model card shows).
@use_experts_implementation
class {{ prefix }}Experts(nn.Module):
    """The SwiGLU experts of a layer, their weights as 3D tensors, as `MixtralExperts`."""

    def __init__(self, config: {{ config_class }}) -> None:
        super().__init__()
        self.num_experts = config.num_local_experts
        self.hidden_dim = config.hidden_size
        self.intermediate_dim = config.intermediate_size
        self.gate_up_proj = nn.Parameter(torch.empty(self.num_experts, 2 * self.intermediate_dim, self.hidden_dim))
        self.down_proj = nn.Parameter(torch.empty(self.num_experts, self.hidden_dim, self.intermediate_dim))
        self.act_fn = ACT2FN["silu"]

    def forward(
        self, hidden_states: torch.Tensor, top_k_index: torch.Tensor, top_k_weights: torch.Tensor
    ) -> torch.Tensor:
        """(tokens, hidden) -> (tokens, hidden): the routing-weighted sum of each token's top-k experts."""
        final_hidden_states = torch.zeros_like(hidden_states)
        with torch.no_grad():
            # One class more than there are experts: the index expert parallelism gives tokens routed elsewhere.
            expert_mask = nn.functional.one_hot(top_k_index, num_classes=self.num_experts + 1)
            expert_mask = expert_mask.permute(2, 1, 0)
            expert_hit = torch.greater(expert_mask.sum(dim=(-1, -2)), 0).nonzero()

        for expert_idx in expert_hit:
            expert_idx = expert_idx[0]
            if expert_idx == self.num_experts:
                continue
            top_k_pos, token_idx = torch.where(expert_mask[expert_idx])
            current_state = hidden_states[token_idx]
            gate, up = nn.functional.linear(current_state, self.gate_up_proj[expert_idx]).chunk(2, dim=-1)
            current_hidden_states = self.act_fn(gate) * up
            current_hidden_states = nn.functional.linear(current_hidden_states, self.down_proj[expert_idx])
            current_hidden_states = current_hidden_states * top_k_weights[token_idx, top_k_pos, None]
            final_hidden_states.index_add_(0, token_idx, current_hidden_states.to(final_hidden_states.dtype))
        return final_hidden_states
{%- endmacro %}


{#- The router, as `MixtralTopKRouter`: softmax over the router logits (float32), the top-k experts, their weights
renormalised to sum to 1. Needs torch and nn; defines <prefix>TopKRouter. -#}
{% macro top_k_router(prefix=cookiecutter.class_prefix, config_class=prefix ~ "Config") -%}
class {{ prefix }}TopKRouter(nn.Module):
    """Top-k routing of each token to `num_experts_per_tok` of `num_local_experts` experts, as `MixtralTopKRouter`."""

    def __init__(self, config: {{ config_class }}) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(config.num_local_experts, config.hidden_size))
        self.top_k = config.num_experts_per_tok
        self.num_experts = config.num_local_experts
        self.hidden_dim = config.hidden_size

    def forward(self, hidden_states: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(tokens, hidden) -> router logits (tokens, experts), top-k weights and top-k expert indices (tokens, k)."""
        hidden_states = hidden_states.reshape(-1, self.hidden_dim)
        router_logits = nn.functional.linear(hidden_states, self.weight)
        router_probs = nn.functional.softmax(router_logits.float(), dim=-1)
        router_top_value, router_indices = torch.topk(router_probs, self.top_k, dim=-1)
        router_top_value /= router_top_value.sum(dim=-1, keepdim=True)
        return router_logits, router_top_value, router_indices
{%- endmacro %}


{#- The sparse MoE feed-forward block, as `MixtralSparseMoeBlock`: the router (`gate`) and the experts (`experts`), with
Mixtral's multiplicative jitter of the inputs in training. Needs torch, nn, <prefix>TopKRouter and <prefix>Experts;
defines <prefix>SparseMoeBlock (the decoder layer's `mlp`). -#}
{% macro sparse_moe_block(prefix=cookiecutter.class_prefix, config_class=prefix ~ "Config") -%}
class {{ prefix }}SparseMoeBlock(nn.Module):
    """Each token through the weighted sum of its top-k experts, as `MixtralSparseMoeBlock`."""

    def __init__(self, config: {{ config_class }}) -> None:
        super().__init__()
        self.top_k = config.num_experts_per_tok
        self.jitter_noise = config.router_jitter_noise
        self.gate = {{ prefix }}TopKRouter(config)
        self.experts = {{ prefix }}Experts(config)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        batch_size, sequence_length, hidden_dim = hidden_states.shape
        if self.training and self.jitter_noise > 0:
            hidden_states *= torch.empty_like(hidden_states).uniform_(1.0 - self.jitter_noise, 1.0 + self.jitter_noise)
        hidden_states = hidden_states.view(-1, hidden_dim)
        _, top_k_weights, top_k_index = self.gate(hidden_states)
        hidden_states = self.experts(hidden_states, top_k_index, top_k_weights)
        return hidden_states.reshape(batch_size, sequence_length, hidden_dim)
{%- endmacro %}


{#- The load-balancing auxiliary loss of Switch Transformer (equations 4 to 6), as Mixtral's `load_balancing_loss_func`:
the fraction of top-k assignments and the mean router probability of each expert, padding excluded, summed over the
layers. Needs torch; defines load_balancing_loss_func. -#}
{% macro load_balancing_loss() -%}
def load_balancing_loss_func(
    gate_logits: tuple[torch.Tensor, ...] | None,
    num_experts: int,
    top_k: int = 2,
    attention_mask: torch.Tensor | None = None,
) -> torch.Tensor | int:
    """num_experts * sum over experts of (share of top-k assignments) * (mean routing probability), as Mixtral's.

    `gate_logits`: each layer's router logits, (batch * sequence, experts); `attention_mask`: (batch, sequence), its
    zeros left out of both means. 0 without router logits.
    """
    if gate_logits is None or not isinstance(gate_logits, tuple):
        return 0
    compute_device = gate_logits[0].device
    tokens_per_expert_sum = torch.zeros(num_experts, dtype=torch.float32, device=compute_device)
    router_prob_sum = torch.zeros(num_experts, dtype=torch.float32, device=compute_device)
    total_rows = 0.0
    if attention_mask is not None:
        # The same flat mask applies to every layer's (batch * sequence) rows.
        flat_mask = attention_mask.reshape(-1).to(device=compute_device, dtype=torch.float32)
    else:
        flat_mask = torch.ones(gate_logits[0].shape[0], dtype=torch.float32, device=compute_device)

    for layer_gate in gate_logits:
        routing_weights = torch.nn.functional.softmax(layer_gate.to(compute_device), dim=-1)
        _, selected_experts = torch.topk(routing_weights, top_k, dim=-1)
        assignments = torch.zeros(num_experts, dtype=torch.float32, device=compute_device)
        tokens_per_expert_sum = tokens_per_expert_sum + assignments.scatter_add_(
            0, selected_experts.reshape(-1), flat_mask.repeat_interleave(top_k)
        )
        router_prob_sum = router_prob_sum + (routing_weights.float() * flat_mask.unsqueeze(-1)).sum(dim=0)
        total_rows = total_rows + flat_mask.sum()

    tokens_per_expert = tokens_per_expert_sum / total_rows
    router_prob_per_expert = router_prob_sum / total_rows
    return torch.sum(tokens_per_expert * router_prob_per_expert) * num_experts
{%- endmacro %}


{#- The PreTrainedModel, as `MixtralPreTrainedModel`: Llama's (llama.pretrained_model), recording the routers' logits
(`output_router_logits`) and initialising the router and expert weights. Needs what llama.pretrained_model needs,
OutputRecorder, <prefix>TopKRouter and <prefix>Experts; defines <prefix>PreTrainedModel. -#}
{% macro pretrained_model(prefix=cookiecutter.class_prefix, config_class=prefix ~ "Config") -%}
{%- set router_logits %}
        # `output_router_logits`, as Mixtral's
        "router_logits": OutputRecorder({{ prefix }}TopKRouter, index=0),
{%- endset -%}
{%- call llama.pretrained_model(prefix, config_class, recorded_outputs=router_logits) %}
        elif isinstance(module, {{ prefix }}Experts):  # fused expert weights, not nn.Linear: as Mixtral's
            init.normal_(module.gate_up_proj, mean=0.0, std=self.config.initializer_range)
            init.normal_(module.down_proj, mean=0.0, std=self.config.initializer_range)
        elif isinstance(module, {{ prefix }}TopKRouter):
            init.normal_(module.weight, mean=0.0, std=self.config.initializer_range)
{%- endcall %}
{%- endmacro %}


{#- The causal language-modeling head, as `MixtralForCausalLM`: Llama's (llama.causal_lm), which also returns the
routers' logits when asked (`output_router_logits`) and their load-balancing loss (`aux_loss`), added to the LM loss
with `config.router_aux_loss_coef`. Needs what llama.causal_lm needs, MoeCausalLMOutputWithPast and
load_balancing_loss_func (load_balancing_loss); defines <prefix>ForCausalLM. -#}
{% macro causal_lm(prefix=cookiecutter.class_prefix, config_class=prefix ~ "Config", model_class=prefix ~ "Model") -%}
{%- call(section) llama.causal_lm(
    prefix, config_class, model_class, output_class="MoeCausalLMOutputWithPast", upstream="MixtralForCausalLM"
) -%}
{%- if section == "arguments" %}
        output_router_logits: bool | None = None,
{%- elif section == "docstring" %}
        output_router_logits (`bool`, *optional*):
            Whether to return each layer's router logits and the load-balancing loss (`aux_loss`), which is added to
            the loss with `config.router_aux_loss_coef` when `labels` are given. Defaults to
            `config.output_router_logits`.
{%- elif section == "inputs" %}
        if output_router_logits is None:
            output_router_logits = self.config.output_router_logits
{%- elif section == "model_arguments" %}
            output_router_logits=output_router_logits,
{%- elif section == "loss" %}

        aux_loss = None
        if output_router_logits:
            aux_loss = load_balancing_loss_func(
                outputs.router_logits,
                self.config.num_local_experts,
                self.config.num_experts_per_tok,
                attention_mask,
            )
            if labels is not None:
                loss += self.config.router_aux_loss_coef * aux_loss.to(loss.device)
{%- elif section == "outputs" %}
            aux_loss=aux_loss,
            router_logits=outputs.router_logits,
{%- endif %}
{%- endcall %}
{%- endmacro %}
