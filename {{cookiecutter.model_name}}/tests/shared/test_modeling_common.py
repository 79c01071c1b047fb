"""What every head of every family must do: save and load exactly, load what a checkpoint holds and initialise what it
lacks, agree across attention backends, and train, with or without gradient checkpointing.

The family's inputs come from `contract.py`; the heads from the modeling file's `AUTO_CLASSES` (see `common.py`).
"""

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoConfig
from transformers.modeling_layers import GradientCheckpointingLayer

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config

from ..common import (
    CLASSIFIERS,
    DEFAULT_AUTO_CLASS,
    DEFAULT_CLASS,
    HEADS,
    INVALID_SIZES,
    UPSTREAM_CODE,
    assert_same_outputs,
    tiny_config,
)
from ..contract import BUFFERS, INPUT_VARIANTS, INVALID_CONFIGS, example_inputs, training_batch
from ..helpers import enable_counted_checkpointing, training_losses


def test_config_round_trip_and_auto_config(tmp_path, config):
    config.save_pretrained(tmp_path)
    assert {{ cookiecutter.class_prefix }}Config.from_pretrained(tmp_path).to_dict() == config.to_dict()
    loaded = AutoConfig.from_pretrained(tmp_path, trust_remote_code=True)
    assert type(loaded).__name__ == "{{ cookiecutter.class_prefix }}Config"
    assert loaded.model_type == {{ cookiecutter.class_prefix }}Config.model_type == "{{ cookiecutter.model_name }}"


# A fork's config is upstream's: it lists no checks of its own here (tests/fork/test_fork.py compares its checks with
# upstream's), and an empty parameter set would be a skip.
if INVALID_SIZES + INVALID_CONFIGS:

    @pytest.mark.parametrize(("overrides", "message"), INVALID_SIZES + INVALID_CONFIGS)
    def test_invalid_config_values_raise_clear_errors_when_the_model_is_built_or_saved(tmp_path, overrides, message):
        # Assembling a config from keyword arguments never raises (transformers' common tests rely on it) ...
        config = tiny_config(**overrides)
        # ... building a model from it, or saving it, says what is wrong.
        with pytest.raises(ValueError) as error:
            DEFAULT_CLASS(config)
        assert message in str(error.value)
        with pytest.raises(ValueError) as error:
            config.save_pretrained(tmp_path)
        assert message in str(error.value)
        assert not (tmp_path / "config.json").exists()

    def test_a_config_fixed_after_it_is_assembled_builds_the_model(inputs):
        # transformers' common tests assemble a config from keyword arguments, then set the rest.
        config = tiny_config(num_attention_heads=5)
        with pytest.raises(ValueError, match="must be divisible by `num_attention_heads`"):
            config.validate()
        config.get_text_config().num_attention_heads = 8  # the config itself, or a composite config's language model
        config.validate()
        with torch.no_grad():
            DEFAULT_CLASS(config).eval()(**inputs)


# Only the families with classifier heads have this test (an empty parameter set would be a skip).
if CLASSIFIERS:

    @pytest.mark.parametrize("auto_class", CLASSIFIERS)
    def test_classification_losses_follow_the_labels(inputs, auto_class):
        """One label: mean-squared error; multi-hot float labels: binary cross-entropy, as transformers'."""
        regression = HEADS[auto_class](tiny_config(num_labels=1)).eval()
        targets = torch.tensor([0.5, -1.0])
        outputs = regression(**inputs, labels=targets)
        torch.testing.assert_close(outputs.loss, torch.nn.functional.mse_loss(outputs.logits.squeeze(-1), targets))
        multi_label = HEADS[auto_class](tiny_config()).eval()
        targets = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])[:, : multi_label.config.num_labels]
        outputs = multi_label(**inputs, labels=targets)
        expected = torch.nn.functional.binary_cross_entropy_with_logits(outputs.logits, targets)
        torch.testing.assert_close(outputs.loss, expected)


@pytest.mark.parametrize("auto_class", HEADS)
def test_save_and_load_give_identical_outputs(tmp_path, config, inputs, auto_class):
    model = HEADS[auto_class](config).eval()
    model.save_pretrained(tmp_path)
    reloaded = HEADS[auto_class].from_pretrained(tmp_path).eval()
    with torch.no_grad():
        assert_same_outputs(reloaded(**inputs), model(**inputs), inputs, tolerance=0)
    assert (tmp_path / "model.safetensors").is_file()
    assert reloaded.config.id2label == config.id2label


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """The bare model and the default head, each saved once."""
    root = tmp_path_factory.mktemp("checkpoints")
    for auto_class in ("AutoModel", DEFAULT_AUTO_CLASS):
        torch.manual_seed(0)
        HEADS[auto_class](tiny_config()).save_pretrained(root / auto_class)
    return root


def assert_initialised_like_a_new_model(name: str, parameter: torch.Tensor, new: torch.Tensor) -> None:
    """Not left as uninitialised memory: initialised as `new`, the same parameter of a freshly built model, is (the
    model's own `_init_weights`, upstream's for a fork): drawn with a spread within a factor 2 of its spread, or the
    same constants (zero biases, unit norm weights)."""
    assert torch.isfinite(parameter).all(), name
    if new.numel() > 1 and new.std() > 0:
        assert 0.5 * new.std().item() < parameter.std().item() < 2 * new.std().item(), name
    else:
        torch.testing.assert_close(parameter, new, rtol=0, atol=0, msg=name)


@pytest.mark.parametrize("loaded_as", HEADS)
@pytest.mark.parametrize("saved_as", sorted({"AutoModel", DEFAULT_AUTO_CLASS}))
def test_weights_and_buffers_after_from_pretrained(checkpoints, config, saved_as, loaded_as):
    folder = checkpoints / saved_as
    model = HEADS[loaded_as].from_pretrained(folder)
    prefix = model.base_model_prefix + "."
    stored = {name.removeprefix(prefix): tensor for name, tensor in load_file(folder / "model.safetensors").items()}

    # What the checkpoint holds is loaded exactly; what it lacks (another head, a pooler) is initialised like a new
    # model, not left as uninitialised memory.
    new = dict(HEADS[loaded_as](config).named_parameters())
    for name, parameter in model.named_parameters():
        if name.removeprefix(prefix) in stored:
            torch.testing.assert_close(parameter, stored[name.removeprefix(prefix)], rtol=0, atol=0, msg=name)
        else:
            assert_initialised_like_a_new_model(name, parameter, new[name])

    # Non-persistent buffers are not in the checkpoint: they must equal a freshly built model's. Persistent ones (a
    # batch norm's running statistics, in a fork of a convolutional model) are loaded exactly.
    fresh = HEADS[loaded_as](config)
    non_persistent = {
        f"{name}.{buffer}" if name else buffer
        for name, module in fresh.named_modules()
        for buffer in module._non_persistent_buffers_set
    }
    assert {name.removeprefix(prefix) for name in non_persistent} == BUFFERS, "a buffer the contract does not list"
    fresh_buffers = dict(fresh.named_buffers())
    for name, buffer in model.named_buffers():
        expected = fresh_buffers[name] if name in non_persistent else stored[name.removeprefix(prefix)]
        torch.testing.assert_close(buffer, expected, rtol=0, atol=0, msg=f"buffer {name} differs after loading")


@pytest.mark.parametrize("variant", INPUT_VARIANTS)
def test_eager_and_sdpa_agree(config, variant):
    model = DEFAULT_CLASS(config).eval()
    inputs = example_inputs(config, variant)
    upstream_without_sdpa = UPSTREAM_CODE and not DEFAULT_CLASS._supports_sdpa
    with torch.no_grad():
        model.set_attn_implementation("eager")
        eager = model(**inputs, output_hidden_states=True)
        try:
            model.set_attn_implementation("sdpa")
        except ValueError as error:
            # Upstream gives this model no sdpa attention (Gemma 2: softcapping): a fork refuses it as upstream does.
            assert upstream_without_sdpa and "does not support an attention implementation" in str(error)
            return
        sdpa = model(**inputs, output_hidden_states=True)
    # A fork of a model without attention of transformers' kinds (Bloom's, RWKV, MobileNet) computes the same anyway.
    assert upstream_without_sdpa or model.config._attn_implementation == "sdpa"
    assert_same_outputs(sdpa, eager, inputs, tolerance=1e-5)


def test_gradient_checkpointing_gives_the_same_loss_and_gradients(config):
    model = DEFAULT_CLASS(config).train()  # dropout on, where the family has any: checkpointing must replay it
    batch = training_batch(config)
    if UPSTREAM_CODE and not DEFAULT_CLASS.supports_gradient_checkpointing:
        # A fork of a model that upstream gives no activation checkpointing (MobileNet) refuses it as upstream does.
        with pytest.raises(ValueError, match="does not support (activation|gradient) checkpointing"):
            enable_counted_checkpointing(model)
        return

    def loss_and_gradients() -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        torch.manual_seed(0)
        model.zero_grad()
        loss = model(**batch).loss
        loss.backward()
        # Every parameter the loss reaches (not, e.g., a vision tower's final norm that a VLM never reads).
        return loss.detach(), {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}

    loss, gradients = loss_and_gradients()
    calls = enable_counted_checkpointing(model)
    checkpointed_loss, checkpointed_gradients = loss_and_gradients()

    # Every layer of every stack (a VLM's vision tower and language model) ran once, through checkpointing.
    layers = sum(isinstance(module, GradientCheckpointingLayer) for module in model.modules())
    assert layers >= config.get_text_config().num_hidden_layers
    assert len(calls) == layers, "the layers did not run through checkpointing"
    torch.testing.assert_close(checkpointed_loss, loss)
    assert checkpointed_gradients.keys() == gradients.keys()
    for name, gradient in gradients.items():
        torch.testing.assert_close(checkpointed_gradients[name], gradient, msg=f"gradient of {name} differs")


def test_a_few_optimizer_steps_lower_the_loss(config):
    model = DEFAULT_CLASS(config).train()
    losses = training_losses(model, training_batch(config), steps=5)
    assert losses[-1] < losses[0] - 0.5, losses
