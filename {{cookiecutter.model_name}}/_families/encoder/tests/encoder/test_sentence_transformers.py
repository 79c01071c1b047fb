"""sentence-transformers: a sentence-transformers folder of a BERT model converts into one of this model that gives the
same embeddings, in a fresh process where this project cannot be imported; publish keeps its files and the model card
describes sentence-transformers usage; a checkpoint becomes an embedding model with
`python -m {{ cookiecutter.model_name }}.sentence_embedding`; and a folder whose sentence-transformers files name code
or leave the folder is refused, with none of its code run."""

import json
import shutil
import subprocess
import sys

import pytest
import torch
from huggingface_hub import ModelCard
from transformers import BertModel

from {{ cookiecutter.model_name }}.convert_bert_to_{{ cookiecutter.model_name }} import main as convert_main
from {{ cookiecutter.model_name }}.family import default_processor
from {{ cookiecutter.model_name }}.publish import main as publish_main
from {{ cookiecutter.model_name }}.sentence_embedding import POOLING_MODES, parse_args
from {{ cookiecutter.model_name }}.sentence_embedding import main as embedding_main
from {{ cookiecutter.model_name }}.sentence_transformers_files import FOLDERLESS_KINDS, MODULE_KINDS

from ..common import save_checkpoint, tiny_config
from ..contract import native_config
from ..helpers import PACKAGE, PROJECT_ROOT, hub_env, printed_commit, run_fresh, serve_hub
from ..hub_layouts import LAYOUTS

sentence_transformers = pytest.importorskip(
    "sentence_transformers", reason="sentence-transformers is an optional test extra: pip install -e '.[test]'"
)
from sentence_transformers import SentenceTransformer  # noqa: E402
from sentence_transformers.sentence_transformer import modules as st_modules  # noqa: E402
from sentence_transformers.sentence_transformer.modules import Dense, Normalize, Pooling, Transformer  # noqa: E402

REPO_ID = "test-org/sentence-model"
MODEL_TYPE = "{{ cookiecutter.model_name }}"
TOKEN = "hf_test_token_never_printed"
# Texts of different lengths: sentence-transformers pads them into one batch.
TEXTS = ["The capital of France is Paris.", "Hello world!", "A longer sentence, to embed with the two others."]
# What a user does, in a fresh process where this project cannot be imported: load each source with
# sentence-transformers and encode the texts; also try without trust_remote_code.
CONSUMER = """
import json, sys
from sentence_transformers import SentenceTransformer

plan = json.loads(sys.argv[1])
results = []
for source in plan["sources"]:
    model = SentenceTransformer(source["path"], trust_remote_code=True, revision=source["revision"], device="cpu")
    try:
        SentenceTransformer(source["path"], revision=source["revision"], device="cpu")
        refusal = None
    except ValueError as error:
        refusal = str(error)
    transformer = model[0].model
    results.append({
        "embeddings": model.encode(plan["texts"]).tolist(),
        "modules": [type(module).__name__ for module in model],
        "model": [type(transformer).__name__, type(transformer).__module__],
        "without trust_remote_code": refusal,
    })
print(json.dumps(results))
"""
# Code in an input folder that leaves a marker file if it is ever imported (transformers imports a copy of it).
TRAP = """
import pathlib

import torch

pathlib.Path({marker!r}).write_text("code from the input folder ran")


class TrapModule(torch.nn.Module):
    pass
"""


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    """A tiny BERT with this family's tokenizer, saved by sentence-transformers with pooling, a dense layer and
    normalisation; and its embeddings of `TEXTS`."""
    root = tmp_path_factory.mktemp("sentence_transformers")
    torch.manual_seed(0)
    BertModel(native_config(tiny_config())).save_pretrained(root / "bert")
    default_processor(tiny_config()).save_pretrained(root / "bert")
    transformer = Transformer(str(root / "bert"))
    dimension = transformer.get_embedding_dimension()
    dense = Dense(dimension, 16, activation_function=torch.nn.Tanh())
    model = SentenceTransformer(modules=[transformer, Pooling(dimension, "mean"), dense, Normalize()], device="cpu")
    model.save(str(root / "original"))
    return {"folder": root / "original", "embeddings": model.encode(TEXTS).tolist()}


@pytest.fixture(scope="module")
def converted(original, tmp_path_factory):
    folder = tmp_path_factory.mktemp("converted") / "model"
    assert convert_main(["--input", str(original["folder"]), "--output", str(folder)]) == 0
    return folder


def old_layout(folder, target):
    """`folder` as sentence-transformers saved it long ago: the model in a `0_Transformer` sub-folder."""
    shutil.copytree(folder, target)
    modules = json.loads((target / "modules.json").read_text())
    (target / "0_Transformer").mkdir()
    for path in target.iterdir():
        if path.is_file() and path.name not in ("modules.json", "config_sentence_transformers.json", "README.md"):
            path.rename(target / "0_Transformer" / path.name)
    modules[0]["path"] = "0_Transformer"
    (target / "modules.json").write_text(json.dumps(modules))
    return target


def consume(sources, tmp_path, env):
    plan = {"sources": [{"path": str(path), "revision": revision} for path, revision in sources], "texts": TEXTS}
    workdir = tmp_path / "consumer"
    workdir.mkdir()
    return run_fresh(CONSUMER, json.dumps(plan), cwd=workdir, env=env)


def check_loaded(loaded, embeddings, modules):
    torch.testing.assert_close(torch.tensor(loaded["embeddings"]), torch.tensor(embeddings), rtol=1e-5, atol=1e-5)
    assert loaded["modules"] == modules
    assert loaded["model"][0] == "{{ cookiecutter.class_prefix }}Model"
    assert loaded["model"][1].startswith("transformers_modules."), "the model must run from the saved code"
    refusal = loaded["without trust_remote_code"]
    assert refusal is not None and "trust_remote_code=True" in refusal, refusal


@pytest.fixture
def hub(monkeypatch, tmp_path):
    with serve_hub(monkeypatch, tmp_path, TOKEN) as server:
        yield server


def test_a_converted_folder_gives_the_same_embeddings_saved_and_published(original, converted, hub, tmp_path, capsys):
    old = old_layout(original["folder"], tmp_path / "old_layout")
    assert convert_main(["--input", str(old), "--output", str(tmp_path / "from_old_layout")]) == 0
    for folder in (converted, tmp_path / "from_old_layout"):
        modules = json.loads((folder / "modules.json").read_text())
        assert modules == json.loads((original["folder"] / "modules.json").read_text())
        for name in ("config_sentence_transformers.json", "sentence_bert_config.json", "1_Pooling/config.json"):
            assert (folder / name).read_bytes() == (original["folder"] / name).read_bytes(), name
        assert (folder / "2_Dense" / "model.safetensors").is_file() and (folder / "3_Normalize").is_dir()
        architectures = json.loads((folder / "config.json").read_text())["architectures"]
        assert architectures == ["{{ cookiecutter.class_prefix }}Model"]

    capsys.readouterr()
    assert publish_main(["--repo-id", REPO_ID, "--checkpoint", str(converted)]) == 0
    output = capsys.readouterr().out
    sha = printed_commit(output)
    assert f'SentenceTransformer("{REPO_ID}", trust_remote_code=True, revision="{sha}")' in output
    files = hub.state.repos[REPO_ID].commits[sha].files
    carried = {path.relative_to(converted).as_posix() for path in converted.rglob("*") if path.is_file()}
    assert carried <= set(files), f"not published: {carried - set(files)}"
    (tmp_path / "README.md").write_bytes(files["README.md"])
    card = ModelCard.load(tmp_path / "README.md")
    assert card.data.library_name == "sentence-transformers"
    assert card.data.pipeline_tag == "sentence-similarity"
    tags = {"sentence-transformers", "sentence-similarity", "feature-extraction", "custom_code", MODEL_TYPE}
    assert tags <= set(card.data.tags)
    assert "SentenceTransformer(repo_id, trust_remote_code=True, revision=revision)" in card.text

    sources = [(converted, None), (tmp_path / "from_old_layout", None), (REPO_ID, sha)]
    for loaded in consume(sources, tmp_path, hub_env(hub, tmp_path / "consumer_hf_home")):
        check_loaded(loaded, original["embeddings"], ["Transformer", "Pooling", "Dense", "Normalize"])


def test_a_checkpoint_becomes_an_embedding_model_with_the_chosen_pooling(tmp_path, capsys):
    model, tokenizer = save_checkpoint(tmp_path / "checkpoint", seed=0)  # the default head, a masked LM
    inputs = tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model.base_model(**inputs).last_hidden_state
    cls = hidden[:, 0]

    command = [sys.executable, "-m", f"{PACKAGE}.sentence_embedding", "--checkpoint", str(tmp_path / "checkpoint")]
    result = subprocess.run(
        [*command, "--output", str(tmp_path / "cls"), "--pooling", "cls", "--no-normalize"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"modules: Transformer -> Pooling (pooling 'cls')\nsaved to {tmp_path / 'cls'}" in result.stdout
    pooling = json.loads((tmp_path / "cls" / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode"] == "cls"

    (loaded,) = consume([(tmp_path / "cls", None)], tmp_path, {"HF_HUB_OFFLINE": "1"})
    check_loaded(loaded, cls.tolist(), ["Transformer", "Pooling"])

    # publish keeps the files it wrote
    release = tmp_path / "release"
    assert publish_main(["--checkpoint", str(tmp_path / "cls"), "--dry-run", "--output", str(release)]) == 0
    for name in ("modules.json", "sentence_bert_config.json", "1_Pooling/config.json"):
        assert (release / name).read_bytes() == (tmp_path / "cls" / name).read_bytes(), name
    assert ModelCard.load(release / "README.md").data.library_name == "sentence-transformers"


@pytest.mark.parametrize("repo", ["sentence-transformers/all-MiniLM-L6-v2", "BAAI/bge-small-en-v1.5"])
def test_a_repo_laid_out_as_on_the_hub_converts_and_publishes_with_the_same_embeddings(tmp_path, repo):
    # As the Hub serves them: no folder for the Normalize module that modules.json names (hub_layouts.py).
    source = LAYOUTS[repo](tmp_path / "hub")
    assert not (source / "2_Normalize").exists()
    converted, release = tmp_path / "converted", tmp_path / "release"
    assert convert_main(["--input", str(source), "--output", str(converted)]) == 0
    assert json.loads((converted / "modules.json").read_text()) == json.loads((source / "modules.json").read_text())
    for name in ("1_Pooling/config.json", "sentence_bert_config.json", "config_sentence_transformers.json"):
        assert (converted / name).read_bytes() == (source / name).read_bytes(), name
    assert not (converted / "2_Normalize").exists() and not (converted / "train_script.py").exists()
    assert publish_main(["--checkpoint", str(converted), "--dry-run", "--output", str(release)]) == 0
    assert not (release / "2_Normalize").exists()

    original = SentenceTransformer(str(source), device="cpu")
    for folder in (converted, release):
        model = SentenceTransformer(str(folder), device="cpu", trust_remote_code=True)
        assert [type(module).__name__ for module in model] == ["Transformer", "Pooling", "Normalize"]
        assert type(model[0].model).__name__ == "{{ cookiecutter.class_prefix }}Model"
        embeddings = model.encode(TEXTS, convert_to_tensor=True)
        torch.testing.assert_close(embeddings, original.encode(TEXTS, convert_to_tensor=True), rtol=1e-5, atol=1e-5)


def test_the_modules_that_may_lack_a_folder_are_those_sentence_transformers_builds_without_files(tmp_path):
    # sentence-transformers reads a module's settings from its folder, and takes its defaults for those it finds none
    # of: a module without weights whose settings all have defaults loads from a folder without files.
    folderless = []
    for kind in MODULE_KINDS[1:]:
        module_class = getattr(st_modules, kind)
        try:
            module = module_class.load(str(tmp_path))
        except TypeError:  # a setting without a default (a dimension)
            continue
        if not list(module.parameters()):
            folderless.append(kind)
    assert tuple(folderless) == FOLDERLESS_KINDS


def test_the_embedding_command_defaults_to_mean_pooling_and_normalisation(tmp_path):
    args = parse_args(["--checkpoint", str(tmp_path), "--output", str(tmp_path / "out")])
    assert (args.pooling, args.normalize, args.max_seq_length) == ("mean", True, None)


def test_the_pooling_modes_are_those_of_sentence_transformers():
    assert set(POOLING_MODES) == set(Pooling.POOLING_MODES)


def test_the_embedding_command_refuses_a_folder_without_tokenizer(tmp_path, capsys):
    save_checkpoint(tmp_path / "checkpoint", seed=0)
    (tmp_path / "checkpoint" / "tokenizer_config.json").unlink()
    code = embedding_main(["--checkpoint", str(tmp_path / "checkpoint"), "--output", str(tmp_path / "out")])
    assert code == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(f"error: --checkpoint {tmp_path / 'checkpoint'} holds no tokenizer_config.json: save the")
    assert not (tmp_path / "out").exists()


# -- folders that name code, or files outside the folder --------------------------------------------------------------


def edit_modules(folder, index, **changes):
    path = folder / "modules.json"
    modules = json.loads(path.read_text())
    modules[index].update(changes)
    path.write_text(json.dumps(modules))


def edit_json(path, **changes):
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def set_trap(folder):
    (folder / "trap.py").write_text(TRAP.format(marker=str(folder / "TRAP_RAN")))


def test_the_trap_runs_when_sentence_transformers_loads_the_folder(original, tmp_path):
    # What the refusals below guard against: sentence-transformers imports the module classes a folder names.
    folder = shutil.copytree(original["folder"], tmp_path / "trapped")
    set_trap(folder)
    edit_modules(folder, 1, type="trap.TrapModule")
    with pytest.raises((TypeError, AttributeError, ValueError, OSError)):  # the trap class is empty
        SentenceTransformer(str(folder), trust_remote_code=True, device="cpu")
    assert (folder / "TRAP_RAN").exists()


def foreign_module(folder):
    edit_modules(folder, 1, type="trap.TrapModule")


def dense_activation(folder):
    edit_json(folder / "2_Dense" / "config.json", activation_function="trap.TrapModule")


def outside_path(folder):
    edit_modules(folder, 1, path="../1_Pooling")


def absolute_path(folder):
    edit_modules(folder, 1, path=str(folder / "1_Pooling"))


def linked_folder(folder):
    (folder / "1_Pooling").rename(folder.parent / "elsewhere")
    (folder / "1_Pooling").symlink_to(folder.parent / "elsewhere")


def tokenizer_elsewhere(folder):
    edit_json(folder / "sentence_bert_config.json", tokenizer_name_or_path="some-org/other-model")


def model_arguments(folder):
    edit_json(folder / "sentence_bert_config.json", model_kwargs={"attn_implementation": "some-org/kernel"})


def pickled_module(folder):
    (folder / "2_Dense" / "model.safetensors").rename(folder / "2_Dense" / "pytorch_model.bin")


def router_module(folder):
    edit_modules(folder, 1, type="sentence_transformers.base.modules.router.Router")


def cross_encoder(folder):
    edit_json(folder / "config_sentence_transformers.json", model_type="CrossEncoder")


def missing_pooling(folder):  # a module that needs its files (Normalize and Dropout may have no folder)
    shutil.rmtree(folder / "1_Pooling")


REFUSALS = [
    (foreign_module, "{folder}/modules.json names code to run (module '1': 'trap.TrapModule'), and code from an"),
    (dense_activation, "{folder}/2_Dense/config.json names code to run (activation_function 'trap.TrapModule')"),
    (outside_path, "{folder}/modules.json puts module '1' in '../1_Pooling', not in a sub-folder of {folder}"),
    (absolute_path, "{folder}/modules.json puts module '1' in '{folder}/1_Pooling', not in a sub-folder of"),
    (linked_folder, "{folder}/modules.json puts module '1' in '1_Pooling', not in a sub-folder of {folder}: a"),
    (tokenizer_elsewhere, "{folder}/sentence_bert_config.json sets tokenizer_name_or_path, which could load other"),
    (model_arguments, "{folder}/sentence_bert_config.json sets model_kwargs, which could load other files or code"),
    (pickled_module, "{folder}/2_Dense/pytorch_model.bin is a pickle file, and pickle files are never loaded"),
    (router_module, "{folder}/modules.json: module '1' is a sentence-transformers Router, which is not carried"),
    (cross_encoder, "{folder}/config_sentence_transformers.json describes a 'CrossEncoder' model, not a Sentence"),
    (missing_pooling, "{folder}/modules.json puts module '1' in '1_Pooling', missing from {folder}: copy it too."),
]
IDS = [damage.__name__ for damage, _ in REFUSALS]


@pytest.mark.parametrize(("damage", "message"), REFUSALS, ids=IDS)
def test_conversion_refuses_sentence_transformers_files_that_name_code_or_leave_the_folder(
    original, tmp_path, capsys, damage, message
):
    folder = shutil.copytree(original["folder"], tmp_path / "input")
    set_trap(folder)
    damage(folder)
    assert convert_main(["--input", str(folder), "--output", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: " + message.format(folder=folder)), error
    assert len(error.strip().splitlines()) == 1
    assert not (folder / "TRAP_RAN").exists()
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("damage", "message"), REFUSALS, ids=IDS)
def test_publish_refuses_sentence_transformers_files_that_name_code_or_leave_the_folder(
    converted, hub, tmp_path, capsys, damage, message
):
    folder = shutil.copytree(converted, tmp_path / "checkpoint")
    set_trap(folder)
    damage(folder)
    assert publish_main(["--repo-id", REPO_ID, "--checkpoint", str(folder)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: " + message.format(folder=folder)), error
    assert not (folder / "TRAP_RAN").exists()
    assert hub.state.requests == []


def test_publish_refuses_a_checkpoint_whose_model_is_in_a_sub_folder(converted, hub, tmp_path, capsys):
    folder = old_layout(converted, tmp_path / "checkpoint")
    assert publish_main(["--repo-id", REPO_ID, "--checkpoint", str(folder)]) == 1
    assert capsys.readouterr().err == (
        f"error: {folder / 'modules.json'} keeps the model in '0_Transformer', not in {folder} itself: save it with "
        "SentenceTransformer, which keeps the model beside modules.json.\n"
    )
    assert hub.state.requests == []
