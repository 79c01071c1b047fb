{#- What every family's modeling and configuration files share, and the facts of the families whose processor is a
tokenizer (their `family.py`), as Jinja macros called where the code goes (see llama.py):
`{%- import "common.py" as common with context -%}` at the top of the file. A macro whose block belongs in a
class or a method is called indented, like the code it stands for: its first line takes the call's indentation. -#}


{#- The body every family's PreTrainedModel shares, after its own attributes (call it indented, in the class): the
attention interface's backends and gradient checkpointing, the config's checks (`validate_architecture`) before a model
is built, and the complete `auto_map` (auto_classes) in every saved config. auto_map: false for the PreTrainedModel of
a sub-model (a vision-language model's towers), whose config is a sub-config of the one that holds `auto_map`. -#}
{% macro pretrained_model(config_class=cookiecutter.class_prefix ~ "Config", auto_map=true) -%}
    supports_gradient_checkpointing = True
    _supports_sdpa = True
    _supports_flash_attn = True
    _supports_flex_attn = True
    _supports_attention_backend = True

    def __init__(self, config: {{ config_class }}, *inputs, **kwargs) -> None:
        config.validate_architecture()  # one clear error before a broken model is built
        super().__init__(config, *inputs, **kwargs)
{%- if auto_map %}

    def post_init(self) -> None:
        super().post_init()
        # `save_pretrained` records only the saved class in `auto_map`: list every head so that each Auto class
        # loads from any checkpoint of this model, whichever head was saved.
        self.config.auto_map = {**(getattr(self.config, "auto_map", None) or {}), **auto_map()}
{%- endif %}
{%- endmacro %}


{#- The eager attention every family's attention classes fall back on (transformers' reference implementation, as
Llama's, BERT's and ViT's), before they are defined. Needs torch and nn; defines eager_attention_forward.
grouped_query: Llama's grouped-query attention, with repeat_kv (the module's `num_key_value_groups`; an attention of
another tower in the same file sets 1). boolean_mask: also take a boolean mask (True = may attend). -#}
{% macro eager_attention(grouped_query=false, boolean_mask=false) -%}
{%- set key, value = ("key_states", "value_states") if grouped_query else ("key", "value") -%}
{%- if grouped_query -%}
def repeat_kv(hidden_states: torch.Tensor, n_rep: int) -> torch.Tensor:
    """(batch, num_key_value_heads, seq, head_dim) -> (batch, num_key_value_heads * n_rep, seq, head_dim)."""
    batch, num_key_value_heads, seq_len, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    hidden_states = hidden_states[:, :, None, :, :].expand(batch, num_key_value_heads, n_rep, seq_len, head_dim)
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, seq_len, head_dim)


{% endif -%}
def eager_attention_forward(
    module: nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float,
    dropout: float = 0.0,
    **kwargs,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Reference attention in plain PyTorch; the other backends must match it."""
{%- if grouped_query %}
    key_states = repeat_kv(key, module.num_key_value_groups)
    value_states = repeat_kv(value, module.num_key_value_groups)
{% endif %}
    attn_weights = torch.matmul(query, {{ key }}.transpose(2, 3)) * scaling
    if attention_mask is not None:
{%- if boolean_mask %}
        if attention_mask.dtype == torch.bool:  # True = may attend
            attention_mask = torch.zeros_like(attn_weights).masked_fill(~attention_mask, torch.finfo(query.dtype).min)
{%- endif %}
        attn_weights = attn_weights + attention_mask[:, :, :, : {{ key }}.shape[-2]]

    attn_weights = nn.functional.softmax(attn_weights, dim=-1, dtype=torch.float32).to(query.dtype)
    attn_weights = nn.functional.dropout(attn_weights, p=dropout, training=module.training)
    attn_output = torch.matmul(attn_weights, {{ value }})
    attn_output = attn_output.transpose(1, 2).contiguous()
    return attn_output, attn_weights
{%- endmacro %}

{#- The call of an attention class to the configured backend (eager, sdpa, flash, flex, ...; transformers' attention
interface, with eager_attention_forward as the fallback), called indented in its forward once `query_states`,
`key_states` and `value_states` are (batch, heads, seq, head_dim): sets `attn_output` and `attn_weights`. The class
has `config`, `attention_dropout` and `scaling`. mask: the attention mask passed on. sliding_window: pass
`config.sliding_window` to the backends, as Mistral and Mixtral do. Needs Callable and ALL_ATTENTION_FUNCTIONS. -#}
{% macro attention_interface(mask="attention_mask", sliding_window=false) -%}
attention_interface: Callable = ALL_ATTENTION_FUNCTIONS.get_interface(
            self.config._attn_implementation, eager_attention_forward
        )
        attn_output, attn_weights = attention_interface(
            self,
            query_states,
            key_states,
            value_states,
            {{ mask }},
            dropout=0.0 if not self.training else self.attention_dropout,
            scaling=self.scaling,
{%- if sliding_window %}
            sliding_window=self.config.sliding_window,
{%- endif %}
            **kwargs,
        )
{%- endmacro %}

{#- Every family's heads and their Auto classes, at the end of its modeling file: `heads` maps each head's name after
the prefix to its Auto class ({"Model": "AutoModel", "ForCausalLM": "AutoModelForCausalLM", ...}). Writes
AUTO_CLASSES and their registration, auto_map() (which the PreTrainedModel body writes into every config) and
`__all__`. config_class: the class AutoConfig loads. -#}
{% macro auto_classes(heads, prefix=cookiecutter.class_prefix, config_class=prefix ~ "Config") -%}
AUTO_CLASSES = {
{%- for head, auto_class in heads.items() %}
    {{ prefix }}{{ head }}: "{{ auto_class }}",
{%- endfor %}
}
for model_class, auto_class in AUTO_CLASSES.items():
    model_class.register_for_auto_class(auto_class)


def auto_map() -> dict[str, str]:
    """The complete `auto_map` of this model: every registered head, and the config."""
    config_class = {{ config_class }}
    mapping = {"AutoConfig": f"{config_class.__module__.rsplit('.', 1)[-1]}.{config_class.__name__}"}
    for model_class, auto_class in AUTO_CLASSES.items():
        mapping[auto_class] = f"{model_class.__module__.rsplit('.', 1)[-1]}.{model_class.__name__}"
    return mapping


__all__ = [
    "{{ prefix }}PreTrainedModel",
{%- for head in heads %}
    "{{ prefix }}{{ head }}",
{%- endfor %}
]
{%- endmacro %}


{#- What every family's configuration file checks in `validate_architecture`, written after its imports (the file
imports PreTrainedConfig, and ACT2FN for check_activations): each check raises a ValueError that names the first setting
of `names` that would build a broken model, with its value. Values of the wrong type are named too, never computed
with. token_ids / activations: write check_token_ids (the family has a vocabulary) / check_activations. -#}
{% macro config_checks(token_ids=true, activations=true) -%}
def is_number(value: object) -> bool:
    """An int or a float, not a bool or a string: what the checks below compare and compute with."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_positive_integers(config: PreTrainedConfig, *names: str) -> None:
    """Sizes and counts: an int above 0 (not a bool, a float or a string)."""
    for name in names:
        value = getattr(config, name)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"`{name}` must be a positive integer, got {value!r}.")


def check_divisible(config: PreTrainedConfig, name: str, divisor: str, reason: str) -> None:
    """Two positive integers (check them first), the first a multiple of the second."""
    value, divisor_value = getattr(config, name), getattr(config, divisor)
    if value % divisor_value != 0:
        raise ValueError(f"`{name}` ({value}) must be divisible by `{divisor}` ({divisor_value}): {reason}.")


def check_positive_numbers(config: PreTrainedConfig, *names: str) -> None:
    """Epsilons, scales and standard deviations: a number above 0."""
    for name in names:
        value = getattr(config, name)
        if not (is_number(value) and value > 0):
            raise ValueError(f"`{name}` must be positive, got {value!r}.")


def check_probabilities(config: PreTrainedConfig, *names: str) -> None:
    """Dropout probabilities: a number in [0, 1)."""
    for name in names:
        value = getattr(config, name)
        if not (is_number(value) and 0.0 <= value < 1.0):
            raise ValueError(f"`{name}` must be in [0, 1), got {value!r}.")
{%- if token_ids %}


def check_token_ids(config: PreTrainedConfig, *names: str) -> None:
    """Special token ids: None, or an id of the vocabulary."""
    for name in names:
        token_id = getattr(config, name)
        if token_id is not None and not (isinstance(token_id, int) and 0 <= token_id < config.vocab_size):
            raise ValueError(f"`{name}` ({token_id!r}) must be in [0, vocab_size={config.vocab_size}).")
{%- endif %}
{%- if activations %}


def check_activations(config: PreTrainedConfig, *names: str) -> None:
    """Activation names: keys of transformers' `ACT2FN`."""
    for name in names:
        value = getattr(config, name)
        if not isinstance(value, str) or value not in ACT2FN:
            raise ValueError(
                f"`{name}` {value!r} is not an activation of `transformers.activations.ACT2FN` (e.g. 'gelu', 'relu')."
            )
{%- endif %}
{%- endmacro %}


{#- The `validate` method of every family's config, called indented in the class: transformers runs it on
`save_pretrained`, and the model's own checks (`validate_architecture`) come first. -#}
{% macro config_validate() -%}
    def validate(self) -> None:
        """transformers' checks (run by `save_pretrained`), preceded by this model's own."""
        self.validate_architecture()
        super().validate()
{%- endmacro %}


{#- The `head_dim` of a config whose heads split `hidden_size` evenly (BERT, ViT, CLIP), called indented in the class.
It must not raise while a config is assembled: transformers' own checks read it. -#}
{% macro config_head_dim() -%}
    @property
    def head_dim(self) -> int:
        """hidden_size / num_attention_heads (0 until both are positive integers; `validate_architecture` says which
        is not). transformers' own config checks read it while a config is assembled: it must not raise."""
        sizes = (self.hidden_size, self.num_attention_heads)
        if not all(isinstance(size, int) and size > 0 for size in sizes):
            return 0
        return self.hidden_size // self.num_attention_heads
{%- endmacro %}


{#- The processor of a family whose processor is a standard tokenizer (decoder, moe, encoder), in its family.py. -#}
{% macro tokenizer_processor() -%}
PROCESSOR_FILE = "tokenizer_config.json"
Processor = PreTrainedTokenizerBase
# How to give a checkpoint its tokenizer, when publish finds none (it never ships a default one in its place).
SAVE_PROCESSOR = (
    "save the tokenizer the model was trained with into it (`tokenizer.save_pretrained(<folder>)`; "
    "`python -m {{ cookiecutter.model_name }}.train_tokenizer --output <folder>` trains one on the shipped corpus)"
)
# The tokenizer is a standard one: its files name no code of their own (no `auto_map`).
PROCESSOR_AUTO_MAP: dict[str, str] = {}
{%- endmacro %}
