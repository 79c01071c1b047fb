"""The saved folder works as remote code: in a fresh process, by local path and by Hub repo id."""

import json

import numpy as np
import PIL.Image
import pytest
import torch

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForImageClassification,
    {{ cookiecutter.class_prefix }}ImageProcessor,
    {{ cookiecutter.class_prefix }}Model,
)
from {{ cookiecutter.model_name }}.modeling_{{ cookiecutter.model_name }} import auto_map

from .helpers import REPO_ID, populate_hub_cache, run_fresh
from .tiny import tiny_config

# Runs in a process where the project is not importable; prints what each Auto class loaded and computed.
LOAD_EVERY_AUTO_CLASS = """
import json, sys
import PIL.Image
import transformers
import torch

base_source, classifier_source, image_path = sys.argv[1], sys.argv[2], sys.argv[3]
base_options = dict(trust_remote_code=True, revision=sys.argv[4] or None)
options = dict(trust_remote_code=True, revision=sys.argv[5] or None)
result = {}


def describe(instance, output=None):
    described = {"class": type(instance).__name__, "module": type(instance).__module__}
    return described if output is None else {**described, "output": output.tolist()}


with torch.no_grad():
    config = transformers.AutoConfig.from_pretrained(classifier_source, **options)
    result["AutoConfig"] = describe(config)
    processor = transformers.AutoImageProcessor.from_pretrained(classifier_source, **options)
    pixel_values = processor(PIL.Image.open(image_path), return_tensors="pt").pixel_values
    result["AutoImageProcessor"] = describe(processor, pixel_values)
    model = transformers.AutoModel.from_pretrained(base_source, **base_options)
    result["AutoModel"] = describe(model, model(pixel_values).pooler_output)
    model = transformers.AutoModelForImageClassification.from_pretrained(classifier_source, **options)
    result["AutoModelForImageClassification"] = describe(model, model(pixel_values).logits)
    result["id2label"] = model.config.id2label
    model = transformers.AutoModelForImageClassification.from_pretrained(base_source, **base_options)
    result["AutoModelForImageClassification from the base model"] = describe(model)
    for name, load in {
        "model": transformers.AutoModel.from_pretrained,
        "image processor": transformers.AutoImageProcessor.from_pretrained,
    }.items():
        try:
            load(classifier_source, trust_remote_code=False, revision=options["revision"])
            result[f"{name} without trust_remote_code"] = None
        except ValueError as error:
            result[f"{name} without trust_remote_code"] = str(error)
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict:
    """A base model and a classifier with its image processor saved side by side, with their outputs here."""
    torch.manual_seed(0)
    root = tmp_path_factory.mktemp("saved")
    image = PIL.Image.fromarray(np.random.default_rng(0).integers(0, 256, (45, 61, 3), dtype=np.uint8))
    image.save(root / "image.png")
    base = {{ cookiecutter.class_prefix }}Model(tiny_config()).eval()
    classifier = {{ cookiecutter.class_prefix }}ForImageClassification(tiny_config()).eval()
    processor = {{ cookiecutter.class_prefix }}ImageProcessor(size=32)
    base.save_pretrained(root / "base")
    classifier.save_pretrained(root / "classifier")
    processor.save_pretrained(root / "classifier")
    pixel_values = processor(image, return_tensors="pt").pixel_values
    with torch.no_grad():
        expected = {
            "AutoImageProcessor": pixel_values,
            "AutoModel": base(pixel_values).pooler_output,
            "AutoModelForImageClassification": classifier(pixel_values).logits,
        }
    return {"root": root, "expected": expected}


@pytest.mark.parametrize("head", ["base", "classifier"])
def test_saved_folder_has_complete_auto_map_and_code_files(saved, head):
    folder = saved["root"] / head
    config = json.loads((folder / "config.json").read_text())
    assert config["auto_map"] == auto_map()
    assert set(config["auto_map"]) == {"AutoConfig", "AutoModel", "AutoModelForImageClassification"}
    assert config["model_type"] == "{{ cookiecutter.model_name }}"
    for code_file in ("configuration_{{ cookiecutter.model_name }}.py", "modeling_{{ cookiecutter.model_name }}.py"):
        assert (folder / code_file).is_file(), f"{code_file} was not saved beside the weights"
    if head == "classifier":
        processor_config = json.loads((folder / "preprocessor_config.json").read_text())
        assert set(processor_config["auto_map"]) == {"AutoImageProcessor"}
        assert (folder / "image_processing_{{ cookiecutter.model_name }}.py").is_file()


def check_fresh_process_result(result: dict, expected: dict[str, torch.Tensor]) -> None:
    classes = {
        "AutoConfig": "{{ cookiecutter.class_prefix }}Config",
        "AutoImageProcessor": "{{ cookiecutter.class_prefix }}ImageProcessor",
        "AutoModel": "{{ cookiecutter.class_prefix }}Model",
        "AutoModelForImageClassification": "{{ cookiecutter.class_prefix }}ForImageClassification",
        "AutoModelForImageClassification from the base model": "{{ cookiecutter.class_prefix }}ForImageClassification",
    }
    for auto_class, class_name in classes.items():
        assert result[auto_class]["class"] == class_name
        assert result[auto_class]["module"].startswith("transformers_modules."), "loaded from the project, not remote"
    for auto_class, output in expected.items():
        torch.testing.assert_close(torch.tensor(result[auto_class]["output"]), output)
    assert result["id2label"] == {"0": "cat", "1": "dog", "2": "bird"}
    for name in ("model", "image processor"):
        refusal = result[f"{name} without trust_remote_code"]
        assert refusal is not None, f"loading a custom {name} without trust_remote_code must fail"
        assert "trust_remote_code=True" in refusal and "custom code" in refusal


def test_every_auto_class_loads_by_local_path_in_a_fresh_process(saved, tmp_path):
    root = saved["root"]
    result = run_fresh(
        LOAD_EVERY_AUTO_CLASS,
        str(root / "base"),
        str(root / "classifier"),
        str(root / "image.png"),
        "",
        "",
        cwd=tmp_path,
        env={"HF_HOME": str(tmp_path / "hf_home"), "HF_HUB_OFFLINE": "1"},
    )
    check_fresh_process_result(result, saved["expected"])


def test_every_auto_class_loads_by_repo_id_from_the_hub_cache(saved, tmp_path):
    hf_home = tmp_path / "hf_home"
    base_repo_id = REPO_ID + "-base"
    base_revision = populate_hub_cache(hf_home, base_repo_id, saved["root"] / "base")
    revision = populate_hub_cache(hf_home, REPO_ID, saved["root"] / "classifier")
    workdir = tmp_path / "workdir"  # a folder named like the repo id in the cwd would be loaded as a local path
    workdir.mkdir()
    result = run_fresh(
        LOAD_EVERY_AUTO_CLASS,
        base_repo_id,
        REPO_ID,
        str(saved["root"] / "image.png"),
        base_revision,
        revision,
        cwd=workdir,
        env={"HF_HOME": str(hf_home), "HF_HUB_OFFLINE": "1"},
    )
    check_fresh_process_result(result, saved["expected"])
