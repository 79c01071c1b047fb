"""Publish twice to a Hub server with the real client, then load each commit by repo id in a fresh process."""

import json

import pytest
import torch

from {{ cookiecutter.model_name }}.publish import main as publish_main

from .helpers import hub_env, printed_commit, publish_cli, run_fresh, serve_hub
from .tiny import save_checkpoint

REPO_ID = "test-org/published-model"
TOKEN = "hf_test_token_never_printed"
PROMPT = "Hello world"
INPUT_IDS = [[1, 5, 6, 7, 8]]

# Runs where the project is not importable, against the Hub server: loads each revision with every Auto class, the
# tokenizer and the pipeline.
LOAD_BY_REPO_ID = """
import json, sys
import torch
import transformers
from huggingface_hub import model_info

repo_id, revisions, input_ids = sys.argv[1], json.loads(sys.argv[2]), torch.tensor(json.loads(sys.argv[3]))
prompt = sys.argv[4]
result = {}
for revision in revisions:
    options = dict(trust_remote_code=True, revision=revision)
    loaded = {"sha": model_info(repo_id, revision=revision).sha}
    loaded["config"] = type(transformers.AutoConfig.from_pretrained(repo_id, **options)).__name__
    with torch.no_grad():
        model = transformers.AutoModelForCausalLM.from_pretrained(repo_id, **options)
        loaded["causal_lm"] = [type(model).__name__, model(input_ids).logits.tolist()]
        model = transformers.AutoModel.from_pretrained(repo_id, **options)
        loaded["model"] = [type(model).__name__, model(input_ids).last_hidden_state.tolist()]
    classifier = transformers.AutoModelForSequenceClassification.from_pretrained(repo_id, **options)
    loaded["classifier"] = type(classifier).__name__
    tokenizer = transformers.AutoTokenizer.from_pretrained(repo_id, **options)
    loaded["tokens"] = tokenizer(prompt).input_ids
    generator = transformers.pipeline("text-generation", model=repo_id, **options)
    generated = generator(prompt, max_new_tokens=5, do_sample=False, return_full_text=False)
    loaded["pipeline"] = generated[0]["generated_text"]
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
    input_ids = torch.tensor(INPUT_IDS)
    inputs = tokenizer(PROMPT, return_tensors="pt")
    with torch.no_grad():
        generated = model.generate(**inputs, max_new_tokens=5, do_sample=False, pad_token_id=tokenizer.pad_token_id)
        return {
            "causal_lm": model(input_ids).logits,
            "model": model.model(input_ids).last_hidden_state,
            "tokens": tokenizer(PROMPT).input_ids,
            "pipeline": tokenizer.decode(generated[0, inputs.input_ids.shape[1] :], skip_special_tokens=True),
        }


def check_loaded(loaded: dict, expected: dict) -> None:
    assert loaded["config"] == "{{ cookiecutter.class_prefix }}Config"
    assert loaded["causal_lm"][0] == "{{ cookiecutter.class_prefix }}ForCausalLM"
    torch.testing.assert_close(torch.tensor(loaded["causal_lm"][1]), expected["causal_lm"])
    assert loaded["model"][0] == "{{ cookiecutter.class_prefix }}Model"
    torch.testing.assert_close(torch.tensor(loaded["model"][1]), expected["model"])
    assert loaded["classifier"] == "{{ cookiecutter.class_prefix }}ForSequenceClassification"
    assert loaded["tokens"] == expected["tokens"]
    assert loaded["pipeline"] == expected["pipeline"]


def test_publish_in_one_commit_then_load_every_revision_by_repo_id(hub, tmp_path):
    first = expected_outputs(tmp_path / "first", seed=0)
    arguments = ("--repo-id", REPO_ID, "--checkpoint", str(tmp_path / "first"))
    result = publish_cli(hub, tmp_path / "cli_hf_home", TOKEN, *arguments)
    assert result.returncode == 0, result.stdout + result.stderr
    first_sha = printed_commit(result.stdout)
    load_line = f'AutoModelForCausalLM.from_pretrained("{REPO_ID}", trust_remote_code=True, revision="{first_sha}")'
    assert load_line in result.stdout
    assert TOKEN not in result.stdout + result.stderr
    commits = [request for request in hub.state.requests if request.startswith("POST") and "/commit/" in request]
    assert len(commits) == 1, "the whole release must be one commit"
    repo = hub.state.repos[REPO_ID]
    assert repo.refs["main"] == first_sha
    assert set(repo.commits[first_sha].files) == {
        ".gitattributes",
        "README.md",
        "config.json",
        "generation_config.json",
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
    arguments = (REPO_ID, json.dumps([first_sha, "main"]), json.dumps(INPUT_IDS), PROMPT)
    result = run_fresh(LOAD_BY_REPO_ID, *arguments, cwd=workdir, env=hub_env(hub, tmp_path / "consumer_hf_home"))
    assert result[first_sha]["sha"] == first_sha and result["main"]["sha"] == second_sha
    check_loaded(result[first_sha], first)  # pinned to the first commit: still the first model
    check_loaded(result["main"], second)
