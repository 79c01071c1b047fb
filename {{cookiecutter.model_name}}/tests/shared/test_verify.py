"""The reference record and `python -m {{ cookiecutter.model_name }}.verify`: a saved or published model passes, and
each way a model breaks silently (weights changed after recording, changed math, an `_init_weights` that overwrites
loaded weights, an import that no longer exists) fails with a report that names it. The checks themselves run in a
fresh process where this project cannot be imported (verify starts it), so what loads there is the saved code.

The tests never edit lines of the saved modeling file, which users rewrite: they append code to it that changes what
the model does through its own objects (a forward hook on its modules, a wrapped `_init_weights` or `forward`), so
they hold whatever the file says."""

import json
import os
import subprocess
import sys

import pytest
import torch
import transformers
from huggingface_hub import HfApi, ModelCard, constants
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from {{ cookiecutter.model_name }}.family import default_processor, reference_inputs
from {{ cookiecutter.model_name }}.model_card import MIN_TRANSFORMERS
from {{ cookiecutter.model_name }}.publish import main as publish_main
from {{ cookiecutter.model_name }}.record import COLUMNS, RECORD_FILE, fingerprint
from {{ cookiecutter.model_name }}.verify import DEFAULT_ATOL, DEFAULT_RTOL
from {{ cookiecutter.model_name }}.verify import main as verify_main

from ..common import DEFAULT_AUTO_CLASS, DEFAULT_CLASS, tiny_config
from ..helpers import PACKAGE, PROJECT_ROOT, hub_env, printed_commit, serve_hub

REPO_ID = "test-org/verified-model"
TOKEN = "hf_test_token_never_printed"
MODELING_FILE = f"modeling_{PACKAGE}.py"


@pytest.fixture
def checkpoint(tmp_path, monkeypatch):
    """A tiny model whose weights all differ from their initial values (as after training), saved as publish takes it.

    The processes verify starts use a cache of their own, offline: nothing is downloaded.
    """
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    torch.manual_seed(0)
    config = tiny_config()
    model = DEFAULT_CLASS(config).eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.1 * torch.randn_like(parameter))
    folder = tmp_path / "checkpoint"
    model.save_pretrained(folder)
    default_processor(config).save_pretrained(folder)
    return folder


def verify(capsys, *arguments) -> tuple[int, list[str], str]:
    """Run the verify command in this process (its checks run in a fresh one): exit status, stdout lines, stderr."""
    code = verify_main([str(argument) for argument in arguments])
    output = capsys.readouterr()
    assert "Traceback" not in output.out + output.err
    return code, output.out.strip().splitlines(), output.err


def recorded(capsys, folder) -> None:
    code, lines, _ = verify(capsys, folder, "--record")
    assert code == 0
    assert lines == [
        f"recorded {folder / RECORD_FILE}: {DEFAULT_CLASS.__name__} with transformers {transformers.__version__}, "
        f"torch {torch.__version__}"
    ]


# The classes of the modeling file that code appended to it changes: every model class defined there.
OWN_MODELS = """
from transformers import PreTrainedModel as _PreTrainedModel

_OWN_MODELS = [
    value
    for value in list(globals().values())
    if isinstance(value, type) and issubclass(value, _PreTrainedModel) and value.__module__ == __name__
]
"""
# A change of the math: every module of the file that returns a tensor returns it 1% larger (a forward hook).
CHANGED_MATH = """
import torch as _torch


def _one_percent_more(module, args, output):
    if type(module).__module__ == __name__ and isinstance(output, _torch.Tensor) and output.is_floating_point():
        return output * 1.01
    return None


_torch.nn.modules.module.register_module_forward_hook(_one_percent_more)
"""
# An old-style `_init_weights` that writes `.data` in place. After a complete load, transformers calls `_init_weights`
# only on modules that hold a tensor the checkpoint lacks, such as a non-persistent buffer (it skips the others, remote
# code included): every model gets such a buffer, and its `_init_weights` overwrites the model's first weight in place.
# The load report stays clean; verify must name that weight.
OLD_STYLE_INIT = (
    OWN_MODELS
    + """
import torch as _torch


def _with_a_buffer(init):
    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.register_buffer("init_count", _torch.zeros(()), persistent=False)

    return __init__


def _in_place(init_weights):
    def _init_weights(self, module):
        init_weights(self, module)
        if isinstance(module, _PreTrainedModel) and hasattr(module, "init_count"):
            module.init_count.data.zero_()
            next(module.parameters()).data.normal_(0.0, 1.0)

    return _init_weights


for _model in _OWN_MODELS:
    if "__init__" in vars(_model):
        _model.__init__ = _with_a_buffer(_model.__init__)
    _model._init_weights = _in_place(_model._init_weights)  # its own, or the one it inherits
"""
)
# As when a transformers release removes a helper that the saved code imports.
REMOVED_IMPORT = "from transformers import removed_helper\n"


def append_code(folder, code: str) -> int:
    """Append `code` to the saved modeling file of `folder`, which runs when verify's process imports the release's
    code; return the number of its last line."""
    path = folder / MODELING_FILE
    text = f"{path.read_text()}\n\n# -- appended by the test\n{code}"
    path.write_text(text)
    return len(text.splitlines())


def test_record_then_verify_by_local_path(checkpoint, capsys):
    recorded(capsys, checkpoint)
    tensors = load_file(checkpoint / RECORD_FILE)
    inputs = reference_inputs(tiny_config())
    for name, value in inputs.items():
        torch.testing.assert_close(tensors[f"inputs.{name}"], value, rtol=0, atol=0)
    hidden_states = {name for name in tensors if name.startswith("outputs.hidden_states.")}
    last = tiny_config().get_text_config().num_hidden_layers
    assert hidden_states == {f"outputs.hidden_states.{index}" for index in (0, (last + 1) // 2, last)}
    with safe_open(checkpoint / RECORD_FILE, framework="pt") as record:
        metadata = json.loads(record.metadata()["reference_record"])
    assert metadata["auto_class"] == DEFAULT_AUTO_CLASS and metadata["class"] == DEFAULT_CLASS.__name__
    assert metadata["auto_map"] == json.loads((checkpoint / "config.json").read_text())["auto_map"]
    assert metadata["transformers_version"] == transformers.__version__
    assert (checkpoint / RECORD_FILE).stat().st_size < 100_000, "the record is a few KB, not the weights"

    code, lines, _ = verify(capsys, checkpoint)
    assert code == 0 and len(lines) == 1, lines
    assert lines[0].startswith(f"verified {checkpoint}: {DEFAULT_CLASS.__name__} loads as remote code")
    assert f"within atol {DEFAULT_ATOL:g} rtol {DEFAULT_RTOL:g}" in lines[0]
    # A head that generates gives the same greedy tokens with its cache as without it (the text families'
    # tests/<family>/test_verify_generation.py)
    generates = ", 8 greedy tokens alike with and without the cache; " in lines[0]
    assert generates == DEFAULT_CLASS.can_generate(), lines
    assert lines[0].endswith(f"checked with transformers {transformers.__version__}")


def test_a_fingerprint_is_small_and_moves_when_any_feature_moves():
    logits = torch.randn(2, 8, 32_000)  # a real vocabulary: the record keeps COLUMNS + 1 features of it
    assert fingerprint(logits).shape == (2, 8, COLUMNS + 1)
    changed = logits.clone()
    changed[1, 3, 1] += 1.0  # a feature between the kept columns: the norm moves
    assert not torch.equal(fingerprint(changed), fingerprint(logits))
    short = torch.randn(2, 3)  # a short last dimension is kept whole, as a copy
    assert torch.equal(fingerprint(short), short) and fingerprint(short).data_ptr() != short.data_ptr()


def test_a_published_release_carries_its_record_and_verifies_by_repo_id(monkeypatch, tmp_path, checkpoint, capsys):
    with serve_hub(monkeypatch, tmp_path, TOKEN) as hub:
        assert publish_main(["--repo-id", REPO_ID, "--checkpoint", str(checkpoint)]) == 0
        sha = printed_commit(capsys.readouterr().out)
        files = hub.state.repos[REPO_ID].commits[sha].files
        assert RECORD_FILE in files
        card = ModelCard(files["README.md"].decode()).text
        assert f"**Recorded with:** transformers {transformers.__version__}, torch {torch.__version__}" in card
        assert f"**Supported:** transformers >= {MIN_TRANSFORMERS}" in card
        assert f"python -m {PACKAGE}.verify {REPO_ID} --revision <commit sha>" in card

        # As the card says, in a new process (a fresh cache, anonymous, from the project's folder).
        env = {**os.environ, **hub_env(hub, tmp_path / "consumer_hf_home")}
        command = [sys.executable, "-m", f"{PACKAGE}.verify", REPO_ID, "--revision", sha]
        result = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0 and len(lines) == 1, result.stdout + result.stderr
    assert lines[0].startswith(f"verified {REPO_ID}@{sha}: {DEFAULT_CLASS.__name__} loads as remote code")


def alter_weights(folder, scale: float) -> None:
    """Add noise to every tensor of the saved weights, after the record was made."""
    path = folder / "model.safetensors"
    generator = torch.Generator().manual_seed(1)
    weights = load_file(path)
    noisy = {name: tensor + scale * torch.randn(tensor.shape, generator=generator) for name, tensor in weights.items()}
    save_file(noisy, path, metadata={"format": "pt"})


@pytest.mark.parametrize(
    ("code", "weights_named"),
    [(CHANGED_MATH, False), (OLD_STYLE_INIT, True)],
    ids=["math-changed", "init-overwrites-weights"],
)
def test_a_model_that_does_not_compute_what_was_recorded_fails(checkpoint, capsys, code, weights_named):
    recorded(capsys, checkpoint)
    append_code(checkpoint, code)
    status, lines, _ = verify(capsys, checkpoint)
    assert status == 1
    assert_failed_outputs(checkpoint, lines)
    clobbered = [line for line in lines if line.startswith("  weight ")]
    if weights_named:
        first_weight = next(name for name, _ in DEFAULT_CLASS(tiny_config()).named_parameters())
        named = f"  weight {first_weight}: differs from model.safetensors by up to "
        assert any(line.startswith(named) for line in clobbered), lines
        assert any(" loaded weights are not the checkpoint's: the model's code changed them" in line for line in lines)
    else:  # the weights loaded are those of the file: only the outputs are wrong
        assert clobbered == [], lines


def assert_failed_outputs(checkpoint, lines: list[str]) -> None:
    """A report of outputs that moved: it names the head's main output and how far it is from the record, no other
    check than the outputs and the weights, and both version sets."""
    assert lines[0].startswith(f"verify FAILED for {checkpoint} ({DEFAULT_CLASS.__name__}): ")
    main_output = next(line for line in lines if line.startswith(("  outputs.logits: ", "  outputs.last_hidden")))
    assert " values outside atol 1e-05 + rtol 0.0001 x |recorded|; largest difference " in main_output
    assert not any(line.startswith(("  load report", "  buffer", "  auto_map", "  classes")) for line in lines), lines
    version_set = f"transformers {transformers.__version__}, torch {torch.__version__}"
    assert lines[-2].startswith(f"recorded with: {version_set}, python ")
    assert lines[-1].startswith(f"checked with:  {version_set}, python ")


def test_a_model_whose_code_no_longer_imports_fails(checkpoint, capsys):
    recorded(capsys, checkpoint)
    line_number = append_code(checkpoint, REMOVED_IMPORT)
    code, lines, _ = verify(capsys, checkpoint)
    assert code == 1 and len(lines) == 4, lines  # the report, one problem, the two version sets
    assert lines[1].startswith(f"  load: {DEFAULT_AUTO_CLASS}.from_pretrained('{checkpoint}') raised ImportError: ")
    assert "removed_helper" in lines[1] and lines[1].endswith(f"({MODELING_FILE}:{line_number})"), lines


def test_weights_altered_after_recording_fail_within_the_tolerances_only(checkpoint, capsys, checks_here):
    recorded(capsys, checkpoint)
    alter_weights(checkpoint, 1e-4)
    code, lines, _ = verify(capsys, checkpoint)
    assert code == 1
    assert_failed_outputs(checkpoint, lines)
    assert not any(line.startswith("  weight") for line in lines), "the loaded weights are those of the file"
    code, lines, _ = verify(capsys, checkpoint, "--atol", "0.1", "--rtol", "0")
    assert code == 0 and len(lines) == 1, lines
    assert "outputs within atol 0.1 rtol 0 (largest difference " in lines[0]


def test_a_folder_without_a_record_gives_one_line(checkpoint, capsys):
    code, lines, err = verify(capsys, checkpoint)
    assert code == 1 and lines == []
    assert err == (
        f"error: {checkpoint} holds no {RECORD_FILE}: record it with `python -m {PACKAGE}.verify {checkpoint} "
        "--record` (publish records it into every release).\n"
    )


def test_record_refuses_a_folder_that_is_not_this_projects_checkpoint(checkpoint, capsys):
    config = json.loads((checkpoint / "config.json").read_text())
    config["auto_map"]["AutoModel"] = "trap.TrapModel"
    (checkpoint / "config.json").write_text(json.dumps(config))
    code, lines, err = verify(capsys, checkpoint, "--record")
    assert code == 1 and lines == [] and not (checkpoint / RECORD_FILE).exists()
    assert err.startswith(f"error: {checkpoint / 'config.json'} names code to run (AutoModel -> trap.TrapModel)")


def test_a_repo_id_without_a_record_or_hub_gives_one_line(monkeypatch, tmp_path, capsys):
    with serve_hub(monkeypatch, tmp_path, TOKEN) as hub:
        # This process's client: downloads go to the test Hub (serve_hub points the API there), into a new cache.
        url_template = hub.url + "/{repo_id}/resolve/{revision}/{filename}"
        monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", url_template)
        monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "cache"))
        api = HfApi(endpoint=hub.url)
        api.create_repo(REPO_ID)
        api.upload_file(path_or_fileobj=b"{}", path_in_repo="config.json", repo_id=REPO_ID)
        errors = {}
        for name, arguments in {
            "no record": [REPO_ID],
            "no repo": ["test-org/missing"],
            "no revision": [REPO_ID, "--revision", "0" * 40],
        }.items():
            code, lines, errors[name] = verify(capsys, *arguments)
            assert code == 1 and lines == [], name
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # as if the Hub cannot be reached: a fast stand-in
        code, _, errors["no hub"] = verify(capsys, REPO_ID, "--revision", "main")
        assert code == 1
    assert errors["no record"].startswith(f"error: {REPO_ID} holds no {RECORD_FILE}: it was not published by ")
    assert errors["no repo"].startswith(
        f"error: test-org/missing is not a folder, and the Hub at {hub.url} has no model repository test-org/missing"
    )
    no_revision = f"error: {REPO_ID} has no revision {'0' * 40!r}: pass a commit hash, branch or tag.\n"
    assert errors["no revision"] == no_revision
    no_hub = f"error: cannot download {RECORD_FILE} of {REPO_ID} at revision 'main': no connection to the Hub at"
    assert errors["no hub"].startswith(no_hub)
    assert all(error.count("\n") == 1 for error in errors.values()), errors


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "the following arguments are required: source"),
        (["{checkpoint}", "--atol", "-1"], "argument --atol: '-1' is not a number of 0 or more"),
        (["{checkpoint}", "--rtol", "nan"], "argument --rtol: 'nan' is not a number of 0 or more"),
        (["{checkpoint}", "--revision", "main"], "--revision is for a repo id, and {checkpoint} is a local folder."),
        (["org/name", "--record"], "--record writes into a local checkpoint folder, and org/name is not a folder."),
        (["no/such/folder"], "'no/such/folder' is neither a folder nor a valid repo id ('namespace/name')."),
    ],
)
def test_bad_arguments_exit_with_2(checkpoint, capsys, arguments, message):
    with pytest.raises(SystemExit) as exit_info:
        verify_main([argument.format(checkpoint=checkpoint) for argument in arguments])
    assert exit_info.value.code == 2
    assert f"error: {message.format(checkpoint=checkpoint)}" in capsys.readouterr().err
