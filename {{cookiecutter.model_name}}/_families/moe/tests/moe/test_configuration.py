from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config

from ..common import tiny_config


def test_round_trip(tmp_path):
    config = tiny_config(
        sliding_window=16, router_aux_loss_coef=0.02, router_jitter_noise=0.1, output_router_logits=True
    )
    config.save_pretrained(tmp_path)
    reloaded = {{ cookiecutter.class_prefix }}Config.from_pretrained(tmp_path)
    assert reloaded.to_dict() == config.to_dict()
    assert (reloaded.num_local_experts, reloaded.num_experts_per_tok, reloaded.sliding_window) == (4, 2, 16)
    assert reloaded.output_router_logits is True and reloaded.router_aux_loss_coef == 0.02


def test_model_type_and_defaults_are_mixtrals():
    config = {{ cookiecutter.class_prefix }}Config()
    assert config.model_type == "{{ cookiecutter.model_name }}"
    assert (config.num_local_experts, config.num_experts_per_tok) == (8, 2)
    assert config.num_experts == 8  # Mixtral's other name for it
    assert config.sliding_window is None and config.output_router_logits is False
    assert (config.router_aux_loss_coef, config.router_jitter_noise) == (0.001, 0.0)
    assert (config.pad_token_id, config.bos_token_id, config.eos_token_id) == (None, 1, 2)
