"""verify never passes what it must fail, names a damaged record as one, keeps the Hub token away from the code it
imports and runs, and stops within `--timeout`: each case replayed with its message, exit status and what is left on
disk (and on the test Hub).

Most cases are refused before the checking process starts, or are checks of its functions run here: only the cases
that are about that process (its environment, its time) start it.
"""

import json
import math
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import torch
from huggingface_hub import HfApi, constants
from safetensors import safe_open
from safetensors.torch import save_file

from {{ cookiecutter.model_name }} import verify_worker
from {{ cookiecutter.model_name }}.record import FORMAT_VERSION, METADATA_KEY, RECORD_FILE
from {{ cookiecutter.model_name }}.verify import main as verify_main

from .common import DEFAULT_AUTO_CLASS, DEFAULT_CLASS, tiny_config
from .helpers import PACKAGE, files_of, serve_hub
from .test_verify import append_code

# verify must leave the system's temporary directory empty (conftest.py).
pytestmark = pytest.mark.usefixtures("temporary_directory")
REPO_ID = "test-org/verified-release"
TOKEN = "hf_test_token_never_printed"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """One saved and recorded checkpoint of this model, copied by `release` for each test."""
    folder = tmp_path_factory.mktemp("recorded") / "checkpoint"
    torch.manual_seed(0)
    DEFAULT_CLASS(tiny_config()).save_pretrained(folder)
    assert verify_main([str(folder), "--record"]) == 0
    return folder


@pytest.fixture
def release(recorded, tmp_path):
    return shutil.copytree(recorded, tmp_path / "release")


def run_verify(capsys, *arguments) -> tuple[int, str, str]:
    try:
        code = verify_main([str(argument) for argument in arguments])
    except SystemExit as exit_info:
        code = exit_info.code
    output = capsys.readouterr()
    assert "Traceback" not in output.out + output.err and TOKEN not in output.out + output.err
    return code, output.out, output.err


def refused(capsys, *arguments) -> str:
    """verify's one error line (exit status 1, nothing on stdout)."""
    code, out, err = run_verify(capsys, *arguments)
    assert code == 1 and out == "", (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def rewrite_record(folder: Path, change) -> None:
    """Rewrite the record of `folder` with `change(tensors, metadata)` applied (metadata None: none is written)."""
    path = folder / RECORD_FILE
    with safe_open(path, framework="pt") as record:
        tensors = {name: record.get_tensor(name) for name in record.keys()}
        metadata = json.loads(record.metadata()[METADATA_KEY])
    metadata = change(tensors, metadata)
    if metadata is not None:
        metadata = {METADATA_KEY: metadata if isinstance(metadata, str) else json.dumps(metadata)}
    save_file(tensors, path, metadata=metadata)


def main_output(tensors: dict) -> str:
    return next(name for name in ("outputs.logits", "outputs.last_hidden_state") if name in tensors)


def as_dtype(dtype):
    def change(tensors, metadata):
        name = main_output(tensors)
        tensors[name] = tensors[name].to(dtype)
        return metadata

    return change


def with_value(value: float, everywhere: bool):
    def change(tensors, metadata):
        tensor = tensors[main_output(tensors)]
        tensor.fill_(value) if everywhere else tensor.view(-1).__setitem__(0, value)
        return metadata

    return change


def without_outputs(names):
    def change(tensors, metadata):
        for name in names(tensors):
            del tensors[name]
        return metadata

    return change


def without_key(key: str):
    def change(tensors, metadata):
        del metadata[key]
        return metadata

    return change


def of_format(version: str):
    def change(tensors, metadata):
        return {**metadata, "format_version": version}

    return change


DAMAGED = [
    (as_dtype(torch.float16), "outputs.{main} is float16, not float32"),
    (as_dtype(torch.int64), "outputs.{main} is int64, not float32"),
    (with_value(math.nan, everywhere=False), "outputs.{main} holds NaN or infinite values"),
    (with_value(math.inf, everywhere=True), "outputs.{main} holds NaN or infinite values"),
    (
        without_outputs(lambda tensors: [main_output(tensors)]),
        "its tensors are not those its metadata lists (outputs.{main} listed but missing)",
    ),
    (
        without_outputs(lambda tensors: [name for name in tensors if name.startswith("outputs.")]),
        "its tensors are not those its metadata lists (",
    ),
    (lambda tensors, metadata: None, "it holds no record metadata"),
    (lambda tensors, metadata: "{not json", "its metadata is not JSON ("),
    (lambda tensors, metadata: "[1, 2]", "its metadata is a JSON list, not an object"),
    (without_key("auto_class"), "its metadata lacks auto_class"),
    (without_key("class"), "its metadata lacks class"),
    (of_format("1"), f"it is a record of format '1'; this verify reads format {FORMAT_VERSION!r}"),
]
DAMAGED_IDS = [
    "fp16",
    "int64",
    "one-nan",
    "all-inf",
    "main-output-removed",
    "all-outputs-removed",
    "no-metadata",
    "metadata-not-json",
    "metadata-not-object",
    "no-auto-class",
    "no-class",
    "other-format",
]


@pytest.mark.parametrize(("damage", "message"), DAMAGED, ids=DAMAGED_IDS)
def test_a_damaged_record_is_named_as_one(release, capsys, damage, message):
    main = main_output(dict.fromkeys(safe_open(release / RECORD_FILE, framework="pt").keys())).removeprefix("outputs.")
    rewrite_record(release, damage)
    before = files_of(release)
    line = refused(capsys, release)
    record = release / RECORD_FILE
    assert line.startswith(
        f"error: {record} is damaged or from another version of this project: {message.format(main=main)}"
    ), line
    assert line.endswith(
        f"Record it again (`python -m {PACKAGE}.verify <folder> --record`, or publish again, which records every "
        "release)."
    )
    assert files_of(release) == before


def test_a_record_that_is_not_safetensors_is_named_as_damaged(release, capsys):
    (release / RECORD_FILE).write_bytes(b"\x08" + bytes(100))
    line = refused(capsys, release)
    assert line.startswith(
        f"error: {release / RECORD_FILE} is damaged or from another version of this project: it is not a readable "
        "safetensors file ("
    )


def test_a_shard_index_that_points_outside_the_release_is_refused(release, capsys, tmp_path):
    (tmp_path / "outside.safetensors").write_bytes(b"never read")
    index = {"metadata": {}, "weight_map": {"a": "../outside.safetensors"}}
    (release / "model.safetensors.index.json").write_text(json.dumps(index))
    line = refused(capsys, release)
    assert line.startswith(
        f"error: {release / 'model.safetensors.index.json'} points outside {release} (../outside.safetensors): "
    )


# -- the checks of the checking process, run here ---------------------------------------------------------------------


@pytest.fixture
def model_and_record(release):
    """The model of `release` and its recorded inputs and outputs."""
    with safe_open(release / RECORD_FILE, framework="pt") as record:
        tensors = {name: record.get_tensor(name) for name in record.keys()}
    inputs = {name.removeprefix("inputs."): value for name, value in tensors.items() if name.startswith("inputs.")}
    expected = {name: value for name, value in tensors.items() if name.startswith("outputs.")}
    return DEFAULT_CLASS.from_pretrained(release).eval(), inputs, expected


def test_the_recorded_outputs_pass_and_each_one_counts_both_ways(model_and_record):
    model, inputs, expected = model_and_record
    problems, checked = verify_worker.output_problems(model, inputs, expected, 1e-5, 1e-4)
    assert problems == [] and checked["count"] == len(expected)
    # A record that lost an output, from its tensors and its list alike: the model still returns it.
    main = main_output(expected)
    kept = {name: value for name, value in expected.items() if name != main}
    problems, _ = verify_worker.output_problems(model, inputs, kept, 1e-5, 1e-4)
    assert problems == [f"{main}: returned by the model, not in the record (it holds {', '.join(sorted(kept))})"]


def test_a_model_that_computes_nan_fails(model_and_record):
    model, inputs, expected = model_and_record
    last_linear = [module for module in model.modules() if isinstance(module, torch.nn.Linear)][-1]
    last_linear.register_forward_hook(lambda module, args, output: torch.full_like(output, math.nan))
    problems, checked = verify_worker.output_problems(model, inputs, expected, 1e-5, 1e-4)
    main = main_output(expected)
    line = next(problem for problem in problems if problem.startswith(f"{main}: "))
    assert " values outside atol 1e-05 + rtol 0.0001 x |recorded|; largest difference inf at " in line
    assert line.endswith(", now nan)") and checked["largest"] == math.inf


def test_every_auto_map_entry_of_the_release_files_must_resolve_to_its_code(release):
    config = json.loads((release / "config.json").read_text())
    recorded = dict(config["auto_map"])
    problems, count = verify_worker.auto_map_problems(release, recorded, str(release), None)
    assert problems == [] and count == len(recorded)
    config["auto_map"]["AutoModel"] = "missing_module.MissingModel"
    config["auto_map"]["AutoModelForMaskedLM"] = "other/repo--modeling.Model"
    (release / "config.json").write_text(json.dumps(config))
    problems, _ = verify_worker.auto_map_problems(release, recorded, str(release), None)
    assert problems == [
        f"auto_map: AutoModel: recorded {recorded['AutoModel']!r}, config.json has 'missing_module.MissingModel'",
        f"auto_map: AutoModelForMaskedLM: recorded {recorded.get('AutoModelForMaskedLM')!r}, config.json has "
        "'other/repo--modeling.Model'",
        "auto_map: config.json: AutoModel -> missing_module.MissingModel: the release has no missing_module.py",
        "auto_map: config.json: AutoModelForMaskedLM -> other/repo--modeling.Model is not a class of a code file of "
        "the release ('<module>.<class>')",
    ]


# -- the checking process: no token, offline, bounded in time --------------------------------------------------------

# Code appended to a release's modeling file: what the process that imports it sees of the Hub token, as JSON.
SPY = """
import json as _json
import os as _os

from huggingface_hub import constants as _constants
from huggingface_hub import get_token as _get_token

_seen = dict(
    HF_TOKEN=_os.environ.get("HF_TOKEN"),
    HUGGING_FACE_HUB_TOKEN=_os.environ.get("HUGGING_FACE_HUB_TOKEN"),
    token=_get_token(),
    token_file=_os.path.exists(_constants.HF_TOKEN_PATH),
    offline=_constants.HF_HUB_OFFLINE,
    hf_home=_constants.HF_HOME,
)
with open({path!r}, "w") as _file:
    _json.dump(_seen, _file)
"""
# Code appended to a release's modeling file: its import starts a process of its own, says both ids, and never ends.
HANGS = """
import os as _os
import subprocess as _subprocess
import sys as _sys
import time as _time

_started = _subprocess.Popen([_sys.executable, "-c", "import time; time.sleep(600)", {marker!r}])
with open({marker!r}, "w") as _file:
    _file.write("%d %d" % (_os.getpid(), _started.pid))
_time.sleep(600)
"""


@pytest.fixture
def hub(monkeypatch, tmp_path):
    """The test Hub, with this process's downloads going to it, into a cache of the test's own."""
    with serve_hub(monkeypatch, tmp_path, TOKEN) as server:
        url_template = server.url + "/{repo_id}/resolve/{revision}/{filename}"
        monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", url_template)
        monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub_cache"))
        yield server


def test_the_code_runs_without_the_token_offline_after_this_process_downloads_a_private_release(
    hub, release, tmp_path, capsys, monkeypatch
):
    seen = tmp_path / "seen.json"
    append_code(release, SPY.format(path=str(seen)))
    api = HfApi()
    api.create_repo(REPO_ID, private=True)
    sha = api.upload_folder(folder_path=release, repo_id=REPO_ID).oid
    # The token everywhere this process may find one: the variables, and its token file.
    monkeypatch.setenv("HUGGING_FACE_HUB_TOKEN", TOKEN)
    Path(constants.HF_TOKEN_PATH).write_text(TOKEN)
    code, out, err = run_verify(capsys, REPO_ID, "--revision", sha)
    assert code == 0, out + err
    assert out.startswith(f"verified {REPO_ID}@{sha}: {DEFAULT_CLASS.__name__} loads as remote code")
    inside = json.loads(seen.read_text())
    assert inside["HF_TOKEN"] is None and inside["HUGGING_FACE_HUB_TOKEN"] is None and inside["token"] is None
    assert inside["token_file"] is False and inside["offline"] is True
    assert Path(inside["hf_home"]).is_relative_to(tempfile.gettempdir()) and not Path(inside["hf_home"]).exists()
    # The private release came down with the token, into this process's cache; nothing was written to the Hub.
    assert (Path(constants.HF_HUB_CACHE) / f"models--{REPO_ID.replace('/', '--')}" / "snapshots" / sha).is_dir()
    assert hub.state.repos[REPO_ID].private is True and len(hub.state.repos[REPO_ID].commits) == 2


def test_a_download_that_hangs_stops_at_the_timeout(hub, capsys):
    hub.fail("hang", path="/resolve/")
    started = time.monotonic()
    line = refused(capsys, REPO_ID, "--timeout", "2")
    assert time.monotonic() - started < 20
    assert line == (
        f"error: verify ran out of time (--timeout 2 s) while downloading {RECORD_FILE} of {REPO_ID}; nothing is "
        "left running or behind. Allow more time with --timeout."
    )
    assert not (Path(constants.HF_HUB_CACHE) / f"models--{REPO_ID.replace('/', '--')}" / "snapshots").exists()


def alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, waiting to be reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.is_file() and stat.read_text().rsplit(")", 1)[-1].split()[0] == "Z")


def test_code_that_hangs_at_import_is_killed_with_what_it_started_at_the_timeout(release, tmp_path, capsys):
    marker = tmp_path / "hanging-import"
    append_code(release, HANGS.format(marker=str(marker)))
    started = time.monotonic()
    line = refused(capsys, release, "--timeout", "4")
    assert time.monotonic() - started < 30
    step = re.fullmatch(
        r"error: verify ran out of time \(--timeout 4 s\) while the checking process was (.+); nothing is left "
        r"running or behind\. Allow more time with --timeout\.",
        line,
    )
    assert step, line
    importing = f"importing the release's code and loading it ({DEFAULT_AUTO_CLASS}.from_pretrained)"
    assert step.group(1) in ("starting (Python, torch and transformers)", importing), line
    if marker.exists():  # it ran the release's code (on a loaded machine it may not get that far within 4 s)
        assert step.group(1) == importing
        pids = [int(pid) for pid in marker.read_text().split()]
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in pids), "the checking process or what it started still runs"
    # Nothing left running that was started for this check (its command lines name the marker or the plan).
    for command_line in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            running = command_line.read_bytes()
        except OSError:
            continue
        assert str(marker).encode() not in running and str(tempfile.gettempdir()).encode() not in running


def test_the_help_says_that_verify_runs_the_release_code(capsys):
    with pytest.raises(SystemExit) as exit_info:
        verify_main(["--help"])
    assert exit_info.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "imports and runs the release's code" in help_text and "without your Hub token" in help_text
    assert "--timeout SECONDS" in help_text
