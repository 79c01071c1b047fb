"""Publish twice to a Hub server with the real client, then load each commit by repo id in a fresh process: the
config, every Auto class, the processor and the pipeline, as `consumer.py` does (see test_remote_code.py)."""

import pytest

from {{ cookiecutter.model_name }}.family import PIPELINE_TAG
from {{ cookiecutter.model_name }}.publish import main as publish_main
from {{ cookiecutter.model_name }}.record import RECORD_FILE

from ..common import CODE_FILES, DEFAULT_AUTO_CLASS, Checkpoint, consume_and_check, expected_result, save_checkpoint
from ..contract import RELEASE_FILES, pipeline_inputs
from ..helpers import hub_env, printed_commit, publish_cli, serve_hub

REPO_ID = "test-org/published-model"
TOKEN = "hf_test_token_never_printed"


@pytest.fixture
def hub(monkeypatch, tmp_path):
    with serve_hub(monkeypatch, tmp_path, TOKEN) as server:
        yield server


def test_publish_in_one_commit_then_load_every_revision_by_repo_id(hub, tmp_path):
    examples = pipeline_inputs(PIPELINE_TAG, tmp_path)
    first = expected_result(*save_checkpoint(tmp_path / "first", seed=0), examples, examples)
    arguments = ("--repo-id", REPO_ID, "--checkpoint", str(tmp_path / "first"))
    result = publish_cli(hub, tmp_path / "cli_hf_home", TOKEN, *arguments)
    assert result.returncode == 0, result.stdout + result.stderr
    first_sha = printed_commit(result.stdout)
    load_line = f'{DEFAULT_AUTO_CLASS}.from_pretrained("{REPO_ID}", trust_remote_code=True, revision="{first_sha}")'
    assert load_line in result.stdout
    assert TOKEN not in result.stdout + result.stderr
    commits = [request for request in hub.state.requests if request.startswith("POST") and "/commit/" in request]
    assert len(commits) == 1, "the whole release must be one commit"
    repo = hub.state.repos[REPO_ID]
    assert repo.refs["main"] == first_sha
    release = {".gitattributes", "README.md", "config.json", "model.safetensors", RECORD_FILE, *CODE_FILES}
    assert set(repo.commits[first_sha].files) == release | RELEASE_FILES

    second = expected_result(*save_checkpoint(tmp_path / "second", seed=1), examples, examples)
    assert publish_main(["--repo-id", REPO_ID, "--checkpoint", str(tmp_path / "second")]) == 0
    second_sha = repo.refs["main"]
    assert second_sha != first_sha

    checkpoints = [
        Checkpoint(DEFAULT_AUTO_CLASS, REPO_ID, first_sha, first_sha, first, examples),  # pinned: still the first
        Checkpoint(DEFAULT_AUTO_CLASS, REPO_ID, "main", second_sha, second, examples),
    ]
    consume_and_check(checkpoints, examples, tmp_path, hub_env(hub, tmp_path / "consumer_hf_home"))
