import pytest
import torch

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForImageClassification,
    {{ cookiecutter.class_prefix }}Model,
)


def test_forward_shapes_of_every_head(config, pixel_values):
    batch, sequence = pixel_values.shape[0], config.num_patches + 1
    base = {{ cookiecutter.class_prefix }}Model(config).eval()
    outputs = base(pixel_values, output_hidden_states=True)
    assert outputs.last_hidden_state.shape == (batch, sequence, config.hidden_size)
    assert outputs.pooler_output.shape == (batch, config.pooler_output_size)
    assert len(outputs.hidden_states) == config.num_hidden_layers + 1
    assert {{ cookiecutter.class_prefix }}Model(config, add_pooling_layer=False)(pixel_values).pooler_output is None

    classifier = {{ cookiecutter.class_prefix }}ForImageClassification(config).eval()
    outputs = classifier(pixel_values, labels=torch.tensor([0, 2]))
    assert outputs.logits.shape == (batch, config.num_labels)
    assert outputs.loss.ndim == 0 and torch.isfinite(outputs.loss)
    assert classifier.model.pooler is None, "the classifier uses the CLS token, not the pooler (as ViT)"


def test_the_classification_loss_leaves_the_config_as_it_was(config, pixel_values):
    # The losses: test_modeling_common.py.
    classifier = {{ cookiecutter.class_prefix }}ForImageClassification(config).eval()
    classifier(pixel_values, labels=torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]))
    assert classifier.config.problem_type is None


def test_other_image_sizes_need_interpolated_position_embeddings(config, pixel_values):
    model = {{ cookiecutter.class_prefix }}Model(config).eval()
    large = torch.randn(2, 3, 48, 40)
    with pytest.raises(ValueError, match=r"Input image size \(48\*40\) doesn't match the model \(32\*32\)"):
        model(large)
    with torch.no_grad():
        outputs = model(large, interpolate_pos_encoding=True)
        # 48x40 pixels -> 6x5 patches, plus the CLS token.
        assert outputs.last_hidden_state.shape == (2, 6 * 5 + 1, config.hidden_size)
        # At the trained size the interpolation is the identity.
        torch.testing.assert_close(
            model(pixel_values, interpolate_pos_encoding=True).last_hidden_state,
            model(pixel_values).last_hidden_state,
            rtol=0,
            atol=0,
        )


def test_wrong_number_of_channels_is_refused(config):
    with pytest.raises(ValueError, match="has 1 channels but the model expects 3"):
        {{ cookiecutter.class_prefix }}Model(config)(torch.randn(1, 1, 32, 32))


def test_output_attentions_with_eager_backend(config, pixel_values):
    model = {{ cookiecutter.class_prefix }}Model(config).eval()
    model.set_attn_implementation("eager")
    attentions = model(pixel_values, output_attentions=True).attentions
    sequence = config.num_patches + 1
    assert len(attentions) == config.num_hidden_layers
    assert attentions[0].shape == (2, config.num_attention_heads, sequence, sequence)
    # Bidirectional: every position attends to every other, and each row is a distribution.
    assert torch.all(attentions[0] > 0)
    torch.testing.assert_close(attentions[0].sum(-1), torch.ones(2, config.num_attention_heads, sequence))


def test_new_model_initialisation(config):
    model = {{ cookiecutter.class_prefix }}ForImageClassification(config)
    embeddings = model.model.embeddings
    for parameter in (embeddings.cls_token, embeddings.position_embeddings, model.classifier.weight):
        assert 0.5 * config.initializer_range < parameter.std().item() < 2 * config.initializer_range
    assert torch.all(model.classifier.bias == 0)
    assert torch.all(model.model.layers[0].layernorm_before.weight == 1)
