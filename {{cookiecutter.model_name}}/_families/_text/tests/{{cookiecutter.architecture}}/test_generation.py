"""What every text family's heads do alike: the shapes of their outputs, causal eager attention weights, tied
embeddings, greedy generation with and without the cache and with a static cache and a compiled forward, a left-padded
batch equal to its rows alone, sequence classification on the last real token, and the text-generation pipeline."""

import pytest
import torch
from transformers import CompileConfig, pipeline

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForCausalLM,
    {{ cookiecutter.class_prefix }}ForSequenceClassification,
    {{ cookiecutter.class_prefix }}Model,
)
from {{ cookiecutter.model_name }}.modeling_{{ cookiecutter.model_name }} import CACHE
from {{ cookiecutter.model_name }}.train_tokenizer import train_tokenizer

from ..common import NATIVE_CLASS, tiny_config
from ..contract import CONVERSION, PAD, PIPELINES, native_config, pipeline_inputs


@pytest.mark.parametrize("name", ["past_key_values", "cache"])
def test_the_cache_is_taken_under_either_name(config, input_ids, name):
    """generate passes the cache as `past_key_values` up to transformers 5.23 and as `cache` from 5.24 on: a model
    that took only one name would recompute every step from scratch on the other releases, silently."""
    model = {{ cookiecutter.class_prefix }}ForCausalLM(config).eval()
    with torch.no_grad():
        expected = model(input_ids).logits[:, -1]
        cache = getattr(model(input_ids[:, :-1], use_cache=True), CACHE)
        logits = model(input_ids[:, -1:], use_cache=True, **{name: cache}).logits[:, -1]
    assert cache.get_seq_length() == input_ids.shape[1]
    torch.testing.assert_close(logits, expected, rtol=1e-5, atol=1e-5)


def test_forward_shapes_of_every_head(config, input_ids):
    batch, length = input_ids.shape
    base = {{ cookiecutter.class_prefix }}Model(config).eval()
    outputs = base(input_ids, output_hidden_states=True, output_attentions=True)
    assert outputs.last_hidden_state.shape == (batch, length, config.hidden_size)
    assert len(outputs.hidden_states) == config.num_hidden_layers + 1
    assert len(getattr(outputs, CACHE)) == config.num_hidden_layers

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


def test_tied_embeddings(tmp_path, input_ids):
    model = {{ cookiecutter.class_prefix }}ForCausalLM(tiny_config(tie_word_embeddings=True)).eval()
    assert model.lm_head.weight is model.model.embed_tokens.weight
    model.save_pretrained(tmp_path)
    reloaded = {{ cookiecutter.class_prefix }}ForCausalLM.from_pretrained(tmp_path)
    assert reloaded.lm_head.weight is reloaded.model.embed_tokens.weight
    torch.testing.assert_close(reloaded.lm_head.weight, model.lm_head.weight, rtol=0, atol=0)

    untied = {{ cookiecutter.class_prefix }}ForCausalLM(tiny_config(tie_word_embeddings=False))
    assert untied.lm_head.weight is not untied.model.embed_tokens.weight


def test_greedy_generation_with_and_without_cache_agree(config, input_ids):
    model = {{ cookiecutter.class_prefix }}ForCausalLM(config).eval()
    settings = dict(max_new_tokens=10, min_new_tokens=10, do_sample=False, pad_token_id=PAD)
    with_cache = model.generate(input_ids, use_cache=True, **settings)
    without_cache = model.generate(input_ids, use_cache=False, **settings)
    assert with_cache.shape == (2, 17)
    assert torch.equal(with_cache, without_cache)


def test_static_cache_generation_with_a_compiled_forward_gives_the_native_tokens(tmp_path, config, input_ids):
    """`generate` with a static cache compiles the forward of the decoding steps (`torch.compile(fullgraph=True)`: on
    GPUs by itself, forced here on the CPU as transformers' own tests do); the greedy tokens are the native model's."""
    native = NATIVE_CLASS(native_config(config)).eval()
    native.save_pretrained(tmp_path / "native")
    CONVERSION.convert(tmp_path / "native", tmp_path / "converted")
    model = {{ cookiecutter.class_prefix }}ForCausalLM.from_pretrained(tmp_path / "converted").eval()
    settings = dict(max_new_tokens=5, min_new_tokens=5, do_sample=False, pad_token_id=PAD)
    # torch's "eager" backend: the whole graph captured, without inductor's C++ build (see test_compile_export.py).
    compile_config = CompileConfig(fullgraph=True, dynamic=False, backend="eager")
    compile_config._compile_all_devices = True
    tokens = model.generate(input_ids, cache_implementation="static", compile_config=compile_config, **settings)
    assert hasattr(model, "_compiled_call"), "the decoding steps did not run compiled"
    assert torch.equal(tokens, native.generate(input_ids, **settings))


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


def test_text_generation_pipeline_continues_like_generate(tmp_path, config):
    tokenizer = train_tokenizer()
    model = {{ cookiecutter.class_prefix }}ForCausalLM(config).eval()
    task, options = PIPELINES["AutoModelForCausalLM"]
    generator = pipeline(task, model=model, tokenizer=tokenizer)
    settings = {name: value for name, value in options.items() if name != "return_full_text"}
    for prompt in pipeline_inputs(task, tmp_path):
        inputs = tokenizer(prompt, return_tensors="pt")
        output = model.generate(**inputs, **settings, pad_token_id=tokenizer.pad_token_id)
        expected = tokenizer.decode(output[0, inputs.input_ids.shape[1] :], skip_special_tokens=True)
        assert expected.strip(), f"nothing generated for {prompt!r}"
        assert generator(prompt, **options)[0]["generated_text"] == expected
