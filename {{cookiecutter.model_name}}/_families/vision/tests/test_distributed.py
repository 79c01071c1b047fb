"""The tensor parallel plan, tensor parallel on two CPU processes, device maps and half-precision loading."""

import pytest
import torch
from transformers import ViTForImageClassification

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ForImageClassification, {{ cookiecutter.class_prefix }}Model
from {{ cookiecutter.model_name }}.convert_vit_to_{{ cookiecutter.model_name }} import convert

from .distributed import WORLD_SIZE, tensor_parallel_outputs, unmatched_plan_keys
from .test_conversion import tiny_vit_config


def test_parallel_plan_names_real_modules(config):
    base = {{ cookiecutter.class_prefix }}Model(config)
    assert config.base_model_tp_plan and unmatched_plan_keys(base, config.base_model_tp_plan) == []
    # Every linear layer of the encoder layers is split; the rest is replicated.
    layer_linears = {
        name.replace(".0.", ".*.", 1)
        for name, module in base.named_modules()
        if name.startswith("layers.0.") and isinstance(module, torch.nn.Linear)
    }
    assert set(config.base_model_tp_plan) == layer_linears
    # `_no_split_modules` (what `device_map="auto"` never splits across devices) names real classes.
    classes = {type(module).__name__ for module in base.modules()}
    assert set(base._no_split_modules) <= classes


def test_tensor_parallel_on_two_cpu_processes_gives_the_single_process_logits(tmp_path, config, pixel_values):
    model = {{ cookiecutter.class_prefix }}ForImageClassification(config).eval()
    model.save_pretrained(tmp_path)
    with torch.no_grad():
        expected = model(pixel_values).logits

    inputs = {"pixel_values": pixel_values}
    for rank in tensor_parallel_outputs(tmp_path, {{ cookiecutter.class_prefix }}ForImageClassification, inputs):
        torch.testing.assert_close(rank["output"], expected, rtol=1e-5, atol=1e-5)
        # Really sharded: each process holds its share of the heads and of the MLP.
        hidden, intermediate = config.hidden_size, config.intermediate_size
        assert rank["shapes"]["model.layers.0.attention.q_proj.weight"] == (hidden // WORLD_SIZE, hidden)
        assert rank["shapes"]["model.layers.0.mlp.fc2.weight"] == (hidden, intermediate // WORLD_SIZE)


@pytest.fixture
def vit_and_converted(tmp_path) -> tuple[str, str]:
    torch.manual_seed(0)
    ViTForImageClassification(tiny_vit_config()).save_pretrained(tmp_path / "vit")
    convert(tmp_path / "vit", tmp_path / "converted")
    return str(tmp_path / "vit"), str(tmp_path / "converted")


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_loading_matches_vit(vit_and_converted, pixel_values, dtype):
    vit_folder, folder = vit_and_converted
    vit = ViTForImageClassification.from_pretrained(vit_folder, dtype=dtype).eval()
    model = {{ cookiecutter.class_prefix }}ForImageClassification.from_pretrained(folder, dtype=dtype).eval()
    assert {parameter.dtype for parameter in model.parameters()} == {dtype}
    with torch.no_grad():
        logits = model(pixel_values).logits  # float32 pixels, as the image processor returns them
        assert logits.dtype == dtype
        torch.testing.assert_close(logits, vit(pixel_values).logits, rtol=0, atol=0)


def test_dtype_auto_loads_the_saved_precision(tmp_path, config):
    {{ cookiecutter.class_prefix }}ForImageClassification(config).to(torch.bfloat16).save_pretrained(tmp_path)
    model = {{ cookiecutter.class_prefix }}ForImageClassification.from_pretrained(tmp_path, dtype="auto")
    assert model.dtype == torch.bfloat16


def test_device_map_auto(vit_and_converted, pixel_values):
    pytest.importorskip("accelerate", reason="device_map needs accelerate (in the `test` extra)")
    vit_folder, folder = vit_and_converted
    model = {{ cookiecutter.class_prefix }}ForImageClassification.from_pretrained(folder, device_map="auto").eval()
    assert {parameter.device.type for parameter in model.parameters()} == {"cpu"}
    vit = ViTForImageClassification.from_pretrained(vit_folder).eval()
    with torch.no_grad():
        torch.testing.assert_close(model(pixel_values).logits, vit(pixel_values).logits, rtol=1e-5, atol=1e-5)
