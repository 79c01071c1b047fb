{%- import "common.py" as common with context -%}
{%- import "llama.py" as llama with context -%}
"""{{ cookiecutter.class_prefix }} model configuration: a vision tower, a projector and a language model, as LLaVA's."""

from __future__ import annotations

from transformers import PreTrainedConfig
from transformers.activations import ACT2FN
from transformers.modeling_rope_utils import RopeParameters

# The RoPE types of Llama, computed by transformers' own functions (`modeling_rope_utils.ROPE_INIT_FUNCTIONS`).
ROPE_TYPES = ("default", "linear", "dynamic", "yarn", "llama3", "longrope")
# How the image features are taken from the vision tower's hidden states, as LLaVA's `vision_feature_select_strategy`:
# "default" drops the CLS token, "full" keeps it.
SELECT_STRATEGIES = ("default", "full")


{{ common.config_checks() }}


class {{ cookiecutter.class_prefix }}TextConfig(PreTrainedConfig):
    r"""
    Configuration of the language model of a [`{{ cookiecutter.class_prefix }}Model`]: a decoder with the math of Llama
    (RMSNorm, rotary position embeddings, grouped-query attention, SwiGLU MLP, pre-norm residuals). Its settings are
    `LlamaConfig`'s, with the same names and meanings (`num_key_value_heads` defaults to `num_attention_heads`,
    `head_dim` to `hidden_size // num_attention_heads`; `rope_parameters` takes Llama's RoPE types).
    """

    model_type = "{{ cookiecutter.model_name }}_text"
    base_config_key = "text_config"
    # The cache is no prediction: Trainer leaves it out of evaluation outputs (named `cache` from transformers 5.24).
    keys_to_ignore_at_inference = ["past_key_values", "cache"]
    {{ llama.tp_plan(embeddings=true) }}
    {{ llama.pp_plan() }}

    {{ llama.config_init(vocab_size=32064) }}

    def validate_architecture(self) -> None:
        """Raise a ValueError naming the setting that would build a broken language model."""
        {{ llama.config_checks() }}


class {{ cookiecutter.class_prefix }}VisionConfig(PreTrainedConfig):
    r"""
    Configuration of the vision tower of a [`{{ cookiecutter.class_prefix }}Model`]: a vision transformer with the math of
    CLIP's (`CLIPVisionConfig`'s settings, with ViT's names for the attention's dropout and biases): patch embeddings
    without bias, a class embedding, learned position embeddings, a layer norm before the encoder layers (CLIP's
    `pre_layrnorm`), pre-norm layers with a `quick_gelu` MLP.
    """

    model_type = "{{ cookiecutter.model_name }}_vision"
    base_config_key = "vision_config"
    # Tensor parallel plan of the vision tower, alike the language model's (CLIP declares none): the query/key/value
    # and MLP up projections split by output features (whole heads per process), the attention output and MLP down
    # projections by input features; embeddings and norms stay replicated.
    base_model_tp_plan = {
        "layers.*.self_attn.q_proj": "colwise",
        "layers.*.self_attn.k_proj": "colwise",
        "layers.*.self_attn.v_proj": "colwise",
        "layers.*.self_attn.o_proj": "rowwise",
        "layers.*.mlp.fc1": "colwise",
        "layers.*.mlp.fc2": "rowwise",
    }

    def __init__(
        self,
        image_size: int = 336,
        patch_size: int = 14,
        num_channels: int = 3,
        hidden_size: int = 1024,
        intermediate_size: int = 4096,
        num_hidden_layers: int = 24,
        num_attention_heads: int = 16,
        hidden_act: str = "quick_gelu",
        layer_norm_eps: float = 1e-5,
        attention_probs_dropout_prob: float = 0.0,
        qkv_bias: bool = True,
        initializer_range: float = 0.02,
        **kwargs,
    ) -> None:
        self.image_size = image_size
        self.patch_size = patch_size
        self.num_channels = num_channels
        self.hidden_size = hidden_size
        self.intermediate_size = intermediate_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.hidden_act = hidden_act
        self.layer_norm_eps = layer_norm_eps
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.qkv_bias = qkv_bias
        self.initializer_range = initializer_range
        super().__init__(**kwargs)

    {{ common.config_head_dim() }}

    @property
    def num_patches(self) -> int:
        return (self.image_size // self.patch_size) ** 2

    def validate_architecture(self) -> None:
        """Raise a ValueError naming the setting that would build a broken vision tower."""
        check_positive_integers(self, "image_size", "patch_size", "num_channels", "hidden_size", "intermediate_size")
        check_positive_integers(self, "num_hidden_layers", "num_attention_heads")
        check_divisible(self, "image_size", "patch_size", "the image is cut into whole patches")
        check_divisible(
            self, "hidden_size", "num_attention_heads", "each head gets hidden_size / num_attention_heads dimensions"
        )
        check_probabilities(self, "attention_probs_dropout_prob")
        check_positive_numbers(self, "layer_norm_eps", "initializer_range")
        check_activations(self, "hidden_act")


def sub_config(config_class: type[PreTrainedConfig], value: PreTrainedConfig | dict | None) -> PreTrainedConfig:
    """A sub-config from an instance, a dict (as config.json holds it) or None (the defaults)."""
    if isinstance(value, config_class):
        return value
    return config_class(**{key: item for key, item in (value or {}).items() if key != "model_type"})


class {{ cookiecutter.class_prefix }}Config(PreTrainedConfig):
    r"""
    Configuration of a [`{{ cookiecutter.class_prefix }}ForConditionalGeneration`]: an image-text-to-text model with the
    math of LLaVA. A CLIP-style vision tower encodes the image, a two-layer projector (LLaVA's
    `multi_modal_projector`) maps the features of one of its layers into the language model's embeddings, where they
    replace the image tokens of the text; a Llama-math language model reads the result. The settings are
    `LlavaConfig`'s.

    Args:
        text_config (`dict` or [`{{ cookiecutter.class_prefix }}TextConfig`], *optional*):
            The language model.
        vision_config (`dict` or [`{{ cookiecutter.class_prefix }}VisionConfig`], *optional*):
            The vision tower.
        image_token_id (`int`, *optional*, defaults to 384):
            Id of the image token: the processor writes one per image feature, the model puts the features there. The
            default is the id the default processor gives `<image>`, after the 384 tokens of the shipped tokenizer;
            LLaVA's checkpoints use 32000, which their conversion carries over.
        projector_hidden_act (`str`, *optional*, defaults to `"gelu"`):
            Activation between the projector's two linear layers.
        vision_feature_select_strategy (`str`, *optional*, defaults to `"default"`):
            `"default"` drops the CLS token of the vision features, `"full"` keeps it.
        vision_feature_layer (`int` or `list[int]`, *optional*, defaults to -2):
            Index of the vision tower's hidden states the features are taken from (0 is the embeddings, -1 the last
            layer); with a list, the features of those layers are concatenated.
        multimodal_projector_bias (`bool`, *optional*, defaults to `True`):
            Whether the projector's linear layers have biases.
        image_seq_length (`int`, *optional*):
            How many image tokens stand for one image: the number of features the vision tower gives an image (its
            patches, and the CLS token with "full"), which it defaults to and must equal. As `LlavaConfig`'s: the
            processor writes that many image tokens per image, and tools that lay out LLaVA inputs read it.
        tie_word_embeddings (`bool`, *optional*, defaults to `False`):
            Whether the language-model head shares its weight with the input embeddings.

    Example:

    ```python
    >>> from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config, {{ cookiecutter.class_prefix }}ForConditionalGeneration

    >>> config = {{ cookiecutter.class_prefix }}Config(
    ...     text_config={"num_hidden_layers": 2}, vision_config={"num_hidden_layers": 2}
    ... )
    >>> model = {{ cookiecutter.class_prefix }}ForConditionalGeneration(config)
    ```
    """

    model_type = "{{ cookiecutter.model_name }}"
    sub_configs = {
        "text_config": {{ cookiecutter.class_prefix }}TextConfig,
        "vision_config": {{ cookiecutter.class_prefix }}VisionConfig,
    }
    # LLaVA's configs name the image token `image_token_index`.
    attribute_map = {"image_token_index": "image_token_id"}

    def __init__(
        self,
        text_config: {{ cookiecutter.class_prefix }}TextConfig | dict | None = None,
        vision_config: {{ cookiecutter.class_prefix }}VisionConfig | dict | None = None,
        image_token_id: int = 384,
        projector_hidden_act: str = "gelu",
        vision_feature_select_strategy: str = "default",
        vision_feature_layer: int | list[int] = -2,
        multimodal_projector_bias: bool = True,
        image_seq_length: int | None = None,
        tie_word_embeddings: bool = False,
        **kwargs,
    ) -> None:
        self.text_config = sub_config({{ cookiecutter.class_prefix }}TextConfig, text_config)
        self.vision_config = sub_config({{ cookiecutter.class_prefix }}VisionConfig, vision_config)
        self.image_token_id = image_token_id
        self.projector_hidden_act = projector_hidden_act
        self.vision_feature_select_strategy = vision_feature_select_strategy
        self.vision_feature_layer = vision_feature_layer
        self.multimodal_projector_bias = multimodal_projector_bias
        vision = self.vision_config
        if image_seq_length is None and all(
            isinstance(size, int) and size > 0 for size in (vision.image_size, vision.patch_size)
        ):
            image_seq_length = self.num_image_tokens
        self.image_seq_length = image_seq_length
        # As `LlavaConfig`: a language model saved with tied embeddings keeps them.
        self.tie_word_embeddings = tie_word_embeddings or self.text_config.tie_word_embeddings
        super().__init__(**kwargs)

    @property
    def num_image_tokens(self) -> int:
        """How many features the vision tower gives an image: one per patch, and one for the CLS token with "full"
        (what `image_seq_length` must be)."""
        return self.vision_config.num_patches + (self.vision_feature_select_strategy == "full")

    def feature_layers(self) -> list[int]:
        """`vision_feature_layer` as a list."""
        layer = self.vision_feature_layer
        return list(layer) if isinstance(layer, list | tuple) else [layer]

    {{ common.config_validate() }}

    def validate_architecture(self) -> None:
        """Raise a ValueError naming the setting that would build a broken model (the model calls it when built):
        the language model's and the vision tower's settings first, then how they are joined."""
        for name in ("text_config", "vision_config"):
            try:
                getattr(self, name).validate_architecture()
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None
        check_image_token(self)
        check_activations(self, "projector_hidden_act")
        if self.vision_feature_select_strategy not in SELECT_STRATEGIES:
            raise ValueError(
                f"`vision_feature_select_strategy` {self.vision_feature_select_strategy!r} is not one of "
                f"{', '.join(map(repr, SELECT_STRATEGIES))}."
            )
        if self.image_seq_length != self.num_image_tokens:
            raise ValueError(
                f"`image_seq_length` ({self.image_seq_length!r}) must be {self.num_image_tokens}, the number of "
                'features the vision tower gives an image (its patches, and the CLS token with the "full" strategy): '
                "set it to that number, or leave it unset when the config is made."
            )
        layers = self.feature_layers()
        count = self.vision_config.num_hidden_layers
        if not layers or not all(isinstance(layer, int) and -count - 1 <= layer <= count for layer in layers):
            raise ValueError(
                f"`vision_feature_layer` {self.vision_feature_layer!r} must be an index (or a non-empty list of "
                f"indices) of the vision tower's {count + 1} hidden states, in [{-count - 1}, {count}]."
            )


def check_image_token(config: {{ cookiecutter.class_prefix }}Config) -> None:
    """The image token is a token of the language model's vocabulary."""
    token_id, vocab_size = config.image_token_id, config.text_config.vocab_size
    if not (isinstance(token_id, int) and not isinstance(token_id, bool) and 0 <= token_id < vocab_size):
        raise ValueError(f"`image_token_id` ({token_id!r}) must be in [0, text_config.vocab_size={vocab_size}).")


{{ cookiecutter.class_prefix }}Config.register_for_auto_class()

__all__ = [
    "{{ cookiecutter.class_prefix }}Config",
    "{{ cookiecutter.class_prefix }}TextConfig",
    "{{ cookiecutter.class_prefix }}VisionConfig",
]
