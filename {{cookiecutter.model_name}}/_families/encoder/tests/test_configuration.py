import pytest

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}Config,
    {{ cookiecutter.class_prefix }}ForMaskedLM,
    {{ cookiecutter.class_prefix }}Model,
)

from .common import tiny_config


def test_round_trip(tmp_path):
    config = tiny_config(
        tie_word_embeddings=False,
        hidden_act="gelu_new",
        type_vocab_size=3,
        classifier_dropout=0.2,
        add_pooling_layer=False,
        layer_norm_eps=1e-5,
    )
    config.save_pretrained(tmp_path)
    reloaded = {{ cookiecutter.class_prefix }}Config.from_pretrained(tmp_path)
    assert reloaded.to_dict() == config.to_dict()
    assert reloaded.head_dim == 8
    assert reloaded.tie_word_embeddings is False and reloaded.add_pooling_layer is False
    assert (reloaded.hidden_act, reloaded.type_vocab_size, reloaded.classifier_dropout) == ("gelu_new", 3, 0.2)


def test_model_type_and_defaults():
    config = {{ cookiecutter.class_prefix }}Config()
    assert config.model_type == "{{ cookiecutter.model_name }}"
    # The shape and options of BERT-base.
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads) == (768, 12, 12)
    assert (config.max_position_embeddings, config.type_vocab_size, config.hidden_act) == (512, 2, "gelu")
    assert (config.pad_token_id, config.bos_token_id, config.eos_token_id) == (0, None, None)
    assert config.tie_word_embeddings is True and config.add_pooling_layer is True
    assert config.classifier_dropout is None and config.layer_norm_eps == 1e-12


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"hidden_size": 30}, "must be divisible by `num_attention_heads`"),
        ({"num_attention_heads": 0}, "`num_attention_heads` must be a positive integer"),
        ({"num_hidden_layers": 0}, "`num_hidden_layers` must be a positive integer"),
        ({"vocab_size": -1}, "`vocab_size` must be a positive integer"),
        ({"type_vocab_size": 0}, "`type_vocab_size` must be a positive integer"),
        ({"max_position_embeddings": 2.5}, "`max_position_embeddings` must be a positive integer"),
        ({"hidden_act": "swish_of_doom"}, "`hidden_act` 'swish_of_doom' is not an activation"),
        ({"hidden_dropout_prob": 1.0}, "`hidden_dropout_prob` must be in [0, 1)"),
        ({"attention_probs_dropout_prob": -0.1}, "`attention_probs_dropout_prob` must be in [0, 1)"),
        ({"classifier_dropout": 1.5}, "`classifier_dropout` must be in [0, 1)"),
        ({"layer_norm_eps": 0.0}, "`layer_norm_eps` must be positive"),
        ({"initializer_range": -0.02}, "`initializer_range` must be positive"),
        ({"vocab_size": 99, "pad_token_id": 99}, "`pad_token_id` (99) must be in [0, vocab_size=99)"),
        # Values of the wrong type: named, never computed with (a TypeError inside transformers' own checks).
        ({"hidden_size": "large"}, "`hidden_size` must be a positive integer, got 'large'"),
        ({"num_attention_heads": "4"}, "`num_attention_heads` must be a positive integer, got '4'"),
        ({"classifier_dropout": "0.1"}, "`classifier_dropout` must be in [0, 1), got '0.1'"),
        ({"layer_norm_eps": "1e-12"}, "`layer_norm_eps` must be positive, got '1e-12'"),
        ({"pad_token_id": "0"}, "`pad_token_id` ('0') must be in [0, vocab_size=512)"),
        ({"hidden_act": ["gelu"]}, "`hidden_act` ['gelu'] is not an activation"),
    ],
)
def test_invalid_values_raise_clear_errors_when_the_model_is_built_or_saved(tmp_path, overrides, message):
    # Assembling a config from keyword arguments never raises (transformers' common tests rely on it) ...
    config = tiny_config(**overrides)
    # ... building a model from it, or saving it, says what is wrong.
    with pytest.raises(ValueError) as error:
        {{ cookiecutter.class_prefix }}ForMaskedLM(config)
    assert message in str(error.value)
    with pytest.raises(ValueError) as error:
        config.save_pretrained(tmp_path)
    assert message in str(error.value)
    assert not (tmp_path / "config.json").exists()


def test_partial_overrides_assemble_like_transformers_configs():
    config = {{ cookiecutter.class_prefix }}Config(hidden_size=32)  # 12 heads by default: not a divisor of 32
    assert (config.hidden_size, config.num_attention_heads) == (32, 12)
    with pytest.raises(ValueError, match="must be divisible by `num_attention_heads`"):
        config.validate()
    config.num_attention_heads = 4  # fixed afterwards, as transformers' common tests do
    config.validate()
    assert {{ cookiecutter.class_prefix }}Model(config).config.head_dim == 8
