"""What converting a native Mixtral checkpoint must carry beyond the shared parity checks (test_conversion_common.py):
the router logits, the load-balancing and total losses (with padding), the sliding window, tied embeddings and
identical greedy generation; options this model does not implement are refused."""

import json

import pytest
import torch
from safetensors.torch import load_file, save_file
from transformers import MixtralForCausalLM

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ForCausalLM
from {{ cookiecutter.model_name }}.conversion import ConversionError
from {{ cookiecutter.model_name }}.convert_mixtral_to_{{ cookiecutter.model_name }} import convert, main

from ..common import tiny_config
from ..contract import PAD, example_inputs, native_config


@pytest.mark.parametrize(
    "overrides",
    [{}, {"sliding_window": 3, "tie_word_embeddings": True, "router_aux_loss_coef": 0.5}],
    ids=["full-attention", "sliding-window-tied"],
)
def test_router_logits_losses_and_generation_equal_mixtral(tmp_path, overrides):
    config = tiny_config(rope_parameters={"rope_type": "default", "rope_theta": 1e6}, rms_norm_eps=1e-5, **overrides)
    torch.manual_seed(0)
    mixtral = MixtralForCausalLM(native_config(config)).eval()
    mixtral.save_pretrained(tmp_path / "mixtral")
    assert main(["--input", str(tmp_path / "mixtral"), "--output", str(tmp_path / "converted")]) == 0
    model = {{ cookiecutter.class_prefix }}ForCausalLM.from_pretrained(tmp_path / "converted").eval()
    for name in ("sliding_window", "router_aux_loss_coef", "num_local_experts", "num_experts_per_tok"):
        assert getattr(model.config, name) == getattr(mixtral.config, name), name
    # The experts fused one to one: no tensor is left over or made up.
    saved = load_file(tmp_path / "converted" / "model.safetensors")
    assert saved["model.layers.0.mlp.experts.gate_up_proj"].shape == (4, 2 * config.intermediate_size, 32)

    for variant in ("unpadded", "left-padded"):
        inputs = example_inputs(config, variant)
        mask = inputs.get("attention_mask", torch.ones_like(inputs["input_ids"]))
        labels = inputs["input_ids"].masked_fill(mask == 0, -100)
        with torch.no_grad():
            ours = model(**inputs, labels=labels, output_router_logits=True)
            native = mixtral(**inputs, labels=labels, output_router_logits=True)
        real = mask.reshape(-1).bool()  # the padded rows' logits differ: positions count from the mask here
        for layer, native_logits in enumerate(native.router_logits):
            our_logits = ours.router_logits[layer]
            torch.testing.assert_close(our_logits[real], native_logits[real], rtol=1e-5, atol=1e-5, msg=str(layer))
        for name in ("aux_loss", "loss"):
            torch.testing.assert_close(ours[name], native[name], rtol=1e-5, atol=1e-5, msg=f"{variant} {name}")

    input_ids = example_inputs(config)["input_ids"]
    settings = dict(max_new_tokens=8, min_new_tokens=8, do_sample=False, pad_token_id=PAD)
    assert torch.equal(model.generate(input_ids, **settings), mixtral.generate(input_ids, **settings))


def test_unsupported_mixtral_options_are_refused(tmp_path):
    MixtralForCausalLM(native_config(tiny_config(), hidden_act="gelu")).save_pretrained(tmp_path / "mixtral")
    with pytest.raises(ConversionError, match="hidden_act='gelu' is not supported"):
        convert(tmp_path / "mixtral", tmp_path / "converted")


def change_experts(folder, drop: str | None = None, add: str | None = None) -> None:
    """Drop the tensor `drop` from the saved weights, or add a copy of expert 0's w1 as `add`."""
    path = folder / "model.safetensors"
    tensors = load_file(path)
    if drop:
        del tensors[drop]
    if add:
        tensors[add] = tensors["model.layers.1.block_sparse_moe.experts.0.w1.weight"].clone()
    save_file(tensors, path, metadata={"format": "pt"})


def set_num_local_experts(folder, experts: int) -> None:
    path = folder / "config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "num_local_experts": experts}))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda folder: set_num_local_experts(folder, 3),
            "model.layers.0 stores 4 experts, but the config's num_local_experts is 3: the config and the weights "
            "must come from the same checkpoint (set num_local_experts to the number of experts saved, or convert the "
            "folder they were saved to together).",
        ),
        (
            lambda folder: set_num_local_experts(folder, 5),
            "model.layers.0 stores 4 experts, but the config's num_local_experts is 5: the config and the weights "
            "must come from the same checkpoint (set num_local_experts to the number of experts saved, or convert the "
            "folder they were saved to together).",
        ),
        (
            lambda folder: change_experts(folder, add="model.layers.1.block_sparse_moe.experts.4.w1.weight"),
            "model.layers.1 stores expert 4, beyond the config's num_local_experts=4: the config and the weights must "
            "come from the same checkpoint.",
        ),
        (
            lambda folder: change_experts(folder, drop="model.layers.1.block_sparse_moe.experts.2.w3.weight"),
            "model.layers.1 lacks expert 2's w3 (model.layers.1.block_sparse_moe.experts.2.w3.weight), one of the "
            "config's num_local_experts=4: the checkpoint is incomplete; download or save it again.",
        ),
    ],
    ids=["fewer-experts-in-the-config", "more-experts-in-the-config", "part-of-an-extra-expert", "an-expert-missing"],
)
def test_experts_that_do_not_fit_the_config_name_the_setting_or_the_expert(tmp_path, capsys, damage, message):
    MixtralForCausalLM(native_config(tiny_config())).save_pretrained(tmp_path / "mixtral")
    damage(tmp_path / "mixtral")
    assert main(["--input", str(tmp_path / "mixtral"), "--output", str(tmp_path / "converted")]) == 1
    output = capsys.readouterr()  # the native checkpoint's save writes a progress bar before
    assert output.err.strip().splitlines()[-1] == f"error: {message}" and "Traceback" not in output.out + output.err
    assert not (tmp_path / "converted").exists()
