{%- set prefix = prefix | default(cookiecutter.class_prefix) -%}
{%- set config_class = config_class | default(prefix ~ "Config") -%}
class {{ prefix }}MLP(nn.Module):
    """SwiGLU feed-forward block, as `LlamaMLP`: down(silu(gate(x)) * up(x))."""

    def __init__(self, config: {{ config_class }}) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)
        self.activation = ACT2FN["silu"]

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.down_proj(self.activation(self.gate_proj(hidden_states)) * self.up_proj(hidden_states))
{#- Llama's SwiGLU MLP. Needs torch, nn and ACT2FN; defines <prefix>MLP. -#}
