"""The saved folder works as remote code: in a fresh process, by local path and by Hub repo id."""

import json

import pytest
import torch

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForMaskedLM,
    {{ cookiecutter.class_prefix }}ForSequenceClassification,
    {{ cookiecutter.class_prefix }}ForTokenClassification,
)
from {{ cookiecutter.model_name }}.modeling_{{ cookiecutter.model_name }} import auto_map

from .helpers import REPO_ID, populate_hub_cache, run_fresh
from .tiny import tiny_config

INPUT_IDS = [[2, 5, 6, 7, 8, 3], [2, 10, 11, 12, 13, 3]]
FOLDERS = ("masked_lm", "classifier", "tagger")

# Runs in a process where the project is not importable; prints what each Auto class loaded and computed.
LOAD_EVERY_AUTO_CLASS = """
import json, sys
import torch
import transformers

masked_lm_source, classifier_source, tagger_source, revision = sys.argv[1:4] + [sys.argv[4] or None]
input_ids = torch.tensor(json.loads(sys.argv[5]))
options = dict(trust_remote_code=True, revision=revision)
result = {}


def describe(model, output):
    return {"class": type(model).__name__, "module": type(model).__module__, "output": output.tolist()}


with torch.no_grad():
    config = transformers.AutoConfig.from_pretrained(masked_lm_source, **options)
    result["AutoConfig"] = {"class": type(config).__name__, "module": type(config).__module__}
    model = transformers.AutoModel.from_pretrained(masked_lm_source, **options)
    result["AutoModel"] = describe(model, model(input_ids).last_hidden_state)
    model = transformers.AutoModelForMaskedLM.from_pretrained(masked_lm_source, **options)
    result["AutoModelForMaskedLM"] = describe(model, model(input_ids).logits)
    model = transformers.AutoModelForSequenceClassification.from_pretrained(classifier_source, **options)
    result["AutoModelForSequenceClassification"] = describe(model, model(input_ids).logits)
    model = transformers.AutoModelForTokenClassification.from_pretrained(tagger_source, **options)
    result["AutoModelForTokenClassification"] = describe(model, model(input_ids).logits)
    model = transformers.AutoModelForMaskedLM.from_pretrained(classifier_source, **options)
    result["AutoModelForMaskedLM from the classifier"] = {"class": type(model).__name__}
    try:
        transformers.AutoModel.from_pretrained(masked_lm_source, trust_remote_code=False, revision=revision)
        result["without trust_remote_code"] = None
    except ValueError as error:
        result["without trust_remote_code"] = str(error)
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict:
    """A masked LM, a sequence classifier and a token classifier saved side by side, with their outputs here."""
    torch.manual_seed(0)
    root = tmp_path_factory.mktemp("saved")
    input_ids = torch.tensor(INPUT_IDS)
    masked_lm = {{ cookiecutter.class_prefix }}ForMaskedLM(tiny_config()).eval()
    classifier = {{ cookiecutter.class_prefix }}ForSequenceClassification(tiny_config()).eval()
    tagger = {{ cookiecutter.class_prefix }}ForTokenClassification(tiny_config()).eval()
    for name, model in zip(FOLDERS, (masked_lm, classifier, tagger), strict=True):
        model.save_pretrained(root / name)
    with torch.no_grad():
        expected = {
            "AutoModel": masked_lm.model(input_ids).last_hidden_state,
            "AutoModelForMaskedLM": masked_lm(input_ids).logits,
            "AutoModelForSequenceClassification": classifier(input_ids).logits,
            "AutoModelForTokenClassification": tagger(input_ids).logits,
        }
    return {"root": root, "expected": expected}


@pytest.mark.parametrize("head", FOLDERS)
def test_saved_folder_has_complete_auto_map_and_code_files(saved, head):
    folder = saved["root"] / head
    config = json.loads((folder / "config.json").read_text())
    assert config["auto_map"] == auto_map()
    assert set(config["auto_map"]) == {
        "AutoConfig",
        "AutoModel",
        "AutoModelForMaskedLM",
        "AutoModelForSequenceClassification",
        "AutoModelForTokenClassification",
    }
    assert config["model_type"] == "{{ cookiecutter.model_name }}"
    for code_file in ("configuration_{{ cookiecutter.model_name }}.py", "modeling_{{ cookiecutter.model_name }}.py"):
        assert (folder / code_file).is_file(), f"{code_file} was not saved beside the weights"


def check_fresh_process_result(result: dict, expected: dict[str, torch.Tensor]) -> None:
    assert result["AutoConfig"]["class"] == "{{ cookiecutter.class_prefix }}Config"
    assert result["AutoConfig"]["module"].startswith("transformers_modules.")
    heads = {
        "AutoModel": "{{ cookiecutter.class_prefix }}Model",
        "AutoModelForMaskedLM": "{{ cookiecutter.class_prefix }}ForMaskedLM",
        "AutoModelForSequenceClassification": "{{ cookiecutter.class_prefix }}ForSequenceClassification",
        "AutoModelForTokenClassification": "{{ cookiecutter.class_prefix }}ForTokenClassification",
    }
    for auto_class, class_name in heads.items():
        assert result[auto_class]["class"] == class_name
        assert result[auto_class]["module"].startswith("transformers_modules."), "loaded from the project, not remote"
        torch.testing.assert_close(torch.tensor(result[auto_class]["output"]), expected[auto_class])
    assert result["AutoModelForMaskedLM from the classifier"]["class"] == "{{ cookiecutter.class_prefix }}ForMaskedLM"
    refusal = result["without trust_remote_code"]
    assert refusal is not None, "loading custom code without trust_remote_code must fail"
    assert "trust_remote_code=True" in refusal and "custom code" in refusal


def test_every_auto_class_loads_by_local_path_in_a_fresh_process(saved, tmp_path):
    root = saved["root"]
    result = run_fresh(
        LOAD_EVERY_AUTO_CLASS,
        *(str(root / name) for name in FOLDERS),
        "",
        json.dumps(INPUT_IDS),
        cwd=tmp_path,
        env={"HF_HOME": str(tmp_path / "hf_home"), "HF_HUB_OFFLINE": "1"},
    )
    check_fresh_process_result(result, saved["expected"])


def test_every_auto_class_loads_by_repo_id_from_the_hub_cache(saved, tmp_path):
    hf_home = tmp_path / "hf_home"
    repo_ids = [REPO_ID, REPO_ID + "-classifier", REPO_ID + "-tagger"]
    revisions = [
        populate_hub_cache(hf_home, repo_id, saved["root"] / name)
        for repo_id, name in zip(repo_ids, FOLDERS, strict=True)
    ]
    workdir = tmp_path / "workdir"  # a folder named like the repo id in the cwd would be loaded as a local path
    workdir.mkdir()
    result = run_fresh(
        LOAD_EVERY_AUTO_CLASS,
        *repo_ids,
        "",
        json.dumps(INPUT_IDS),
        cwd=workdir,
        env={"HF_HOME": str(hf_home), "HF_HUB_OFFLINE": "1"},
    )
    check_fresh_process_result(result, saved["expected"])
    assert all(revisions)  # the same load, pinned to the commit, is exercised by the Hub round-trip tests
