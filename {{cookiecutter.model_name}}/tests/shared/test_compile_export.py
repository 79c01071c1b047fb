"""The default head under PyTorch's compilers, as its native transformers model: `torch.compile(fullgraph=True)`
captures the whole forward in one graph, which gives the eager outputs; `torch.export.export` succeeds with the inputs
the native model exports with, and the exported program gives the native model's outputs; where the native model
exports to ONNX (`family.ONNX_EXPORT`), so does this one, and onnxruntime gives the eager outputs within 1e-4.

The compiled forward runs on torch's "eager" backend: Dynamo captures the whole forward (with `fullgraph=True` any
graph break, e.g. a data-dependent branch, is an error) and runs the captured graph as it is. Inductor would then
compile that graph to C++, about 30 s for each tiny model on a 2-core CPU, without checking more of this model's code;
the stage between them (AOTAutograd's functional ATen graph) is what `torch.export` traces, tested here too.
"""

from pathlib import Path

import pytest
import torch

from {{ cookiecutter.model_name }}.family import ONNX_EXPORT

from ..common import DEFAULT_CLASS, NATIVE_CLASS, UPSTREAM_CODE, all_tensors, assert_same_outputs, tiny_config
from ..contract import CONVERSION, example_inputs, native_config

CONFIG = tiny_config()


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> tuple[torch.nn.Module, torch.nn.Module]:
    """The native default head and its conversion into ours (the same weights), in eval mode."""
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("compile")
    native = NATIVE_CLASS(native_config(CONFIG)).eval()
    native.save_pretrained(folder / "native")
    CONVERSION.convert(folder / "native", folder / "converted")
    return native, DEFAULT_CLASS.from_pretrained(folder / "converted").eval()


def export_inputs() -> dict:
    """The example inputs, without a key/value cache where the model has one: an exported program returns tensors,
    and transformers' `DynamicCache` is none (the native model's export fails on it alike)."""
    inputs = dict(example_inputs(CONFIG))
    if hasattr(CONFIG.get_text_config(), "use_cache"):
        inputs["use_cache"] = False
    return inputs


def upstream_fails(run, native: torch.nn.Module, model: torch.nn.Module) -> bool:
    """For a fork (whose code is upstream's): whether `run(native)` fails, and then that `run(model)` fails alike."""
    if not UPSTREAM_CODE:
        return False
    try:
        run(native)
    except Exception as error:  # noqa: BLE001 - whatever upstream's model raises, the fork must raise alike
        with pytest.raises(type(error)):
            run(model)
        return True
    return False


def test_the_whole_forward_compiles_in_one_graph_with_the_eager_outputs(models):
    native, model = models
    inputs = example_inputs(CONFIG)
    with torch.no_grad():
        # Eager first: transformers installs its output-recording hooks (a VLM's vision features) on the first call
        # that records, under a lock Dynamo cannot trace, as for the native model.
        eager, _ = model(**inputs), native(**inputs)
        if upstream_fails(lambda module: torch.compile(module, fullgraph=True, backend="eager")(**inputs), *models):
            return  # upstream's model does not compile whole: nor does the fork
        compiled = torch.compile(model, fullgraph=True, backend="eager")(**inputs)
    assert_same_outputs(compiled, eager, inputs, tolerance=1e-5)


def test_torch_export_succeeds_with_the_inputs_the_native_model_exports_with(models):
    native, model = models
    inputs = export_inputs()
    if upstream_fails(lambda module: torch.export.export(module, args=(), kwargs=inputs), native, model):
        return  # upstream's model does not export with these inputs: nor does the fork
    torch.export.export(native, args=(), kwargs=inputs)
    program = torch.export.export(model, args=(), kwargs=inputs)
    with torch.no_grad():
        assert_same_outputs(program.module()(**inputs), native(**inputs), inputs, tolerance=1e-5)


# Only the families whose native model exports to ONNX have this test (see family.ONNX_EXPORT).
if ONNX_EXPORT:

    def test_onnx_export_runs_in_onnxruntime_with_the_eager_outputs(tmp_path: Path, models):
        # The ONNX export and runtime are optional test extras (pip install -e '.[test]').
        onnxruntime = pytest.importorskip("onnxruntime", reason="onnxruntime is an optional test extra")
        pytest.importorskip("onnxscript", reason="torch.onnx.export(dynamo=True) needs onnxscript (a test extra)")
        pytest.importorskip("onnx", reason="torch.onnx.export(dynamo=True) needs onnx (a test extra)")
        _, model = models
        inputs = export_inputs()
        torch.onnx.export(model, args=(), kwargs=inputs, dynamo=True, verbose=False).save(tmp_path / "model.onnx")
        session = onnxruntime.InferenceSession(tmp_path / "model.onnx", providers=["CPUExecutionProvider"])
        feeds = {given.name: inputs[given.name].numpy() for given in session.get_inputs()}
        outputs = session.run(None, feeds)
        with torch.no_grad():
            expected = list(all_tensors(model(**inputs)).values())
        assert len(outputs) == len(expected)
        for output, tensor in zip(outputs, expected, strict=True):
            torch.testing.assert_close(torch.from_numpy(output), tensor, rtol=1e-4, atol=1e-4)
