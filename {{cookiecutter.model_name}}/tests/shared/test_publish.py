"""The publish command: the release folder and model card, and how it uses the Hub (a real client, a local server)."""

import inspect
import json
import re

import pytest
import torch
import transformers
from huggingface_hub import ModelCard, ModelCardData

from {{ cookiecutter.model_name }}.family import (
    CONVERTS_FROM,
    EXPORT_NOTES,
    LORA_OPTIONS,
    LORA_TARGET_MODULES,
    PIPELINE_TAG,
    default_processor,
)
from {{ cookiecutter.model_name }}.modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES
from {{ cookiecutter.model_name }}.publish import main as publish_main

from ..common import CONFIG_REFUSALS, DEFAULT_AUTO_CLASS, DEFAULT_CLASS, save_checkpoint, tiny_config
from ..contract import CONVERSION, native_config, training_batch
from ..helpers import populate_hub_cache, printed_commit, run_fresh, serve_hub

REPO_ID = "test-org/published-model"
TOKEN = "hf_test_token_never_printed"

# Runs where the project is not importable: what a consumer sees of one revision of the repo.
READ_REPO = """
import json, sys
from huggingface_hub import model_info

repo_id, revision = sys.argv[1], sys.argv[2]
try:
    print(json.dumps({"sha": model_info(repo_id, revision=revision).sha}))
except Exception as error:
    print(json.dumps({"error": type(error).__name__}))
"""


@pytest.fixture
def hub(monkeypatch, tmp_path):
    with serve_hub(monkeypatch, tmp_path, TOKEN) as server:
        yield server


@pytest.fixture
def checkpoint(tmp_path):
    save_checkpoint(tmp_path / "checkpoint", seed=0)
    return str(tmp_path / "checkpoint")


def test_dry_run_writes_a_valid_release_and_uploads_nothing(hub, tmp_path, checkpoint, capsys):
    release = tmp_path / "release"
    arguments = ["--repo-id", REPO_ID, "--checkpoint", checkpoint, "--dry-run", "--output", str(release)]
    assert publish_main([*arguments, "--base-model", "org/base-model", "--dataset", "org/corpus"]) == 0
    assert hub.state.requests == []
    assert "commit:" not in capsys.readouterr().out
    assert not list(release.glob("*.bin")) and (release / "model.safetensors").is_file()
    config = json.loads((release / "config.json").read_text())
    assert set(config["auto_map"]) == {"AutoConfig", *AUTO_CLASSES.values()}

    card = ModelCard.load(release / "README.md")
    metadata = card.data.to_dict()
    known_keys = set(inspect.signature(ModelCardData).parameters) - {"kwargs", "ignore_metadata_errors"}
    assert set(metadata) <= known_keys, f"unknown model card keys: {set(metadata) - known_keys}"
    assert metadata["library_name"] == "transformers"
    assert metadata["pipeline_tag"] == PIPELINE_TAG
    assert metadata["license"] == "{{ cookiecutter.license }}"
    assert "custom_code" in metadata["tags"] and config["model_type"] in metadata["tags"]
    assert metadata["base_model"] == "org/base-model" and metadata["datasets"] == ["org/corpus"]
    assert card_weights(release) == "trained from [org/base-model](https://huggingface.co/org/base-model)"
    # A composite config (vlm): the rows of its language model's sizes.
    prefix, sizes = ("text_config.", config["text_config"]) if "text_config" in config else ("", config)
    for name in ("hidden_size", "num_hidden_layers", "num_attention_heads"):
        assert f"| `{prefix}{name}` | `{sizes[name]!r}` |" in card.text
    assert "**Parameters:** " in card.text
    assert "trust_remote_code=True, revision=revision" in card.text
    assert "## Security" in card.text and "## Citation" in card.text and "## Architecture" in card.text
    # the LoRA config of the published head, with the family's target modules (test_peft.py trains with it)
    assert f"    target_modules={json.dumps(LORA_TARGET_MODULES)},\n" in card.text
    for name, value in LORA_OPTIONS.get(DEFAULT_AUTO_CLASS, {}).items():
        assert f"    {name}={json.dumps(value)},\n" in card.text
    # what the model does under torch.compile, torch.export and ONNX (test_compile_export.py checks each)
    assert f"## Compile and export\n\n{EXPORT_NOTES}\n" in card.text


def card_weights(release) -> str:
    """What the model card in the `release` folder says the weights are."""
    card = (release / "README.md").read_text(encoding="utf-8")
    return re.search(r"^- \*\*Weights:\*\* (.*)$", card, re.MULTILINE).group(1)


def test_the_card_says_whether_the_weights_were_trained(hub, tmp_path, checkpoint):
    (tmp_path / "config.json").write_text(tiny_config().to_json_string())
    new_model = ["--config", str(tmp_path / "config.json"), "--untrained", "--output", str(tmp_path / "untrained")]
    assert publish_main(["--repo-id", REPO_ID, *new_model]) == 0
    assert card_weights(tmp_path / "untrained") == "untrained: random weights, newly initialised from the config"
    assert publish_main(["--checkpoint", checkpoint, "--dry-run", "--output", str(tmp_path / "trained")]) == 0
    assert card_weights(tmp_path / "trained") == "trained from scratch"


def test_the_card_says_from_what_a_checkpoint_was_converted_and_whether_it_was_trained_since(tmp_path, config):
    """The conversion records its source in config.json (`converted_from`), which stays there when the model is loaded
    and saved again: the card says "converted" while the weights are the converted ones, "fine-tuned" once trained."""
    native_name = next(name for name, head in CONVERSION.HEADS.items() if head is DEFAULT_CLASS)
    getattr(transformers, native_name)(native_config(config)).save_pretrained(tmp_path / "native")
    # As `hf download org/native-model` leaves it in the Hub cache.
    commit = populate_hub_cache(tmp_path / "hf_home", "org/native-model", tmp_path / "native")
    snapshot = tmp_path / "hf_home" / "hub" / "models--org--native-model" / "snapshots" / commit
    converted = tmp_path / "converted"
    assert CONVERSION.main(["--input", str(snapshot), "--output", str(converted)]) == 0
    recorded = json.loads((converted / "config.json").read_text())["converted_from"]
    assert recorded.keys() == {"model", "model_type", "name", "revision", "weights_sha256"}
    assert recorded["model_type"] == CONVERTS_FROM
    assert (recorded["name"], recorded["revision"]) == ("org/native-model", commit)
    link = "[org/native-model](https://huggingface.co/org/native-model)"
    source = f"{link} (revision `{commit}`), a {recorded['model']} checkpoint"

    model = DEFAULT_CLASS.from_pretrained(converted)
    model.save_pretrained(tmp_path / "saved again")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model(**training_batch(model.config)).loss.backward()
    optimizer.step()
    model.save_pretrained(tmp_path / "trained")
    expected = {
        converted: f"converted from {source}, not trained since",
        tmp_path / "saved again": f"converted from {source}, not trained since",
        tmp_path / "trained": f"fine-tuned from a conversion of {source}",
    }
    for checkpoint, words in expected.items():
        default_processor(model.config).save_pretrained(checkpoint)  # the native model was saved without one
        release = tmp_path / "releases" / checkpoint.name
        assert publish_main(["--checkpoint", str(checkpoint), "--dry-run", "--output", str(release)]) == 0
        assert card_weights(release) == words, checkpoint.name
        assert json.loads((release / "config.json").read_text())["converted_from"] == recorded


MISSING = """
import json, sys
import transformers

repo_id, result = sys.argv[1], {}
for name, repo, revision in [("missing repo", "test-org/missing", None), ("missing revision", repo_id, "0" * 40)]:
    try:
        transformers.AutoModel.from_pretrained(repo, trust_remote_code=True, revision=revision)
        result[name] = None
    except OSError as error:
        result[name] = [type(error.__cause__).__name__, str(error)]
print(json.dumps(result))
"""


def test_a_missing_repo_or_revision_fails_with_the_client_errors(hub, tmp_path, checkpoint):
    assert publish_main(["--repo-id", REPO_ID, "--checkpoint", checkpoint]) == 0
    consumer = {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "consumer"), "HF_HUB_OFFLINE": "0", "HF_TOKEN": ""}
    result = run_fresh(MISSING, REPO_ID, cwd=tmp_path, env=consumer)
    cause, message = result["missing repo"]
    assert cause == "RepositoryNotFoundError" and "is not a valid model identifier" in message
    cause, message = result["missing revision"]
    assert cause == "RevisionNotFoundError" and "is not a valid git identifier" in message


def test_private_repo_needs_the_token_which_is_never_printed_or_saved(hub, tmp_path, checkpoint, capsys):
    release = tmp_path / "release"
    assert publish_main(["--repo-id", REPO_ID, "--checkpoint", checkpoint, "--private", "--output", str(release)]) == 0
    output = capsys.readouterr()
    assert TOKEN not in output.out + output.err
    for path in release.rglob("*"):
        assert TOKEN.encode() not in path.read_bytes(), f"the token leaked into {path.name}"
    assert hub.state.repos[REPO_ID].private

    sha = printed_commit(output.out)
    consumer = {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "consumer"), "HF_HUB_OFFLINE": "0"}
    anonymous = run_fresh(READ_REPO, REPO_ID, sha, cwd=tmp_path, env={**consumer, "HF_TOKEN": ""})
    assert anonymous == {"error": "RepositoryNotFoundError"}  # a private repo looks missing without a token
    assert run_fresh(READ_REPO, REPO_ID, sha, cwd=tmp_path, env={**consumer, "HF_TOKEN": TOKEN}) == {"sha": sha}


SNAPSHOT = """
import json, os, sys
from huggingface_hub import list_repo_files, snapshot_download

repo_id, revision = sys.argv[1], sys.argv[2]
folder = snapshot_download(repo_id, revision=revision)
files = [os.path.relpath(os.path.join(root, name), folder) for root, _, names in os.walk(folder) for name in names]
print(json.dumps({"listed": sorted(list_repo_files(repo_id, revision=revision)), "downloaded": sorted(files)}))
"""


def test_snapshot_download_gets_exactly_the_release(hub, tmp_path, checkpoint, capsys):
    release = tmp_path / "release"
    assert publish_main(["--repo-id", REPO_ID, "--checkpoint", checkpoint, "--output", str(release)]) == 0
    sha = printed_commit(capsys.readouterr().out)
    consumer = {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "consumer"), "HF_HUB_OFFLINE": "0", "HF_TOKEN": ""}
    result = run_fresh(SNAPSHOT, REPO_ID, sha, cwd=tmp_path, env=consumer)
    expected = sorted([".gitattributes", *(path.name for path in release.iterdir())])
    assert result == {"listed": expected, "downloaded": expected}


def test_branch_and_pull_request_leave_main_alone(hub, checkpoint, capsys):
    base = ["--repo-id", REPO_ID, "--checkpoint", checkpoint]
    assert publish_main([*base, "--revision", "experiment", "--create-branch", "--commit-message", "Try a thing"]) == 0
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


def test_republishing_the_same_files_makes_no_new_commit(hub, checkpoint, capsys):
    arguments = ["--repo-id", REPO_ID, "--checkpoint", checkpoint]
    assert publish_main(arguments) == 0
    first = printed_commit(capsys.readouterr().out)
    assert publish_main(arguments) == 0
    assert printed_commit(capsys.readouterr().out) == first
    assert len(hub.state.repos[REPO_ID].commits) == 2  # the repo's initial commit and the release


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
    values, message = CONFIG_REFUSALS["unbuildable"]  # e.g. heads of 8.5 dimensions
    config = tiny_config().to_dict()
    config.get("text_config", config).update(values)  # the language model's settings: a composite config's own
    (tmp_path / "config.json").write_text(json.dumps(config))
    release = tmp_path / "release"
    assert publish_main(["--config", str(tmp_path / "config.json"), "--dry-run", "--output", str(release)]) == 1
    assert message in capsys.readouterr().err
    assert not release.exists()


def test_a_processor_folder_without_a_processor_is_refused(hub, tmp_path, checkpoint, capsys):
    (tmp_path / "empty").mkdir()
    arguments = ["--checkpoint", checkpoint, "--processor", str(tmp_path / "empty"), "--dry-run"]
    assert publish_main([*arguments, "--output", str(tmp_path / "release")]) == 1
    assert not (tmp_path / "release").exists()
    assert f"--processor {tmp_path / 'empty'} holds no" in capsys.readouterr().err


def test_upload_without_a_token_fails_with_the_client_error(hub, monkeypatch, checkpoint, capsys):
    monkeypatch.delenv("HF_TOKEN")
    assert publish_main(["--repo-id", REPO_ID, "--checkpoint", checkpoint]) == 1
    error = capsys.readouterr().err
    assert error.endswith(
        f"error: cannot create {REPO_ID}: the Hub refused the token (401). Log in with `hf auth login` or set "
        "HF_TOKEN, with write access.\n"
    )
    assert REPO_ID not in hub.state.repos
