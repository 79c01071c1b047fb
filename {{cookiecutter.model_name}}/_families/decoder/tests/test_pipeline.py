"""`pipeline("text-generation", trust_remote_code=True)` works end to end from a saved folder and by repo id."""

import json

import pytest
import torch

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ForCausalLM
from {{ cookiecutter.model_name }}.train_tokenizer import train_tokenizer

from .helpers import REPO_ID, populate_hub_cache, run_fresh
from .tiny import tiny_config

PROMPTS = ["Hello world", "The quick brown fox"]
SETTINGS = dict(max_new_tokens=8, min_new_tokens=8, do_sample=False)

# Runs where the project is not importable: generate with the pipeline, save the pipeline, load it again, generate.
PIPELINE_ROUND_TRIP = """
import json, sys
from transformers import pipeline

source, revision, saved_copy = sys.argv[1], sys.argv[2] or None, sys.argv[3]
prompts, settings = json.loads(sys.argv[4]), json.loads(sys.argv[5])
generator = pipeline("text-generation", model=source, trust_remote_code=True, revision=revision)
first = [generator(prompt, return_full_text=False, **settings)[0]["generated_text"] for prompt in prompts]
generator.save_pretrained(saved_copy)
again = pipeline("text-generation", model=saved_copy, trust_remote_code=True)
second = [again(prompt, return_full_text=False, **settings)[0]["generated_text"] for prompt in prompts]
print(json.dumps({"model": type(generator.model).__name__, "first": first, "second": second}))
"""


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict:
    """A causal LM saved with its tokenizer, and the continuations that `generate` gives in this process."""
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("pipeline") / "model"
    tokenizer = train_tokenizer()
    model = {{ cookiecutter.class_prefix }}ForCausalLM(tiny_config(vocab_size=len(tokenizer))).eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    expected = []
    for prompt in PROMPTS:
        inputs = tokenizer(prompt, return_tensors="pt")
        output = model.generate(**inputs, **SETTINGS, pad_token_id=tokenizer.pad_token_id)
        expected.append(tokenizer.decode(output[0, inputs.input_ids.shape[1] :], skip_special_tokens=True))
    return {"folder": folder, "expected": expected}


def test_tokenizer_matches_the_config_special_ids(saved):
    config = json.loads((saved["folder"] / "config.json").read_text())
    tokenizer_config = json.loads((saved["folder"] / "tokenizer_config.json").read_text())
    assert (saved["folder"] / "tokenizer.json").is_file()
    assert tokenizer_config["pad_token"] == "<pad>" and config["pad_token_id"] == 0
    assert "auto_map" not in tokenizer_config, "a standard tokenizer needs no remote code"
    tokenizer = train_tokenizer()
    assert tokenizer("Hello").input_ids[0] == config["bos_token_id"]
    assert tokenizer.convert_tokens_to_ids(["<pad>", "<s>", "</s>"]) == [0, 1, 2]


def test_train_tokenizer_refuses_a_vocabulary_smaller_than_the_bytes():
    with pytest.raises(ValueError, match="vocab_size must be at least 259"):
        train_tokenizer(vocab_size=100)


@pytest.mark.parametrize("by", ["local path", "repo id"])
def test_text_generation_pipeline_in_a_fresh_process(saved, tmp_path, by):
    hf_home = tmp_path / "hf_home"
    source, revision = str(saved["folder"]), ""
    if by == "repo id":
        source, revision = REPO_ID, populate_hub_cache(hf_home, REPO_ID, saved["folder"])
    workdir = tmp_path / "workdir"
    workdir.mkdir()
    result = run_fresh(
        PIPELINE_ROUND_TRIP,
        source,
        revision,
        str(tmp_path / "saved_pipeline"),
        json.dumps(PROMPTS),
        json.dumps(SETTINGS),
        cwd=workdir,
        env={"HF_HOME": str(hf_home), "HF_HUB_OFFLINE": "1"},
    )
    assert result["model"] == "{{ cookiecutter.class_prefix }}ForCausalLM"
    assert result["first"] == saved["expected"]
    assert result["second"] == saved["expected"], "the pipeline saved with save_pretrained did not load the same"
    assert all(text.strip() for text in saved["expected"])
