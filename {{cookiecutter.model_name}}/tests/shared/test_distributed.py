"""Parallel plans that name real modules, tensor (and, for a mixture of experts, expert) parallel on two CPU processes,
half-precision loading equal to the native transformers model, and `device_map="auto"`, for the family's default
head."""

import math

import pytest
import torch
from torch import nn
from transformers.modeling_layers import GradientCheckpointingLayer

from ..common import DEFAULT_CLASS, HEADS, NATIVE_CLASS, UPSTREAM_CODE, main_output, tiny_config
from ..contract import CONVERSION, PARALLEL_CONFIG, native_config
from ..distributed import WORLD_SIZE, expert_parallel, planned_parameters, tensor_parallel_outputs, unmatched_plan_keys


def layer_names(model: nn.Module, kind: type) -> set[str]:
    """The names of the modules of type `kind` inside the first repeated layer of each stack (a VLM's vision tower
    and language model), with `*` for the layer index: the names a parallel plan splits them by."""
    first_layers = [
        name
        for name, module in model.named_modules()
        if isinstance(module, GradientCheckpointingLayer) and name.endswith(".0")
    ]
    assert first_layers
    return {
        first_layer.removesuffix("0") + "*" + name.removeprefix(first_layer)
        for first_layer in first_layers
        for name, module in model.named_modules()
        if name.startswith(first_layer + ".") and isinstance(module, kind)
    }


# Every curated family declares a tensor-parallel plan; a fork has upstream's, where upstream has one.
if not UPSTREAM_CODE or tiny_config().base_model_tp_plan:

    def test_parallel_plans_name_real_modules(config):
        base = HEADS["AutoModel"](config)
        # The base model's plans, with its sub-models' (a VLM's towers) and what transformers adds (input embeddings).
        tensor_plan, expert_plan = base._tp_plan, getattr(base, "_ep_plan", None) or {}
        assert tensor_plan
        for model_class in HEADS.values():
            # `_no_split_modules` (what `device_map="auto"` never splits across devices) names real classes.
            classes = {type(module).__name__ for module in model_class(config).modules()}
            assert set(model_class._no_split_modules) <= classes, model_class.__name__
        if UPSTREAM_CODE:
            # A fork's plans are upstream's (tests/fork/test_fork.py): they may name modules of other configurations.
            return
        assert unmatched_plan_keys(base, {**tensor_plan, **expert_plan}) == []
        # Every linear layer of the repeated layers is split by the tensor plan; fused expert weights (3D parameters, a
        # mixture of experts') by the tensor or the expert plan, as the installed release splits the native model's.
        assert layer_names(base, nn.Linear) <= set(tensor_plan)
        fused = {
            name.replace(".0.", ".*.", 1)
            for name, parameter in base.named_parameters()
            if parameter.dim() == 3 and ".0." in name
        }
        assert fused <= set(tensor_plan) | set(expert_plan)
        # Pipeline stages (where the family declares them) name real modules: for a language model, its blocks.
        pipeline_plan = base._pp_plan or {}
        assert unmatched_plan_keys(base, pipeline_plan) == []
        if hasattr(config.get_text_config(), "use_cache"):
            assert any(key.endswith("layers") for key in pipeline_plan)

        for model_class in HEADS.values():
            model = model_class(config)
            for plan in (model._tp_plan, model._pp_plan, getattr(model, "_ep_plan", None)):
                assert unmatched_plan_keys(model, plan or {}) == [], model_class.__name__

    def test_tensor_parallel_on_two_cpu_processes_gives_the_single_process_outputs(tmp_path, inputs):
        # From transformers 5.25, loading with a parallel plan places the model through accelerate, as `device_map`
        # does.
        pytest.importorskip("accelerate", reason="tensor parallel loading needs accelerate (in the `test` extra)")
        config = tiny_config(**PARALLEL_CONFIG)
        model = DEFAULT_CLASS(config).eval()
        with torch.no_grad():
            expected = model(**inputs, return_dict=False)[0]
        # Every parameter the plans split: the tensor plan's, and the expert plan's where the experts split by it (not
        # what an upstream plan, a fork's, replicates).
        plans = {**model._tp_plan, **(model._ep_plan if expert_parallel(config) else {})}
        plans = {key: style for key, style in plans.items() if "replicate" not in style}
        split = planned_parameters(model, plans)
        assert split
        sizes = {name: parameter.numel() for name, parameter in model.named_parameters()}
        model.save_pretrained(tmp_path)

        for rank in tensor_parallel_outputs(tmp_path, DEFAULT_CLASS, inputs):
            torch.testing.assert_close(rank["output"], expected, rtol=1e-5, atol=1e-5)
            for name in split:  # really split: each process holds its share
                assert math.prod(rank["shapes"][name]) * WORLD_SIZE == sizes[name], name


@pytest.fixture
def native_and_converted(tmp_path, config) -> tuple[str, str]:
    NATIVE_CLASS(native_config(config)).save_pretrained(tmp_path / "native")
    CONVERSION.convert(tmp_path / "native", tmp_path / "converted")
    return str(tmp_path / "native"), str(tmp_path / "converted")


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_loading_matches_the_native_model(native_and_converted, inputs, dtype):
    native_folder, folder = native_and_converted
    native = NATIVE_CLASS.from_pretrained(native_folder, dtype=dtype).eval()
    model = DEFAULT_CLASS.from_pretrained(folder, dtype=dtype).eval()
    assert {parameter.dtype for parameter in model.parameters()} == {dtype}
    with torch.no_grad():
        output = main_output(model(**inputs))  # float32 pixels, as an image processor returns them, are cast
        assert output.dtype == dtype
        torch.testing.assert_close(output, main_output(native(**inputs)), rtol=0, atol=0)


def test_dtype_auto_loads_the_saved_precision(tmp_path, config):
    DEFAULT_CLASS(config).to(torch.bfloat16).save_pretrained(tmp_path)
    model = DEFAULT_CLASS.from_pretrained(tmp_path, dtype="auto")
    assert model.dtype == torch.bfloat16


def test_device_map_auto(native_and_converted, inputs):
    pytest.importorskip("accelerate", reason="device_map needs accelerate (in the `test` extra)")
    native_folder, folder = native_and_converted
    model = DEFAULT_CLASS.from_pretrained(folder, device_map="auto").eval()
    assert {parameter.device.type for parameter in model.parameters()} == {"cpu"}
    native = NATIVE_CLASS.from_pretrained(native_folder).eval()
    with torch.no_grad():
        torch.testing.assert_close(main_output(model(**inputs)), main_output(native(**inputs)), rtol=1e-5, atol=1e-5)
