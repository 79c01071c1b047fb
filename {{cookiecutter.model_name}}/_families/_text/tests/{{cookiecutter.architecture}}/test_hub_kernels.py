"""The blocks carry the Hub-kernel marks that the native model (Llama, Mixtral; a VLM's language model, Llama for
LLaVA) carries, checked without the `kernels` package."""

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import transformers.integrations

from {{ cookiecutter.model_name }} import modeling_{{ cookiecutter.model_name }}

from ..common import tiny_config
from ..contract import native_config

# transformers' decorators that mark a block for `kernels`. Older releases mark functions with
# `use_kernel_func_from_hub`, later ones with `use_kernel_forward_from_hub`: both record as the latter.
MARKERS = {
    "use_kernel_forward_from_hub": "use_kernel_forward_from_hub",
    "use_kernel_func_from_hub": "use_kernel_forward_from_hub",
    "use_kernelized_func": "use_kernelized_func",
}


def kernel_marks(module: ModuleType, monkeypatch) -> dict[str, str]:
    """Execute a fresh copy of `module` with recording decorators: {decorated object: its mark}."""
    marks: dict[str, str] = {}

    def recorder(mark: str):
        def decorator_factory(argument):
            functions = argument if isinstance(argument, list) else [argument]
            described = argument if isinstance(argument, str) else ", ".join(f.__name__ for f in functions)

            def record(decorated):
                marks[decorated.__name__] = f"{mark}({described})"
                return decorated

            return record

        return decorator_factory

    for marker, mark in MARKERS.items():
        monkeypatch.setattr(transformers.integrations, marker, recorder(mark), raising=False)
    name = f"{module.__package__}._kernel_marks_of_{Path(module.__file__).stem}"
    spec = importlib.util.spec_from_file_location(name, module.__file__)
    fresh = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, fresh)  # transformers' docstring tools look the module up
    spec.loader.exec_module(fresh)
    return marks


def test_the_blocks_carry_the_native_models_hub_kernel_marks(monkeypatch):
    # A VLM's language model settings are its text_config: its blocks are those that carry marks.
    config = tiny_config()
    native = native_config(config)
    native_config_class = type(getattr(native, "text_config", native))
    native_prefix = native_config_class.__name__.removesuffix("Config")
    native_module = native_config_class.__module__.replace(".configuration_", ".modeling_")
    native_marks = kernel_marks(importlib.import_module(native_module), monkeypatch)
    ours = kernel_marks(modeling_{{ cookiecutter.model_name }}, monkeypatch)
    prefix = type(getattr(config, "text_config", config)).__name__.removesuffix("Config")  # our blocks' prefix
    assert native_marks, f"no Hub-kernel marks found in transformers' {native_prefix}"
    assert {name.replace(prefix, native_prefix, 1): mark for name, mark in ours.items()} == native_marks
    assert ours[f"{prefix}RMSNorm"] == "use_kernel_forward_from_hub(RMSNorm)"
