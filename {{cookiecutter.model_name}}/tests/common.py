"""What the shared tests build from the package and from the family's contract (`contract.py`).

Every family's `tests/contract.py` defines the same names:

- `TINY_CONFIG`: the family's values for a tiny model (see `tiny_config`), e.g. a vocabulary that fits the default
  processor (a fork's contract derives a complete tiny config, and replaces `TINY_SIZES` and `INVALID_SIZES` too);
- `INVALID_CONFIGS`: settings the config refuses when a model is built or the config saved, and what the error says
  (beside `INVALID_SIZES`, those of the sizes every family has);
- `INPUT_VARIANTS` and `example_inputs(config, variant)`: model inputs (a batch of 2) in each form that matters to
  the attention backends and to conversion (padding, token types, image sizes);
- `TUPLE_VARIANTS`: the variants whose `return_dict=False` tuples equal the native model's element by element;
- `training_batch(config)`: inputs and labels for the default head;
- `BUFFERS`: the names of the base model's non-persistent buffers;
- `PARALLEL_CONFIG`: the settings of the tiny model that the tensor-parallel test splits over two processes;
- `PROCESSOR_AUTO_CLASS` and `RELEASE_FILES`: the processor's Auto class, and the files a published release holds
  beside `config.json`, the weights, the reference record, the model card and the configuration and modeling code;
- `PIPELINES` and `pipeline_inputs(task, folder)`: the pipeline task and call options of each head that has one,
  and the inputs the processor and the pipeline are given;
- `CONVERSION`, `native_config(config, **overrides)` and `CONVERTED_KEY`: the conversion script from the native
  transformers model, the native config with the same math, and one tensor's native and converted names;
- `BENCHMARK_CONFIG` and `benchmark_batch(config)`: the family's values of the benchmark's mid-size model (on top of
  `BENCHMARK_SIZES`, see `benchmark_config`) and a batch
  for it, inputs and the default head's `labels`, for the template's benchmark against the native model
  (`scripts/bench.py` in the template; its smoke run uses the tiny config).

The heads and their Auto classes come from the modeling file (`AUTO_CLASSES`), the default head, the processor,
the LoRA target modules and options (`LORA_TARGET_MODULES`, `LORA_OPTIONS`, which test_peft.py uses) and whether the
model exports to ONNX (`ONNX_EXPORT`, test_compile_export.py) from `family.py`: the same facts that publishing uses
(the model card shows the LoRA config and the export notes).
"""

from __future__ import annotations

import copy
import inspect
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import torch
import transformers
from transformers import PreTrainedModel, PreTrainedTokenizerBase, ProcessorMixin

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config
from {{ cookiecutter.model_name }}.family import DEFAULT_HEAD, default_processor
from {{ cookiecutter.model_name }}.modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES

from . import contract
from .consumer import describe, plain, process, run_pipeline, tensor_outputs
from .contract import BENCHMARK_CONFIG, CONVERSION, PIPELINES, PROCESSOR_AUTO_CLASS, RELEASE_FILES, TINY_CONFIG
from .helpers import PACKAGE, run_fresh

# Auto class -> head class, for every head; the head that publishing uses by default.
HEADS: dict[str, type[PreTrainedModel]] = {auto_class: model_class for model_class, auto_class in AUTO_CLASSES.items()}
DEFAULT_AUTO_CLASS = AUTO_CLASSES[next(cls for cls in AUTO_CLASSES if cls.__name__.endswith(DEFAULT_HEAD))]
DEFAULT_CLASS = HEADS[DEFAULT_AUTO_CLASS]
# The native transformers head the default head converts from (`CONVERSION.HEADS`).
NATIVE_CLASS = getattr(transformers, next(name for name, head in CONVERSION.HEADS.items() if head is DEFAULT_CLASS))
# The code files saved beside the weights: configuration, modeling and (if the family has one) processor code.
CODE_FILES = {f"configuration_{PACKAGE}.py", f"modeling_{PACKAGE}.py"} | {
    name for name in RELEASE_FILES if name.endswith(".py")
}
CONSUMER = Path(__file__).with_name("consumer.py").read_text()
# The sizes of every family's tiny model: small enough to run every test on a laptop CPU in seconds (a fork's contract
# derives its whole tiny config from its source, and gives none here).
TINY_SIZES: dict[str, Any] = getattr(
    contract, "TINY_SIZES", dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4)
)
# The sizes of every family's mid-size model in the template's benchmark (scripts/bench.py), on top of the tiny config
# and under the family's `contract.BENCHMARK_CONFIG`: big enough that the time goes into the math rather than per-op
# overhead, small enough for a laptop CPU.
BENCHMARK_SIZES = dict(hidden_size=512, intermediate_size=2048, num_hidden_layers=4, num_attention_heads=8)
# Values of these sizes that every family's config refuses when a model is built or the config saved, with what the
# error says (the family's own are `contract.INVALID_CONFIGS`). A fork's config is upstream's, with upstream's checks
# (tests/fork/test_fork.py): its contract lists none.
SIZE_CHECKS: list[tuple[dict[str, Any], str]] = [
    ({"hidden_size": 34}, "`hidden_size` (34) must be divisible by `num_attention_heads` (4)"),
    # A head size of 7, which transformers' own RoPE checks refuse while a config is assembled (from 5.25).
    ({"hidden_size": 30}, "`hidden_size` (30) must be divisible by `num_attention_heads` (4)"),
    ({"num_attention_heads": 0}, "`num_attention_heads` must be a positive integer"),
    ({"num_hidden_layers": 0}, "`num_hidden_layers` must be a positive integer"),
    ({"intermediate_size": 0}, "`intermediate_size` must be a positive integer"),
    # Values of the wrong type: named, never computed with (a TypeError inside transformers' own checks).
    ({"hidden_size": "large"}, "`hidden_size` must be a positive integer, got 'large'"),
    ({"num_attention_heads": "4"}, "`num_attention_heads` must be a positive integer, got '4'"),
]
INVALID_SIZES: list[tuple[dict[str, Any], str]] = getattr(contract, "INVALID_SIZES", SIZE_CHECKS)
# Settings this model's config refuses, and what it says (publish and the conversions report it in one line): a
# curated family's own checks, or for a fork upstream's, derived by its contract. "unbuildable": a config the model
# cannot be built from. A case a config has no check for is left out (upstream's configs check no ranges).
CONFIG_REFUSALS: dict[str, tuple[dict[str, Any], str]] = getattr(
    contract,
    "CONFIG_REFUSALS",
    {
        "wrong-type": ({"hidden_size": "large"}, "`hidden_size` must be a positive integer, got 'large'."),
        "out-of-range": ({"num_attention_heads": 0}, "`num_attention_heads` must be a positive integer, got 0."),
        "refused-by-transformers": ({"layer_types": ["no_such_layer"]}, "The `layer_types` entries must be in "),
        "unbuildable": ({"hidden_size": 34}, "must be divisible by `num_attention_heads`"),
    },
)
# What transformers' own config of the native model says of settings it refuses (the conversions read it).
NATIVE_REFUSALS: dict[str, tuple[dict[str, Any], str]] = getattr(
    contract,
    "NATIVE_REFUSALS",
    {
        "wrong-type": ({"hidden_size": "large"}, "Field 'hidden_size' expected int, got str (value: 'large')"),
        "refused-layer-types": ({"layer_types": ["no_such_layer"]}, "The `layer_types` entries must be in "),
    },
)
# A fork (`architecture=fork`): its modeling code is upstream's. Where a curated family promises more than upstream
# does (tuples with `config.return_dict = False`, a tensor-parallel plan over every linear layer), the shared tests
# check that a fork does what upstream does.
UPSTREAM_CODE: bool = getattr(contract, "UPSTREAM_CODE", False)
# Whether `pipeline.save_pretrained` keeps all of the processor: transformers' pipelines save a processor's tokenizer
# and image processor but not its own settings (processor_config.json), which a fork's native processor of images and
# text (LLaVA's: its patch size) needs; a curated family's processors keep theirs.
PIPELINE_SAVES_PROCESSOR: bool = getattr(contract, "PIPELINE_SAVES_PROCESSOR", True)
# The heads whose loss follows the labels as transformers' classifiers' does (regression, multi-label).
CLASSIFIERS = [
    auto_class
    for auto_class in HEADS
    if auto_class in ("AutoModelForSequenceClassification", "AutoModelForImageClassification")
]


def tiny_config(**overrides: Any) -> {{ cookiecutter.class_prefix }}Config:
    """The family's tiny model (`TINY_SIZES`, then the family's `contract.TINY_CONFIG`), with `overrides`.

    In a composite config (a vision-language model's), the sizes and overrides that are settings of its language model
    (`text_config`) and not of its own go there, and sub-config dicts are merged into the contract's.
    """
    values: dict[str, Any] = {}
    for settings in (TINY_SIZES, TINY_CONFIG, overrides):
        merge_settings(values, settings)
    return {{ cookiecutter.class_prefix }}Config(**values)


def merge_settings(values: dict[str, Any], settings: Mapping[str, Any]) -> None:
    """Add `settings` (config keyword arguments) to `values`, routed as `tiny_config` says."""
    sub_configs = {{ cookiecutter.class_prefix }}Config.sub_configs
    own = inspect.signature({{ cookiecutter.class_prefix }}Config.__init__).parameters
    text = inspect.signature(sub_configs["text_config"].__init__).parameters if "text_config" in sub_configs else {}
    for key, value in settings.items():
        if key in sub_configs:
            values[key] = {**values.get(key, {}), **value}
        elif key in text and key not in own:
            values.setdefault("text_config", {})[key] = value
        else:
            values[key] = value


def benchmark_config() -> {{ cookiecutter.class_prefix }}Config:
    """The benchmark's mid-size model: the tiny config, `BENCHMARK_SIZES`, then `contract.BENCHMARK_CONFIG`."""
    return tiny_config(**{**BENCHMARK_SIZES, **BENCHMARK_CONFIG})


def main_output(outputs: Mapping[str, Any]) -> torch.Tensor:
    """The output a head is for: the hidden states of the bare model, the logits of the others."""
    return outputs["last_hidden_state"] if "last_hidden_state" in outputs else outputs["logits"]


def real_positions(output: torch.Tensor, inputs: dict[str, Any]) -> torch.Tensor:
    """The rows of a per-token `output` that are not padding (all of it without a mask, or for pooled outputs and the
    outputs of an image encoder)."""
    mask = inputs.get("attention_mask")
    if mask is None or output.dim() < 3 or output.shape[:2] != mask.shape:
        return output
    return output[mask.bool()]


def all_tensors(outputs: Any, name: str = "") -> dict[str, torch.Tensor]:
    """Every tensor of `outputs` by its path (`logits`, `hidden_states.0`, `image_outputs.pooler_output.1`): in nested
    outputs, tuples and lists too; None entries are left out."""
    if isinstance(outputs, torch.Tensor):
        return {name: outputs}
    if isinstance(outputs, Mapping):
        items = outputs.items()
    elif isinstance(outputs, list | tuple):
        items = ((str(index), item) for index, item in enumerate(outputs))
    else:  # a cache, None
        return {}
    found: dict[str, torch.Tensor] = {}
    for key, item in items:
        found.update(all_tensors(item, f"{name}.{key}" if name else str(key)))
    return found


def assert_same_outputs(ours: Mapping, reference: Mapping, inputs: dict, tolerance: float, where: str = "") -> None:
    """The same tensors (logits, hidden states, pooled output, an image encoder's outputs, ...), equal within
    `tolerance` where not padding."""
    compared = [
        {name: real_positions(tensor, inputs) for name, tensor in all_tensors(outputs).items()}
        for outputs in (ours, reference)
    ]
    assert compared[0].keys() == compared[1].keys(), where
    for name, tensor in compared[0].items():
        torch.testing.assert_close(tensor, compared[1][name], rtol=tolerance, atol=tolerance, msg=f"{where} {name}")


def assert_nested_close(actual: Any, expected: Any, where: str = "output") -> None:
    """Same structure, same strings and integers, floats within 1e-5 (JSON values, as `consumer.plain` gives)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), f"{where}: {actual!r} != {expected!r}"
        for key, value in expected.items():
            assert_nested_close(actual[key], value, f"{where}[{key!r}]")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r} != {expected!r}"
        for index, (item, expected_item) in enumerate(zip(actual, expected, strict=True)):
            assert_nested_close(item, expected_item, f"{where}[{index}]")
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected, abs=1e-5), where
    else:
        assert actual == expected, where


def save_checkpoint(folder: Path, seed: int) -> tuple[PreTrainedModel, Any]:
    """A tiny model of the default head, saved with the default processor as `publish --checkpoint` takes it."""
    torch.manual_seed(seed)
    config = tiny_config()
    model = DEFAULT_CLASS(config).eval()
    processor = default_processor(config)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return model, processor


def expected_result(model: PreTrainedModel, processor: Any, examples: list[str], pipeline_examples: list[str]) -> dict:
    """What the consumer must report for a checkpoint of `model` and `processor`, computed with these objects."""
    inputs = process(processor, examples)
    with torch.no_grad():
        expected = {
            "outputs": tensor_outputs(model(**inputs)),
            "base outputs": tensor_outputs(model.base_model(**inputs)),
            "processor": {**describe(processor), "output": plain(inputs)},
            "id2label": plain(model.config.id2label),
        }
    auto_class = AUTO_CLASSES[type(model)]
    if auto_class in PIPELINES:
        task, options = PIPELINES[auto_class]
        if isinstance(processor, ProcessorMixin):
            part = "processor"
        else:
            part = "tokenizer" if isinstance(processor, PreTrainedTokenizerBase) else "image_processor"
        # A copy: a pipeline may change the processor it is given (text generation pads on the left).
        pipe = transformers.pipeline(task, model=model, **{part: copy.deepcopy(processor)})
        expected["pipeline"] = run_pipeline(pipe, pipeline_examples, options)
    return expected


class Checkpoint(NamedTuple):
    """A saved or published checkpoint for the consumer to load, and what it must find there."""

    saved_as: str  # the Auto class of the head saved there
    path: str  # a local folder or a repo id
    revision: str | None
    commit: str | None  # the commit that `revision` resolves to (None for a local folder)
    expected: dict  # `expected_result` of the saved model and processor
    pipeline_examples: list[str]


def consume(checkpoints: list[Checkpoint], examples: list[str], tmp_path: Path, env: dict[str, str]) -> list[dict]:
    """Run `consumer.py` on `checkpoints` in one fresh process: what it loaded from each, in their order."""
    sources = []
    for checkpoint in checkpoints:
        source = {"saved_as": checkpoint.saved_as, "path": checkpoint.path, "revision": checkpoint.revision}
        if checkpoint.saved_as in PIPELINES:
            task, options = PIPELINES[checkpoint.saved_as]
            saved_copy = str(tmp_path / "saved_pipelines" / str(len(sources))) if PIPELINE_SAVES_PROCESSOR else None
            source["pipeline"] = {
                "task": task,
                "options": options,
                "examples": checkpoint.pipeline_examples,
                "saved_copy": saved_copy,
            }
        sources.append(source)
    plan = {"auto_classes": list(HEADS), "processor": PROCESSOR_AUTO_CLASS, "examples": examples, "sources": sources}
    # A clean working directory: a folder named like the repo id in the cwd would be loaded as a local path.
    workdir = tmp_path / "consumer"
    workdir.mkdir()
    (workdir / "plan.json").write_text(json.dumps(plan))
    return run_fresh(CONSUMER, str(workdir / "plan.json"), cwd=workdir, env=env)


def consume_and_check(checkpoints: list[Checkpoint], examples: list[str], tmp_path: Path, env: dict[str, str]) -> None:
    """Run `consumer.py` on `checkpoints` in a fresh process, and check what it loaded from each."""
    for checkpoint, loaded in zip(checkpoints, consume(checkpoints, examples, tmp_path, env), strict=True):
        check_consumed(loaded, checkpoint.expected, checkpoint.saved_as, checkpoint.commit)


def check_consumed(loaded: dict, expected: dict, saved_as: str, commit: str | None) -> None:
    """What the consumer loaded from a checkpoint of the `saved_as` head is what was saved, as remote code."""
    where = f"from the {saved_as} checkpoint"
    assert loaded["AutoConfig"]["class"] == "{{ cookiecutter.class_prefix }}Config", where
    assert loaded["AutoConfig"]["module"].startswith("transformers_modules."), where
    assert loaded["commit"] == commit, f"{where}: not the pinned revision"
    assert loaded["id2label"] == expected["id2label"], where
    for auto_class, model_class in HEADS.items():
        assert loaded[auto_class]["class"] == model_class.__name__, f"{auto_class} {where}"
        assert loaded[auto_class]["module"].startswith("transformers_modules."), f"{auto_class} {where}: not remote"
    # Every output the saved model computed here (the base model's: of the weights the checkpoint holds).
    for auto_class, outputs in ((saved_as, expected["outputs"]), ("AutoModel", expected["base outputs"])):
        for name, output in outputs.items():
            loaded_output = torch.tensor(loaded[auto_class]["outputs"][name])
            torch.testing.assert_close(loaded_output, output, msg=f"{auto_class}: {name} {where}")

    processor = loaded["processor"]
    custom_processor = expected["processor"]["module"].startswith(f"{PACKAGE}.")
    assert processor["class"] == expected["processor"]["class"], where
    assert processor["module"].startswith("transformers_modules.") == custom_processor, where
    assert_nested_close(processor["output"], expected["processor"]["output"], f"processor output {where}")

    refusals = loaded["without trust_remote_code"]
    for part, refusal in refusals.items():
        if part == "model" or custom_processor:
            assert refusal is not None, f"loading custom {part} code without trust_remote_code must fail"
            assert "trust_remote_code=True" in refusal and "custom code" in refusal, refusal
        else:
            assert refusal is None, f"the standard {part} must load without remote code: {refusal}"

    if "pipeline" in expected:
        for run in ("pipeline", "saved pipeline") if PIPELINE_SAVES_PROCESSOR else ("pipeline",):
            assert loaded[run]["model"]["class"] == expected["pipeline"]["model"]["class"], f"{run} {where}"
            assert loaded[run]["model"]["module"].startswith("transformers_modules."), f"{run} {where}: not remote"
            assert loaded[run]["processors"] == expected["pipeline"]["processors"], f"{run} {where}"
            assert_nested_close(loaded[run]["outputs"], expected["pipeline"]["outputs"], f"{run} {where}")
        if PIPELINE_SAVES_PROCESSOR:
            assert CODE_FILES <= set(loaded["saved pipeline files"]), "pipeline.save_pretrained left code files behind"
