import pytest
import torch

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForMaskedLM,
    {{ cookiecutter.class_prefix }}ForSequenceClassification,
    {{ cookiecutter.class_prefix }}ForTokenClassification,
    {{ cookiecutter.class_prefix }}Model,
)

from ..common import HEADS, main_output, tiny_config
from ..contract import CLS, INPUT_VARIANTS, MASK, PAD, SEP, example_inputs


def test_forward_shapes_of_every_head(config, input_ids):
    batch, length = input_ids.shape
    base = {{ cookiecutter.class_prefix }}Model(config).eval()
    base.set_attn_implementation("eager")  # the only backend that returns attention weights
    outputs = base(input_ids, output_hidden_states=True, output_attentions=True)
    assert outputs.last_hidden_state.shape == (batch, length, config.hidden_size)
    assert outputs.pooler_output.shape == (batch, config.hidden_size)
    assert len(outputs.hidden_states) == config.num_hidden_layers + 1
    assert len(outputs.attentions) == config.num_hidden_layers
    assert {{ cookiecutter.class_prefix }}Model(tiny_config(add_pooling_layer=False))(input_ids).pooler_output is None

    masked_lm = {{ cookiecutter.class_prefix }}ForMaskedLM(config).eval()
    labels = torch.full_like(input_ids, -100)
    labels[:, 2] = input_ids[:, 2]
    outputs = masked_lm(input_ids, labels=labels)
    assert outputs.logits.shape == (batch, length, config.vocab_size)
    assert outputs.loss.ndim == 0 and torch.isfinite(outputs.loss)
    assert masked_lm.model.pooler is None, "the masked-LM head does not use the pooler"

    classifier = {{ cookiecutter.class_prefix }}ForSequenceClassification(tiny_config(add_pooling_layer=False)).eval()
    outputs = classifier(input_ids, labels=torch.tensor([0, 2]))
    assert outputs.logits.shape == (batch, config.num_labels)
    assert torch.isfinite(outputs.loss)
    assert classifier.model.pooler is not None, "sequence classification always pools"

    tagger = {{ cookiecutter.class_prefix }}ForTokenClassification(config).eval()
    outputs = tagger(input_ids, labels=torch.randint(0, config.num_labels, (batch, length)))
    assert outputs.logits.shape == (batch, length, config.num_labels)
    assert torch.isfinite(outputs.loss)


def test_sequence_classification_records_the_problem_type_as_bert(config, input_ids):
    # The losses: test_modeling_common.py. BERT's head writes the problem type it inferred into the config.
    classifier = {{ cookiecutter.class_prefix }}ForSequenceClassification(config).eval()
    classifier(input_ids, labels=torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]))
    assert classifier.config.problem_type == "multi_label_classification"


def test_token_type_ids_and_length_limit(config, input_ids):
    model = {{ cookiecutter.class_prefix }}Model(config).eval()
    with torch.no_grad():
        default = model(input_ids).last_hidden_state
        zeros = model(input_ids, token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
        ones = model(input_ids, token_type_ids=torch.ones_like(input_ids)).last_hidden_state
    torch.testing.assert_close(default, zeros, rtol=0, atol=0)
    assert not torch.allclose(default, ones), "token type embeddings must change the output"
    with pytest.raises(ValueError, match="more than `max_position_embeddings`"):
        model(torch.full((1, config.max_position_embeddings + 1), 5))


def test_output_attentions_never_look_at_padding(config, input_ids):
    model = {{ cookiecutter.class_prefix }}Model(config).eval()
    model.set_attn_implementation("eager")
    mask = torch.ones_like(input_ids)
    mask[1, 4:] = 0
    attentions = model(input_ids, attention_mask=mask, output_attentions=True).attentions
    assert len(attentions) == config.num_hidden_layers
    assert attentions[0].shape == (2, config.num_attention_heads, 7, 7)
    for layer_attentions in attentions:
        assert torch.all(layer_attentions[1, :, :, 4:] == 0), "a token attended to padding"
        # Bidirectional: the first token attends to later tokens too.
        assert torch.all(layer_attentions[0, :, 0, 1:] > 0)


def test_tied_masked_lm_decoder(tmp_path, input_ids):
    model = {{ cookiecutter.class_prefix }}ForMaskedLM(tiny_config()).eval()
    assert model.lm_head.decoder.weight is model.model.embeddings.word_embeddings.weight
    model.save_pretrained(tmp_path / "tied")
    reloaded = {{ cookiecutter.class_prefix }}ForMaskedLM.from_pretrained(tmp_path / "tied")
    assert reloaded.lm_head.decoder.weight is reloaded.model.embeddings.word_embeddings.weight
    torch.testing.assert_close(reloaded.lm_head.decoder.weight, model.lm_head.decoder.weight, rtol=0, atol=0)

    untied = {{ cookiecutter.class_prefix }}ForMaskedLM(tiny_config(tie_word_embeddings=False))
    assert untied.lm_head.decoder.weight is not untied.model.embeddings.word_embeddings.weight
    untied.save_pretrained(tmp_path / "untied")
    reloaded = {{ cookiecutter.class_prefix }}ForMaskedLM.from_pretrained(tmp_path / "untied")
    assert reloaded.lm_head.decoder.weight is not reloaded.model.embeddings.word_embeddings.weight
    torch.testing.assert_close(reloaded.lm_head.decoder.weight, untied.lm_head.decoder.weight, rtol=0, atol=0)

    # Resizing the vocabulary resizes the tied decoder and its bias together.
    model.resize_token_embeddings(101)
    assert model.lm_head.decoder.weight is model.model.embeddings.word_embeddings.weight
    assert model.lm_head.decoder.bias.shape == (101,)
    assert model(input_ids).logits.shape[-1] == 101


@pytest.mark.parametrize("model_class", HEADS.values(), ids=lambda cls: cls.__name__)
def test_right_padded_batch_equals_rows_alone(config, model_class):
    model = model_class(config).eval()
    long_row = torch.tensor([[CLS, 5, 6, 7, 8, 9, SEP]])
    short_row = torch.tensor([[CLS, 11, 12, SEP]])
    batch = torch.tensor([[CLS, 5, 6, 7, 8, 9, SEP], [CLS, 11, 12, SEP, PAD, PAD, PAD]])
    mask = (batch != PAD).long()
    with torch.no_grad():
        batched = main_output(model(batch, attention_mask=mask))
        torch.testing.assert_close(batched[0], main_output(model(long_row))[0], rtol=1e-5, atol=1e-5)
        alone = main_output(model(short_row))[0]
        short = batched[1] if batched.dim() == 2 else batched[1, :4]
        torch.testing.assert_close(short, alone, rtol=1e-5, atol=1e-5)


def test_changing_a_padding_token_changes_nothing_else(config):
    model = {{ cookiecutter.class_prefix }}ForMaskedLM(config).eval()
    inputs = example_inputs(config, INPUT_VARIANTS[1])  # row 1 is padded after 4 tokens
    changed = inputs["input_ids"].clone()
    changed[1, 5] = MASK
    real = inputs["attention_mask"].bool()
    with torch.no_grad():
        logits = model(**inputs).logits
        again = model(**{**inputs, "input_ids": changed}).logits
    torch.testing.assert_close(again[real], logits[real], rtol=1e-5, atol=1e-5)
