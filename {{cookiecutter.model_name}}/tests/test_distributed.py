"""Parallel plans that name real modules, tensor parallel on two CPU processes, half-precision loading equal to the
native transformers model, and `device_map="auto"`, for the family's default head."""

import pytest
import torch
import transformers
from torch import nn
from transformers.modeling_layers import GradientCheckpointingLayer

from .common import DEFAULT_CLASS, HEADS, UPSTREAM_CODE, main_output, tiny_config
from .contract import CONVERSION, native_config
from .distributed import WORLD_SIZE, tensor_parallel_outputs, unmatched_plan_keys

# The dimension of a linear layer's weight that each tensor-parallel style splits over the processes.
SPLIT_DIMENSION = {"colwise": 0, "rowwise": 1}
NATIVE_CLASS = getattr(transformers, next(name for name, head in CONVERSION.HEADS.items() if head is DEFAULT_CLASS))


# Every curated family declares a tensor-parallel plan; a fork has upstream's, if upstream has one.
if not UPSTREAM_CODE or tiny_config().base_model_tp_plan:

    def test_parallel_plans_name_real_modules(config):
        base = HEADS["AutoModel"](config)
        plan = config.base_model_tp_plan
        assert plan
        # A fork's plans are upstream's (tests/test_fork.py): they may name modules of other configurations.
        assert UPSTREAM_CODE or unmatched_plan_keys(base, plan) == []
        # Every linear layer of the repeated layers (of each stack: a VLM's vision tower and language model) is split;
        # the rest is replicated (a curated family's plan).
        layers = [name for name, module in base.named_modules() if isinstance(module, GradientCheckpointingLayer)]
        first_layers = [name for name in layers if name.endswith(".0")]
        layer_linears = {
            first_layer.removesuffix("0") + "*" + name.removeprefix(first_layer)
            for first_layer in first_layers
            for name, module in base.named_modules()
            if name.startswith(first_layer + ".") and isinstance(module, nn.Linear)
        }
        assert first_layers and (UPSTREAM_CODE or set(plan) == layer_linears)
        # Pipeline stages (where the family declares them) are children of the base model.
        assert set(config.base_model_pp_plan or {}) <= {name for name, _ in base.named_children()}

        for model_class in HEADS.values():
            model = model_class(config)
            for plan in (model._tp_plan, model._pp_plan):
                assert UPSTREAM_CODE or unmatched_plan_keys(model, plan or {}) == [], model_class.__name__
            # `_no_split_modules` (what `device_map="auto"` never splits across devices) names real classes.
            classes = {type(module).__name__ for module in model.modules()}
            assert set(model._no_split_modules) <= classes, model_class.__name__

    def test_tensor_parallel_on_two_cpu_processes_gives_the_single_process_outputs(tmp_path, config, inputs):
        model = DEFAULT_CLASS(config).eval()
        model.save_pretrained(tmp_path)
        with torch.no_grad():
            expected = model(**inputs, return_dict=False)[0]
        shapes = {name: tuple(parameter.shape) for name, parameter in model.named_parameters()}

        for rank in tensor_parallel_outputs(tmp_path, DEFAULT_CLASS, inputs):
            torch.testing.assert_close(rank["output"], expected, rtol=1e-5, atol=1e-5)
            # Really sharded: each process holds its share of every linear layer the plan splits.
            for key, style in config.base_model_tp_plan.items():
                name = f"{model.base_model_prefix}.{key.replace('*', '0')}.weight"
                if style not in SPLIT_DIMENSION or UPSTREAM_CODE and name not in shapes:
                    continue  # replicated, or in an upstream plan (a fork's) a module of another configuration
                local = list(shapes[name])
                local[SPLIT_DIMENSION[style]] //= WORLD_SIZE
                assert rank["shapes"][name] == tuple(local), name


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
