from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config

from ..common import tiny_config
from ..contract import LABELS


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
