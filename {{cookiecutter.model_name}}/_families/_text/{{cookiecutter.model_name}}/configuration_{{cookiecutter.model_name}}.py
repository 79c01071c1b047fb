{%- import "common.py" as common with context -%}
{%- import "llama.py" as llama with context -%}
{#- The text families' configuration: the decoder's (Llama math), with Mixtral's experts and sliding window for moe. -#}
{%- set moe = cookiecutter.architecture == "moe" -%}
{%- set moe_settings = [
    ("sliding_window", "int | None", "None"),
    ("num_local_experts", "int", "8"),
    ("num_experts_per_tok", "int", "2"),
    ("output_router_logits", "bool", "False"),
    ("router_aux_loss_coef", "float", "0.001"),
    ("router_jitter_noise", "float", "0.0"),
] if moe else [] -%}
"""{{ cookiecutter.class_prefix }} model configuration."""

{% if moe -%}
from transformers import MixtralConfig, PreTrainedConfig
{%- else -%}
from transformers import PreTrainedConfig
{%- endif %}
from transformers.modeling_rope_utils import RopeParameters

# The RoPE types of Llama, computed by transformers' own functions (`modeling_rope_utils.ROPE_INIT_FUNCTIONS`).
ROPE_TYPES = ("default", "linear", "dynamic", "yarn", "llama3", "longrope")


{{ common.config_checks(activations=false) }}


class {{ cookiecutter.class_prefix }}Config(PreTrainedConfig):
    r"""
{%- if moe %}
    Configuration of a [`{{ cookiecutter.class_prefix }}Model`]: a sparse mixture-of-experts decoder with the math of Mixtral
    (RMSNorm, rotary position embeddings, grouped-query attention with an optional sliding window, top-k routing to
    SwiGLU experts, pre-norm residuals).
{%- else %}
    Configuration of a [`{{ cookiecutter.class_prefix }}Model`]: a decoder-only transformer with the math of Llama (RMSNorm,
    rotary position embeddings, grouped-query attention, SwiGLU MLP, pre-norm residuals).
{%- endif %}

    Args:
        vocab_size (`int`, *optional*, defaults to 32000):
            Number of tokens in the vocabulary.
        hidden_size (`int`, *optional*, defaults to 512):
            Dimension of the hidden states.
        intermediate_size (`int`, *optional*, defaults to 1376):
{%- if moe %}
            Dimension of each expert's SwiGLU projection.
{%- else %}
            Dimension of the MLP projection.
{%- endif %}
        num_hidden_layers (`int`, *optional*, defaults to 8):
            Number of decoder layers.
        num_attention_heads (`int`, *optional*, defaults to 8):
            Number of query heads in each attention layer.
        num_key_value_heads (`int`, *optional*):
            Number of key/value heads (grouped-query attention). Defaults to `num_attention_heads` (multi-head
            attention); 1 gives multi-query attention.
        head_dim (`int`, *optional*):
            Dimension of each attention head. Defaults to `hidden_size // num_attention_heads`; Llama checkpoints may
            set another value (the projections then map `hidden_size` to `num_attention_heads * head_dim`).
        max_position_embeddings (`int`, *optional*, defaults to 2048):
            Longest sequence the model is meant to handle.
        rope_parameters (`dict`, *optional*):
            Rotary position embeddings, as Llama's: `rope_theta` (base period, default 10000.0) and `rope_type`, one
            of `"default"`, `"linear"`, `"dynamic"`, `"yarn"`, `"llama3"`, `"longrope"`, with the keys that type
            takes (`factor`, `original_max_position_embeddings`, ...). The legacy `rope_theta` and `rope_scaling`
            keys of older configs are read into it.
        rms_norm_eps (`float`, *optional*, defaults to 1e-6):
            Epsilon of the RMS normalization layers.
        initializer_range (`float`, *optional*, defaults to 0.02):
            Standard deviation of the normal initializer of the weight matrices.
        attention_dropout (`float`, *optional*, defaults to 0.0):
            Dropout probability of the attention weights (training only).
        attention_bias (`bool`, *optional*, defaults to `False`):
            Whether the query, key, value and output projections have a bias.
        pad_token_id (`int`, *optional*):
            Id of the padding token.
        bos_token_id (`int`, *optional*, defaults to 1):
            Id of the beginning-of-sequence token.
        eos_token_id (`int` or `list[int]`, *optional*, defaults to 2):
            Id(s) of the end-of-sequence token.
        tie_word_embeddings (`bool`, *optional*, defaults to `False`):
            Whether the language-model head shares its weight with the input embeddings.
        use_cache (`bool`, *optional*, defaults to `True`):
            Whether the model returns the key/value cache to speed up generation.
{%- if moe %}
        sliding_window (`int`, *optional*):
            Each token attends to at most this many tokens (itself included), as Mistral's and Mixtral's sliding
            window; `None` attends to every earlier token.
        num_local_experts (`int`, *optional*, defaults to 8):
            Number of experts in each layer (`num_experts` is another name for it, as in Mixtral).
        num_experts_per_tok (`int`, *optional*, defaults to 2):
            Number of experts each token is routed to (top-k), their weights renormalised to sum to 1.
        output_router_logits (`bool`, *optional*, defaults to `False`):
            Whether the model returns the router logits and the causal LM its load-balancing loss by default.
        router_aux_loss_coef (`float`, *optional*, defaults to 0.001):
            Weight of the load-balancing loss in the causal LM's loss (when the router logits are returned).
        router_jitter_noise (`float`, *optional*, defaults to 0.0):
            Multiplicative noise on the experts' inputs in training, drawn from [1 - noise, 1 + noise].
{%- endif %}

    Example:

    ```python
    >>> from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config, {{ cookiecutter.class_prefix }}ForCausalLM

    >>> config = {{ cookiecutter.class_prefix }}Config(num_hidden_layers=2)
    >>> model = {{ cookiecutter.class_prefix }}ForCausalLM(config)
    ```
    """

    model_type = "{{ cookiecutter.model_name }}"
    # The cache is no prediction: Trainer leaves it out of evaluation outputs (named `cache` from transformers 5.24).
    keys_to_ignore_at_inference = ["past_key_values", "cache"]
{%- if moe %}
    attribute_map = {"num_experts": "num_local_experts"}  # as `MixtralConfig`
    # Tensor and expert parallel plans of the base model: those of the installed transformers' Mixtral (same module
    # names). transformers changed how Mixtral's experts split within 5.x: up to 5.24 the tensor plan splits each
    # expert's projections across the processes; from 5.25 it leaves them to the expert plan (`ep_size` in
    # `DistributedConfig`: each process holds whole experts), which older releases apply otherwise or not at all.
    # Taking the plans of the release it runs on keeps this model split as Mixtral is.
    base_model_tp_plan = dict(MixtralConfig.base_model_tp_plan)
    base_model_ep_plan = dict(MixtralConfig.base_model_ep_plan or {})
{%- else %}
    {{ llama.tp_plan() }}
{%- endif %}
    {{ llama.pp_plan() }}

    {{ llama.config_init(extra=moe_settings) }}

    {{ common.config_validate() }}

    def validate_architecture(self) -> None:
        """Raise a ValueError naming the setting that would build a broken model (the model calls it when built)."""
        {{ llama.config_checks() }}
{%- if moe %}
        check_positive_integers(self, "num_local_experts", "num_experts_per_tok")
        if self.num_experts_per_tok > self.num_local_experts:
            raise ValueError(
                f"`num_experts_per_tok` ({self.num_experts_per_tok}) must be at most `num_local_experts` "
                f"({self.num_local_experts}): each token is routed to that many distinct experts."
            )
        if self.sliding_window is not None:
            check_positive_integers(self, "sliding_window")
        if not (is_number(self.router_aux_loss_coef) and self.router_aux_loss_coef >= 0):
            raise ValueError(f"`router_aux_loss_coef` must be a number >= 0, got {self.router_aux_loss_coef!r}.")
        check_probabilities(self, "router_jitter_noise")
{%- endif %}


{{ cookiecutter.class_prefix }}Config.register_for_auto_class()

__all__ = ["{{ cookiecutter.class_prefix }}Config"]
