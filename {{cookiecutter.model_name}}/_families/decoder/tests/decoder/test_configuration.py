import pytest

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config

from ..common import tiny_config


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


def test_partial_overrides_assemble_like_transformers_configs():
    config = {{ cookiecutter.class_prefix }}Config(hidden_size=36)  # 8 heads by default: not a divisor of 36
    assert (config.hidden_size, config.num_attention_heads) == (36, 8)
    config.num_attention_heads = config.num_key_value_heads = 4  # fixed afterwards, as transformers' tests do
    config.head_dim = 9
    with pytest.raises(ValueError, match="must be even"):
        config.validate()
    config.head_dim = 12
    config.validate()
