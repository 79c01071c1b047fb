"""A native transformers Llama checkpoint converts into this model with the same outputs."""

import pytest
import torch
from safetensors.torch import load_file, save_file
from transformers import LlamaConfig, LlamaForCausalLM, LlamaForSequenceClassification, LlamaModel

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForCausalLM,
    {{ cookiecutter.class_prefix }}ForSequenceClassification,
    {{ cookiecutter.class_prefix }}Model,
)
from {{ cookiecutter.model_name }}.convert_llama_to_{{ cookiecutter.model_name }} import ConversionError, convert, main

from .tiny import BOS, EOS, PAD


def tiny_llama_config(**overrides) -> LlamaConfig:
    values = dict(
        vocab_size=99,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
        rope_parameters={"rope_type": "default", "rope_theta": 500000.0},
        rms_norm_eps=1e-5,
        pad_token_id=PAD,
        bos_token_id=BOS,
        eos_token_id=EOS,
        num_labels=3,
    )
    values.update(overrides)
    return LlamaConfig(**values)


@pytest.fixture
def input_ids() -> torch.Tensor:
    return torch.randint(3, 99, (2, 9), generator=torch.Generator().manual_seed(2))


@pytest.mark.parametrize("tie_word_embeddings", [False, True])
def test_causal_lm_parity(tmp_path, input_ids, tie_word_embeddings):
    llama = LlamaForCausalLM(tiny_llama_config(tie_word_embeddings=tie_word_embeddings)).eval()
    llama.save_pretrained(tmp_path / "llama")
    assert main(["--input", str(tmp_path / "llama"), "--output", str(tmp_path / "converted")]) == 0

    model = {{ cookiecutter.class_prefix }}ForCausalLM.from_pretrained(tmp_path / "converted").eval()
    assert model.config.rope_parameters == {"rope_type": "default", "rope_theta": 500000.0}
    assert model.config.tie_word_embeddings is tie_word_embeddings
    with torch.no_grad():
        torch.testing.assert_close(model(input_ids).logits, llama(input_ids).logits, rtol=1e-5, atol=1e-5)
    settings = dict(max_new_tokens=8, min_new_tokens=8, do_sample=False, pad_token_id=PAD)
    assert torch.equal(model.generate(input_ids, **settings), llama.generate(input_ids, **settings))


def test_base_model_and_classifier_parity(tmp_path, input_ids):
    llama_base = LlamaModel(tiny_llama_config()).eval()
    llama_base.save_pretrained(tmp_path / "base")
    convert(tmp_path / "base", tmp_path / "base_converted")
    base = {{ cookiecutter.class_prefix }}Model.from_pretrained(tmp_path / "base_converted").eval()

    llama_classifier = LlamaForSequenceClassification(tiny_llama_config()).eval()
    llama_classifier.save_pretrained(tmp_path / "classifier")
    convert(tmp_path / "classifier", tmp_path / "classifier_converted")
    classifier = {{ cookiecutter.class_prefix }}ForSequenceClassification.from_pretrained(tmp_path / "classifier_converted")
    classifier.eval()
    with torch.no_grad():
        torch.testing.assert_close(
            base(input_ids).last_hidden_state, llama_base(input_ids).last_hidden_state, rtol=1e-5, atol=1e-5
        )
        torch.testing.assert_close(
            classifier(input_ids).logits, llama_classifier(input_ids).logits, rtol=1e-5, atol=1e-5
        )


def corrupt_checkpoint(folder, edit) -> None:
    tensors = load_file(folder / "model.safetensors")
    edit(tensors)
    save_file(tensors, folder / "model.safetensors", metadata={"format": "pt"})


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.pop("model.layers.1.mlp.up_proj.weight"),
            "missing from checkpoint: ['model.layers.1.mlp.up_proj.weight']",
        ),
        (lambda t: t.update(extra=torch.zeros(1)), "unused from checkpoint: ['extra']"),
        (
            lambda t: t.update({"model.norm.weight": torch.ones(31)}),
            "model.norm.weight: checkpoint (31,) != model (32,)",
        ),
    ],
    ids=["missing", "unexpected", "shape"],
)
def test_mismatched_checkpoint_fails_loudly_and_writes_nothing(tmp_path, edit, message):
    LlamaForCausalLM(tiny_llama_config()).save_pretrained(tmp_path / "llama")
    corrupt_checkpoint(tmp_path / "llama", edit)
    with pytest.raises(ConversionError) as error:
        convert(tmp_path / "llama", tmp_path / "converted")
    assert message in str(error.value)
    assert not (tmp_path / "converted").exists()


def test_unsupported_llama_options_are_refused(tmp_path):
    LlamaForCausalLM(tiny_llama_config(mlp_bias=True)).save_pretrained(tmp_path / "llama")
    with pytest.raises(ConversionError, match="mlp_bias=True is not supported"):
        convert(tmp_path / "llama", tmp_path / "converted")


def test_cli_refuses_a_non_empty_output_folder(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("do not overwrite")
    with pytest.raises(SystemExit):
        main(["--input", str(tmp_path), "--output", str(tmp_path / "out")])
    assert "is not empty" in capsys.readouterr().err
