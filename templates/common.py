{#- What every family's modeling file shares, as Jinja macros called where the code goes (see llama.py):
`{%- import "common.py" as common with context -%}` at the top of the file. -#}


{#- The body every family's PreTrainedModel shares, after its own attributes (call it indented, in the class): the
attention interface's backends and gradient checkpointing, the config's checks (`validate_architecture`) before a model
is built, and the complete `auto_map` (auto_classes) in every saved config. -#}
{% macro pretrained_model(config_class=cookiecutter.class_prefix ~ "Config") -%}
    supports_gradient_checkpointing = True
    _supports_sdpa = True
    _supports_flash_attn = True
    _supports_flex_attn = True
    _supports_attention_backend = True

    def __init__(self, config: {{ config_class }}, *inputs, **kwargs) -> None:
        config.validate_architecture()  # one clear error before a broken model is built
        super().__init__(config, *inputs, **kwargs)

    def post_init(self) -> None:
        super().post_init()
        # `save_pretrained` records only the saved class in `auto_map`: list every head so that each Auto class
        # loads from any checkpoint of this model, whichever head was saved.
        self.config.auto_map = {**(getattr(self.config, "auto_map", None) or {}), **auto_map()}
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
