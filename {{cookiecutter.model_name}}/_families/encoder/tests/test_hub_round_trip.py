"""Publish twice to a Hub server with the real client, then load each commit by repo id in a fresh process."""

import json

import pytest
import torch

from {{ cookiecutter.model_name }}.publish import main as publish_main

from .helpers import hub_env, printed_commit, publish_cli, run_fresh, serve_hub
from .tiny import save_checkpoint

REPO_ID = "test-org/published-model"
TOKEN = "hf_test_token_never_printed"
TEXT = "the model reads a [MASK] of text."

# Runs where the project is not importable, against the Hub server: loads each revision with every Auto class, the
# tokenizer and the fill-mask pipeline.
LOAD_BY_REPO_ID = """
import json, sys
import torch
import transformers
from huggingface_hub import model_info

repo_id, revisions, text = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
result = {}
for revision in revisions:
    options = dict(trust_remote_code=True, revision=revision)
    loaded = {"sha": model_info(repo_id, revision=revision).sha}
    loaded["config"] = type(transformers.AutoConfig.from_pretrained(repo_id, **options)).__name__
    tokenizer = transformers.AutoTokenizer.from_pretrained(repo_id, **options)
    inputs = tokenizer(text, return_tensors="pt")
    loaded["tokens"] = inputs.input_ids[0].tolist()
    with torch.no_grad():
        model = transformers.AutoModelForMaskedLM.from_pretrained(repo_id, **options)
        loaded["masked_lm"] = [type(model).__name__, model(**inputs).logits.tolist()]
        model = transformers.AutoModel.from_pretrained(repo_id, **options)
        loaded["model"] = [type(model).__name__, model(**inputs).last_hidden_state.tolist()]
    for auto_class in ("AutoModelForSequenceClassification", "AutoModelForTokenClassification"):
        loaded[auto_class] = type(getattr(transformers, auto_class).from_pretrained(repo_id, **options)).__name__
    fill_mask = transformers.pipeline("fill-mask", model=repo_id, **options)
    loaded["pipeline"] = [[item["token"], item["score"]] for item in fill_mask(text, top_k=5)]
    result[revision] = loaded
print(json.dumps(result))
"""


@pytest.fixture
def hub(monkeypatch, tmp_path):
    with serve_hub(monkeypatch, tmp_path, TOKEN) as server:
        yield server


def expected_outputs(folder, seed: int) -> dict:
    """Save a checkpoint in `folder`; return what its model and tokenizer give in this process."""
    model, tokenizer = save_checkpoint(folder, seed)
    inputs = tokenizer(TEXT, return_tensors="pt")
    with torch.no_grad():
        logits = model(**inputs).logits
        hidden_states = model.model(**inputs).last_hidden_state
    mask_position = inputs.input_ids[0].tolist().index(tokenizer.mask_token_id)
    top = logits[0, mask_position].softmax(-1).topk(5)  # fill-mask scores: a softmax over the vocabulary
    return {
        "tokens": inputs.input_ids[0].tolist(),
        "masked_lm": logits,
        "model": hidden_states,
        "pipeline": [[index, score] for index, score in zip(top.indices.tolist(), top.values.tolist(), strict=True)],
    }


def check_loaded(loaded: dict, expected: dict) -> None:
    assert loaded["config"] == "{{ cookiecutter.class_prefix }}Config"
    assert loaded["tokens"] == expected["tokens"]
    assert loaded["masked_lm"][0] == "{{ cookiecutter.class_prefix }}ForMaskedLM"
    torch.testing.assert_close(torch.tensor(loaded["masked_lm"][1]), expected["masked_lm"])
    assert loaded["model"][0] == "{{ cookiecutter.class_prefix }}Model"
    torch.testing.assert_close(torch.tensor(loaded["model"][1]), expected["model"])
    assert loaded["AutoModelForSequenceClassification"] == "{{ cookiecutter.class_prefix }}ForSequenceClassification"
    assert loaded["AutoModelForTokenClassification"] == "{{ cookiecutter.class_prefix }}ForTokenClassification"
    assert [token for token, _ in loaded["pipeline"]] == [token for token, _ in expected["pipeline"]]
    for (_, score), (_, expected_score) in zip(loaded["pipeline"], expected["pipeline"], strict=True):
        assert score == pytest.approx(expected_score, abs=1e-5)


def test_publish_in_one_commit_then_load_every_revision_by_repo_id(hub, tmp_path):
    first = expected_outputs(tmp_path / "first", seed=0)
    arguments = ("--repo-id", REPO_ID, "--checkpoint", str(tmp_path / "first"))
    result = publish_cli(hub, tmp_path / "cli_hf_home", TOKEN, *arguments)
    assert result.returncode == 0, result.stdout + result.stderr
    first_sha = printed_commit(result.stdout)
    load_line = f'AutoModelForMaskedLM.from_pretrained("{REPO_ID}", trust_remote_code=True, revision="{first_sha}")'
    assert load_line in result.stdout
    commits = [request for request in hub.state.requests if request.startswith("POST") and "/commit/" in request]
    assert len(commits) == 1, "the whole release must be one commit"
    repo = hub.state.repos[REPO_ID]
    assert set(repo.commits[first_sha].files) == {
        ".gitattributes",
        "README.md",
        "config.json",
        "model.safetensors",
        "configuration_{{ cookiecutter.model_name }}.py",
        "modeling_{{ cookiecutter.model_name }}.py",
        "tokenizer.json",
        "tokenizer_config.json",
    }

    second = expected_outputs(tmp_path / "second", seed=1)
    assert publish_main(["--repo-id", REPO_ID, "--checkpoint", str(tmp_path / "second")]) == 0
    second_sha = repo.refs["main"]
    assert second_sha != first_sha

    workdir = tmp_path / "consumer"  # a clean working directory: no folder named like the repo id
    workdir.mkdir()
    arguments = (REPO_ID, json.dumps([first_sha, "main"]), TEXT)
    result = run_fresh(LOAD_BY_REPO_ID, *arguments, cwd=workdir, env=hub_env(hub, tmp_path / "consumer_hf_home"))
    assert result[first_sha]["sha"] == first_sha and result["main"]["sha"] == second_sha
    check_loaded(result[first_sha], first)  # pinned to the first commit: still the first model
    check_loaded(result["main"], second)
