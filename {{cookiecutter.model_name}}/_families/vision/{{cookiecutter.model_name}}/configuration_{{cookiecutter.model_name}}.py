{%- import "common.py" as common with context -%}
"""{{ cookiecutter.class_prefix }} model configuration."""

from transformers import PreTrainedConfig
from transformers.activations import ACT2FN


{{ common.config_checks(token_ids=false) }}


class {{ cookiecutter.class_prefix }}Config(PreTrainedConfig):
    r"""
    Configuration of a [`{{ cookiecutter.class_prefix }}Model`]: a vision transformer with the math of ViT (patch
    embeddings, a CLS token, learned position embeddings, pre-norm encoder layers with a GELU MLP, a final layer norm).

    Args:
        image_size (`int`, *optional*, defaults to 224):
            Height and width of the (square) images the position embeddings are learned for. Other sizes work with
            `interpolate_pos_encoding=True`.
        patch_size (`int`, *optional*, defaults to 16):
            Height and width of each patch; `image_size` must be a multiple of it.
        num_channels (`int`, *optional*, defaults to 3):
            Number of channels of the input images.
        hidden_size (`int`, *optional*, defaults to 768):
            Dimension of the hidden states.
        num_hidden_layers (`int`, *optional*, defaults to 12):
            Number of encoder layers.
        num_attention_heads (`int`, *optional*, defaults to 12):
            Number of attention heads in each attention layer.
        intermediate_size (`int`, *optional*, defaults to 3072):
            Dimension of the MLP projection.
        hidden_act (`str`, *optional*, defaults to `"gelu"`):
            Activation of the MLP, a key of `transformers.activations.ACT2FN`.
        hidden_dropout_prob (`float`, *optional*, defaults to 0.0):
            Dropout probability of the embeddings and of the attention and MLP outputs (training only).
        attention_probs_dropout_prob (`float`, *optional*, defaults to 0.0):
            Dropout probability of the attention weights (training only).
        initializer_range (`float`, *optional*, defaults to 0.02):
            Standard deviation of the (truncated) normal initializer of the weights.
        layer_norm_eps (`float`, *optional*, defaults to 1e-12):
            Epsilon of the layer normalization layers.
        qkv_bias (`bool`, *optional*, defaults to `True`):
            Whether the query, key and value projections have a bias.
        pooler_output_size (`int`, *optional*):
            Dimension of the pooler output of [`{{ cookiecutter.class_prefix }}Model`]. Defaults to `hidden_size`.
        pooler_act (`str`, *optional*, defaults to `"tanh"`):
            Activation of the pooler, a key of `transformers.activations.ACT2FN`.

    Example:

    ```python
    >>> from {{ cookiecutter.model_name }} import (
    ...     {{ cookiecutter.class_prefix }}Config,
    ...     {{ cookiecutter.class_prefix }}ForImageClassification,
    ... )

    >>> config = {{ cookiecutter.class_prefix }}Config(num_hidden_layers=2, num_labels=10)
    >>> model = {{ cookiecutter.class_prefix }}ForImageClassification(config)
    ```
    """

    model_type = "{{ cookiecutter.model_name }}"
    # Tensor parallel plan of the base model (upstream ViT declares none): as Llama's, the query/key/value and MLP
    # up projections split by output features (whole heads per process), the attention output and MLP down
    # projections by input features; embeddings, layer norms, pooler and head stay replicated. No pipeline plan:
    # transformers' pipeline stages assume a language model's layout (`embed_tokens`, `layers`, `norm`, `lm_head`).
    base_model_tp_plan = {
        "layers.*.attention.q_proj": "colwise",
        "layers.*.attention.k_proj": "colwise",
        "layers.*.attention.v_proj": "colwise",
        "layers.*.attention.o_proj": "rowwise",
        "layers.*.mlp.fc1": "colwise",
        "layers.*.mlp.fc2": "rowwise",
    }

    def __init__(
        self,
        image_size: int = 224,
        patch_size: int = 16,
        num_channels: int = 3,
        hidden_size: int = 768,
        num_hidden_layers: int = 12,
        num_attention_heads: int = 12,
        intermediate_size: int = 3072,
        hidden_act: str = "gelu",
        hidden_dropout_prob: float = 0.0,
        attention_probs_dropout_prob: float = 0.0,
        initializer_range: float = 0.02,
        layer_norm_eps: float = 1e-12,
        qkv_bias: bool = True,
        pooler_output_size: int | None = None,
        pooler_act: str = "tanh",
        **kwargs,
    ) -> None:
        self.image_size = image_size
        self.patch_size = patch_size
        self.num_channels = num_channels
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.initializer_range = initializer_range
        self.layer_norm_eps = layer_norm_eps
        self.qkv_bias = qkv_bias
        self.pooler_output_size = pooler_output_size if pooler_output_size is not None else hidden_size
        self.pooler_act = pooler_act
        # Assembling a config never raises, so that partial overrides such as `Config(hidden_size=32)` work as for
        # transformers' own configs; `validate_architecture` says what is wrong when a model is built or saved.
        super().__init__(**kwargs)

    {{ common.config_head_dim() }}

    @property
    def num_patches(self) -> int:
        return (self.image_size // self.patch_size) ** 2

    {{ common.config_validate() }}

    def validate_architecture(self) -> None:
        """Raise a ValueError naming the setting that would build a broken model (the model calls it when built)."""
        check_positive_integers(self, "image_size", "patch_size", "hidden_size", "intermediate_size")
        check_positive_integers(self, "num_channels", "num_hidden_layers", "num_attention_heads", "pooler_output_size")
        check_divisible(self, "image_size", "patch_size", "the image is cut into whole patches")
        check_divisible(
            self, "hidden_size", "num_attention_heads", "each head gets hidden_size / num_attention_heads dimensions"
        )
        check_probabilities(self, "hidden_dropout_prob", "attention_probs_dropout_prob")
        check_positive_numbers(self, "layer_norm_eps", "initializer_range")
        check_activations(self, "hidden_act", "pooler_act")


{{ cookiecutter.class_prefix }}Config.register_for_auto_class()

__all__ = ["{{ cookiecutter.class_prefix }}Config"]
