from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config

from ..common import tiny_config


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
