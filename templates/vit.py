{#- ViT's attention and MLP, with the module names transformers 5 gives ViT (q_proj, k_proj, v_proj, o_proj; fc1,
fc2): CLIP's math too, for a vision tower (see llama.py for how a family calls these macros). Every macro takes
`prefix` (the class names' prefix, the project's class_prefix by default) and `config_class` (the type of `config`,
<prefix>Config by default). -#}
{%- import "common.py" as common with context -%}


{#- Bidirectional multi-head self-attention through the attention interface, as `ViTAttention` (`CLIPAttention`, with
o_proj for out_proj). Needs Callable, torch, nn, ALL_ATTENTION_FUNCTIONS and eager_attention_forward
(common.eager_attention); defines <prefix>Attention. The config has hidden_size, num_attention_heads, head_dim,
attention_probs_dropout_prob and qkv_bias. grouped_query_eager: the file's eager attention is the grouped-query one of
a language model (common.eager_attention(grouped_query=true)). -#}
{% macro attention(prefix=cookiecutter.class_prefix, config_class=prefix ~ "Config", grouped_query_eager=false) -%}
class {{ prefix }}Attention(nn.Module):
    """Bidirectional multi-head self-attention over the patches and the CLS token, as `ViTAttention`."""

    def __init__(self, config: {{ config_class }}) -> None:
        super().__init__()
        self.config = config
        self.head_dim = config.head_dim
        self.scaling = self.head_dim**-0.5
        self.attention_dropout = config.attention_probs_dropout_prob
        self.is_causal = False
{%- if grouped_query_eager %}
        self.num_key_value_groups = 1  # read by the grouped-query eager attention (another tower's)
{%- endif %}

        self.q_proj = nn.Linear(config.hidden_size, config.hidden_size, bias=config.qkv_bias)
        self.k_proj = nn.Linear(config.hidden_size, config.hidden_size, bias=config.qkv_bias)
        self.v_proj = nn.Linear(config.hidden_size, config.hidden_size, bias=config.qkv_bias)
        self.o_proj = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(self, hidden_states: torch.Tensor, **kwargs) -> tuple[torch.Tensor, torch.Tensor | None]:
        input_shape = hidden_states.shape[:-1]
        hidden_shape = (*input_shape, -1, self.head_dim)

        query_states = self.q_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        key_states = self.k_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        value_states = self.v_proj(hidden_states).view(hidden_shape).transpose(1, 2)

        # Every patch attends to every patch: no mask.
        {{ common.attention_interface(mask="None") }}

        attn_output = attn_output.reshape(*input_shape, -1).contiguous()
        return self.o_proj(attn_output), attn_weights
{%- endmacro %}


{#- The MLP, as `ViTMLP` / `CLIPMLP`: fc2(activation(fc1(x))). Needs torch, nn and ACT2FN; defines <prefix>MLP. The
config has hidden_size, intermediate_size and hidden_act. -#}
{% macro mlp(prefix=cookiecutter.class_prefix, config_class=prefix ~ "Config") -%}
class {{ prefix }}MLP(nn.Module):
    """Feed-forward block, as `ViTMLP`: fc2(activation(fc1(x)))."""

    def __init__(self, config: {{ config_class }}) -> None:
        super().__init__()
        self.fc1 = nn.Linear(config.hidden_size, config.intermediate_size)
        self.fc2 = nn.Linear(config.intermediate_size, config.hidden_size)
        self.activation = ACT2FN[config.hidden_act]

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.activation(self.fc1(hidden_states)))
{%- endmacro %}
