"""{{ cookiecutter.class_prefix }} model configuration."""

from transformers import PreTrainedConfig


class {{ cookiecutter.class_prefix }}Config(PreTrainedConfig):
    r"""
    Configuration of a [`{{ cookiecutter.class_prefix }}Model`]: a decoder-only transformer with the math of Llama (RMSNorm,
    rotary position embeddings, grouped-query attention, SwiGLU MLP, pre-norm residuals).

    Args:
        vocab_size (`int`, *optional*, defaults to 32000):
            Number of tokens in the vocabulary.
        hidden_size (`int`, *optional*, defaults to 512):
            Dimension of the hidden states.
        intermediate_size (`int`, *optional*, defaults to 1376):
            Dimension of the MLP projection.
        num_hidden_layers (`int`, *optional*, defaults to 8):
            Number of decoder layers.
        num_attention_heads (`int`, *optional*, defaults to 8):
            Number of query heads in each attention layer.
        num_key_value_heads (`int`, *optional*):
            Number of key/value heads (grouped-query attention). Defaults to `num_attention_heads` (multi-head
            attention); 1 gives multi-query attention.
        max_position_embeddings (`int`, *optional*, defaults to 2048):
            Longest sequence the model is meant to handle.
        rope_theta (`float`, *optional*, defaults to 10000.0):
            Base period of the rotary position embeddings.
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

    Example:

    ```python
    >>> from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config, {{ cookiecutter.class_prefix }}ForCausalLM

    >>> config = {{ cookiecutter.class_prefix }}Config(num_hidden_layers=2)
    >>> model = {{ cookiecutter.class_prefix }}ForCausalLM(config)
    ```
    """

    model_type = "{{ cookiecutter.model_name }}"
    keys_to_ignore_at_inference = ["past_key_values"]

    def __init__(
        self,
        vocab_size: int = 32000,
        hidden_size: int = 512,
        intermediate_size: int = 1376,
        num_hidden_layers: int = 8,
        num_attention_heads: int = 8,
        num_key_value_heads: int | None = None,
        max_position_embeddings: int = 2048,
        rope_theta: float = 10000.0,
        rms_norm_eps: float = 1e-6,
        initializer_range: float = 0.02,
        attention_dropout: float = 0.0,
        attention_bias: bool = False,
        pad_token_id: int | None = None,
        bos_token_id: int | None = 1,
        eos_token_id: int | list[int] | None = 2,
        tie_word_embeddings: bool = False,
        use_cache: bool = True,
        **kwargs,
    ) -> None:
        if num_key_value_heads is None:
            num_key_value_heads = num_attention_heads
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.intermediate_size = intermediate_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.num_key_value_heads = num_key_value_heads
        self.max_position_embeddings = max_position_embeddings
        self.rope_theta = rope_theta
        self.rms_norm_eps = rms_norm_eps
        self.initializer_range = initializer_range
        self.attention_dropout = attention_dropout
        self.attention_bias = attention_bias
        self.pad_token_id = pad_token_id
        self.bos_token_id = bos_token_id
        self.eos_token_id = eos_token_id
        self.tie_word_embeddings = tie_word_embeddings
        self.use_cache = use_cache
        self._validate_architecture()
        super().__init__(**kwargs)

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    def _validate_architecture(self) -> None:
        positive = (
            "vocab_size",
            "hidden_size",
            "intermediate_size",
            "num_hidden_layers",
            "num_attention_heads",
            "num_key_value_heads",
            "max_position_embeddings",
        )
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"`{name}` must be a positive integer, got {value!r}.")
        if self.hidden_size % self.num_attention_heads != 0:
            raise ValueError(
                f"`hidden_size` ({self.hidden_size}) must be divisible by `num_attention_heads` "
                f"({self.num_attention_heads}): each head gets hidden_size / num_attention_heads dimensions."
            )
        if self.num_attention_heads % self.num_key_value_heads != 0:
            raise ValueError(
                f"`num_attention_heads` ({self.num_attention_heads}) must be divisible by `num_key_value_heads` "
                f"({self.num_key_value_heads}): each key/value head serves the same number of query heads."
            )
        if self.head_dim % 2 != 0:
            raise ValueError(
                f"The head dimension hidden_size / num_attention_heads ({self.head_dim}) must be even for rotary "
                "position embeddings."
            )
        if self.rope_theta <= 0:
            raise ValueError(f"`rope_theta` must be positive, got {self.rope_theta}.")
        if not 0.0 <= self.attention_dropout < 1.0:
            raise ValueError(f"`attention_dropout` must be in [0, 1), got {self.attention_dropout}.")
        for name in ("pad_token_id", "bos_token_id"):
            token_id = getattr(self, name)
            if token_id is not None and not 0 <= token_id < self.vocab_size:
                raise ValueError(f"`{name}` ({token_id}) must be in [0, vocab_size={self.vocab_size}).")


{{ cookiecutter.class_prefix }}Config.register_for_auto_class()

__all__ = ["{{ cookiecutter.class_prefix }}Config"]
