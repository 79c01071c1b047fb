"""Bad inputs and failures of the publish command and the conversion script, each replayed with its exact outcome.

Every case ends in one `error:` line (no traceback), the documented exit status (1 refused or failed, 2 bad command
line, 128 + N on signal N), and leaves nothing behind: no repository, branch or commit on the Hub that was not asked
for, no temporary folder, the user's files as they were. No code from an input folder ever runs. Faults are injected
with the test Hub (`tests/hub_server.py`): answers of 500, dropped connections, requests never answered.
"""

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import transformers
from huggingface_hub import HfApi, constants
from huggingface_hub.errors import HfHubHTTPError
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import AutoTokenizer, PreTrainedTokenizerFast

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config, record
from {{ cookiecutter.model_name }}.checkpoint import PROCESSOR_KIND, find_processor
from {{ cookiecutter.model_name }}.cli import run_tokenizer_training
from {{ cookiecutter.model_name }}.family import CONVERTS_FROM, PROCESSOR_FILE, SAVE_PROCESSOR
from {{ cookiecutter.model_name }}.inputs import PROCESSOR_FILE_NAMES
from {{ cookiecutter.model_name }}.publish import main as publish_main
from {{ cookiecutter.model_name }}.verify import main as verify_main

from ..common import CONFIG_REFUSALS, HEADS, NATIVE_REFUSALS, save_checkpoint, tiny_config
from ..contract import CONVERSION, PROCESSOR_AUTO_CLASS, native_config
from ..helpers import PACKAGE, PROJECT_ROOT, closed_port_url, files_of, hub_env, serve_hub

# Every command must leave the system's temporary directory empty (conftest.py).
pytestmark = pytest.mark.usefixtures("temporary_directory")
REPO_ID = "test-org/reliable-model"
TOKEN = "hf_test_token_never_printed"
MODEL_TYPE = "{{ cookiecutter.model_name }}"
# The bare native model the conversion script converts from (e.g. "LlamaModel").
NATIVE_BASE_CLASS = next(name for name, head in CONVERSION.HEADS.items() if head is HEADS["AutoModel"])
# Code in an input folder that leaves a marker file in that folder if it is ever imported (transformers imports a
# copy of it from its modules cache: the marker's path is written in full).
TRAP = """
import pathlib

pathlib.Path({marker!r}).write_text("code from the input folder ran")

from transformers import PreTrainedTokenizerFast
from transformers.image_processing_utils import BaseImageProcessor
from transformers.processing_utils import ProcessorMixin


class TrapTokenizer(PreTrainedTokenizerFast):
    pass


class TrapImageProcessor(BaseImageProcessor):
    pass


class TrapProcessor(ProcessorMixin):
    pass
"""
# What a processor file of a folder says to make transformers import that code (with trust_remote_code=True), for
# each kind of processor (the family's is `contract.PROCESSOR_AUTO_CLASS`).
TRAP_PROCESSOR = {
    "AutoTokenizer": {
        "auto_map": {"AutoTokenizer": ["trap.TrapTokenizer", "trap.TrapTokenizer"]},
        "tokenizer_class": "TrapTokenizer",
    },
    "AutoImageProcessor": {"auto_map": {"AutoImageProcessor": "trap.TrapImageProcessor"}},
    "AutoProcessor": {"auto_map": {"AutoProcessor": "trap.TrapProcessor"}},
}[PROCESSOR_AUTO_CLASS]


@pytest.fixture
def hub(monkeypatch, tmp_path):
    with serve_hub(monkeypatch, tmp_path, TOKEN) as server:
        yield server


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """One saved checkpoint of this model (with its tokenizer or processor), copied by `checkpoint` for each test."""
    folder = tmp_path_factory.mktemp("saved") / "checkpoint"
    save_checkpoint(folder, seed=0)
    return folder


@pytest.fixture
def checkpoint(saved, tmp_path):
    return shutil.copytree(saved, tmp_path / "checkpoint")


def run(main, arguments: list[str], capsys) -> tuple[int, str, str]:
    """Run a command's `main` as its command line does; return its exit status, stdout and stderr."""
    try:
        code = main([str(argument) for argument in arguments])
    except SystemExit as exit_info:  # argparse refuses a bad command line with status 2
        code = exit_info.code
    output = capsys.readouterr()
    return code, output.out, output.err


def refused(result: tuple[int, str, str], code: int = 1) -> str:
    """The one error line of a refused command, after checking its status, and that no traceback or token shows."""
    status, out, err = result
    assert status == code, (status, out, err)
    assert "Traceback" not in out + err and TOKEN not in out + err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: ") or ": error: " in last, err  # ours, or argparse's "<prog>: error: ..."
    return last


def publish(capsys, *arguments) -> tuple[int, str, str]:
    return run(publish_main, ["--repo-id", REPO_ID, *arguments], capsys)


def convert(capsys, input_dir, output_dir) -> tuple[int, str, str]:
    return run(CONVERSION.main, ["--input", input_dir, "--output", output_dir], capsys)


def edit_json(path, **changes) -> None:
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def edit_language_model(path, **changes) -> None:
    """Change settings of the language model in a config.json: the config's own, or a composite config's (a VLM's)
    `text_config`."""
    config = json.loads(path.read_text())
    config.get("text_config", config).update(changes)
    path.write_text(json.dumps(config))


def language_model_json(**settings) -> str:
    """A config.json of settings of the language model (in `text_config` for a composite config)."""
    return json.dumps({"text_config": settings} if LANGUAGE_MODEL else settings)


# How the model's checks name a setting of the language model: a composite config's say in which sub-config it is.
LANGUAGE_MODEL = "text_config: " if "text_config" in tiny_config().sub_configs else ""


def set_trap(folder) -> None:
    (folder / "trap.py").write_text(TRAP.format(marker=str(folder / "TRAP_RAN")))


def trap_ran(folder) -> bool:
    return (folder / "TRAP_RAN").exists()


def commits(hub, repo_id: str = REPO_ID) -> list[str]:
    """The commit messages of `repo_id` on the test Hub (absent repository: None)."""
    repo = hub.state.repos.get(repo_id)
    return None if repo is None else sorted(commit.message for commit in repo.commits.values())


def native_checkpoint(folder) -> None:
    """A small checkpoint of the native transformers model the conversion script converts from."""
    native = getattr(transformers, NATIVE_BASE_CLASS)(native_config(tiny_config(num_hidden_layers=1)))
    native.save_pretrained(folder)


# -- publish: where the commit lands ----------------------------------------------------------------------------------


def test_private_is_refused_on_an_existing_public_repo(hub, checkpoint, capsys):
    HfApi().create_repo(REPO_ID)  # public
    line = refused(publish(capsys, "--checkpoint", checkpoint, "--private"))
    assert line == (
        f"error: --private was given but {REPO_ID} exists and is public: nothing was uploaded. Make it private on the "
        "Hub first (Settings), or drop --private to publish to the public repository."
    )
    assert hub.state.repos[REPO_ID].private is False
    assert commits(hub) == ["initial commit"]


def test_an_existing_private_repo_stays_private(hub, checkpoint, capsys):
    HfApi().create_repo(REPO_ID, private=True)
    code, out, _ = publish(capsys, "--checkpoint", checkpoint)
    assert code == 0
    assert f"{REPO_ID} is private and stays private." in out
    assert hub.state.repos[REPO_ID].private is True
    assert commits(hub) == ["Upload reliable-model", "initial commit"]


def test_a_new_repo_says_its_visibility_and_an_existing_public_one_warns(hub, checkpoint, capsys):
    code, out, _ = publish(capsys, "--checkpoint", checkpoint)
    assert code == 0 and f"created {REPO_ID} (public)" in out
    code, out, _ = publish(capsys, "--checkpoint", checkpoint, "--commit-message", "Again")
    assert code == 0 and f"{REPO_ID} is public: anyone can see it." in out


def test_a_missing_branch_is_refused_without_create_branch(hub, checkpoint, capsys):
    HfApi().create_repo(REPO_ID)
    line = refused(publish(capsys, "--checkpoint", checkpoint, "--revision", "experiment"))
    assert line == (
        f"error: {REPO_ID} has no branch 'experiment': add --create-branch to create it from main, or choose an "
        "existing branch."
    )
    assert set(hub.state.repos[REPO_ID].refs) == {"main"}
    assert commits(hub) == ["initial commit"]


def test_create_branch_creates_the_missing_branch_from_main(hub, checkpoint, capsys):
    HfApi().create_repo(REPO_ID)
    code, out, _ = publish(capsys, "--checkpoint", checkpoint, "--revision", "experiment", "--create-branch")
    assert code == 0, out
    repo = hub.state.repos[REPO_ID]
    assert set(repo.refs) == {"main", "experiment"}
    assert repo.commits[repo.refs["main"]].message == "initial commit"
    assert repo.commits[repo.refs["experiment"]].message == "Upload reliable-model"


def test_a_branch_of_a_missing_repo_is_refused_without_create_branch(hub, checkpoint, capsys):
    line = refused(publish(capsys, "--checkpoint", checkpoint, "--revision", "experiment"))
    assert line == (
        f"error: {REPO_ID} does not exist, so neither does its branch 'experiment': add --create-branch to create "
        "both, or publish to main first."
    )
    assert commits(hub) is None


def test_a_pull_request_to_a_missing_repo_is_refused(hub, checkpoint, capsys):
    line = refused(publish(capsys, "--checkpoint", checkpoint, "--create-pr"))
    assert line == (
        f"error: --create-pr needs an existing repository, and {REPO_ID} does not exist (or your token cannot see "
        "it): publish to main first."
    )
    assert commits(hub) is None


@pytest.mark.parametrize("branch", ["../../x", "a..b", "-x", "x.lock", "a b", "x/", "x~1", "refs//x", ".hidden"])
def test_a_bad_branch_name_is_refused_before_any_request(hub, capsys, branch):
    line = refused(publish(capsys, f"--revision={branch}"), code=2)
    assert f"error: --revision {branch!r} is not a valid branch name" in line
    assert hub.state.requests == []


def test_the_test_hub_refuses_a_bad_branch_name(hub):
    api = HfApi()
    api.create_repo(REPO_ID)
    with pytest.raises(HfHubHTTPError) as error:
        api.create_branch(REPO_ID, branch="../../x")
    assert error.value.response.status_code == 400
    api.create_branch(REPO_ID, branch="release/v1")
    assert set(hub.state.repos[REPO_ID].refs) == {"main", "release/v1"}


# -- publish: no code from an input folder runs -----------------------------------------------------------------------


def test_the_trap_runs_when_a_folder_is_loaded_with_remote_code(checkpoint):
    # What the tests below guard against: loading this folder as transformers does with trust_remote_code=True.
    set_trap(checkpoint)
    edit_json(checkpoint / PROCESSOR_FILE, **TRAP_PROCESSOR)
    try:
        getattr(transformers, PROCESSOR_AUTO_CLASS).from_pretrained(checkpoint, trust_remote_code=True)
    except (OSError, ValueError, TypeError):
        pass  # the trap classes are empty: what matters is that their file was imported
    assert trap_ran(checkpoint)


@pytest.mark.parametrize(
    ("file_name", "entries"),
    [
        (PROCESSOR_FILE, TRAP_PROCESSOR),
        ("config.json", {"auto_map": {"AutoConfig": "trap.TrapConfig", "AutoModel": "trap.TrapModel"}}),
        ("config.json", {"custom_pipelines": {"trap": {"impl": "trap.TrapPipeline"}}}),
        ("processor_config.json", {"auto_map": {"AutoProcessor": "trap.TrapProcessor"}}),
    ],
    ids=["processor", "config-auto-map", "config-pipeline", "processor-config"],
)
def test_a_checkpoint_that_names_code_is_refused_and_the_code_never_runs(hub, checkpoint, capsys, file_name, entries):
    set_trap(checkpoint)
    path = checkpoint / file_name
    if not path.exists():
        path.write_text("{}")
    edit_json(path, **entries)
    line = refused(publish(capsys, "--checkpoint", checkpoint))
    assert line.startswith(f"error: {path} names code to run (")
    assert line.endswith(
        "and code from an input folder is never run: save it with transformers' own classes (or this project's), or "
        "remove those entries."
    )
    assert not trap_ran(checkpoint)
    assert hub.state.requests == []


def test_a_processor_folder_that_names_code_is_refused(hub, checkpoint, tmp_path, capsys):
    processor = shutil.copytree(checkpoint, tmp_path / "processor")
    set_trap(processor)
    edit_json(processor / PROCESSOR_FILE, **TRAP_PROCESSOR)
    line = refused(publish(capsys, "--checkpoint", checkpoint, "--processor", processor))
    assert line.startswith(f"error: {processor / PROCESSOR_FILE} names code to run (")
    assert not trap_ran(processor)
    assert hub.state.requests == []


# -- publish: the Hub fails, drops the connection, or never answers ---------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("500", "the Hub at {url} failed (500). Try again later."),
        ("drop", "no connection to the Hub at {url} (Server disconnected without sending a response.). Check the "),
        ("hang", "the Hub at {url} did not answer within 1 s. Try again later, or allow more time with --timeout."),
    ],
)
def test_a_failing_hub_gives_one_line_and_no_repository(hub, checkpoint, capsys, mode, message):
    hub.fail(mode)
    started = time.monotonic()
    line = refused(publish(capsys, "--checkpoint", checkpoint, "--timeout", "1"))
    assert time.monotonic() - started < 30
    assert line.startswith(f"error: cannot look up {REPO_ID}: " + message.format(url=hub.url))
    assert commits(hub) is None


@pytest.mark.parametrize("mode", ["500", "drop", "hang"])
def test_a_commit_that_fails_leaves_no_commit(hub, checkpoint, capsys, mode):
    HfApi().create_repo(REPO_ID)
    hub.fail(mode, path="/commit/")
    line = refused(publish(capsys, "--checkpoint", checkpoint, "--timeout", "1"))
    assert line.startswith(f"error: cannot commit to {REPO_ID}: ")
    assert commits(hub) == ["initial commit"]


def test_an_unreachable_hub_gives_one_line(hub, checkpoint, capsys, monkeypatch):
    url = closed_port_url()
    monkeypatch.setattr(constants, "ENDPOINT", url)
    line = refused(publish(capsys, "--checkpoint", checkpoint))
    assert line.startswith(f"error: cannot look up {REPO_ID}: no connection to the Hub at {url} (")
    assert line.endswith("Check the network, and HF_ENDPOINT if you set it.")


def test_offline_mode_gives_one_line(hub, checkpoint, capsys, monkeypatch):
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    line = refused(publish(capsys, "--checkpoint", checkpoint))
    assert line == (
        f"error: cannot look up {REPO_ID}: HF_HUB_OFFLINE is set. Unset it to publish, or write the release with "
        "--dry-run --output <folder>."
    )
    assert hub.state.requests == []


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan"])
def test_a_bad_timeout_is_refused(hub, capsys, value):
    line = refused(publish(capsys, "--timeout", value), code=2)
    assert line.endswith(f"error: argument --timeout: {value!r} is not a number of seconds above 0")


def test_sigterm_while_the_hub_never_answers_removes_the_release(hub, checkpoint, tmp_path):
    hub.fail("hang")
    system_tmp = tmp_path / "subprocess_tmp"
    system_tmp.mkdir()
    env = {**os.environ, **hub_env(hub, tmp_path / "hf_home", TOKEN), "TMPDIR": str(system_tmp)}
    command = [sys.executable, "-m", f"{PACKAGE}.publish", "--repo-id", REPO_ID, "--checkpoint", str(checkpoint)]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not hub.state.requests and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert hub.state.requests, "publish never reached the Hub"
        assert [path.name[: len("publish-")] for path in system_tmp.iterdir()] == ["publish-"]
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err.decode()
    assert err.decode().strip().splitlines()[-1] == (
        "error: stopped by SIGTERM; temporary files were removed. Run the command again."
    )
    assert list(system_tmp.iterdir()) == []
    assert commits(hub) is None


# -- publish: checkpoints that are not this model's -------------------------------------------------------------------


def test_a_native_checkpoint_is_refused_with_the_conversion_command(hub, tmp_path, capsys):
    folder = tmp_path / "native"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": CONVERTS_FROM, "architectures": ["Anything"]}))
    (folder / "model.safetensors").write_bytes(b"never read")
    line = refused(publish(capsys, "--checkpoint", folder))
    assert line == (
        f"error: --checkpoint {folder} holds a {CONVERTS_FROM!r} model, not a {MODEL_TYPE!r} one: convert it first: "
        f"python -m {PACKAGE}.convert_{CONVERTS_FROM}_to_{PACKAGE} --input {folder} --output <new folder>."
    )
    assert hub.state.requests == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model_type": "gpt2"}, "holds a 'gpt2' model, not a {model_type!r} one: publish takes {model_type} check"),
        ({"architectures": ["SomethingElse"]}, "was saved by ['SomethingElse'], not by one of"),
        ({"architectures": None}, "was saved by no class, not by one of"),
    ],
    ids=["other-model-type", "other-class", "no-class"],
)
def test_a_checkpoint_of_another_model_is_refused(hub, checkpoint, capsys, config, message):
    edit_json(checkpoint / "config.json", **config)
    line = refused(publish(capsys, "--checkpoint", checkpoint))
    assert line.startswith(f"error: --checkpoint {checkpoint} " + message.format(model_type=MODEL_TYPE))
    assert hub.state.requests == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "error: --checkpoint {folder} has no config.json: pass a folder written by save_pretrained."),
        ("{not json", "error: {folder}/config.json is not valid JSON ("),
        ("[1, 2]", "error: {folder}/config.json holds a JSON list, not an object: save the folder again."),
        ('{"hidden_size": 32}', "error: {folder}/config.json names no model_type: pass a folder written by"),
    ],
    ids=["missing", "invalid", "list", "no-model-type"],
)
def test_a_bad_config_json_is_refused(hub, checkpoint, capsys, content, message):
    if content is None:
        (checkpoint / "config.json").unlink()
    else:
        (checkpoint / "config.json").write_text(content)
    line = refused(publish(capsys, "--checkpoint", checkpoint))
    assert line.startswith(message.format(folder=checkpoint))
    assert hub.state.requests == []


@pytest.mark.parametrize(
    "entry",
    [
        "Llama",
        {"model": "Llama", "name": "llama"},
        {"model": "Llama", "model_type": "llama", "name": "llama", "weights_sha256": 1},
        {"model": "Llama", "model_type": "llama", "name": "llama", "weights_sha256": "0", "path": "/home/me"},
    ],
    ids=["not-an-object", "keys-missing", "not-a-string", "unknown-key"],
)
def test_a_converted_from_entry_no_conversion_wrote_is_refused(hub, checkpoint, capsys, entry):
    edit_json(checkpoint / "config.json", converted_from=entry)
    line = refused(publish(capsys, "--checkpoint", checkpoint))
    assert line == (
        f"error: {checkpoint}/config.json has a 'converted_from' entry that no conversion script wrote (it records "
        "the strings model, model_type, name, weights_sha256 and, for a Hub download, revision): convert the model "
        "again, or remove the entry if the model was not converted."
    )
    assert hub.state.requests == []


@pytest.mark.parametrize(
    ("values", "message"),
    [refusal for case, refusal in CONFIG_REFUSALS.items() if case != "unbuildable"],
    ids=[case for case in CONFIG_REFUSALS if case != "unbuildable"],
)
def test_a_config_the_model_refuses_gives_one_line(hub, checkpoint, capsys, values, message):
    edit_language_model(checkpoint / "config.json", **values)
    line = refused(publish(capsys, "--checkpoint", checkpoint))
    refusal = message if message.startswith("The `layer_types`") else LANGUAGE_MODEL + message
    assert line.startswith(f"error: --checkpoint {checkpoint} has a config this model refuses: {refusal}")
    assert hub.state.requests == []


def truncate(path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def shard(folder, weight_map: dict) -> None:
    (folder / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (truncate, "error: {folder}/model.safetensors is not a readable safetensors file ("),
        (lambda path: path.write_bytes(b"\x08" + bytes(100)), "error: {folder}/model.safetensors is not a readable"),
        (
            lambda path: path.rename(path.with_name("pytorch_model.bin")),
            "error: --checkpoint {folder} holds no model.safetensors or model.safetensors.index.json (only "
            "pytorch_model.bin: pickle files are never loaded): save the model with save_pretrained",
        ),
        (
            lambda path: shard(path.parent, {"a": "../outside.safetensors"}),
            "error: {folder}/model.safetensors.index.json points outside {folder} (../outside.safetensors): shards",
        ),
        (
            lambda path: shard(path.parent, {"a": "/tmp/elsewhere.safetensors", "b": "model.safetensors"}),
            "error: {folder}/model.safetensors.index.json points outside {folder} (/tmp/elsewhere.safetensors)",
        ),
        (
            lambda path: shard(path.parent, {"a": "model-00002-of-00002.safetensors"}),
            "error: {folder}/model.safetensors.index.json lists model-00002-of-00002.safetensors, missing from",
        ),
        (lambda path: shard(path.parent, {}), "error: {folder}/model.safetensors.index.json has no weight_map"),
    ],
    ids=["truncated", "garbage", "pickle-only", "index-parent", "index-absolute", "index-no-shard", "index-empty"],
)
def test_unreadable_or_misplaced_weights_are_refused(hub, checkpoint, capsys, damage, message):
    damage(checkpoint / "model.safetensors")
    line = refused(publish(capsys, "--checkpoint", checkpoint))
    assert line.startswith(message.format(folder=checkpoint))
    assert hub.state.requests == []


@pytest.mark.parametrize("change", ["missing", "unused", "shape"])
def test_weights_that_do_not_fit_the_model_are_refused_not_initialised(hub, checkpoint, capsys, change):
    path = checkpoint / "model.safetensors"
    tensors = load_file(path)
    name = sorted(tensors)[0]
    if change == "missing":
        del tensors[name]
    elif change == "unused":
        tensors["extra.weight"] = tensors[name].clone()
    else:
        tensors[name] = tensors[name].flatten()[:-1].clone()
    save_file(tensors, path, metadata={"format": "pt"})
    line = refused(publish(capsys, "--checkpoint", checkpoint))
    problem = {"missing": f"missing from checkpoint: [{name!r}]", "unused": "unused from checkpoint: ['extra.weight']"}
    assert line.startswith(f"error: --checkpoint {checkpoint} does not hold this model's weights (")
    assert problem.get(change, f"shape mismatches: ['{name}: checkpoint (") in line
    assert hub.state.requests == []


# -- publish: folders and files on the command line -------------------------------------------------------------------


def test_a_checkpoint_that_is_a_file_is_refused(hub, tmp_path, capsys):
    (tmp_path / "model.safetensors").write_bytes(b"")
    line = refused(publish(capsys, "--checkpoint", tmp_path / "model.safetensors"), code=2)
    assert f"error: --checkpoint {tmp_path / 'model.safetensors'} is a file: pass the folder it was saved" in line


def test_an_output_that_is_a_file_is_refused_and_kept(hub, checkpoint, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    arguments = ["--checkpoint", checkpoint, "--dry-run", "--output", tmp_path / "notes.txt"]
    line = refused(publish(capsys, *arguments), code=2)
    assert line.endswith(f"error: --output {tmp_path / 'notes.txt'} is a file: choose a new folder.")
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_non_empty_output_is_refused_and_kept(hub, checkpoint, tmp_path, capsys):
    (tmp_path / "release").mkdir()
    (tmp_path / "release" / "notes.txt").write_text("mine")
    line = refused(publish(capsys, "--checkpoint", checkpoint, "--dry-run", "--output", tmp_path / "release"), code=2)
    assert line.endswith(f"error: --output {tmp_path / 'release'} is not empty: choose a new folder.")
    assert files_of(tmp_path / "release") == {"notes.txt": b"mine"}


def test_an_empty_output_folder_the_user_made_survives_a_failure(hub, checkpoint, tmp_path, capsys):
    (tmp_path / "release").mkdir()
    edit_json(checkpoint / "config.json", model_type="gpt2")
    refused(publish(capsys, "--checkpoint", checkpoint, "--output", tmp_path / "release"))
    assert (tmp_path / "release").is_dir() and list((tmp_path / "release").iterdir()) == []


def test_the_release_goes_into_an_empty_output_folder(hub, checkpoint, tmp_path, capsys):
    (tmp_path / "release").mkdir()
    code, _, err = publish(capsys, "--checkpoint", checkpoint, "--dry-run", "--output", tmp_path / "release")
    assert code == 0, err
    assert (tmp_path / "release" / "model.safetensors").is_file() and (tmp_path / "release" / "README.md").is_file()


# The refusals a config file for a new model is checked with.
NEW_CONFIG_CASES = ("wrong-type", "refused-by-transformers")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "error: {path} is not valid JSON ("),
        ('{"model_type": "gpt2"}', "error: --config {path} is a 'gpt2' config, not a {model_type!r} one."),
        *(
            (language_model_json(**values), "error: --config {path} cannot build the model: {where}" + message)
            for case, (values, message) in CONFIG_REFUSALS.items()
            if case in NEW_CONFIG_CASES
        ),
    ],
    ids=["invalid", "other-model-type", *(case for case in CONFIG_REFUSALS if case in NEW_CONFIG_CASES)],
)
def test_a_bad_config_file_for_a_new_model_gives_one_line(hub, tmp_path, capsys, content, message):
    path = tmp_path / "config.json"
    path.write_text(content)
    line = refused(publish(capsys, "--config", path, "--dry-run", "--output", tmp_path / "release"))
    where = "" if message.endswith("The `layer_types` entries must be in ") else LANGUAGE_MODEL
    assert line.startswith(message.format(path=path, model_type=MODEL_TYPE, where=where))
    assert not (tmp_path / "release").exists()


def test_a_config_that_is_a_folder_is_refused(hub, tmp_path, capsys):
    line = refused(publish(capsys, "--config", tmp_path), code=2)
    assert line.endswith(f"error: --config {tmp_path} is a folder: pass a config JSON file.")


def test_an_unreadable_processor_file_gives_one_line(hub, checkpoint, capsys):
    (checkpoint / PROCESSOR_FILE).write_text("{not json")
    line = refused(publish(capsys, "--checkpoint", checkpoint))
    assert line.startswith(f"error: {checkpoint / PROCESSOR_FILE} is not valid JSON (")
    assert hub.state.requests == []


# -- publish: only what the user saved --------------------------------------------------------------------------------


def tiny_config_file(folder: Path) -> Path:
    path = folder / "tiny_config.json"
    tiny_config().to_json_file(path)
    return path


def test_publishing_without_a_checkpoint_needs_untrained(hub, tmp_path, capsys):
    line = refused(publish(capsys), code=2)
    assert line.endswith(
        f"error: without --checkpoint, publish would upload a new, untrained model (random weights) to {REPO_ID}: "
        "pass --checkpoint <folder> with the model you saved (save_pretrained), or --dry-run --output <folder> to try "
        "publishing without uploading, or --untrained to upload an untrained model on purpose."
    )
    line = refused(publish(capsys, "--config", tiny_config_file(tmp_path)), code=2)
    assert "error: without --checkpoint, publish would upload a new, untrained model" in line
    line = refused(publish(capsys, "--checkpoint", tmp_path, "--untrained"), code=2)
    assert line.endswith(
        "error: --untrained is for a new model built from --config (or the default config), not --checkpoint."
    )
    assert hub.state.requests == [] and commits(hub) is None
    code, out, err = publish(capsys, "--config", tiny_config_file(tmp_path), "--untrained")
    assert code == 0, err
    assert commits(hub) == ["Upload reliable-model", "initial commit"]


def test_the_default_config_and_the_default_processor_agree(capsys):
    # What publish --dry-run does without --checkpoint or --config: the default processor for the default config.
    processor = find_processor(None, {{ cookiecutter.class_prefix }}Config(), required=False)
    assert processor is not None
    assert capsys.readouterr().out.startswith(f"no {PROCESSOR_FILE}: a new model gets the default one. ")


@pytest.mark.parametrize("removed", ["processor-file", "every-processor-file"])
def test_a_checkpoint_without_its_own_processor_is_refused_never_given_a_default(
    hub, checkpoint, tmp_path, capsys, removed
):
    names = [PROCESSOR_FILE] if removed == "processor-file" else PROCESSOR_FILE_NAMES
    for name in names:
        (checkpoint / name).unlink(missing_ok=True)
    left = sorted(name for name in PROCESSOR_FILE_NAMES if (checkpoint / name).exists())
    before = files_of(checkpoint)
    line = refused(publish(capsys, "--checkpoint", checkpoint, "--dry-run", "--output", tmp_path / "release"))
    holds = f"holds {', '.join(left)} but no {PROCESSOR_FILE}" if left else f"holds no {PROCESSOR_FILE}"
    assert line == (
        f"error: --checkpoint {checkpoint} {holds}: publish ships the checkpoint's own {PROCESSOR_KIND}, never a "
        f"default one in its place. {SAVE_PROCESSOR[:1].upper()}{SAVE_PROCESSOR[1:]}, or pass --processor <folder>."
    )
    assert files_of(checkpoint) == before and not (tmp_path / "release").exists()
    assert hub.state.requests == []


# -- publish: the Hub asks to wait, or the first commit fails -------------------------------------------------------


def test_a_429_is_retried_after_the_wait_it_asks_for(hub, checkpoint, capsys):
    hub.fail("429", path="/api/repos/create", times=2, retry_after="1")
    started = time.monotonic()
    code, out, err = publish(capsys, "--checkpoint", checkpoint, "--timeout", "5")
    assert code == 0, err
    assert time.monotonic() - started >= 2
    waits = [line for line in out.splitlines() if line.startswith("the Hub asks to wait")]
    assert waits == [f"the Hub asks to wait 1 s (429: too many requests) before it can create {REPO_ID}: waiting"] * 2
    assert commits(hub) == ["Upload reliable-model", "initial commit"]


def test_a_429_that_asks_for_longer_than_the_timeout_gives_one_line(hub, checkpoint, capsys):
    hub.fail("429", path="/api/models/", retry_after="30")
    started = time.monotonic()
    line = refused(publish(capsys, "--checkpoint", checkpoint, "--timeout", "2"))
    assert time.monotonic() - started < 20
    assert line == (
        f"error: cannot look up {REPO_ID}: the Hub at {hub.url} is limiting requests (429: too many requests) and "
        "asks to wait 30 s, longer than --timeout 2 s allows. Try again later."
    )
    assert commits(hub) is None


def test_a_failed_first_publish_deletes_the_repository_it_created(hub, checkpoint, capsys):
    hub.fail("500", path="/commit/")
    line = refused(publish(capsys, "--checkpoint", checkpoint, "--timeout", "5"))
    assert line == (
        f"error: cannot commit to {REPO_ID}: the Hub at {hub.url} failed (500). Try again later. The repository "
        f"{REPO_ID}, which this publish created, was deleted again: nothing is left on the Hub."
    )
    assert commits(hub) is None


def test_a_failed_first_publish_says_what_it_could_not_delete(hub, checkpoint, capsys):
    hub.fail("500", path=("/commit/", "/api/repos/delete"))
    line = refused(publish(capsys, "--checkpoint", checkpoint, "--timeout", "5"))
    assert line.startswith(f"error: cannot commit to {REPO_ID}: the Hub at {hub.url} failed (500). Try again later. ")
    assert line.endswith(
        f"This publish created the repository {REPO_ID}, left empty on the Hub: deleting it failed too (cannot "
        f"delete the repository {REPO_ID}: the Hub at {hub.url} failed (500). Try again later.). Delete it (Settings, "
        f"or `hf repos delete {REPO_ID}`), or publish again."
    )
    assert commits(hub) == ["initial commit"]


def test_a_failed_commit_to_a_new_branch_deletes_the_branch(hub, checkpoint, capsys):
    HfApi().create_repo(REPO_ID)
    hub.fail("500", path="/commit/")
    line = refused(publish(capsys, "--checkpoint", checkpoint, "--revision", "experiment", "--create-branch"))
    assert line.endswith(
        f"The branch 'experiment' of {REPO_ID}, which this publish created, was deleted again: nothing is left on "
        "the Hub."
    )
    assert set(hub.state.repos[REPO_ID].refs) == {"main"} and commits(hub) == ["initial commit"]


# -- a full disk, names too long --------------------------------------------------------------------------------------

NO_SPACE = "Error while serializing: I/O error: No space left on device (os error 28)"


def full_disk_save(tensors, filename, *args, **kwargs) -> None:
    """safetensors' save on a full disk: part of the file is written, then its error."""
    Path(filename).write_bytes(b"partial")
    raise SafetensorError(NO_SPACE)


def full_disk_move(source, destination, *args, **kwargs) -> None:
    """A move to another disk that fills up: part of the file lands there, then the OS's error."""
    target = Path(destination)
    target.write_bytes(b"partial")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))


def test_a_full_disk_while_writing_the_release_leaves_nothing(
    hub, checkpoint, tmp_path, capsys, monkeypatch, temporary_directory
):
    monkeypatch.setattr(transformers.modeling_utils, "safe_save_file", full_disk_save)
    line = refused(publish(capsys, "--checkpoint", checkpoint, "--output", tmp_path / "release"))
    assert line.startswith(f"error: cannot write the release to {temporary_directory}{os.sep}publish-")
    assert line.endswith(
        f", a temporary folder (TMPDIR): {NO_SPACE}. Free space there (or choose another folder) and run the command "
        "again; nothing was left half written."
    )
    assert not (tmp_path / "release").exists() and hub.state.requests == []


def test_a_full_disk_while_moving_the_release_into_output_leaves_it_as_it_was(
    hub, checkpoint, tmp_path, capsys, monkeypatch
):
    (tmp_path / "release").mkdir()
    monkeypatch.setattr(shutil, "move", full_disk_move)
    line = refused(publish(capsys, "--checkpoint", checkpoint, "--dry-run", "--output", tmp_path / "release"))
    assert line == (
        f"error: cannot write {tmp_path / 'release'}: No space left on device. Free space there, or choose a folder "
        "you can write to; nothing was left in it."
    )
    assert list((tmp_path / "release").iterdir()) == []


def test_a_full_disk_while_converting_leaves_no_output(tmp_path, capsys, monkeypatch):
    native_checkpoint(tmp_path / "native")
    monkeypatch.setattr(transformers.modeling_utils, "safe_save_file", full_disk_save)
    line = refused(convert(capsys, tmp_path / "native", tmp_path / "out"))
    assert line.startswith("error: cannot write the converted checkpoint to ") and NO_SPACE in line
    assert not (tmp_path / "out").exists()


def test_a_full_disk_while_recording_leaves_the_folder_as_it_was(checkpoint, capsys, monkeypatch):
    monkeypatch.setattr(record, "save_file", full_disk_save)
    before = files_of(checkpoint)
    line = refused(run(verify_main, [checkpoint, "--record"], capsys))
    assert line == (
        f"error: cannot write {checkpoint / record.RECORD_FILE}: {NO_SPACE}. Free space there and record again; the "
        "folder was left as it was."
    )
    assert files_of(checkpoint) == before


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("x" * 300, "a name in it is 300 bytes long, and this system allows 255"),
        ("/".join(["y" * 200] * 25), "it is "),
    ],
    ids=["name-too-long", "path-too-long"],
)
def test_an_output_name_the_system_refuses_gives_one_line(hub, checkpoint, tmp_path, capsys, name, problem):
    output = tmp_path / name
    for command in (
        publish(capsys, "--checkpoint", checkpoint, "--dry-run", "--output", output),
        convert(capsys, checkpoint, output),
    ):
        line = refused(command, code=2)
        assert f"error: --output {output} cannot be made: {problem}" in line and line.endswith(
            ". Choose a shorter path."
        )
    line = refused(publish(capsys, "--checkpoint", output), code=2)
    assert line.endswith(
        f"error: --checkpoint {output} does not exist: pass the folder it was saved to (save_pretrained)."
    )
    assert not [path for path in tmp_path.iterdir() if path.name[:10] in ("x" * 10, "y" * 10)], "a folder was made"


# -- conversion -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("input_dir", ["missing/folder", "some-org/some-model"], ids=["missing", "hub-repo-id"])
def test_conversion_of_a_missing_folder_says_it_reads_a_local_folder(tmp_path, capsys, input_dir):
    line = refused(convert(capsys, input_dir, tmp_path / "out"), code=2)
    assert f"error: --input {input_dir} does not exist: pass the local folder a" in line
    assert line.endswith("(for a Hub model, download it first: `hf download <repo id> --local-dir <folder>`).")
    assert not (tmp_path / "out").exists()


def test_conversion_of_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "config.json").write_text("{}")
    line = refused(convert(capsys, tmp_path / "config.json", tmp_path / "out"), code=2)
    assert f"error: --input {tmp_path / 'config.json'} is a file: pass the local folder" in line


def test_conversion_of_this_projects_checkpoint_is_refused(checkpoint, tmp_path, capsys):
    line = refused(convert(capsys, checkpoint, tmp_path / "out"))
    assert line == (
        f"error: --input {checkpoint} is already a {MODEL_TYPE} checkpoint: there is nothing to convert; publish it "
        f"with `python -m {PACKAGE}.publish --checkpoint {checkpoint}`."
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model_type": "gpt2"}, "error: --input {folder} holds a 'gpt2' model, not a "),
        ({"architectures": ["NoSuchHead"]}, "error: cannot convert architecture 'NoSuchHead': supported are"),
        (None, "error: --input {folder} has no config.json: pass a folder written by save_pretrained."),
    ],
    ids=["other-model-type", "other-head", "no-config"],
)
def test_conversion_refuses_another_model_before_reading_weights(tmp_path, capsys, config, message):
    folder = tmp_path / "native"
    native_checkpoint(folder)
    (folder / "model.safetensors").write_bytes(b"never read")
    if config is None:
        (folder / "config.json").unlink()
    else:
        edit_json(folder / "config.json", **config)
    line = refused(convert(capsys, folder, tmp_path / "out"))
    assert line.startswith(message.format(folder=folder))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("values", "message"), NATIVE_REFUSALS.values(), ids=NATIVE_REFUSALS)
def test_conversion_of_a_config_transformers_refuses_gives_one_line(tmp_path, capsys, values, message):
    folder = tmp_path / "native"
    native_checkpoint(folder)
    edit_language_model(folder / "config.json", **values)
    line = refused(convert(capsys, folder, tmp_path / "out"))
    assert line.startswith(f"error: {folder / 'config.json'} is not a valid ")
    assert f" config: {message}" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("file_name", "entries"),
    [
        ("config.json", {"auto_map": {"AutoModel": "trap.TrapModel"}}),
        (PROCESSOR_FILE, TRAP_PROCESSOR),
    ],
    ids=["config", "processor"],
)
def test_conversion_refuses_a_folder_that_names_code(tmp_path, capsys, file_name, entries):
    folder = tmp_path / "native"
    native_checkpoint(folder)
    set_trap(folder)
    path = folder / file_name
    if not path.exists():
        path.write_text("{}")
    edit_json(path, **entries)
    line = refused(convert(capsys, folder, tmp_path / "out"))
    assert line.startswith(f"error: {path} names code to run (")
    assert not trap_ran(folder)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (truncate, "error: {folder}/model.safetensors is not a readable safetensors file ("),
        (
            lambda path: shard(path.parent, {"a": "../outside.safetensors"}),
            "error: {folder}/model.safetensors.index.json points outside {folder} (../outside.safetensors)",
        ),
        (lambda path: path.unlink(), "error: --input {folder} holds no model.safetensors or"),
    ],
    ids=["truncated", "index-outside", "no-weights"],
)
def test_conversion_of_bad_weights_gives_one_line_and_no_output(tmp_path, capsys, damage, message):
    folder = tmp_path / "native"
    native_checkpoint(folder)
    damage(folder / "model.safetensors")
    (tmp_path / "out").mkdir()  # an empty folder the user made: it stays, empty
    line = refused(convert(capsys, folder, tmp_path / "out"))
    assert line.startswith(message.format(folder=folder))
    assert list((tmp_path / "out").iterdir()) == []


def test_conversion_to_an_output_that_is_a_file_is_refused_and_kept(tmp_path, capsys):
    native_checkpoint(tmp_path / "native")
    (tmp_path / "notes.txt").write_text("mine")
    line = refused(convert(capsys, tmp_path / "native", tmp_path / "notes.txt"), code=2)
    assert line.endswith(f"error: --output {tmp_path / 'notes.txt'} is a file: choose a new folder.")
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_conversion_into_an_empty_folder_the_user_made(tmp_path, capsys):
    native_checkpoint(tmp_path / "native")
    (tmp_path / "out").mkdir()
    code, out, err = convert(capsys, tmp_path / "native", tmp_path / "out")
    assert code == 0, err
    assert f"saved to {tmp_path / 'out'}" in out
    assert (tmp_path / "out" / "config.json").is_file() and (tmp_path / "out" / "model.safetensors").is_file()


# -- train_tokenizer's command line (the text families'; shared in cli.py) --------------------------------------------


def train_word_level(texts: list[str], vocab_size: int) -> PreTrainedTokenizerFast:
    """A word-level tokenizer trained on `texts`: the trainer the command line runs (each family's trains its own)."""
    if vocab_size < 2:
        raise ValueError(f"vocab_size must be at least 2, got {vocab_size}.")
    tokenizer = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.train_from_iterator(texts, trainers.WordLevelTrainer(vocab_size=vocab_size, special_tokens=["[UNK]"]))
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]")


def train(capsys, folder: Path, *arguments: str) -> tuple[int, str, str]:
    """Run the command line with `arguments` (corpus: `folder/corpus.txt` by default): exit status, out, err."""
    default_corpus = folder / "corpus.txt"
    try:
        code = run_tokenizer_training(train_word_level, "Train a tokenizer.", default_corpus, 8, list(arguments))
    except SystemExit as exit:
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


def test_train_tokenizer_saves_what_it_trained_on_the_corpus(tmp_path, capsys):
    texts = tmp_path / "texts.txt"
    texts.write_text("the cat sat\nthe dog sat\n", encoding="utf-8")
    code, out, _ = train(capsys, tmp_path, "--output", str(tmp_path / "tokenizer"), "--corpus", str(texts))
    assert code == 0
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "tokenizer")
    assert out == f"saved a tokenizer of {len(tokenizer)} tokens to {tmp_path / 'tokenizer'}\n"
    assert tokenizer.tokenize("the dog sat") == ["the", "dog", "sat"]


@pytest.mark.parametrize(
    ("corpus", "arguments", "message"),
    [
        (None, (), "error: --corpus {folder}/corpus.txt is not a file."),
        ("the cat sat", ("--vocab-size", "1"), "error: vocab_size must be at least 2, got 1."),
    ],
    ids=["no-corpus", "vocabulary-too-small"],
)
def test_train_tokenizer_refuses_a_bad_command_line(tmp_path, capsys, corpus, arguments, message):
    if corpus is not None:
        (tmp_path / "corpus.txt").write_text(corpus, encoding="utf-8")
    code, _, err = train(capsys, tmp_path, "--output", str(tmp_path / "tokenizer"), *arguments)
    assert code == 2
    assert err.strip().endswith(message.format(folder=tmp_path))
    assert not (tmp_path / "tokenizer").exists()
