"""Publish to a Hub server with the real client, then load by repo id in a fresh process."""

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import huggingface_hub
import pytest
import torch
from huggingface_hub import ModelCard, ModelCardData

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ForCausalLM
from {{ cookiecutter.model_name }}.publish import main as publish_main
from {{ cookiecutter.model_name }}.train_tokenizer import train_tokenizer

from .helpers import run_fresh
from .hub_server import HubServer
from .tiny import tiny_config

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REPO_ID = "test-org/published-model"
TOKEN = "hf_test_token_never_printed"
PROMPT = "Hello world"
INPUT_IDS = [[1, 5, 6, 7, 8]]

# Runs where the project is not importable, against the Hub server: loads one revision with every Auto class and
# the pipeline, and reports what a missing repo or revision raises.
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
for name, repo, revision in [("missing repo", "test-org/missing", None), ("missing revision", repo_id, "0" * 40)]:
    try:
        transformers.AutoModel.from_pretrained(repo, trust_remote_code=True, revision=revision)
        result[name] = None
    except OSError as error:
        result[name] = [type(error.__cause__).__name__, str(error)]
print(json.dumps(result))
"""


@pytest.fixture
def hub(monkeypatch, tmp_path):
    """A Hub server on 127.0.0.1; in-process publishes go to it, with a token in the environment."""
    with HubServer() as server:
        monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", server.url)
        # Never read (or send) the developer's own stored Hub token.
        monkeypatch.setattr(huggingface_hub.constants, "HF_TOKEN_PATH", str(tmp_path / "no_token"))
        monkeypatch.setattr(huggingface_hub.constants, "HF_STORED_TOKENS_PATH", str(tmp_path / "no_tokens"))
        monkeypatch.setenv("HF_TOKEN", TOKEN)
        monkeypatch.setenv("HF_HOME", str(tmp_path / "publisher_hf_home"))
        yield server


def save_checkpoint(folder: Path, seed: int) -> dict:
    """A small trained-looking checkpoint with its tokenizer; returns the outputs it gives in this process."""
    torch.manual_seed(seed)
    tokenizer = train_tokenizer()
    model = {{ cookiecutter.class_prefix }}ForCausalLM(tiny_config(vocab_size=len(tokenizer))).eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    input_ids = torch.tensor(INPUT_IDS)
    with torch.no_grad():
        inputs = tokenizer(PROMPT, return_tensors="pt")
        generated = model.generate(**inputs, max_new_tokens=5, do_sample=False, pad_token_id=tokenizer.pad_token_id)
        return {
            "causal_lm": model(input_ids).logits,
            "model": model.model(input_ids).last_hidden_state,
            "tokens": tokenizer(PROMPT).input_ids,
            "pipeline": tokenizer.decode(generated[0, inputs.input_ids.shape[1] :], skip_special_tokens=True),
        }


def publish_cli(hub: HubServer, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Publish with the documented command, in its own process, as a user would."""
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN, "HF_HOME": str(tmp_path / "cli_hf_home")}
    env["HF_HUB_OFFLINE"] = "0"
    command = [sys.executable, "-m", "{{ cookiecutter.model_name }}.publish", "--repo-id", REPO_ID, *args]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)


def printed_commit(output: str) -> str:
    return next(line.removeprefix("commit: ") for line in output.splitlines() if line.startswith("commit: "))


def load_by_repo_id(hub: HubServer, tmp_path: Path, revisions: list[str], token: str | None = None) -> dict:
    workdir = tmp_path / "consumer"
    workdir.mkdir(exist_ok=True)
    env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "consumer_hf_home"), "HF_TOKEN": token or ""}
    env["HF_HUB_OFFLINE"] = "0"
    arguments = (REPO_ID, json.dumps(revisions), json.dumps(INPUT_IDS), PROMPT)
    return run_fresh(LOAD_BY_REPO_ID, *arguments, cwd=workdir, env=env)


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
    first = save_checkpoint(tmp_path / "first", seed=0)
    result = publish_cli(hub, tmp_path, "--checkpoint", str(tmp_path / "first"))
    assert result.returncode == 0, result.stdout + result.stderr
    first_sha = printed_commit(result.stdout)
    load_line = f'AutoModelForCausalLM.from_pretrained("{REPO_ID}", trust_remote_code=True, revision="{first_sha}")'
    assert load_line in result.stdout
    assert TOKEN not in result.stdout + result.stderr
    commits = [request for request in hub.state.requests if request.startswith("POST") and "/commit/" in request]
    assert len(commits) == 1, "the whole release must be one commit"
    repo = hub.state.repos[REPO_ID]
    assert repo.refs["main"] == first_sha
    assert set(repo.commits[first_sha].files) >= {
        "README.md",
        "config.json",
        "model.safetensors",
        "configuration_{{ cookiecutter.model_name }}.py",
        "modeling_{{ cookiecutter.model_name }}.py",
        "tokenizer.json",
        "tokenizer_config.json",
    }

    second = save_checkpoint(tmp_path / "second", seed=1)
    assert publish_main(["--repo-id", REPO_ID, "--checkpoint", str(tmp_path / "second")]) == 0
    second_sha = repo.refs["main"]
    assert second_sha != first_sha

    result = load_by_repo_id(hub, tmp_path, [first_sha, "main"])
    assert result[first_sha]["sha"] == first_sha and result["main"]["sha"] == second_sha
    check_loaded(result[first_sha], first)  # pinned to the first commit: still the first model
    check_loaded(result["main"], second)

    cause, message = result["missing repo"]
    assert cause == "RepositoryNotFoundError" and "is not a valid model identifier" in message
    cause, message = result["missing revision"]
    assert cause == "RevisionNotFoundError" and "is not a valid git identifier" in message


def test_dry_run_writes_a_valid_release_and_uploads_nothing(hub, tmp_path, capsys):
    save_checkpoint(tmp_path / "checkpoint", seed=0)
    release = tmp_path / "release"
    arguments = ["--repo-id", REPO_ID, "--checkpoint", str(tmp_path / "checkpoint"), "--dry-run"]
    card_options = ["--base-model", "meta-llama/Llama-3.2-1B", "--dataset", "org/corpus"]
    assert publish_main([*arguments, "--output", str(release), *card_options]) == 0
    assert hub.state.requests == []
    assert "commit:" not in capsys.readouterr().out
    assert not list(release.glob("*.bin")) and (release / "model.safetensors").is_file()

    card = ModelCard.load(release / "README.md")
    metadata = card.data.to_dict()
    known_keys = set(inspect.signature(ModelCardData).parameters) - {"kwargs", "ignore_metadata_errors"}
    assert set(metadata) <= known_keys, f"unknown model card keys: {set(metadata) - known_keys}"
    assert metadata["library_name"] == "transformers"
    assert metadata["pipeline_tag"] == "text-generation"
    assert metadata["license"] == "{{ cookiecutter.license }}"
    assert "custom_code" in metadata["tags"]
    assert metadata["base_model"] == "meta-llama/Llama-3.2-1B" and metadata["datasets"] == ["org/corpus"]
    config = json.loads((release / "config.json").read_text())
    model = {{ cookiecutter.class_prefix }}ForCausalLM.from_pretrained(release)
    assert f"**Parameters:** {model.num_parameters():,}" in card.text
    assert f"| `hidden_size` | `{config['hidden_size']}` |" in card.text
    assert "trust_remote_code=True, revision=revision" in card.text
    assert "## Security" in card.text and "## Citation" in card.text


def test_private_repo_needs_the_token_which_is_never_printed_or_saved(hub, tmp_path, capsys):
    save_checkpoint(tmp_path / "checkpoint", seed=0)
    release = tmp_path / "release"
    arguments = ["--repo-id", REPO_ID, "--checkpoint", str(tmp_path / "checkpoint"), "--private"]
    assert publish_main([*arguments, "--output", str(release)]) == 0
    output = capsys.readouterr()
    assert TOKEN not in output.out + output.err
    for path in release.rglob("*"):
        assert TOKEN.encode() not in path.read_bytes(), f"the token leaked into {path.name}"
    assert hub.state.repos[REPO_ID].private

    sha = printed_commit(output.out)
    with pytest.raises(AssertionError, match="RepositoryNotFoundError"):
        load_by_repo_id(hub, tmp_path, [sha])  # anonymous: the private repo looks missing
    assert load_by_repo_id(hub, tmp_path, [sha], token=TOKEN)[sha]["sha"] == sha


def test_branch_and_pull_request_leave_main_alone(hub, tmp_path, capsys):
    save_checkpoint(tmp_path / "checkpoint", seed=0)
    base = ["--repo-id", REPO_ID, "--checkpoint", str(tmp_path / "checkpoint")]
    assert publish_main([*base, "--revision", "experiment", "--commit-message", "Try a thing"]) == 0
    repo = hub.state.repos[REPO_ID]
    branch_sha = printed_commit(capsys.readouterr().out)
    assert repo.refs["experiment"] == branch_sha
    assert repo.commits[branch_sha].message == "Try a thing"
    assert set(repo.commits[repo.refs["main"]].files) == {".gitattributes"}

    assert publish_main([*base, "--create-pr"]) == 0
    output = capsys.readouterr().out
    assert "pull request: " in output and "/discussions/1" in output
    assert repo.refs["refs/pr/1"] == printed_commit(output)
    assert set(repo.commits[repo.refs["main"]].files) == {".gitattributes"}


def test_republishing_the_same_files_makes_no_new_commit(hub, tmp_path, capsys):
    save_checkpoint(tmp_path / "checkpoint", seed=0)
    arguments = ["--repo-id", REPO_ID, "--checkpoint", str(tmp_path / "checkpoint")]
    assert publish_main(arguments) == 0
    first = printed_commit(capsys.readouterr().out)
    assert publish_main(arguments) == 0
    assert printed_commit(capsys.readouterr().out) == first


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--repo-id", "not a repo id"], "--repo-id 'not a repo id' is not a valid Hub repo id"),
        (["--repo-id", "no-namespace"], "--repo-id 'no-namespace' is not a valid Hub repo id"),
        (["--dry-run"], "--dry-run needs --output"),
        (["--create-pr", "--revision", "dev"], "--create-pr opens a pull request against main"),
        (["--checkpoint", "does/not/exist"], "--checkpoint does/not/exist does not exist"),
        (["--head", "ForNothing"], "invalid choice: 'ForNothing'"),
    ],
)
def test_bad_arguments_are_refused_before_any_work(hub, capsys, arguments, message):
    with pytest.raises(SystemExit) as exit_info:
        publish_main(arguments)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert hub.state.requests == []


def test_a_failed_build_leaves_no_half_written_folder(hub, tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps({"vocab_size": 100}))  # smaller than the tokenizer
    release = tmp_path / "release"
    assert publish_main(["--config", str(tmp_path / "config.json"), "--dry-run", "--output", str(release)]) == 1
    assert "the tokenizer has 384 tokens but the model's vocab_size is 100" in capsys.readouterr().err
    assert not release.exists()


def test_upload_without_a_token_fails_with_the_client_error(hub, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("HF_TOKEN")
    (tmp_path / "config.json").write_text(json.dumps(tiny_config(vocab_size=384).to_dict()))
    assert publish_main(["--repo-id", REPO_ID, "--config", str(tmp_path / "config.json")]) == 1
    error = capsys.readouterr().err
    assert "error: the upload failed (log in with `hf auth login`, or set HF_TOKEN)" in error and "401" in error
    assert REPO_ID not in hub.state.repos
