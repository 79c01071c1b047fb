"""The pre-generation hook rejects bad answers with one clear line, and leaves no output behind."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
from cookiecutter.exceptions import FailedHookException

from .conftest import TEMPLATE_CONTEXT, TEMPLATE_DIR, bake


def load_hook(name: str) -> ModuleType:
    """Import a hook as a module; its Jinja expressions sit under `if __name__ == "__main__"` and do not run."""
    spec = importlib.util.spec_from_file_location(name, TEMPLATE_DIR / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pre_gen = load_hook("pre_gen_project")
post_gen = load_hook("post_gen_project")
CHOICES = {"architecture": TEMPLATE_CONTEXT["_architectures"], "license": TEMPLATE_CONTEXT["_licenses"]}
MINIMUMS = pre_gen.family_minimums(TEMPLATE_CONTEXT)
NAMES = pre_gen.load_names(TEMPLATE_DIR / "hooks" / pre_gen.NAMES_FILE)
NEWEST = NAMES["transformers_version"]
VALID = {
    "model_name": "my_model",
    "class_prefix": "MyModel",
    "architecture": "decoder",
    "base_model": "qwen3",
    "hub_repo_id": "your-username/my-model",
    "author": "Ada O'Neil, Grace Hopper & co.",
    "license": "apache-2.0",
    "min_transformers_version": MINIMUMS["decoder"],
}

BAD_ANSWERS = [
    ("model_name", "MyModel", "model_name 'MyModel' is not valid: use a lowercase snake_case identifier"),
    ("model_name", "my-model", "model_name 'my-model' is not valid"),
    ("model_name", "2fast", "model_name '2fast' is not valid"),
    ("model_name", "my_model_", "model_name 'my_model_' is not valid"),
    ("model_name", "class", "model_name 'class' is a Python keyword"),
    ("model_name", "match", "model_name 'match' is a Python keyword"),
    ("model_name", "llama", "model_name 'llama' collides with the model_type 'llama' that transformers"),
    ("model_name", "bert", "model_name 'bert' collides with the model_type 'bert'"),
    ("model_name", "json", "model_name 'json' shadows the Python module 'json'"),
    ("model_name", "torch", "model_name 'torch' shadows the Python module 'torch'"),
    ("model_name", "m" * 25, "is too long: use at most 24 characters"),
    ("class_prefix", "myModel", "class_prefix 'myModel' is not valid: use a CamelCase identifier"),
    ("class_prefix", "My_Model", "class_prefix 'My_Model' is not valid"),
    ("class_prefix", "My Model", "class_prefix 'My Model' is not valid"),
    ("class_prefix", "M" * 25, "is too long: use at most 24 characters"),
    ("hub_repo_id", "my-model", "hub_repo_id 'my-model' would be refused by the Hub: use 'namespace/name'"),
    ("hub_repo_id", "a/b/c", "hub_repo_id 'a/b/c' would be refused by the Hub"),
    ("hub_repo_id", "user/my--model", "hub_repo_id 'user/my--model' would be refused by the Hub"),
    ("hub_repo_id", "user/my..model", "hub_repo_id 'user/my..model' would be refused"),
    ("hub_repo_id", "user/-model", "hub_repo_id 'user/-model' would be refused"),
    ("hub_repo_id", "user/model.", "hub_repo_id 'user/model.' would be refused"),
    ("hub_repo_id", "user/my model", "hub_repo_id 'user/my model' would be refused"),
    ("hub_repo_id", "user/" + "m" * 97, "has a name longer than 96 characters"),
    ("author", 'Ada "The Countess"', "contains '\"': remove them (double quotes, backslashes"),
    ("author", "back\\slash", "author 'back\\\\slash' contains '\\\\': remove them"),
    ("author", "  ", "author '  ' is empty: give the name"),
    ("license", "wtfpl", "license 'wtfpl' is not supported: use one of apache-2.0, mit"),
    ("architecture", "mamba", "architecture 'mamba' is not supported: use one of decoder"),
    ("min_transformers_version", "latest", "min_transformers_version 'latest' is not a release number"),
    ("min_transformers_version", "4.57.1", "min_transformers_version '4.57.1' is too old for the decoder family"),
    ("min_transformers_version", "5.3", "'5.3' is too old for the decoder family: its generated code and tests need"),
    # Refused for the names transformers uses (hooks/transformers_names.json, kept current by test_answers.py).
    ("model_name", "", "model_name is empty: use a lowercase snake_case identifier"),
    ("model_name", "vit", "model_name 'vit' collides with the model_type 'vit' that transformers already registers"),
    ("model_name", "gpt2", "model_name 'gpt2' collides with the model_type 'gpt2'"),
    ("class_prefix", "Auto", "class_prefix 'Auto' would give classes the names of transformers' own (such as Auto"),
    ("class_prefix", "Llama", "class_prefix 'Llama' would give classes the names of transformers' own (such as Llama"),
    ("class_prefix", "Bert", "such as Bert"),
    ("class_prefix", "ViT", "such as ViT"),
    ("class_prefix", "PreTrained", "class_prefix 'PreTrained' would give classes the names of transformers' own"),
    ("class_prefix", "GradientCheckpointing", "such as GradientCheckpointingLayer"),
    ("min_transformers_version", "99.0", f"min_transformers_version '99.0' is newer than transformers {NEWEST}, the"),
    ("min_transformers_version", "6.0.0", f"use a version from {MINIMUMS['decoder']} to {NEWEST}."),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_ANSWERS)
def test_validate_rejects(field, value, message):
    errors = pre_gen.validate({**VALID, field: value}, CHOICES, MINIMUMS, NAMES)
    assert len(errors) == 1 and message in errors[0], errors


def test_validate_accepts_the_defaults_and_good_answers():
    assert pre_gen.validate(VALID, CHOICES, MINIMUMS, NAMES) == []
    good = {"model_name": "x2_net", "class_prefix": "X2Net", "hub_repo_id": "Org_1.ai/X2-net_v1.5"}
    assert pre_gen.validate({**VALID, **good}, CHOICES, MINIMUMS, NAMES) == []


def test_the_vision_family_needs_a_newer_minimum():
    vision, older = {**VALID, "architecture": "vision"}, MINIMUMS["decoder"]
    assert pre_gen.release_number(older) < pre_gen.release_number(MINIMUMS["vision"])
    assert pre_gen.validate({**vision, "min_transformers_version": MINIMUMS["vision"]}, CHOICES, MINIMUMS, NAMES) == []
    errors = pre_gen.validate({**vision, "min_transformers_version": older}, CHOICES, MINIMUMS, NAMES)
    assert errors == [
        f"min_transformers_version '{older}' is too old for the vision family: its generated code and tests need "
        f"transformers {MINIMUMS['vision']} or newer."
    ]


def test_every_family_has_a_minimum_transformers_version():
    # In cookiecutter.json's `_families`, in the order of `_architectures`; a fork's is the release it is taken from
    # (test_fork.py).
    assert [*MINIMUMS, "fork"] == TEMPLATE_CONTEXT["_architectures"]
    assert all(pre_gen.release_number(minimum) for minimum in MINIMUMS.values()), MINIMUMS


def test_every_license_offered_is_a_hub_license():
    # The Hub's list of accepted license ids (https://huggingface.co/docs/hub/repositories-licenses), in part.
    hub_licenses = {"apache-2.0", "mit", "bsd-3-clause", "gpl-3.0", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0"}
    assert set(TEMPLATE_CONTEXT["_licenses"]) <= hub_licenses | {"openrail"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [BAD_ANSWERS[0], BAD_ANSWERS[6], BAD_ANSWERS[11], BAD_ANSWERS[16], BAD_ANSWERS[25]],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else None,
)
def test_bake_with_a_bad_answer_fails_and_leaves_nothing(tmp_path, capfd, field, value, message):
    with pytest.raises(FailedHookException):
        bake(tmp_path, **{field: value})
    stderr = capfd.readouterr().err
    assert f"ERROR: {message}" in stderr
    assert list(tmp_path.iterdir()) == [], "a rejected bake must not leave an output directory"


@pytest.mark.parametrize(("field", "value"), [("license", "wtfpl"), ("architecture", "mamba")])
def test_bake_with_an_unknown_choice_fails_and_leaves_nothing(tmp_path, capfd, field, value):
    # The pre-generation hook refuses it (a cookiecutter choice list would raise its own traceback first).
    with pytest.raises(FailedHookException):
        bake(tmp_path, **{field: value})
    assert capfd.readouterr().err.strip().splitlines() == [
        f"ERROR: {field} {value!r} is not supported: use one of {', '.join(CHOICES[field])}."
    ]
    assert list(tmp_path.iterdir()) == []


def test_post_gen_refuses_a_missing_family(tmp_path):
    (tmp_path / "_families" / "decoder").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="no files for architecture 'encoder'"):
        post_gen.select_family(tmp_path, "encoder")


def test_answers_file_has_no_local_paths(tmp_path):
    project = bake(tmp_path)
    answers = json.loads((project / ".cookiecutter.json").read_text())["cookiecutter"]
    assert answers["model_name"] == "my_model" and answers["architecture"] == "decoder"
    assert not {"_output_dir", "_repo_dir"} & set(answers)
    assert Path(project / "_families").exists() is False
