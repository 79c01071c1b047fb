"""The vlm family's math beyond the shared tests: image features where the image tokens are (and one clear error
where they do not fit), LLaVA's feature layers and selection strategies and projector, `get_image_features` and the
image outputs as the installed release's LLaVA gives them, against the native model, and generation with a cache."""

import pytest
import torch
import transformers

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ForConditionalGeneration, {{ cookiecutter.class_prefix }}Model
from {{ cookiecutter.model_name }}.modeling_{{ cookiecutter.model_name }} import CACHE

from ..common import assert_same_outputs, tiny_config
from ..contract import CONVERSION, IMAGE, example_inputs, native_config
from ..parity import assert_same_outputs as assert_same_structure


def converted(tmp_path, config) -> tuple[torch.nn.Module, torch.nn.Module]:
    """A native LLaVA head and its conversion into ours."""
    native = transformers.LlavaForConditionalGeneration(native_config(config)).eval()
    native.save_pretrained(tmp_path / "native")
    CONVERSION.convert(tmp_path / "native", tmp_path / "converted")
    return native, {{ cookiecutter.class_prefix }}ForConditionalGeneration.from_pretrained(tmp_path / "converted").eval()


def projected_features(outputs: transformers.utils.ModelOutput) -> torch.Tensor:
    """The projected image features of a forward's outputs, `(num_images * image_seq_length, hidden_size)`: from
    `image_outputs` (transformers 5.24 on) or `image_hidden_states` (before), as the installed LLaVA returns them."""
    if "image_outputs" in outputs:
        return torch.cat(outputs.image_outputs.pooler_output)
    return outputs.image_hidden_states


def test_image_features_replace_the_image_tokens_in_order(config, inputs):
    model = {{ cookiecutter.class_prefix }}Model(config).eval()
    with torch.no_grad():
        features = torch.stack(model.get_image_features(inputs["pixel_values"]).pooler_output)
        embeds = model.get_input_embeddings()(inputs["input_ids"])
        mask = inputs["input_ids"] == IMAGE
        embeds[mask] = features.reshape(-1, features.shape[-1])
        expected = model.language_model(inputs_embeds=embeds).last_hidden_state
        outputs = model(**inputs)
    assert features.shape == (2, config.image_seq_length, config.text_config.hidden_size)
    torch.testing.assert_close(outputs.last_hidden_state, expected)
    torch.testing.assert_close(projected_features(outputs), features.reshape(-1, features.shape[-1]))
    # The same from embeddings: the image tokens are found by their embedding.
    with torch.no_grad():
        embeds = model.get_input_embeddings()(inputs["input_ids"])
        from_embeds = model(inputs_embeds=embeds, pixel_values=inputs["pixel_values"])
    torch.testing.assert_close(from_embeds.last_hidden_state, expected)


@pytest.mark.parametrize(
    "call",
    [{}, {"output_hidden_states": True}, {"output_attentions": True}, {"return_dict": False}],
    ids=["plain", "hidden-states", "attentions", "tuple"],
)
def test_get_image_features_gives_llavas_outputs(tmp_path, config, inputs, call):
    native, model = converted(tmp_path, config)
    for head in (native, model):
        head.set_attn_implementation("eager")  # the only backend that returns attention weights
    with torch.no_grad():
        ours = model.get_image_features(inputs["pixel_values"], **call)
        theirs = native.get_image_features(inputs["pixel_values"], **call)
    # The vision tower's outputs with the projected features of each image as their `pooler_output`: the same fields,
    # the same hidden states (those of the feature layer, or all), the same values.
    assert type(ours) is type(theirs)
    if isinstance(theirs, tuple):
        assert_same_structure(ours, theirs)
    else:
        assert ours.keys() == theirs.keys()
        assert_same_structure(ours.to_tuple(), theirs.to_tuple())


@pytest.mark.parametrize("change", ["one token less", "one image more"])
def test_image_tokens_that_do_not_fit_the_images_give_one_clear_error(config, inputs, change):
    model = {{ cookiecutter.class_prefix }}ForConditionalGeneration(config).eval()
    input_ids, pixel_values = inputs["input_ids"].clone(), inputs["pixel_values"]
    if change == "one token less":
        input_ids[0, 4] = 5
        found = 2 * config.image_seq_length - 1
    else:
        pixel_values = torch.cat([pixel_values, pixel_values[:1]])
        found = 2 * config.image_seq_length
    with pytest.raises(ValueError) as error:
        model(input_ids=input_ids, pixel_values=pixel_values)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"The text has {found} image tokens but the {len(pixel_values)} images give ")
    assert message.endswith("build the inputs with the processor, which writes one image token per feature.")


@pytest.mark.parametrize(
    ("layer", "strategy"),
    [(-2, "default"), (-1, "full"), (1, "default"), ([-2, -1], "default"), ([1, 2], "full")],
    ids=["llava-default", "last-full", "first-layer", "two-layers", "two-layers-full"],
)
def test_feature_layers_strategies_and_projector_match_llava(tmp_path, layer, strategy):
    config = tiny_config(vision_feature_layer=layer, vision_feature_select_strategy=strategy)
    native, model = converted(tmp_path, config)
    inputs = example_inputs(config, "left-padded")
    with torch.no_grad():
        ours, theirs = model(**inputs, output_hidden_states=True), native(**inputs, output_hidden_states=True)
    # The logits, the language model's hidden states and the image outputs (the projected features, and from
    # transformers 5.24 the vision tower's outputs), in the installed LLaVA's layout.
    assert ours.keys() == theirs.keys()
    assert_same_outputs(ours, theirs, inputs, tolerance=1e-5)
    assert projected_features(ours).shape[0] == 2 * config.image_seq_length


def test_greedy_generation_with_a_cache_matches_without_and_llava(tmp_path, config, inputs):
    native, model = converted(tmp_path, config)
    # A random model may pick the image token: a prompt of more image tokens than images without a cache.
    options = {"max_new_tokens": 6, "min_new_tokens": 6, "do_sample": False, "pad_token_id": 0}
    options["suppress_tokens"] = [IMAGE]
    cached = model.generate(**inputs, use_cache=True, **options)
    uncached = model.generate(**inputs, use_cache=False, **options)
    assert cached.shape == (2, inputs["input_ids"].shape[1] + 6)
    torch.testing.assert_close(cached, uncached, rtol=0, atol=0)
    torch.testing.assert_close(cached, native.generate(**inputs, **options), rtol=0, atol=0)


def test_the_cache_holds_the_image_features_after_the_prompt(config, inputs):
    model = {{ cookiecutter.class_prefix }}ForConditionalGeneration(config).eval()
    with torch.no_grad():
        prompt = model(**inputs, use_cache=True)
        next_tokens = prompt.logits[:, -1:].argmax(-1)
        step = model(input_ids=next_tokens, past_key_values=getattr(prompt, CACHE), use_cache=True)
        whole = model(
            input_ids=torch.cat([inputs["input_ids"], next_tokens], dim=1), pixel_values=inputs["pixel_values"]
        )
    torch.testing.assert_close(step.logits[:, -1], whole.logits[:, -1], rtol=1e-5, atol=1e-5)
    # What generate() passes on after the prompt: no images.
    later = model.prepare_inputs_for_generation(
        next_tokens, past_key_values=getattr(prompt, CACHE), pixel_values=inputs["pixel_values"], use_cache=True
    )
    assert later.get("pixel_values") is None


def test_parallel_plans_hold_llavas(config):
    # That they name real modules, and a tied model split over two processes gives the single-process logits:
    # test_distributed.py (PARALLEL_CONFIG).
    ours = {{ cookiecutter.class_prefix }}ForConditionalGeneration(config)
    native = transformers.LlavaForConditionalGeneration(native_config(config))
    # Every entry of the installed LLaVA's tensor plan (the language model's layers; from transformers 5.24 its head
    # and the input embeddings it may share), and beyond it the vision tower's layers; the same pipeline stages.
    assert native._tp_plan.items() <= ours._tp_plan.items()
    assert {"lm_head", "model.language_model.embed_tokens"} <= set(ours._tp_plan)
    assert ours._pp_plan == native._pp_plan


def test_tied_embeddings_share_the_head(config):
    model = {{ cookiecutter.class_prefix }}ForConditionalGeneration(tiny_config(tie_word_embeddings=True))
    assert model.lm_head.weight is model.get_input_embeddings().weight
