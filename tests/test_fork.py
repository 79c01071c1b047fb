"""Fork mode (`architecture=fork base_model=<model type>`): the fork engine's rewriting, the answers it refuses with
one line, and the re-fork command that merges upstream's changes into a user's edits.

The engine (`{{cookiecutter.model_name}}/_families/fork/{{cookiecutter.model_name}}/fork.py`) is imported from the
template as the pre-generation hook imports it; the baked projects' suites run in test_bake.py (the default fork) and
test_fork_sample.py (a fork of each kind of model).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import transformers
from cookiecutter.exceptions import FailedHookException
from transformers.utils import is_torchvision_available

from .conftest import TEMPLATE_DIR, bake
from .test_hooks import CHOICES, MINIMUMS, NAMES, VALID, pre_gen


def load_engine() -> ModuleType:
    spec = importlib.util.spec_from_file_location("template_fork_engine", TEMPLATE_DIR / pre_gen.FORK_ENGINE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


engine = load_engine()
FORK = {**VALID, "architecture": "fork", "min_transformers_version": transformers.__version__}

# A module of a model folder of transformers, as the engine reads it: relative imports of the library, of another
# model's folder and of a sibling file; names with the source's prefix in code, strings and comments; a model type.
SOURCE = '''# Copyright 2025 The HuggingFace Team. All rights reserved.
#
# Licensed under the Apache License, Version 2.0 (the "License");
"""Toy model."""

from ... import initialization as init
from ...modeling_utils import PreTrainedModel
from ..llama.modeling_llama import LlamaRMSNorm
from .configuration_toy import ToyConfig


class ToyModel(PreTrainedModel):
    """The bare Toy model (see `ToyConfig`)."""

    config_class = ToyConfig
    base_model_prefix = "toy"
    _no_split_modules = ["ToyLayer"]

    def forward(self, x):
        from ...utils import logging  # a local import too

        if self.config.model_type == "toy":  # ToyModel's own check
            return LlamaRMSNorm, init, logging
        return "toy"
'''


def toy_rewrite() -> object:
    return engine.Rewrite(
        package="transformers.models.toy",
        modules={"configuration_toy": "configuration_my_toy", "modeling_toy": "modeling_my_toy"},
        names={"ToyConfig": "MyToyConfig", "ToyModel": "MyToyModel", "ToyLayer": "MyToyLayer"},
        model_types={"toy": "my_toy"},
    )


def test_relative_imports_become_absolute_and_forked_siblings_stay_relative():
    tree = ast.parse(engine.rewrite_source(SOURCE, toy_rewrite()))
    imports = {(node.level, node.module) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imports == {
        (0, "transformers"),
        (0, "transformers.modeling_utils"),
        (0, "transformers.models.llama.modeling_llama"),
        (1, "configuration_my_toy"),
        (0, "transformers.utils"),
    }


def test_names_are_renamed_in_code_strings_and_comments_and_model_types_only_where_they_are_model_types():
    text = engine.rewrite_source(SOURCE, toy_rewrite())
    assert "class MyToyModel(PreTrainedModel):" in text
    assert '"""The bare Toy model (see `MyToyConfig`)."""' in text
    assert '_no_split_modules = ["MyToyLayer"]' in text and "config_class = MyToyConfig" in text
    assert '== "my_toy":  # MyToyModel\'s own check' in text
    # Strings equal to the model type that are not model types stay: the base model prefix, a returned value.
    assert 'base_model_prefix = "toy"' in text and 'return "toy"' in text
    assert "LlamaRMSNorm" in text  # another model's names are not the source's


def test_the_banner_goes_the_license_stays_and_the_provenance_follows_it():
    banner = "#  🚨🚨🚨\n#  This file was automatically generated from src/transformers/models/toy/modular_toy.py.\n"
    text = engine.add_provenance(engine.drop_banner(banner + SOURCE), "# Forked from transformers X.")
    assert "🚨" not in text and "automatically generated" not in text
    assert text.startswith("# Copyright 2025 The HuggingFace Team.")
    assert text.splitlines()[3] == "# Forked from transformers X."


def test_a_text_type_in_a_multimodal_folder_keeps_its_names_apart_from_the_folders_model():
    class ToyTextConfig:
        __module__ = "transformers.models.toy.configuration_toy"

    tree = ast.parse("class ToyTextConfig: ...\nclass ToyConfig: ...\nclass ToyTextModel: ...\nclass ToyModel: ...\n")
    source = engine.Source("toy_text", ToyTextConfig, "transformers.models.toy", {}, {})
    assert engine.class_renames(source, {"configuration_toy": tree}, "My") == {
        "ToyTextConfig": "MyConfig",
        "ToyTextModel": "MyModel",
        "ToyConfig": "MyToyConfig",
        "ToyModel": "MyToyModel",
    }
    tree = ast.parse('class ToyTextConfig:\n    model_type = "toy_text"\nclass ToyConfig:\n    model_type = "toy"\n')
    types = engine.model_type_renames(source, {"configuration_toy": tree}, "my")
    assert types == {"toy_text": "my", "toy": "my_toy"}


def test_a_config_of_its_own_for_another_folders_heads_forks_them_with_its_config():
    fork = engine.make_fork("exaone", "my_model", "MyModel")  # ExaoneConfig runs Llama's heads
    assert fork.facts["heads"]["AutoModelForCausalLM"] == ["LlamaForCausalLM", "MyModelForCausalLM"]
    assert set(fork.files) == {"configuration_my_model", "modeling_my_model"}
    modeling = ast.parse(fork.files["modeling_my_model"])
    imports = {
        (node.module, alias.name)
        for node in ast.walk(modeling)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert ("configuration_my_model", "MyModelConfig") in imports
    assert "Llama" not in " ".join(engine.defined_names(modeling))
    assert engine.native_config(fork.facts) is transformers.ExaoneConfig


def test_the_special_tokens_end_the_tiny_vocabulary_in_the_order_a_tokenizer_adds_them():
    configs = [{"image_token_index": 32000, "pad_token_id": 5}, {"boi_token_id": 7, "sep_token_id": 9}]
    layout = engine.token_layout(configs)
    assert layout == {"sep_token": 380, "mask_token": 381, "image_token": 382, "boi_token": 383}
    assert engine.tiny_token_ids(configs[0], layout) == {"image_token_index": 382, "pad_token_id": 0}


def test_per_layer_lists_keep_one_layer_of_each_kind():
    values = {"num_hidden_layers": 6, "layer_types": ["sliding"] * 5 + ["full"], "mlp_only_layers": [3, 5]}
    assert engine.tiny_layer_lists(values, "num_hidden_layers", 2) == {
        "num_hidden_layers": 2,
        "layer_types": ["sliding", "full"],
        "mlp_only_layers": [1],
    }


def test_tiny_sizes_keep_the_relations_the_attention_needs():
    latent = {"hidden_size": 4096, "num_attention_heads": 128, "num_key_value_heads": 128, "kv_lora_rank": 512}
    assert engine.tiny_values(latent, False, {})["num_key_value_heads"] == 4  # as many as the attention heads
    grouped = {"hidden_size": 4096, "num_attention_heads": 32, "num_key_value_heads": 8}
    assert engine.tiny_values(grouped, False, {})["num_key_value_heads"] == 2
    partial = {"n_embd": 4096, "n_head": 16, "rotary_dim": 64}  # a quarter of each 256-wide head rotates
    assert engine.tiny_values(partial, False, {})["rotary_dim"] == 2  # a quarter of the tiny 8-wide head
    unset = {"hidden_size": 4096, "num_attention_heads": 32, "head_dim": None}  # a model that reads it as it is
    assert engine.tiny_values(unset, False, {})["head_dim"] == 8


def test_tiny_sizes_keep_the_relations_of_state_space_latent_grouped_and_partly_rotary_heads():
    mamba2 = {"hidden_size": 4096, "expand": 2, "num_heads": 128, "head_dim": 64}  # the heads fill the mixer's width
    tiny = {**mamba2, **engine.tiny_values(mamba2, False, {})}
    assert tiny["hidden_size"] * tiny["expand"] == tiny["num_heads"] * tiny["head_dim"] == 64
    latent = {"hidden_size": 4096, "num_attention_heads": 32, "head_dim": 192, "qk_nope_head_dim": 128}
    tiny = engine.tiny_values({**latent, "qk_rope_head_dim": 64}, False, {})  # head = nope part + rotary part
    assert tiny["head_dim"] == tiny["qk_nope_head_dim"] + tiny["qk_rope_head_dim"] == 16
    quarter = {"hidden_size": 4096, "num_attention_heads": 32, "head_dim": 128, "partial_rotary_factor": 0.25}
    assert engine.tiny_values(quarter, False, {})["head_dim"] == 16  # rotates 4 dims: two frequencies
    per_kind = {**quarter, "partial_rotary_factor": None, "rope_parameters": {"full": {"partial_rotary_factor": 0.25}}}
    assert engine.tiny_values(per_kind, False, {})["head_dim"] == 16
    grouped = {"num_attention_heads": 48, "num_key_value_heads": 4, "index_num_heads": 12}  # 12 heads per group
    assert engine.tiny_values(grouped, False, {})["index_num_heads"] == 4 // 2
    # Reformer: the axial position embeddings' widths sum to the width, their shape multiplies to the positions.
    axial = {"hidden_size": 256, "axial_pos_embds_dim": [64, 192], "max_position_embeddings": 4096}
    tiny = engine.tiny_values({**axial, "axial_pos_shape": [64, 64]}, False, {})
    assert sum(tiny["axial_pos_embds_dim"]) == 32 and tiny["axial_pos_shape"] == [8, 8]


def test_convolutional_sizes_shrink_with_the_relations_their_layers_need():
    assert engine.tiny_values({"depth_multiplier": 1.0, "width_multiplier": 0.1}, False, {}) == {
        "depth_multiplier": 0.25  # MobileNet's channels
    }
    assert engine.tiny_values({"num_groups": 32}, False, {}) == {"num_groups": 4}  # divides the tiny stages' 8
    # TextNet: a (height, width) image, and a stem whose channels are the first stage's.
    textnet = {"image_size": [640, 640], "stem_out_channels": 64, "hidden_sizes": [64, 64, 128, 256, 512]}
    tiny = engine.tiny_values(textnet, False, {})
    assert tiny["image_size"] == [32, 32] and tiny["stem_out_channels"] == tiny["hidden_sizes"][0] == 8
    # MobileViT cuts its last feature map, 32 times smaller than the image, into patches of 2 pixels.
    strided = {"image_size": 256, "patch_size": 2, "output_stride": 32}
    assert engine.tiny_values(strided, False, {})["image_size"] == 64


def test_a_default_left_unset_is_the_first_of_its_choices():
    values = {"languages": ["en_XX", "de_DE"], "default_language": None}  # X-MOD's adapters: one per language
    assert engine.tiny_values(values, False, {}) == {"default_language": "en_XX"}


def test_settings_a_config_gives_its_sub_config_are_kept_in_the_tiny_one():
    # PaliGemma's Gemma has one key-value head; a text_config dict without it would get Gemma's own default (16).
    overrides, _ = engine.tiny_config_overrides(transformers.PaliGemmaConfig)
    assert overrides["text_config"]["num_key_value_heads"] == 1
    assert transformers.PaliGemmaConfig(**overrides).text_config.num_key_value_heads == 1


def test_a_hybrid_model_without_attention_layers_gets_one():
    # Bamba and GraniteMoeHybrid default to recurrent layers only, on which transformers' masks fail.
    overrides, _ = engine.tiny_config_overrides(transformers.BambaConfig)
    assert transformers.BambaConfig(**overrides).layers_block_type[-1] == "full_attention"
    overrides, _ = engine.tiny_config_overrides(transformers.GraniteMoeHybridConfig)
    assert transformers.GraniteMoeHybridConfig(**overrides).layer_types[-1] == "full_attention"


# Types that the rules above (and the retries of `derive_tiny_config`) let fork: each relation is of settings, not of
# a model type; these were refused before them, each with the reason in the comment.
FORKED_BY_RULES = {
    "mamba2": "hidden_size * expand = num_heads * head_dim",
    "xmod": "default_language None",
    "bit": "num_groups (32) does not divide 8 channels",
    "mobilenet_v1": "3.2 M parameters at depth_multiplier 1",
    "mobilevitv2": "a 1x1 feature map cut into 2x2 patches",
    "mistral4": "head_dim is qk_nope_head_dim + qk_rope_head_dim",
    "neomme": "rotates 2 dims of a 8-wide head",
    "paligemma": "its Gemma's one key-value head lost",
    "step3p7": "its text model's sliding_window None",
    "textnet": "stem_out_channels of the first stage",
    "kolibri1_1": "head_dim a multiple of 16; index heads per group",
    "reformer": "axial position embeddings; its masked LM refuses is_decoder",
    "cohere_compass_text": "rope_parameters {} per layer type",
    "bamba": "no attention layer",
    "granitemoehybrid": "no attention layer",
    "lfm2_moe": "layer_types None",
    "bailing_hybrid": "n_group under its own name, num_expert_group",
    "zamba": "one hybrid layer ties its shared weights to none",
    "xlstm": "head sizes rounded to 64 in one place only",
    "gemma3n_text": "kv-shared layers beyond the tiny depth; per-layer intermediate sizes",
    "dots3_note_text": "sliding layers' head_dim is qk_nope + qk_rope",
}


@pytest.mark.parametrize("model_type", sorted(FORKED_BY_RULES))
def test_a_tiny_config_that_keeps_the_relations_builds_and_runs_every_head(model_type):
    source = engine.find_source(model_type)
    natives = {auto_class: getattr(transformers, name) for auto_class, name in source.heads.items()}
    overrides, *_ = engine.derive_tiny_config(source.config_class, natives)  # ForkError if a head fails
    assert overrides


def test_settings_that_extend_a_size_name_are_that_size_of_another_part():
    values = {
        "hidden_size": 2304,
        "hidden_size_per_layer_input": 256,  # gemma4_text: the per-layer inputs' width and vocabulary
        "vocab_size_per_layer_input": 262144,
        "shared_experts_intermediate_size": 1536,
        "swa_head_dim": 128,
        "qk_head_dim": 192,  # deepseek_v2 derives it from the other head sizes: not one of its fields
    }
    fields = set(values) - {"qk_head_dim"}
    tiny = engine.tiny_values(values, False, {}, fields)
    assert tiny["hidden_size_per_layer_input"] == 32 and tiny["vocab_size_per_layer_input"] == engine.TINY_VOCAB
    assert tiny["shared_experts_intermediate_size"] == 64 and tiny["swa_head_dim"] == 8
    assert "qk_head_dim" not in tiny
    assert "qk_head_dim" in engine.tiny_values(values, False, {})  # fields unknown: every setting is set


def test_sizes_under_the_names_of_xlm_kimi_ernie_and_funnel_shrink():
    values = {"emb_dim": 2048, "d_inner": 3072, "num_experts_per_token": 8, "moe_k": 6, "moe_num_shared_experts": 2}
    assert engine.tiny_values(values, False, {}) == {
        "emb_dim": 32,
        "d_inner": 64,
        "num_experts_per_token": 2,
        "moe_k": 2,
        "moe_num_shared_experts": 1,
    }


def test_sizes_the_defaults_leave_unset_are_set_where_the_model_reads_them():
    overrides, _ = engine.tiny_config_overrides(transformers.NemotronConfig)
    assert "num_key_value_heads" not in overrides  # None by default: NemotronAttention divides by it
    source = engine.find_source("nemotron")
    natives = {auto_class: getattr(transformers, name) for auto_class, name in source.heads.items()}
    tiny, *_ = engine.derive_tiny_config(transformers.NemotronConfig, natives)
    assert tiny == {**overrides, "num_key_value_heads": 2}


def test_a_pattern_the_layers_repeat_is_kept_once_whole():
    # RecurrentGemma: recurrent, recurrent, attention, repeated over 26 layers; 2 layers would hold no attention.
    values = {"num_hidden_layers": 26, "block_types": ["recurrent", "recurrent", "attention"]}
    assert engine.tiny_layer_lists(values, "num_hidden_layers", 2) == {"num_hidden_layers": 3}
    overrides, _ = engine.tiny_config_overrides(transformers.RecurrentGemmaConfig)
    assert transformers.RecurrentGemmaConfig(**overrides).layers_block_type == [
        "linear_attention",
        "linear_attention",
        "sliding_attention",
    ]


def test_a_staged_vision_model_keeps_its_stages_with_head_counts_that_divide_their_widths():
    # PVT: four stages, widths 64, 128, 320, 512 with 1, 2, 5, 8 heads; Swin V2's `num_layers` counts its stages.
    overrides, _ = engine.tiny_config_overrides(transformers.PvtConfig)
    assert overrides["hidden_sizes"] == [8, 16, 32, 64] and overrides["num_attention_heads"] == [1, 2, 4, 8]
    overrides, _ = engine.tiny_config_overrides(transformers.Swinv2Config)
    assert overrides["depths"] == [1, 1, 1, 1] and overrides["num_heads"] == [1, 2, 4, 8]
    config = transformers.Swinv2Config(**overrides)
    assert all(config.embed_dim * 2**stage % heads == 0 for stage, heads in enumerate(config.num_heads))


def test_a_staged_vision_model_with_windows_gets_an_image_whose_last_stage_holds_a_window():
    # Swin: patches of 4 pixels, windows of 4 patches, 4 stages: its last stage sees the image 4 * 4 * 2**3 times
    # smaller, and needs at least one window.
    overrides, _ = engine.tiny_config_overrides(transformers.SwinConfig)
    assert transformers.SwinConfig(**overrides).patch_size == 4
    assert (overrides["window_size"], overrides["image_size"]) == (4, 128)
    natives = {
        "AutoModel": transformers.SwinModel,
        "AutoModelForImageClassification": transformers.SwinForImageClassification,
    }
    engine.derive_tiny_config(transformers.SwinConfig, natives)  # builds and runs
    assert engine.tiny_staged_image({"window_size": 7, "patch_size": 4, "image_size": 224}, {}, 2) == {}


def test_a_size_the_config_derives_when_unset_is_left_to_it():
    # LongcatFlash derives qk_head_dim (None by default) from the query's two head sizes, which split it.
    overrides, _ = engine.tiny_config_overrides(transformers.LongcatFlashConfig)
    assert "qk_head_dim" not in overrides
    config = transformers.LongcatFlashConfig(**overrides)
    assert config.qk_head_dim == config.qk_nope_head_dim + config.qk_rope_head_dim < 64


def test_a_per_layer_config_follows_the_layers_the_tiny_model_keeps():
    values = {
        "num_hidden_layers": 6,
        "layer_types": ["sliding"] * 5 + ["full"],
        "per_layer_config": {"02": {"head_dim": 256}, "05": {"head_dim": 512, "num_attention_heads": 64}},
    }
    tiny = engine.tiny_layer_lists(values, "num_hidden_layers", 2)
    assert tiny["layer_types"] == ["sliding", "full"]
    # Layer 5, the full one, is the tiny model's layer 1; layer 2 is not kept.
    assert tiny["per_layer_config"] == {"01": {"head_dim": 8, "num_attention_heads": 4}}
    overrides, _ = engine.tiny_config_overrides(transformers.Gemma4TextConfig)
    assert overrides["per_layer_config"] == {"01": {"head_dim": 8}}
    assert overrides["vocab_size_per_layer_input"] == engine.TINY_VOCAB


def test_a_head_that_does_not_take_the_projects_inputs_is_forked_but_not_registered():
    source = engine.find_source("bart")
    natives = {auto_class: getattr(transformers, name) for auto_class, name in source.heads.items()}
    *_, untested = engine.derive_tiny_config(transformers.BartConfig, natives)
    # BART's sequence classifier reads the <eos> tokens of its inputs; the project's text inputs have none. Its causal
    # LM is its decoder alone, whose checkpoints are not BartModel's.
    assert sorted(untested) == ["AutoModelForCausalLM", "AutoModelForSequenceClassification"]
    assert "Each example must contain at least one <eos> token" in untested["AutoModelForSequenceClassification"]
    assert untested["AutoModelForCausalLM"] == (
        "its base model is a BartDecoderWrapper, not the BartModel of AutoModel: a checkpoint of one is not a "
        "checkpoint of the other"
    )
    facts = engine.make_fork("bart", "my_model", "MyModel", untested=untested).facts
    assert "AutoModelForSequenceClassification" not in facts["heads"]
    reason = f"BartForSequenceClassification: {untested['AutoModelForSequenceClassification']}"
    assert facts["other_heads"]["AutoModelForSequenceClassification"] == reason
    assert {"AutoModel", "AutoModelForMaskedLM", "AutoModelForQuestionAnswering"} <= set(facts["heads"])
    assert engine.default_auto_class(list(facts["heads"])) == "AutoModelForMaskedLM"  # BartForConditionalGeneration


def test_a_head_built_from_another_config_than_the_base_models_is_not_registered():
    # Qwen3.5's causal LM is its text model alone (Qwen3_5TextConfig); its base model takes the whole Qwen3_5Config.
    source = engine.find_source("qwen3_5")
    assert "AutoModelForCausalLM" not in source.heads
    assert source.other_heads["AutoModelForCausalLM"] == (
        "Qwen3_5ForCausalLM: it is built from a Qwen3_5TextConfig, not the base model's Qwen3_5Config: a checkpoint "
        "of one is not a checkpoint of the other"
    )
    assert {"AutoModel", "AutoModelForImageTextToText"} <= set(source.heads)
    natives = {auto_class: getattr(transformers, name) for auto_class, name in source.heads.items()}
    engine.derive_tiny_config(transformers.Qwen3_5Config, natives)  # the heads it registers build and run
    assert "AutoModelForCausalLM" in engine.find_source("qwen3_5_text").heads  # the text model's own type


def test_a_base_model_that_does_not_take_the_projects_inputs_is_refused():
    source = engine.find_source("blenderbot")  # an encoder-decoder base model: it needs decoder inputs
    natives = {auto_class: getattr(transformers, name) for auto_class, name in source.heads.items()}
    with pytest.raises(
        engine.ForkError, match=r"^its BlenderbotModel is an encoder-decoder that needs decoder inputs"
    ):
        engine.derive_tiny_config(transformers.BlenderbotConfig, natives)


def test_a_type_without_a_base_model_is_refused():
    with pytest.raises(engine.ForkError, match="^'trocr' has no base model a fork can register for AutoModel: "):
        engine.find_source("trocr")  # TrOCR has its causal LM only


def test_a_type_whose_inputs_cannot_be_made_is_refused():
    source = engine.find_source("minicpmv4_7")  # its image inputs' code fails on the tiny config
    natives = {auto_class: getattr(transformers, name) for auto_class, name in source.heads.items()}
    with pytest.raises(engine.ForkError, match="^its example inputs cannot be made from the tiny config: "):
        engine.derive_tiny_config(source.config_class, natives)


def test_a_base_model_built_from_a_part_of_the_config_is_refused():
    with pytest.raises(engine.ForkError, match="^the base model of 'musicgen', MusicgenModel, is built from the 'dec"):
        engine.find_source("musicgen")  # from its decoder's config: AutoModel cannot build it from a MusicgenConfig


def test_the_packages_remote_code_needs_installed_are_found_in_the_forked_files(tmp_path):
    # RWKV imports bitsandbytes in the method that quantizes, after its own guard (`is_bitsandbytes_available()`),
    # which transformers' `check_imports` does not see: the fork puts the import in a `try`, which it skips.
    files = engine.make_fork("rwkv", "my_model", "MyModel").files
    for name, text in files.items():
        (tmp_path / f"{name}.py").write_text(text)
    (tmp_path / "other.py").write_text("import torch\nimport no_such_package_of_the_fork\n")
    imported = {
        name for file in files for name in transformers.dynamic_module_utils.get_imports(tmp_path / f"{file}.py")
    }
    assert "bitsandbytes" not in imported and "import bitsandbytes as bnb" in files["modeling_my_model"]
    missing = engine.missing_imports(tmp_path, {**files, "other": ""})
    assert "no_such_package_of_the_fork" in missing and "torch" not in missing and "bitsandbytes" not in missing


def test_an_optional_import_in_a_function_goes_into_a_try_that_changes_nothing():
    text = "import torch\n\n\ndef quantize(x):\n    import bitsandbytes as bnb\n    import torch.nn\n"
    hidden = engine.hide_optional_imports(text, {"torch"})
    assert hidden == (
        "import torch\n\n\ndef quantize(x):\n"
        "    try:  # optional: remote code loads without it (check_imports skips a try)\n"
        "        import bitsandbytes as bnb\n    except ImportError:\n        raise\n    import torch.nn\n"
    )
    assert engine.hide_optional_imports(text, {"torch", "bitsandbytes"}) == text  # needed at import: stays


def test_a_head_that_generate_knows_by_its_name_keeps_its_own_cache():
    # transformers' generate gives a class named like MiniMax's no DynamicCache (it has a cache of its own).
    text = engine.make_fork("minimax", "my_model", "MyModel").files["modeling_my_model"]
    head = next(node for node in ast.parse(text).body if getattr(node, "name", "") == "MyModelForCausalLM")
    assert "_supports_default_dynamic_cache" in {item.name for item in head.body if isinstance(item, ast.FunctionDef)}
    assert (
        "_supports_default_dynamic_cache"
        not in engine.make_fork("qwen3", "my_model", "MyModel").files["modeling_my_model"]
    )
    # The bake's check generates with every generating head: renamed without it, MiniMax's head fails there.
    overrides, _ = engine.tiny_config_overrides(transformers.MiniMaxConfig)
    facts = {"tiny_config": overrides, "image_tokens": 0, "image_arguments": []}
    native, config = transformers.MiniMaxForCausalLM, transformers.MiniMaxConfig
    renamed = type("MyModelForCausalLM", (native,), {})
    with pytest.raises(ValueError, match="MiniMax uses cache of its own"):
        engine.compare_head(native, renamed, config, config, facts, "AutoModelForCausalLM")
    own_cache = type(
        "MyModelForCausalLM", (native,), {"_supports_default_dynamic_cache": classmethod(lambda cls: False)}
    )
    assert engine.compare_head(native, own_cache, config, config, facts, "AutoModelForCausalLM") == []


def test_settings_keyed_by_numbers_are_no_token_ids():
    values = {"image_token_id": 9, "projector_patch_to_query_dict": {1225: 128, 4900: 256}}  # Aria's
    assert engine.token_layout([values, values["projector_patch_to_query_dict"]]) == {
        "mask_token": 382,
        "image_token": 383,
    }


def test_a_window_in_pixels_over_merged_patches_keeps_one_merged_patch():
    vision = {"patch_size": 14, "spatial_merge_size": 2, "window_size": 112, "hidden_size": 1280}  # Qwen2.5-VL's
    assert engine.tiny_values(vision, False, {})["window_size"] == 16  # the tiny 8-pixel patches, merged 2 by 2
    text = {"hidden_size": 4096, "window_size": 4096}  # a text model's window of tokens
    assert engine.tiny_values(text, False, {})["window_size"] == 4


def test_the_vision_feature_layers_stay_within_the_tiny_vision_tower():
    values = {"vision_config": {"num_hidden_layers": 24}, "vision_feature_layers": [-2, -5, -8, -11, 6]}  # VipLlava's
    overrides = {"vision_config": {"num_hidden_layers": 2}}  # 3 hidden states: the embeddings' and 2 layers'
    assert engine.tiny_feature_layers(values, overrides) == {"vision_feature_layers": [-2, -3, -3, -3, 2]}
    assert engine.tiny_feature_layers({**values, "vision_feature_layers": [-1, 0]}, overrides) == {}


# Vision-language types whose images take arguments beside their pixels, as their processors give them: the image
# sizes (Mistral3: Pixtral's), the patch grid of flattened patches and the token types of multimodal rotary
# positions (Qwen2-VL), the mask of each row's images (Idefics3), none and no image token (BLIP's captioner takes its
# image beside the text). The tiny images are 32 pixels of 8-pixel patches: 16 patches, merged 2 by 2 into 4 tokens
# (Pixtral's and Qwen2-VL's spatial merge, Idefics3's pixel shuffle).
@pytest.mark.parametrize(
    ("model_type", "arguments", "image_tokens"),
    [
        ("mistral3", ["image_sizes"], 4),
        ("qwen2_vl", ["image_grid_thw", "mm_token_type_ids"], 4),
        ("idefics3", ["pixel_attention_mask"], 4),
        ("blip", [], 0),
    ],
)
def test_the_image_inputs_are_what_the_processor_gives_and_the_image_tokens_what_the_model_computes(
    model_type, arguments, image_tokens
):
    source = engine.find_source(model_type)
    heads = {auto_class: getattr(transformers, name) for auto_class, name in source.heads.items()}
    tiny, _, counted, _ = engine.derive_tiny_config(source.config_class, heads)  # runs every head on the inputs
    assert counted == (image_tokens, arguments)
    config = source.config_class(**tiny)
    inputs = engine.example_inputs(config, "AutoModelForImageTextToText", "padded", image_tokens, arguments)
    assert set(inputs) == {"input_ids", "attention_mask", "pixel_values", *arguments}
    assert inputs["input_ids"].shape == (2, 7 + image_tokens)
    if image_tokens:
        assert int((inputs["input_ids"][0] == engine.image_token_id(config)).sum()) == image_tokens
    else:
        assert engine.image_token_id(config) is None
    vision = config.vision_config
    if "image_grid_thw" in arguments:  # each image as its flattened patches: a still image is 1 temporal patch
        assert inputs["image_grid_thw"].tolist() == [[1, 4, 4]] * 2
        assert inputs["pixel_values"].shape == (2 * 16, 3 * vision.temporal_patch_size * vision.patch_size**2)
        assert inputs["mm_token_type_ids"].sum() == 2 * image_tokens
    if "image_sizes" in arguments:
        assert inputs["image_sizes"].tolist() == [[32, 32]] * 2
    if "pixel_attention_mask" in arguments:  # one image a row
        assert inputs["pixel_values"].shape == (2, 1, 3, 32, 32)
        assert inputs["pixel_attention_mask"].shape == (2, 1, 32, 32)


def test_multimodal_rotary_sections_split_the_tiny_heads_frequencies():
    source = engine.find_source("qwen2_vl")
    tiny, _ = engine.tiny_config_overrides(source.config_class)
    config = source.config_class(**tiny)
    sections = engine.tiny_rope_sections(config, transformers.Qwen2VLModel)
    text = config.text_config
    assert sections == {"text_config": {"rope_parameters": {**text.rope_parameters, "mrope_section": [1, 2, 1]}}}
    head = text.hidden_size // text.num_attention_heads  # sections of the source's 128-wide heads: [16, 24, 24]
    assert sum(sections["text_config"]["rope_parameters"]["mrope_section"]) == head // 2


def test_a_source_the_engine_cannot_read_is_refused_with_its_error(tmp_path, monkeypatch):
    def unreadable(*args):
        raise KeyError("MiniMaxM3SparseForConditionalGeneration")  # a head its folder's files do not define

    monkeypatch.setattr(engine, "full_fork", unreadable)
    with pytest.raises(engine.ForkError) as refused:
        engine.bake(tmp_path, "my_x", "qwen3", "MyX")
    reason = "the engine cannot fork its source: KeyError: 'MiniMaxM3SparseForConditionalGeneration'"
    assert str(refused.value) == reason
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize(
    ("base_model", "message"),
    [
        ("qwen", "base_model 'qwen' cannot be forked: 'qwen' is not a model type of transformers"),
        ("qwen33", "did you mean qwen3"),
        ("", "base_model is empty: did you mean llama, qwen3"),
        ("bark", "'bark' has no head a project can test: its Auto classes are AutoModel, AutoModelForTextToWaveform"),
    ],
)
def test_a_base_model_that_cannot_be_forked_is_one_line(base_model, message):
    error = pre_gen.check_base_model(base_model, "fork", TEMPLATE_DIR)
    assert error is not None and message in error and "\n" not in error


def test_base_model_is_ignored_for_the_curated_families():
    assert pre_gen.check_base_model("no such model", "decoder", TEMPLATE_DIR) is None
    assert pre_gen.validate({**VALID, "base_model": "no such model"}, CHOICES, MINIMUMS, NAMES) == []


def test_fork_mode_without_transformers_says_what_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "transformers" else real(name))
    error = pre_gen.check_base_model("qwen3", "fork", TEMPLATE_DIR)
    assert error.startswith("architecture=fork needs transformers in the Python that runs cookiecutter (")
    assert error.endswith("pip install transformers there, or choose one of the curated families.")


def test_a_fork_declares_the_release_it_is_taken_from():
    installed = transformers.__version__
    assert pre_gen.validate(FORK, CHOICES, MINIMUMS, NAMES, installed) == []
    errors = pre_gen.validate({**FORK, "min_transformers_version": "5.4.0"}, CHOICES, MINIMUMS, NAMES, installed)
    assert errors == [
        f"min_transformers_version '5.4.0' is not {installed}, the installed transformers that the fork is taken "
        "from: a fork declares that release (leave the answer out); lower it once the suite passes on an older one."
    ]


def test_an_unknown_base_model_stops_the_bake_with_one_line(tmp_path, capfd):
    with pytest.raises(FailedHookException):
        bake(tmp_path, architecture="fork", base_model="qwen33")
    errors = capfd.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("ERROR: base_model 'qwen33' cannot be forked: 'qwen33' is not")
    assert list(tmp_path.iterdir()) == []


def test_a_processor_that_takes_videos_needs_torchvision_and_says_so(tmp_path, capfd):
    # Qwen3-VL's processor makes a video processor, which transformers builds only with torchvision installed.
    if is_torchvision_available():
        assert (bake(tmp_path, architecture="fork", base_model="qwen3_vl") / "my_model" / "fork.json").is_file()
        return
    with pytest.raises(FailedHookException):
        bake(tmp_path, architecture="fork", base_model="qwen3_vl")
    errors = capfd.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and errors[0] == (
        "ERROR: base_model 'qwen3_vl' cannot be forked: its default processor cannot be made: CommandError: "
        "'Qwen3VLProcessor' takes videos too, and transformers' video processors need torchvision, which is not "
        "installed: pip install torchvision"
    )
    assert list(tmp_path.iterdir()) == []


# -- the re-fork command --------------------------------------------------------------------------------------------

UPSTREAM_LINE = "        hidden_states = self.norm(hidden_states)\n"
OLD_UPSTREAM_LINE = "        hidden_states = self.norm(hidden_states)  # as forked from an older release\n"
EDIT = ('    """Multi-headed attention from \'Attention Is All You Need\' paper"""\n', '    """My attention."""\n')


@pytest.fixture
def older_fork(tmp_path) -> Path:
    """A fork of qwen3 as if taken from an older release (a line of upstream's modeling file differed then), with an
    edit of the user's elsewhere in that file."""
    project = bake(tmp_path, architecture="fork", base_model="qwen3", model_name="my_qwen")
    for path in (project / "upstream" / "modeling_my_qwen.py", project / "my_qwen" / "modeling_my_qwen.py"):
        text = path.read_text()
        assert text.count(UPSTREAM_LINE) == 1
        path.write_text(text.replace(UPSTREAM_LINE, OLD_UPSTREAM_LINE))
    modeling = project / "my_qwen" / "modeling_my_qwen.py"
    modeling.write_text(modeling.read_text().replace(*EDIT))
    return project


def refork(project: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "my_qwen.fork"]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=900)


def test_refork_merges_upstreams_changes_into_the_users_edits_and_verifies(older_fork):
    result = refork(older_fork)
    assert result.returncode == 0, result.stdout + result.stderr
    modeling = (older_fork / "my_qwen" / "modeling_my_qwen.py").read_text()
    assert EDIT[1] in modeling and EDIT[0] not in modeling  # the edit survives
    assert UPSTREAM_LINE in modeling and OLD_UPSTREAM_LINE not in modeling  # upstream's change comes in
    assert (older_fork / "upstream" / "modeling_my_qwen.py").read_text().count(UPSTREAM_LINE) == 1
    lines = result.stdout.splitlines()
    assert "  modeling_my_qwen.py: upstream's changes merged into your edits" in lines
    assert lines[-1].startswith("verified ") and "largest difference 0" in lines[-1]


def test_refork_marks_the_conflicts_of_an_edit_of_what_upstream_changed(older_fork):
    modeling = older_fork / "my_qwen" / "modeling_my_qwen.py"
    modeling.write_text(modeling.read_text().replace(OLD_UPSTREAM_LINE, UPSTREAM_LINE.rstrip() + "  # mine\n"))
    result = refork(older_fork)
    assert result.returncode == 1
    conflict = "  modeling_my_qwen.py: upstream changed; 1 conflict(s) with your edits, marked in the file"
    assert conflict in result.stdout
    text = modeling.read_text()
    assert "<<<<<<< yours" in text and f">>>>>>> upstream {transformers.__version__}" in text
    facts = json.loads((older_fork / "my_qwen" / "fork.json").read_text())
    assert facts["transformers_version"] == transformers.__version__
