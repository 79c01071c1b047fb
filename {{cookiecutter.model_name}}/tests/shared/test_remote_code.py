"""Saved folders work as remote code, for every head of the family.

Each head is saved in its own folder with the processor. In a fresh process where this project cannot be imported
(`consumer.py`), by local path and by Hub repo id (from an offline Hub cache): the config and every Auto class load
from each folder as the right class from the saved code, compute what they computed here, and so does the processor;
custom code refuses to load without `trust_remote_code`; each head's pipeline runs, is saved with
`pipeline.save_pretrained`, and runs again from the copy.
"""

import json

import pytest
import torch

from {{ cookiecutter.model_name }}.family import PIPELINE_TAG, PROCESSOR_FILE, default_processor
from {{ cookiecutter.model_name }}.modeling_{{ cookiecutter.model_name }} import auto_map

from ..common import CODE_FILES, HEADS, Checkpoint, check_consumed, consume, expected_result, tiny_config
from ..contract import PIPELINES, PROCESSOR_AUTO_CLASS, pipeline_inputs
from ..helpers import PACKAGE, REPO_ID, populate_hub_cache


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict:
    """Every head saved in its own folder with the processor, and what each computes in this process."""
    root = tmp_path_factory.mktemp("saved")
    processor = default_processor(tiny_config())
    examples = pipeline_inputs(PIPELINE_TAG, root)  # what the processor and every head are given
    pipeline_examples, expected = {}, {}
    for auto_class, model_class in HEADS.items():
        torch.manual_seed(0)
        model = model_class(tiny_config()).eval()  # a config of its own: saving writes `auto_map` into it
        model.save_pretrained(root / auto_class)
        processor.save_pretrained(root / auto_class)
        task = PIPELINES[auto_class][0] if auto_class in PIPELINES else None
        pipeline_examples[auto_class] = pipeline_inputs(task, root) if task else []
        expected[auto_class] = expected_result(model, processor, examples, pipeline_examples[auto_class])
    return {
        "root": root,
        "processor": processor,
        "examples": examples,
        "pipeline examples": pipeline_examples,
        "expected": expected,
    }


@pytest.mark.parametrize("auto_class", HEADS)
def test_saved_folder_has_complete_auto_maps_and_code_files(saved, auto_class):
    folder = saved["root"] / auto_class
    config = json.loads((folder / "config.json").read_text())
    assert config["auto_map"] == auto_map()
    assert set(config["auto_map"]) == {"AutoConfig", *HEADS}
    assert config["model_type"] == "{{ cookiecutter.model_name }}"
    for code_file in CODE_FILES:
        assert (folder / code_file).is_file(), f"{code_file} was not saved beside the weights"
    processor_config = json.loads((folder / PROCESSOR_FILE).read_text())
    if type(saved["processor"]).__module__.startswith(f"{PACKAGE}."):
        assert set(processor_config["auto_map"]) == {PROCESSOR_AUTO_CLASS}
    else:
        assert "auto_map" not in processor_config, "a standard processor needs no remote code"


@pytest.fixture(scope="module")
def consumed(saved, tmp_path_factory) -> dict[str, list[tuple[Checkpoint, dict]]]:
    """What a fresh process loads from every saved folder by local path, and by repo id from an offline Hub cache.

    One process does both (each start spends seconds importing torch and transformers); the repo ids are not the
    folders' paths, so neither way of loading can find the other's files.
    """
    tmp_path = tmp_path_factory.mktemp("consumed")
    hf_home = tmp_path / "hf_home"
    by_path, by_repo_id = [], []
    for auto_class, expected in saved["expected"].items():
        folder, pipeline_examples = saved["root"] / auto_class, saved["pipeline examples"][auto_class]
        by_path.append(Checkpoint(auto_class, str(folder), None, None, expected, pipeline_examples))
        repo_id = f"{REPO_ID}-{auto_class.lower()}"
        commit = populate_hub_cache(hf_home, repo_id, folder)
        by_repo_id.append(Checkpoint(auto_class, repo_id, commit, commit, expected, pipeline_examples))
    env = {"HF_HOME": str(hf_home), "HF_HUB_OFFLINE": "1"}
    loaded = consume([*by_path, *by_repo_id], saved["examples"], tmp_path, env)
    return {
        "local path": list(zip(by_path, loaded[: len(by_path)], strict=True)),
        "repo id": list(zip(by_repo_id, loaded[len(by_path) :], strict=True)),
    }


@pytest.mark.parametrize("way", ["local path", "repo id"])
def test_everything_loads_in_a_fresh_process(consumed, way):
    for checkpoint, loaded in consumed[way]:
        check_consumed(loaded, checkpoint.expected, checkpoint.saved_as, checkpoint.commit)
