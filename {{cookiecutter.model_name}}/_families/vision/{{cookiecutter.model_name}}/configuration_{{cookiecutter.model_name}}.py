"""{{ cookiecutter.class_prefix }} model configuration."""

from transformers import PreTrainedConfig
from transformers.activations import ACT2FN


def is_number(value: object) -> bool:
    """An int or a float, not a bool or a string: what the checks below compare and compute with."""
    return isinstance(value, int | float) and not isinstance(value, bool)


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

    @property
    def head_dim(self) -> int:
        """hidden_size / num_attention_heads (0 until both are positive integers; `validate_architecture` says which
        is not). transformers' own config checks read it while a config is assembled: it must not raise."""
        sizes = (self.hidden_size, self.num_attention_heads)
        if not all(isinstance(size, int) and size > 0 for size in sizes):
            return 0
        return self.hidden_size // self.num_attention_heads

    @property
    def num_patches(self) -> int:
        return (self.image_size // self.patch_size) ** 2

    def validate(self) -> None:
        """transformers' checks (run by `save_pretrained`), preceded by this model's own."""
        self.validate_architecture()
        super().validate()

    def validate_architecture(self) -> None:
        """Raise a ValueError naming the setting that would build a broken model (the model calls it when built)."""
        positive = (
            "image_size",
            "patch_size",
            "num_channels",
            "hidden_size",
            "num_hidden_layers",
            "num_attention_heads",
            "intermediate_size",
            "pooler_output_size",
        )
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"`{name}` must be a positive integer, got {value!r}.")
        if self.image_size % self.patch_size != 0:
            raise ValueError(
                f"`image_size` ({self.image_size}) must be divisible by `patch_size` ({self.patch_size}): the image "
                "is cut into whole patches."
            )
        if self.hidden_size % self.num_attention_heads != 0:
            raise ValueError(
                f"`hidden_size` ({self.hidden_size}) must be divisible by `num_attention_heads` "
                f"({self.num_attention_heads}): each head gets hidden_size / num_attention_heads dimensions."
            )
        for name in ("hidden_dropout_prob", "attention_probs_dropout_prob"):
            value = getattr(self, name)
            if not (is_number(value) and 0.0 <= value < 1.0):
                raise ValueError(f"`{name}` must be in [0, 1), got {value!r}.")
        for name in ("layer_norm_eps", "initializer_range"):
            value = getattr(self, name)
            if not (is_number(value) and value > 0):
                raise ValueError(f"`{name}` must be positive, got {value!r}.")
        for name in ("hidden_act", "pooler_act"):
            value = getattr(self, name)
            if not isinstance(value, str) or value not in ACT2FN:
                raise ValueError(f"`{name}` {value!r} is not an activation of `transformers.activations.ACT2FN`.")


{{ cookiecutter.class_prefix }}Config.register_for_auto_class()

__all__ = ["{{ cookiecutter.class_prefix }}Config"]
