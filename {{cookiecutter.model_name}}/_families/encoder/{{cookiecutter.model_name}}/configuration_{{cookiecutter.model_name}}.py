{%- import "common.py" as common with context -%}
"""{{ cookiecutter.class_prefix }} model configuration."""

from transformers import PreTrainedConfig
from transformers.activations import ACT2FN


{{ common.config_checks() }}


class {{ cookiecutter.class_prefix }}Config(PreTrainedConfig):
    r"""
    Configuration of a [`{{ cookiecutter.class_prefix }}Model`]: a bidirectional encoder with the math of BERT (learned
    absolute position and token type embeddings, post-norm layers, GELU MLP, optional pooler). The defaults give the
    shape of BERT-base.

    Args:
        vocab_size (`int`, *optional*, defaults to 30522):
            Number of tokens in the vocabulary.
        hidden_size (`int`, *optional*, defaults to 768):
            Dimension of the hidden states.
        num_hidden_layers (`int`, *optional*, defaults to 12):
            Number of encoder layers.
        num_attention_heads (`int`, *optional*, defaults to 12):
            Number of attention heads in each attention layer.
        intermediate_size (`int`, *optional*, defaults to 3072):
            Dimension of the MLP projection.
        hidden_act (`str`, *optional*, defaults to `"gelu"`):
            Activation of the MLP and of the masked-LM head transform (a name from `transformers.activations`).
        hidden_dropout_prob (`float`, *optional*, defaults to 0.1):
            Dropout probability of the embeddings and of the residual branches (training only).
        attention_probs_dropout_prob (`float`, *optional*, defaults to 0.1):
            Dropout probability of the attention weights (training only).
        max_position_embeddings (`int`, *optional*, defaults to 512):
            Number of learned absolute positions: the longest sequence the model accepts.
        type_vocab_size (`int`, *optional*, defaults to 2):
            Number of token types (segments), e.g. 2 for sentence pairs.
        initializer_range (`float`, *optional*, defaults to 0.02):
            Standard deviation of the normal initializer of the weight matrices.
        layer_norm_eps (`float`, *optional*, defaults to 1e-12):
            Epsilon of the layer normalization layers.
        classifier_dropout (`float`, *optional*):
            Dropout probability before the classification heads. Defaults to `hidden_dropout_prob`.
        add_pooling_layer (`bool`, *optional*, defaults to `True`):
            Whether [`{{ cookiecutter.class_prefix }}Model`] has the pooler (dense + tanh on the first token). The
            masked-LM and token-classification heads never use it; sequence classification always does.
        pad_token_id (`int`, *optional*, defaults to 0):
            Id of the padding token.
        bos_token_id (`int`, *optional*):
            Id of the beginning-of-sequence token (BERT-style tokenizers use `[CLS]` instead).
        eos_token_id (`int` or `list[int]`, *optional*):
            Id(s) of the end-of-sequence token (BERT-style tokenizers use `[SEP]` instead).
        tie_word_embeddings (`bool`, *optional*, defaults to `True`):
            Whether the masked-LM decoder shares its weight with the word embeddings.

    Example:

    ```python
    >>> from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config, {{ cookiecutter.class_prefix }}ForMaskedLM

    >>> config = {{ cookiecutter.class_prefix }}Config(num_hidden_layers=2)
    >>> model = {{ cookiecutter.class_prefix }}ForMaskedLM(config)
    ```
    """

    model_type = "{{ cookiecutter.model_name }}"
    # Tensor parallel plan of the base model (upstream BERT declares none): as Llama's, the query/key/value and MLP
    # up projections split by output features (whole heads per process), the attention output and MLP down
    # projections by input features; embeddings, layer norms, pooler and heads stay replicated. No pipeline plan:
    # transformers' pipeline stages assume a language model's layout (`embed_tokens`, `layers`, `norm`, `lm_head`).
    base_model_tp_plan = {
        "encoder.layer.*.attention.self.query": "colwise",
        "encoder.layer.*.attention.self.key": "colwise",
        "encoder.layer.*.attention.self.value": "colwise",
        "encoder.layer.*.attention.output.dense": "rowwise",
        "encoder.layer.*.intermediate.dense": "colwise",
        "encoder.layer.*.output.dense": "rowwise",
    }

    def __init__(
        self,
        vocab_size: int = 30522,
        hidden_size: int = 768,
        num_hidden_layers: int = 12,
        num_attention_heads: int = 12,
        intermediate_size: int = 3072,
        hidden_act: str = "gelu",
        hidden_dropout_prob: float = 0.1,
        attention_probs_dropout_prob: float = 0.1,
        max_position_embeddings: int = 512,
        type_vocab_size: int = 2,
        initializer_range: float = 0.02,
        layer_norm_eps: float = 1e-12,
        classifier_dropout: float | None = None,
        add_pooling_layer: bool = True,
        pad_token_id: int | None = 0,
        bos_token_id: int | None = None,
        eos_token_id: int | list[int] | None = None,
        tie_word_embeddings: bool = True,
        **kwargs,
    ) -> None:
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.initializer_range = initializer_range
        self.layer_norm_eps = layer_norm_eps
        self.classifier_dropout = classifier_dropout
        self.add_pooling_layer = add_pooling_layer
        self.pad_token_id = pad_token_id
        self.bos_token_id = bos_token_id
        self.eos_token_id = eos_token_id
        self.tie_word_embeddings = tie_word_embeddings
        # Assembling a config never raises, so that partial overrides such as `Config(hidden_size=32)` work as for
        # transformers' own configs; `validate_architecture` says what is wrong when a model is built or saved.
        super().__init__(**kwargs)

    {{ common.config_head_dim() }}

    {{ common.config_validate() }}

    def validate_architecture(self) -> None:
        """Raise a ValueError naming the setting that would build a broken model (the model calls it when built)."""
        check_positive_integers(self, "vocab_size", "hidden_size", "intermediate_size", "max_position_embeddings")
        check_positive_integers(self, "num_hidden_layers", "num_attention_heads", "type_vocab_size")
        check_divisible(
            self, "hidden_size", "num_attention_heads", "each head gets hidden_size / num_attention_heads dimensions"
        )
        check_activations(self, "hidden_act")
        check_probabilities(self, "hidden_dropout_prob", "attention_probs_dropout_prob")
        if self.classifier_dropout is not None:
            check_probabilities(self, "classifier_dropout")
        check_positive_numbers(self, "layer_norm_eps", "initializer_range")
        check_token_ids(self, "pad_token_id", "bos_token_id")


{{ cookiecutter.class_prefix }}Config.register_for_auto_class()

__all__ = ["{{ cookiecutter.class_prefix }}Config"]
