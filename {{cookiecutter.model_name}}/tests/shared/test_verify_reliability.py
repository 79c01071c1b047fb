"""verify never passes what it must fail, names a damaged record as one, reads the records of format 1 that earlier
releases carry, keeps the Hub token away from the code it imports and runs, and stops within `--timeout`: each case
replayed with its message, exit status and what is left on disk (and on the test Hub).

Most cases are refused before the checking process starts, or are checks of its functions run here (the fixtures are
in conftest.py): only the cases that are about that process (its environment, its time) start it.
"""

import json
import math
import os
import platform
import re
import tempfile
import time
from pathlib import Path

import pytest
import torch
import transformers
from huggingface_hub import HfApi, constants
from safetensors import safe_open
from safetensors.torch import save_file

from {{ cookiecutter.model_name }} import verify_worker
from {{ cookiecutter.model_name }}.family import reference_inputs
from {{ cookiecutter.model_name }}.record import (
    FORMAT_1_INPUTS,
    FORMAT_VERSION,
    METADATA_KEY,
    RECORD_FILE,
    RENAMED_OUTPUTS,
    common_layout,
)
from {{ cookiecutter.model_name }}.verify import main as verify_main

from ..common import DEFAULT_AUTO_CLASS, DEFAULT_CLASS
from ..helpers import PACKAGE, files_of, serve_hub
from .test_verify import alter_weights, append_code

# verify must leave the system's temporary directory empty (conftest.py).
pytestmark = pytest.mark.usefixtures("temporary_directory")
REPO_ID = "test-org/verified-release"
TOKEN = "hf_test_token_never_printed"


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


def first_input_as(dtype):
    def change(tensors, metadata):
        name = min(name for name in tensors if name.startswith("inputs."))
        tensors[name] = tensors[name].to(dtype)
        return metadata

    return change


def with_tensor(name: str):
    def change(tensors, metadata):
        tensors[name] = torch.zeros(1)
        return metadata

    return change


def write_format_1_record(folder: Path) -> None:
    """Record the checkpoint in `folder` exactly as the template's releases before format 2 did (their
    `verify.record`, frozen here): the head's outputs and tuples of tensors at the top level, of each `COLUMNS` = 64
    evenly spaced features and the norm, the first, middle and last hidden states, and metadata that lists neither
    inputs nor outputs."""
    model = DEFAULT_CLASS.from_pretrained(folder).float().eval()
    inputs = reference_inputs(model.config)
    with torch.no_grad():
        returned = model(**inputs, output_hidden_states=True)
    outputs = {}
    for name, value in returned.items():
        if isinstance(value, torch.Tensor):
            outputs[name] = value
        elif isinstance(value, tuple | list) and value and all(isinstance(item, torch.Tensor) for item in value):
            outputs.update({f"{name}.{index}": item for index, item in enumerate(value)})
    layers = sorted(int(name.rsplit(".", 1)[1]) for name in outputs if name.startswith("hidden_states."))
    kept = {f"hidden_states.{layers[i]}" for i in (0, len(layers) // 2, -1)} if layers else set()

    def fingerprint(tensor):
        size = tensor.shape[-1] if tensor.dim() else 0
        if size <= 64:
            return tensor.clone()
        columns = torch.arange(64) * (size - 1) // (64 - 1)
        norm = torch.linalg.vector_norm(tensor.double(), dim=-1, keepdim=True).to(tensor.dtype)
        return torch.cat([tensor[..., columns], norm], dim=-1)

    tensors = {f"inputs.{name}": value for name, value in inputs.items()}
    tensors.update(
        {
            f"outputs.{name}": fingerprint(value)
            for name, value in outputs.items()
            if not name.startswith("hidden_states.") or name in kept
        }
    )
    metadata = {
        "format_version": "1",
        "auto_class": DEFAULT_AUTO_CLASS,
        "class": type(model).__name__,
        "auto_map": model.config.auto_map,
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
    }
    header = {METADATA_KEY: json.dumps(metadata, sort_keys=True)}
    save_file({name: tensor.contiguous() for name, tensor in tensors.items()}, folder / RECORD_FILE, metadata=header)


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
    (of_format("3"), f"it is a record of format '3'; this verify reads formats '1' and {FORMAT_VERSION!r}"),
    (first_input_as(torch.float16), "{input} is float16, not {dtype}"),
]
# Records of format 1 list neither inputs nor outputs: what they hold must be what that format held, as it held it.
DAMAGED_FORMAT_1 = [
    (as_dtype(torch.float16), "outputs.{main} is float16, not float32"),
    (with_value(math.nan, everywhere=False), "outputs.{main} holds NaN or infinite values"),
    (with_value(math.inf, everywhere=True), "outputs.{main} holds NaN or infinite values"),
    (first_input_as(torch.float16), "{input} is float16, not {dtype}"),
    (with_tensor("inputs.input_embeds"), "inputs.input_embeds is not an input of a record of format 1 (they are "),
    (with_tensor("extra"), "it holds tensors that are neither inputs nor outputs (extra)"),
    (without_outputs(lambda tensors: [name for name in tensors if name.startswith("outputs.")]), "it holds no input"),
    (lambda tensors, metadata: None, "it holds no record metadata"),
    (without_key("auto_class"), "its metadata lacks auto_class"),
    (without_key("transformers_version"), "its metadata lacks transformers_version"),
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
    "input-fp16",
]
DAMAGED_FORMAT_1_IDS = [
    "fp16",
    "one-nan",
    "all-inf",
    "input-fp16",
    "unknown-input",
    "unknown-tensor",
    "no-outputs",
    "no-metadata",
    "no-auto-class",
    "no-transformers-version",
]


@pytest.mark.parametrize(
    ("version", "damage", "message"),
    [("2", *case) for case in DAMAGED] + [("1", *case) for case in DAMAGED_FORMAT_1],
    ids=[f"format-2-{name}" for name in DAMAGED_IDS] + [f"format-1-{name}" for name in DAMAGED_FORMAT_1_IDS],
)
def test_a_damaged_record_is_named_as_one(release, capsys, version, damage, message):
    if version == "1":
        write_format_1_record(release)
        capsys.readouterr()  # loading the model says so on stderr
    names = list(safe_open(release / RECORD_FILE, framework="pt").keys())
    main = main_output(dict.fromkeys(names)).removeprefix("outputs.")
    first_input = min(name for name in names if name.startswith("inputs."))
    dtype = FORMAT_1_INPUTS[first_input.removeprefix("inputs.")]
    rewrite_record(release, damage)
    before = files_of(release)
    line = refused(capsys, release)
    record = release / RECORD_FILE
    message = message.format(main=main, input=first_input, dtype=dtype)
    assert line.startswith(f"error: {record} is damaged or from another version of this project: {message}"), line
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


# -- records of format 1, which the releases before format 2 carry ----------------------------------------------------

FORMAT_1_NOTE = (
    "; the record is of format 1: its outputs could only be compared one way (each output it holds, not whether the "
    f"model returns outputs it lacks). Record again to compare both ways (`python -m {PACKAGE}.verify <folder> "
    "--record`, or publish again)."
)


@pytest.fixture
def format_1_release(release, capsys):
    write_format_1_record(release)
    capsys.readouterr()  # loading the model says so on stderr
    return release


def test_a_record_of_format_1_verifies_and_says_it_compared_one_way(format_1_release, capsys, checks_here):
    count = sum(name.startswith("outputs.") for name in safe_open(format_1_release / RECORD_FILE, "pt").keys())
    code, out, _ = run_verify(capsys, format_1_release)
    assert code == 0 and out.count("\n") == 1, out
    assert out.startswith(f"verified {format_1_release}: {DEFAULT_CLASS.__name__} loads as remote code"), out
    assert f", {count} outputs within atol 1e-05 rtol 0.0001 (largest difference " in out
    assert out.rstrip("\n").endswith(FORMAT_1_NOTE), out


def test_a_changed_model_fails_against_a_record_of_format_1(format_1_release, capsys, checks_here):
    alter_weights(format_1_release, 1e-2)
    code, out, _ = run_verify(capsys, format_1_release)
    lines = out.splitlines()
    assert code == 1 and lines[0].startswith(f"verify FAILED for {format_1_release} ({DEFAULT_CLASS.__name__}): ")
    main = main_output(dict.fromkeys(safe_open(format_1_release / RECORD_FILE, "pt").keys()))
    assert any(line.startswith(f"  {main}: ") and " values outside atol 1e-05 + " in line for line in lines), lines
    assert not any(line.startswith("  weight") for line in lines), "the loaded weights are those of the file"
    assert lines[-2].startswith("recorded with: transformers ")
    assert lines[-2].endswith(" (a record of format 1: outputs compared one way only)"), lines


# -- the checks of the checking process, run here ---------------------------------------------------------------------


def test_the_recorded_outputs_pass_and_each_one_counts_both_ways(model_and_record):
    model, inputs, expected = model_and_record
    problems, checked = verify_worker.output_problems(model, inputs, expected, 1e-5, 1e-4)
    assert problems == [] and checked["count"] == len(expected)
    # A record that lost an output, from its tensors and its list alike: the model still returns it.
    main = main_output(expected)
    kept = {name: value for name, value in expected.items() if name != main}
    problems, _ = verify_worker.output_problems(model, inputs, kept, 1e-5, 1e-4)
    assert problems == [f"{main}: returned by the model, not in the record (it holds {', '.join(sorted(kept))})"]
    # A record of format 1 does not list its outputs: only what it holds is compared.
    problems, checked = verify_worker.output_problems(model, inputs, kept, 1e-5, 1e-4, both_ways=False)
    assert problems == [] and checked["count"] == len(kept)


def test_an_output_that_transformers_renamed_is_compared_under_its_old_name_both_ways():
    for rename in RENAMED_OUTPUTS:
        parts = [torch.randn(4, 65), torch.randn(4, 65)]  # one tensor per image
        logits = torch.randn(1, 12, 65)
        older = {"logits": logits, rename.old: torch.cat(parts)}
        newer = {"logits": logits, f"{rename.new}.1": parts[1], f"{rename.new}.0": parts[0]}
        newer[f"{rename.group}.last_hidden_state"] = torch.randn(1, 5, 32)  # came with the rename
        for actual, recorded in ((older, newer), (newer, older)):
            actual, recorded, renamed, not_compared = common_layout(actual, recorded)
            assert renamed == [rename] and not_compared == [f"{rename.group}.last_hidden_state"]
            assert actual.keys() == recorded.keys() == {"logits", rename.old}
            assert torch.equal(actual[rename.old], recorded[rename.old])
        actual, recorded, renamed, not_compared = common_layout(newer, newer)
        assert actual.keys() == recorded.keys() == newer.keys() and renamed == not_compared == []
        # An output that one side lacks is no rename: the comparison names it.
        actual, recorded, renamed, not_compared = common_layout({"logits": logits}, older)
        assert actual.keys() == {"logits"} and recorded.keys() == older.keys() and renamed == not_compared == []


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
