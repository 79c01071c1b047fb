import pytest

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}Config,
    {{ cookiecutter.class_prefix }}ForImageClassification,
    {{ cookiecutter.class_prefix }}Model,
)

from .common import tiny_config
from .contract import LABELS


def test_round_trip(tmp_path):
    config = tiny_config(qkv_bias=False, layer_norm_eps=1e-6, pooler_output_size=16, pooler_act="gelu")
    config.save_pretrained(tmp_path)
    reloaded = {{ cookiecutter.class_prefix }}Config.from_pretrained(tmp_path)
    assert reloaded.to_dict() == config.to_dict()
    assert (reloaded.head_dim, reloaded.num_patches) == (8, 16)
    assert reloaded.qkv_bias is False and reloaded.pooler_output_size == 16
    assert reloaded.id2label == dict(enumerate(LABELS))
    assert reloaded.label2id == {label: index for index, label in enumerate(LABELS)}


def test_model_type_and_defaults():
    config = {{ cookiecutter.class_prefix }}Config()
    assert config.model_type == "{{ cookiecutter.model_name }}"
    assert (config.image_size, config.patch_size, config.hidden_size, config.num_hidden_layers) == (224, 16, 768, 12)
    assert config.pooler_output_size == config.hidden_size
    assert config.hidden_act == "gelu" and config.qkv_bias is True


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"image_size": 30}, "`image_size` (30) must be divisible by `patch_size` (8)"),
        ({"hidden_size": 30}, "`hidden_size` (30) must be divisible by `num_attention_heads` (4)"),
        ({"patch_size": 0}, "`patch_size` must be a positive integer"),
        ({"num_hidden_layers": 0}, "`num_hidden_layers` must be a positive integer"),
        ({"image_size": (32, 32)}, "`image_size` must be a positive integer"),
        ({"num_channels": True}, "`num_channels` must be a positive integer"),
        ({"hidden_dropout_prob": 1.0}, "`hidden_dropout_prob` must be in [0, 1)"),
        ({"attention_probs_dropout_prob": -0.1}, "`attention_probs_dropout_prob` must be in [0, 1)"),
        ({"layer_norm_eps": 0.0}, "`layer_norm_eps` must be positive"),
        ({"hidden_act": "swish_nope"}, "`hidden_act` 'swish_nope' is not an activation"),
        # Values of the wrong type: named, never computed with (a TypeError inside transformers' own checks).
        ({"hidden_size": "large"}, "`hidden_size` must be a positive integer, got 'large'"),
        ({"num_attention_heads": "4"}, "`num_attention_heads` must be a positive integer, got '4'"),
        ({"hidden_dropout_prob": "none"}, "`hidden_dropout_prob` must be in [0, 1), got 'none'"),
        ({"initializer_range": "0.02"}, "`initializer_range` must be positive, got '0.02'"),
        ({"pooler_act": ["tanh"]}, "`pooler_act` ['tanh'] is not an activation"),
    ],
)
def test_invalid_values_raise_clear_errors_when_the_model_is_built_or_saved(tmp_path, overrides, message):
    # Assembling a config from keyword arguments never raises (transformers' common tests rely on it) ...
    config = tiny_config(**overrides)
    # ... building a model from it, or saving it, says what is wrong.
    with pytest.raises(ValueError) as error:
        {{ cookiecutter.class_prefix }}ForImageClassification(config)
    assert message in str(error.value)
    with pytest.raises(ValueError) as error:
        config.save_pretrained(tmp_path)
    assert message in str(error.value)
    assert not (tmp_path / "config.json").exists()


def test_partial_overrides_assemble_like_transformers_configs():
    config = {{ cookiecutter.class_prefix }}Config(hidden_size=32, image_size=32, patch_size=8)  # 12 heads by default
    assert (config.hidden_size, config.num_attention_heads) == (32, 12)
    with pytest.raises(ValueError, match="must be divisible by `num_attention_heads`"):
        config.validate()
    config.num_attention_heads = 4  # fixed afterwards, as transformers' common tests do
    config.validate()
    assert {{ cookiecutter.class_prefix }}Model(config).config.head_dim == 8
