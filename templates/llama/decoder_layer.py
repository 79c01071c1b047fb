{%- set prefix = prefix | default(cookiecutter.class_prefix) -%}
{%- set config_class = config_class | default(prefix ~ "Config") -%}
{%- set mlp_class = mlp_class | default(prefix ~ "MLP") -%}
class {{ prefix }}DecoderLayer(GradientCheckpointingLayer):
    """Pre-norm decoder layer: x + attention(norm(x)), then x + mlp(norm(x)), as `LlamaDecoderLayer`."""

    def __init__(self, config: {{ config_class }}, layer_idx: int) -> None:
        super().__init__()
        self.self_attn = {{ prefix }}Attention(config, layer_idx)
        self.mlp = {{ mlp_class }}(config)
        self.input_layernorm = {{ prefix }}RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = {{ prefix }}RMSNorm(config.hidden_size, eps=config.rms_norm_eps)

    def forward(
        self,
        hidden_states: torch.Tensor,
        position_embeddings: tuple[torch.Tensor, torch.Tensor],
        attention_mask: torch.Tensor | None = None,
        past_key_values: Cache | None = None,
        **kwargs,
    ) -> torch.Tensor:
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        hidden_states, _ = self.self_attn(
            hidden_states,
            position_embeddings=position_embeddings,
            attention_mask=attention_mask,
            past_key_values=past_key_values,
            **kwargs,
        )
        hidden_states = residual + hidden_states

        residual = hidden_states
        hidden_states = self.post_attention_layernorm(hidden_states)
        hidden_states = residual + self.mlp(hidden_states)
        return hidden_states
{#- Llama's pre-norm decoder layer. Needs torch, Cache, GradientCheckpointingLayer and the <prefix>Attention and
<prefix>RMSNorm blocks; defines <prefix>DecoderLayer. `mlp_class` (default <prefix>MLP): the feed-forward block, e.g. a
sparse mixture of experts. -#}
