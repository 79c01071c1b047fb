"""The vlm family's contract with the shared tests: what they need to know about this family (LLaVA math).

The shared tests read the heads and their Auto classes from the modeling file (`AUTO_CLASSES`), and the default head,
pipeline tag and processor from `family.py`; `common.py` lists what each name here is for. The shared sizes
(`common.TINY_SIZES`, `common.BENCHMARK_SIZES`) are the language model's (`common.tiny_config` puts them into
`text_config`); the vision tower's are set here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from transformers import AutoProcessor, CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaProcessor

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config, convert_llava_to_{{ cookiecutter.model_name }}

from .hub_layouts import TEXTS, native_image_processor, read_json, same_inputs
from .images import random_images, write_images
from .parity import same_math

# The special ids of the tokenizer that `family.default_processor` trains (384 tokens), and the image token it adds.
PAD, BOS, EOS, IMAGE = 0, 1, 2, 384
# The Auto class that loads the processor, and the files a published release holds beside those of every family's
# (config.json, model.safetensors, the reference record, README.md, .gitattributes, configuration and modeling code).
PROCESSOR_AUTO_CLASS = "AutoProcessor"
RELEASE_FILES = {
    "chat_template.jinja",
    "generation_config.json",
    "image_processing_{{ cookiecutter.model_name }}.py",
    "processing_{{ cookiecutter.model_name }}.py",
    "processor_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
}
# The base model's non-persistent buffers: the shared tests check their values after `from_pretrained`.
BUFFERS = {"language_model.rotary_emb.inv_freq", "language_model.rotary_emb.original_inv_freq"}

# This family's tiny model: the language model on top of `common.TINY_SIZES` with the default processor's vocabulary
# (one row more: an even size, which tensor parallelism splits in two on transformers 5.18),
# a vision tower of the same sizes for 16x16 images (4 patches of 8x8: 4 image tokens per image), features of its
# last layer.
TINY_CONFIG: dict[str, Any] = dict(
    text_config=dict(
        vocab_size=IMAGE + 2,
        num_key_value_heads=2,
        max_position_embeddings=64,
        pad_token_id=PAD,
        bos_token_id=BOS,
        eos_token_id=EOS,
    ),
    vision_config=dict(
        hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, image_size=16, patch_size=8
    ),
    image_token_id=IMAGE,
    vision_feature_layer=-1,
)


# Settings the config must refuse when a model is built or the config saved (never while it is assembled), each with
# what the error says; those of the sizes every family has are `common.INVALID_SIZES` (the language model's).
INVALID_CONFIGS: list[tuple[dict[str, Any], str]] = [
    ({"num_key_value_heads": 3}, "text_config: `num_attention_heads` (4) must be divisible by `num_key_value_heads`"),
    ({"rope_parameters": {"rope_type": "ntk-by-parts", "factor": 2.0}}, "rope_type 'ntk-by-parts'"),
    ({"vision_config": {"image_size": 20}}, "vision_config: `image_size` (20) must be divisible by `patch_size` (8)"),
    ({"vision_config": {"num_attention_heads": 3}}, "vision_config: `hidden_size` (32) must be divisible by"),
    ({"vision_config": {"hidden_act": "swish_nope"}}, "vision_config: `hidden_act` 'swish_nope' is not an activation"),
    ({"image_token_id": 386}, "`image_token_id` (386) must be in [0, text_config.vocab_size=386)"),
    ({"projector_hidden_act": "nope"}, "`projector_hidden_act` 'nope' is not an activation"),
    ({"vision_feature_select_strategy": "cls"}, "`vision_feature_select_strategy` 'cls' is not one of"),
    ({"vision_feature_layer": 3}, "`vision_feature_layer` 3 must be an index"),
    ({"vision_feature_layer": []}, "`vision_feature_layer` [] must be an index"),
    ({"image_seq_length": 5}, "`image_seq_length` (5) must be 4, the number of features the vision tower gives"),
    # Values of the wrong type: named, never computed with.
    ({"image_token_id": "384"}, "`image_token_id` ('384') must be in"),
    ({"vision_config": {"layer_norm_eps": "1e-5"}}, "`layer_norm_eps` must be positive, got '1e-5'"),
]

# The settings of the tiny model the tensor-parallel test splits over two processes (on top of `TINY_CONFIG`): a head
# tied to the language model's embeddings, as LLaVA's may be, which splits both alike.
PARALLEL_CONFIG: dict[str, Any] = {"tie_word_embeddings": True}
# Ways to feed the model that the shared tests check each backend and the conversion with: two rows, each with an
# image; "left-padded" masks the first 3 tokens of row 1.
INPUT_VARIANTS = ("unpadded", "left-padded")
# As the decoder family's: left padding without `position_ids` counts positions from the attention mask here, from
# the first column in Llama; the real tokens' outputs agree, the padded positions do not.
TUPLE_VARIANTS = ("unpadded",)


def example_inputs(config: {{ cookiecutter.class_prefix }}Config, variant: str = "unpadded") -> dict[str, torch.Tensor]:
    """Two rows of random tokens that avoid the special ids, with the image tokens of one image each after the first
    four, and two normalized images."""
    generator = torch.Generator().manual_seed(1)
    vision = config.vision_config
    pixel_values = torch.randn(2, vision.num_channels, vision.image_size, vision.image_size, generator=generator)
    text = torch.randint(3, 99, (2, 7), generator=generator)
    image = torch.full((2, config.image_seq_length), config.image_token_id)
    input_ids = torch.cat([text[:, :4], image, text[:, 4:]], dim=1)
    if variant == "unpadded":
        return {"input_ids": input_ids, "pixel_values": pixel_values}
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, :3] = 0
    return {"input_ids": input_ids, "pixel_values": pixel_values, "attention_mask": attention_mask}


def training_batch(config: {{ cookiecutter.class_prefix }}Config) -> dict[str, torch.Tensor]:
    """Inputs and labels for the default head: next-token prediction on the text, not on the image tokens."""
    inputs = example_inputs(config)
    labels = inputs["input_ids"].masked_fill(inputs["input_ids"] == config.image_token_id, -100)
    return {**inputs, "labels": labels}


# The family's values of the benchmark's mid-size model (`common.benchmark_config`: the template's scripts/bench.py):
# the language model's on top of `common.BENCHMARK_SIZES`, a ViT-B/16-like vision tower half as wide.
BENCHMARK_CONFIG: dict[str, Any] = dict(
    text_config=dict(intermediate_size=1536, num_key_value_heads=2, vocab_size=8192, max_position_embeddings=1024),
    vision_config=dict(
        hidden_size=384, intermediate_size=1536, num_hidden_layers=4, num_attention_heads=6, image_size=224
    ),
)


def benchmark_batch(config: {{ cookiecutter.class_prefix }}Config) -> dict[str, torch.Tensor]:
    """The benchmark's batch for the default head (also the prompts it generates from): 4 images, and 4 rows of
    `max_position_embeddings // 8` random tokens after their image tokens, with next-token labels on the text."""
    generator = torch.Generator().manual_seed(2)
    vision, vocab_size = config.vision_config, config.text_config.vocab_size
    pixel_values = torch.randn(4, vision.num_channels, vision.image_size, vision.image_size, generator=generator)
    text = torch.randint(3, vocab_size - 1, (4, config.text_config.max_position_embeddings // 8), generator=generator)
    text += (text >= config.image_token_id).long()
    input_ids = torch.cat([torch.full((4, config.image_seq_length), config.image_token_id), text], dim=1)
    labels = input_ids.masked_fill(input_ids == config.image_token_id, -100)
    return {"input_ids": input_ids, "pixel_values": pixel_values, "labels": labels}


# Auto class of a head -> the pipeline task that serves it, and call options that make it deterministic.
PIPELINES: dict[str, tuple[str, dict[str, Any]]] = {
    "AutoModelForImageTextToText": (
        "image-text-to-text",
        {"max_new_tokens": 8, "min_new_tokens": 8, "do_sample": False, "return_full_text": False},
    ),
}


def pipeline_inputs(task: str, folder: Path) -> list[list[dict]]:
    """What the processor and the pipeline of `task` are given: two chats, each a question on a random PNG image
    written to `folder` (of another size than the model's: the processor resizes it)."""
    paths = write_images(folder, [(45, 61, 3), (16, 16, 3)])
    questions = ["What is this?", "Describe it"]
    return [
        [{"role": "user", "content": [{"type": "image", "url": path}, {"type": "text", "text": question}]}]
        for path, question in zip(paths, questions, strict=True)
    ]


# -- conversion from the native transformers model -----------------------------------------------------------------

# The conversion script from native LLaVA checkpoints: its `HEADS`, `convert` and `main` (the command line).
CONVERSION = convert_llava_to_{{ cookiecutter.model_name }}

# The Hub repos whose layout the conversion takes (hub_layouts.py; test_hub_layouts.py converts each).
HUB_LAYOUTS = ("llava-hf/llava-1.5-7b-hf", "llava-hf/llava-1.5-7b-hf before processor_config.json")


def hub_inputs(source: Path, converted: Path) -> dict[str, torch.Tensor]:
    """The inputs of test_hub_layouts.py: a question on each of two random images of other sizes than the model's, as
    the native `LlavaProcessor` writes the prompt and processes it (transformers' own CLIP image processor, the
    source's tokenizer, chat template and processor settings; for a folder from before processor_config.json, those
    a user passes: the vision tower's patch size, its feature selection, one more token for CLS). The converted
    processor, loaded as a user loads it, must write the same prompt and make the same inputs."""
    config = LlavaConfig.from_pretrained(source)
    settings = {
        "patch_size": config.vision_config.patch_size,
        "vision_feature_select_strategy": config.vision_feature_select_strategy,
        "num_additional_image_tokens": 1,
    }
    if (source / "processor_config.json").is_file():
        settings = {name: read_json(source / "processor_config.json")[name] for name in settings}
    native = LlavaProcessor.from_pretrained(source, image_processor=native_image_processor(source), **settings)
    native.chat_template = native.chat_template or native.tokenizer.chat_template
    ours = AutoProcessor.from_pretrained(converted, trust_remote_code=True)
    chats = [[{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}] for text in TEXTS]
    prompts = [processor.apply_chat_template(chats[0], add_generation_prompt=True) for processor in (native, ours)]
    assert prompts[1] == prompts[0]
    images, texts = random_images([(45, 61, 3), (61, 45, 3)]), [prompts[0], prompts[0].replace("capital", "cat")]
    made = [processor(images=images, text=texts, padding=True, return_tensors="pt") for processor in (native, ours)]
    return same_inputs(*map(dict, made))


# A tensor as the native checkpoint names it (LLaVA saves its vision tower without the `model.` prefix), and as this
# model names it (the conversion's error messages use ours).
CONVERTED_KEY = (
    "vision_tower.encoder.layers.1.self_attn.out_proj.weight",
    "model.vision_tower.layers.1.self_attn.o_proj.weight",
)


def native_config(config: {{ cookiecutter.class_prefix }}Config, **overrides: Any) -> LlavaConfig:
    """The LLaVA config with the math of `config` (a Llama language model, a CLIP vision tower): what the conversion
    maps back onto ours."""
    vision = {
        key: value
        for key, value in config.vision_config.to_dict().items()
        if key not in ("model_type", "qkv_bias", "attention_probs_dropout_prob")
    }
    vision["attention_dropout"] = config.vision_config.attention_probs_dropout_prob
    towers = dict(text_config=same_math(config.text_config, LlamaConfig), vision_config=CLIPVisionConfig(**vision))
    return same_math(config, LlavaConfig, **{**towers, **overrides})
