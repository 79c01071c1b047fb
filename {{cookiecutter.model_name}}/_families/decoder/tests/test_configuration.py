import pytest

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config, {{ cookiecutter.class_prefix }}ForCausalLM

from .common import tiny_config


def test_round_trip(tmp_path):
    config = tiny_config(tie_word_embeddings=True, rope_theta=500000.0, attention_bias=True)
    config.save_pretrained(tmp_path)
    reloaded = {{ cookiecutter.class_prefix }}Config.from_pretrained(tmp_path)
    assert reloaded.to_dict() == config.to_dict()
    assert reloaded.head_dim == 8
    assert reloaded.rope_parameters == {"rope_type": "default", "rope_theta": 500000.0}
    assert reloaded.tie_word_embeddings is True


def test_model_type_and_defaults():
    config = {{ cookiecutter.class_prefix }}Config()
    assert config.model_type == "{{ cookiecutter.model_name }}"
    assert config.num_key_value_heads == config.num_attention_heads
    assert (config.pad_token_id, config.bos_token_id, config.eos_token_id) == (None, 1, 2)
    assert config.use_cache is True and config.tie_word_embeddings is False


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"hidden_size": 34}, "must be divisible by `num_attention_heads`"),
        ({"num_key_value_heads": 3}, "must be divisible by `num_key_value_heads`"),
        ({"hidden_size": 12, "num_attention_heads": 4, "num_key_value_heads": 4}, "`head_dim` (3) must be even"),
        ({"head_dim": 0}, "`head_dim` must be a positive integer"),
        ({"num_hidden_layers": 0}, "`num_hidden_layers` must be a positive integer"),
        ({"vocab_size": -1}, "`vocab_size` must be a positive integer"),
        ({"rope_theta": 0.0}, "`rope_parameters['rope_theta']` must be positive"),
        ({"rope_parameters": {"rope_type": "ntk-by-parts", "factor": 2.0}}, "rope_type 'ntk-by-parts'"),
        ({"attention_dropout": 1.5}, "`attention_dropout` must be in [0, 1)"),
        ({"vocab_size": 99, "pad_token_id": 99}, "`pad_token_id` (99) must be in [0, vocab_size=99)"),
        # Values of the wrong type: named, never computed with (a TypeError inside transformers' own checks).
        ({"hidden_size": "large"}, "`hidden_size` must be a positive integer, got 'large'"),
        ({"num_attention_heads": "4"}, "`num_attention_heads` must be a positive integer, got '4'"),
        ({"attention_dropout": "0.1"}, "`attention_dropout` must be in [0, 1), got '0.1'"),
        ({"rope_parameters": {"rope_type": "default", "rope_theta": "1e4"}}, "must be positive, got '1e4'"),
        ({"bos_token_id": "1"}, "`bos_token_id` ('1') must be in [0, vocab_size=384)"),
    ],
)
def test_invalid_values_raise_clear_errors_when_the_model_is_built_or_saved(tmp_path, overrides, message):
    # Assembling a config from keyword arguments never raises (transformers' common tests rely on it) ...
    config = tiny_config(**overrides)
    # ... building a model from it, or saving it, says what is wrong.
    with pytest.raises(ValueError) as error:
        {{ cookiecutter.class_prefix }}ForCausalLM(config)
    assert message in str(error.value)
    with pytest.raises(ValueError) as error:
        config.save_pretrained(tmp_path)
    assert message in str(error.value)
    assert not (tmp_path / "config.json").exists()


def test_partial_overrides_assemble_like_transformers_configs():
    config = {{ cookiecutter.class_prefix }}Config(hidden_size=36)  # 8 heads by default: not a divisor of 36
    assert (config.hidden_size, config.num_attention_heads) == (36, 8)
    config.num_attention_heads = config.num_key_value_heads = 4  # fixed afterwards, as transformers' tests do
    config.head_dim = 9
    with pytest.raises(ValueError, match="must be even"):
        config.validate()
    config.head_dim = 12
    config.validate()
