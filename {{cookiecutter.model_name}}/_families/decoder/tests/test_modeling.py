import pytest
import torch

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForCausalLM,
    {{ cookiecutter.class_prefix }}ForSequenceClassification,
    {{ cookiecutter.class_prefix }}Model,
)
from {{ cookiecutter.model_name }}.modeling_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}RotaryEmbedding

from .helpers import enable_counted_checkpointing
from .tiny import PAD, tiny_config


def test_forward_shapes_of_every_head(config, input_ids):
    batch, length = input_ids.shape
    base = {{ cookiecutter.class_prefix }}Model(config).eval()
    outputs = base(input_ids, output_hidden_states=True, output_attentions=True)
    assert outputs.last_hidden_state.shape == (batch, length, config.hidden_size)
    assert len(outputs.hidden_states) == config.num_hidden_layers + 1
    assert len(outputs.past_key_values) == config.num_hidden_layers

    causal_lm = {{ cookiecutter.class_prefix }}ForCausalLM(config).eval()
    outputs = causal_lm(input_ids, labels=input_ids)
    assert outputs.logits.shape == (batch, length, config.vocab_size)
    assert outputs.loss.ndim == 0 and torch.isfinite(outputs.loss)
    assert causal_lm(input_ids, logits_to_keep=1).logits.shape == (batch, 1, config.vocab_size)

    classifier = {{ cookiecutter.class_prefix }}ForSequenceClassification(config).eval()
    outputs = classifier(input_ids, labels=torch.tensor([0, 2]))
    assert outputs.logits.shape == (batch, config.num_labels)
    assert torch.isfinite(outputs.loss)


def test_output_attentions_with_eager_backend(config, input_ids):
    model = {{ cookiecutter.class_prefix }}Model(config).eval()
    model.set_attn_implementation("eager")
    attentions = model(input_ids, output_attentions=True).attentions
    assert len(attentions) == config.num_hidden_layers
    assert attentions[0].shape == (2, config.num_attention_heads, 7, 7)
    # Causal: no weight on future positions.
    assert torch.all(attentions[0].triu(diagonal=1) == 0)


def test_save_and_load_give_identical_outputs(tmp_path, config, input_ids):
    model = {{ cookiecutter.class_prefix }}ForCausalLM(config).eval()
    model.save_pretrained(tmp_path)
    reloaded = {{ cookiecutter.class_prefix }}ForCausalLM.from_pretrained(tmp_path).eval()
    with torch.no_grad():
        torch.testing.assert_close(reloaded(input_ids).logits, model(input_ids).logits, rtol=0, atol=0)
    assert (tmp_path / "model.safetensors").is_file()


def test_tied_embeddings(tmp_path, input_ids):
    model = {{ cookiecutter.class_prefix }}ForCausalLM(tiny_config(tie_word_embeddings=True)).eval()
    assert model.lm_head.weight is model.model.embed_tokens.weight
    model.save_pretrained(tmp_path)
    reloaded = {{ cookiecutter.class_prefix }}ForCausalLM.from_pretrained(tmp_path)
    assert reloaded.lm_head.weight is reloaded.model.embed_tokens.weight
    torch.testing.assert_close(reloaded.lm_head.weight, model.lm_head.weight, rtol=0, atol=0)

    untied = {{ cookiecutter.class_prefix }}ForCausalLM(tiny_config(tie_word_embeddings=False))
    assert untied.lm_head.weight is not untied.model.embed_tokens.weight


def test_buffers_and_weights_after_from_pretrained(tmp_path, config):
    model = {{ cookiecutter.class_prefix }}ForCausalLM(config)
    model.save_pretrained(tmp_path)
    reloaded = {{ cookiecutter.class_prefix }}ForCausalLM.from_pretrained(tmp_path)

    # Non-persistent buffers are not in the checkpoint: they must equal a freshly built model's.
    fresh, _ = {{ cookiecutter.class_prefix }}RotaryEmbedding.compute_default_rope_parameters(config)
    for name, buffer in reloaded.named_buffers():
        assert name in ("model.rotary_emb.inv_freq", "model.rotary_emb.original_inv_freq"), f"untested buffer {name}"
        torch.testing.assert_close(buffer, fresh, rtol=0, atol=0)

    # Every parameter holds the saved value: nothing re-initialised, nothing left as uninitialised memory.
    saved = model.state_dict()
    for name, parameter in reloaded.named_parameters():
        torch.testing.assert_close(parameter, saved[name], rtol=0, atol=0, msg=f"{name} differs after loading")

    # A head missing from the checkpoint is initialised like a new model, not left as garbage.
    classifier = {{ cookiecutter.class_prefix }}ForSequenceClassification.from_pretrained(tmp_path)
    score = classifier.score.weight
    assert torch.isfinite(score).all()
    assert 0.5 * config.initializer_range < score.std().item() < 2 * config.initializer_range
    torch.testing.assert_close(classifier.model.embed_tokens.weight, saved["model.embed_tokens.weight"])


def test_greedy_generation_with_and_without_cache_agree(config, input_ids):
    model = {{ cookiecutter.class_prefix }}ForCausalLM(config).eval()
    settings = dict(max_new_tokens=10, min_new_tokens=10, do_sample=False, pad_token_id=PAD)
    with_cache = model.generate(input_ids, use_cache=True, **settings)
    without_cache = model.generate(input_ids, use_cache=False, **settings)
    assert with_cache.shape == (2, 17)
    assert torch.equal(with_cache, without_cache)


def test_left_padded_batch_equals_rows_alone(config):
    model = {{ cookiecutter.class_prefix }}ForCausalLM(config).eval()
    long_row = torch.tensor([[5, 6, 7, 8, 9, 10]])
    short_row = torch.tensor([[11, 12, 13]])
    batch = torch.tensor([[5, 6, 7, 8, 9, 10], [PAD, PAD, PAD, 11, 12, 13]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1]])
    with torch.no_grad():
        batched = model(batch, attention_mask=mask).logits
        torch.testing.assert_close(batched[0], model(long_row).logits[0], rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(batched[1, 3:], model(short_row).logits[0], rtol=1e-5, atol=1e-5)

    settings = dict(max_new_tokens=6, min_new_tokens=6, do_sample=False, pad_token_id=PAD)
    generated = model.generate(batch, attention_mask=mask, **settings)
    assert torch.equal(generated[0, 6:], model.generate(long_row, **settings)[0, 6:])
    assert torch.equal(generated[1, 6:], model.generate(short_row, **settings)[0, 3:])


def test_sequence_classification_pools_the_last_real_token(config):
    model = {{ cookiecutter.class_prefix }}ForSequenceClassification(config).eval()
    row = torch.tensor([[5, 6, 7]])
    left = torch.tensor([[PAD, PAD, 5, 6, 7]])
    right = torch.tensor([[5, 6, 7, PAD, PAD]])
    with torch.no_grad():
        alone = model(row).logits
        torch.testing.assert_close(model(left, attention_mask=(left != PAD).long()).logits, alone)
        torch.testing.assert_close(model(right, attention_mask=(right != PAD).long()).logits, alone)
        torch.testing.assert_close(model(right).logits, alone)  # from pad_token_id when no mask is given


@pytest.mark.parametrize("padded", [False, True])
def test_eager_and_sdpa_agree(config, input_ids, padded):
    model = {{ cookiecutter.class_prefix }}ForCausalLM(config).eval()
    mask = torch.ones_like(input_ids)
    if padded:
        mask[1, :3] = 0
    with torch.no_grad():
        model.set_attn_implementation("eager")
        eager = model(input_ids, attention_mask=mask).logits
        model.set_attn_implementation("sdpa")
        sdpa = model(input_ids, attention_mask=mask).logits
    assert model.config._attn_implementation == "sdpa"
    rows = mask.bool()
    torch.testing.assert_close(sdpa[rows], eager[rows], rtol=1e-5, atol=1e-5)


def test_gradient_checkpointing_gives_the_same_loss_and_gradients(config, input_ids):
    model = {{ cookiecutter.class_prefix }}ForCausalLM(config).train()

    def loss_and_gradients() -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        model.zero_grad()
        loss = model(input_ids, labels=input_ids).loss
        loss.backward()
        return loss.detach(), {name: p.grad.clone() for name, p in model.named_parameters()}

    loss, gradients = loss_and_gradients()
    calls = enable_counted_checkpointing(model)
    checkpointed_loss, checkpointed_gradients = loss_and_gradients()

    assert len(calls) == config.num_hidden_layers, "the layers did not run through checkpointing"
    torch.testing.assert_close(checkpointed_loss, loss)
    for name, gradient in gradients.items():
        torch.testing.assert_close(checkpointed_gradients[name], gradient, msg=f"gradient of {name} differs")


def test_a_few_optimizer_steps_lower_the_loss(config, input_ids):
    model = {{ cookiecutter.class_prefix }}ForCausalLM(config).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(5):
        loss = model(input_ids, labels=input_ids).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.5, losses
