import pytest
import torch

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForImageClassification,
    {{ cookiecutter.class_prefix }}Model,
)

from .helpers import enable_counted_checkpointing
from .tiny import tiny_config


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


def test_classification_losses_follow_the_problem_type(pixel_values):
    regression = {{ cookiecutter.class_prefix }}ForImageClassification(tiny_config(num_labels=1)).eval()
    outputs = regression(pixel_values, labels=torch.tensor([0.5, -1.0]))
    expected = torch.nn.functional.mse_loss(outputs.logits.squeeze(-1), torch.tensor([0.5, -1.0]))
    torch.testing.assert_close(outputs.loss, expected)

    multi_label = {{ cookiecutter.class_prefix }}ForImageClassification(tiny_config()).eval()
    targets = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    outputs = multi_label(pixel_values, labels=targets)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(outputs.logits, targets)
    torch.testing.assert_close(outputs.loss, expected)
    assert multi_label.config.problem_type is None, "the loss must not change the config"


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


def test_save_and_load_give_identical_outputs(tmp_path, config, pixel_values):
    model = {{ cookiecutter.class_prefix }}ForImageClassification(config).eval()
    model.save_pretrained(tmp_path)
    reloaded = {{ cookiecutter.class_prefix }}ForImageClassification.from_pretrained(tmp_path).eval()
    with torch.no_grad():
        torch.testing.assert_close(reloaded(pixel_values).logits, model(pixel_values).logits, rtol=0, atol=0)
    assert (tmp_path / "model.safetensors").is_file()
    assert reloaded.config.id2label == config.id2label


def test_new_model_initialisation(config):
    model = {{ cookiecutter.class_prefix }}ForImageClassification(config)
    embeddings = model.model.embeddings
    for parameter in (embeddings.cls_token, embeddings.position_embeddings, model.classifier.weight):
        assert 0.5 * config.initializer_range < parameter.std().item() < 2 * config.initializer_range
    assert torch.all(model.classifier.bias == 0)
    assert torch.all(model.model.layers[0].layernorm_before.weight == 1)


def test_buffers_and_weights_after_from_pretrained(tmp_path, config):
    model = {{ cookiecutter.class_prefix }}Model(config)
    model.save_pretrained(tmp_path)
    reloaded = {{ cookiecutter.class_prefix }}Model.from_pretrained(tmp_path)

    # The model has no buffers, so none can be left uninitialised after loading; a new one needs a test here.
    assert [name for name, _ in reloaded.named_buffers()] == []

    # Every parameter holds the saved value: nothing re-initialised, nothing left as uninitialised memory.
    saved = model.state_dict()
    for name, parameter in reloaded.named_parameters():
        torch.testing.assert_close(parameter, saved[name], rtol=0, atol=0, msg=f"{name} differs after loading")

    # A head missing from the checkpoint is initialised like a new model, not left as garbage.
    classifier = {{ cookiecutter.class_prefix }}ForImageClassification.from_pretrained(tmp_path)
    weight, bias = classifier.classifier.weight, classifier.classifier.bias
    assert torch.isfinite(weight).all() and torch.all(bias == 0)
    assert 0.5 * config.initializer_range < weight.std().item() < 2 * config.initializer_range
    torch.testing.assert_close(classifier.model.embeddings.cls_token, saved["embeddings.cls_token"], rtol=0, atol=0)


@pytest.mark.parametrize("size", [(32, 32), (48, 40)])
def test_eager_and_sdpa_agree(config, size):
    model = {{ cookiecutter.class_prefix }}ForImageClassification(config).eval()
    pixel_values = torch.randn(2, 3, *size)
    with torch.no_grad():
        model.set_attn_implementation("eager")
        eager = model(pixel_values, interpolate_pos_encoding=True, output_hidden_states=True)
        model.set_attn_implementation("sdpa")
        sdpa = model(pixel_values, interpolate_pos_encoding=True, output_hidden_states=True)
    assert model.config._attn_implementation == "sdpa"
    torch.testing.assert_close(sdpa.logits, eager.logits, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(sdpa.hidden_states[-1], eager.hidden_states[-1], rtol=1e-5, atol=1e-5)


def test_gradient_checkpointing_gives_the_same_loss_and_gradients(config, pixel_values):
    model = {{ cookiecutter.class_prefix }}ForImageClassification(config).train()
    labels = torch.tensor([0, 2])

    def loss_and_gradients() -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        model.zero_grad()
        loss = model(pixel_values, labels=labels).loss
        loss.backward()
        return loss.detach(), {name: p.grad.clone() for name, p in model.named_parameters()}

    loss, gradients = loss_and_gradients()
    calls = enable_counted_checkpointing(model)
    checkpointed_loss, checkpointed_gradients = loss_and_gradients()

    assert len(calls) == config.num_hidden_layers, "the layers did not run through checkpointing"
    torch.testing.assert_close(checkpointed_loss, loss)
    for name, gradient in gradients.items():
        torch.testing.assert_close(checkpointed_gradients[name], gradient, msg=f"gradient of {name} differs")


def test_a_few_optimizer_steps_lower_the_loss(config, pixel_values):
    model = {{ cookiecutter.class_prefix }}ForImageClassification(config).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    labels = torch.tensor([0, 2])
    losses = []
    for _ in range(5):
        loss = model(pixel_values, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.5, losses
