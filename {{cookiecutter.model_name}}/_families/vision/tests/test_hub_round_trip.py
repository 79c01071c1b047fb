"""Publish twice to a Hub server with the real client, then load each commit by repo id in a fresh process."""

import json

import numpy as np
import PIL.Image
import pytest
import torch

from {{ cookiecutter.model_name }}.publish import main as publish_main

from .helpers import hub_env, printed_commit, publish_cli, run_fresh, serve_hub
from .tiny import save_checkpoint

REPO_ID = "test-org/published-model"
TOKEN = "hf_test_token_never_printed"

# Runs where the project is not importable, against the Hub server: loads each revision with every Auto class, the
# image processor and the image-classification pipeline.
LOAD_BY_REPO_ID = """
import json, sys
import PIL.Image
import torch
import transformers
from huggingface_hub import model_info

repo_id, revisions, image_path = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
result = {}
for revision in revisions:
    options = dict(trust_remote_code=True, revision=revision)
    loaded = {"sha": model_info(repo_id, revision=revision).sha}
    loaded["config"] = type(transformers.AutoConfig.from_pretrained(repo_id, **options)).__name__
    processor = transformers.AutoImageProcessor.from_pretrained(repo_id, **options)
    pixel_values = processor(PIL.Image.open(image_path), return_tensors="pt").pixel_values
    loaded["processor"] = [type(processor).__name__, pixel_values.tolist()]
    with torch.no_grad():
        model = transformers.AutoModelForImageClassification.from_pretrained(repo_id, **options)
        loaded["classifier"] = [type(model).__name__, model(pixel_values).logits.tolist()]
        model = transformers.AutoModel.from_pretrained(repo_id, **options)
        loaded["model"] = [type(model).__name__, model(pixel_values).last_hidden_state.tolist()]
    classify = transformers.pipeline("image-classification", model=repo_id, **options)
    loaded["pipeline"] = {item["label"]: item["score"] for item in classify(image_path, top_k=None)}
    result[revision] = loaded
print(json.dumps(result))
"""


@pytest.fixture
def hub(monkeypatch, tmp_path):
    with serve_hub(monkeypatch, tmp_path, TOKEN) as server:
        yield server


@pytest.fixture
def image_path(tmp_path) -> str:
    path = tmp_path / "image.png"
    PIL.Image.fromarray(np.random.default_rng(0).integers(0, 256, (40, 52, 3), dtype=np.uint8)).save(path)
    return str(path)


def expected_outputs(folder, seed: int, image_path: str) -> dict:
    """Save a checkpoint in `folder`; return what its model and processor give in this process."""
    model, processor = save_checkpoint(folder, seed)
    pixel_values = processor(PIL.Image.open(image_path), return_tensors="pt").pixel_values
    with torch.no_grad():
        logits = model(pixel_values).logits
        hidden_states = model.model(pixel_values).last_hidden_state
    probabilities = logits.softmax(-1)[0]  # image-classification scores: a softmax over the labels
    return {
        "pixel_values": pixel_values,
        "classifier": logits,
        "model": hidden_states,
        "pipeline": {model.config.id2label[index]: score.item() for index, score in enumerate(probabilities)},
    }


def check_loaded(loaded: dict, expected: dict) -> None:
    assert loaded["config"] == "{{ cookiecutter.class_prefix }}Config"
    assert loaded["processor"][0] == "{{ cookiecutter.class_prefix }}ImageProcessor"
    torch.testing.assert_close(torch.tensor(loaded["processor"][1]), expected["pixel_values"])
    assert loaded["classifier"][0] == "{{ cookiecutter.class_prefix }}ForImageClassification"
    torch.testing.assert_close(torch.tensor(loaded["classifier"][1]), expected["classifier"])
    assert loaded["model"][0] == "{{ cookiecutter.class_prefix }}Model"
    torch.testing.assert_close(torch.tensor(loaded["model"][1]), expected["model"])
    assert loaded["pipeline"] == pytest.approx(expected["pipeline"], abs=1e-5)


def test_publish_in_one_commit_then_load_every_revision_by_repo_id(hub, tmp_path, image_path):
    first = expected_outputs(tmp_path / "first", 0, image_path)
    arguments = ("--repo-id", REPO_ID, "--checkpoint", str(tmp_path / "first"))
    result = publish_cli(hub, tmp_path / "cli_hf_home", TOKEN, *arguments)
    assert result.returncode == 0, result.stdout + result.stderr
    first_sha = printed_commit(result.stdout)
    load_line = f'("{REPO_ID}", trust_remote_code=True, revision="{first_sha}")'
    assert f"AutoModelForImageClassification.from_pretrained{load_line}" in result.stdout
    commits = [request for request in hub.state.requests if request.startswith("POST") and "/commit/" in request]
    assert len(commits) == 1, "the whole release must be one commit"
    repo = hub.state.repos[REPO_ID]
    assert set(repo.commits[first_sha].files) == {
        ".gitattributes",
        "README.md",
        "config.json",
        "model.safetensors",
        "preprocessor_config.json",
        "configuration_{{ cookiecutter.model_name }}.py",
        "modeling_{{ cookiecutter.model_name }}.py",
        "image_processing_{{ cookiecutter.model_name }}.py",
    }

    second = expected_outputs(tmp_path / "second", 1, image_path)
    assert publish_main(["--repo-id", REPO_ID, "--checkpoint", str(tmp_path / "second")]) == 0
    second_sha = repo.refs["main"]
    assert second_sha != first_sha

    workdir = tmp_path / "consumer"  # a clean working directory: no folder named like the repo id
    workdir.mkdir()
    arguments = (REPO_ID, json.dumps([first_sha, "main"]), image_path)
    result = run_fresh(LOAD_BY_REPO_ID, *arguments, cwd=workdir, env=hub_env(hub, tmp_path / "consumer_hf_home"))
    assert result[first_sha]["sha"] == first_sha and result["main"]["sha"] == second_sha
    check_loaded(result[first_sha], first)  # pinned to the first commit: still the first model
    check_loaded(result["main"], second)
