"""`pipeline(task, trust_remote_code=True)` works end to end from a saved folder and by repo id, for every head."""

import json

import pytest
import torch

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForMaskedLM,
    {{ cookiecutter.class_prefix }}ForSequenceClassification,
    {{ cookiecutter.class_prefix }}ForTokenClassification,
)
from {{ cookiecutter.model_name }}.train_tokenizer import train_tokenizer

from .helpers import REPO_ID, populate_hub_cache, run_fresh
from .tiny import CLS, MASK, PAD, SEP, tiny_config

TEXTS = {
    "fill-mask": ["The capital of France is [MASK].", "Hello [MASK] world!"],
    "text-classification": ["The movie was wonderful.", "The food was cold and the service was terrible."],
    "token-classification": ["Alice works in London.", "Bob lives in New York."],
}
HEADS = {
    "fill-mask": {{ cookiecutter.class_prefix }}ForMaskedLM,
    "text-classification": {{ cookiecutter.class_prefix }}ForSequenceClassification,
    "token-classification": {{ cookiecutter.class_prefix }}ForTokenClassification,
}
LABELS = {
    "text-classification": {0: "negative", 1: "neutral", 2: "positive"},
    "token-classification": {0: "O", 1: "PER", 2: "LOC"},
}
# Every prediction of every text, so that all scores can be compared: all labels, every token, the 5 best fills.
CALL_OPTIONS = {
    "fill-mask": {"top_k": 5},
    "text-classification": {"top_k": None},
    "token-classification": {"ignore_labels": []},
}

# Runs where the project is not importable: for each task, run the pipeline, save it, load the copy, run it again.
PIPELINE_ROUND_TRIP = """
import json, sys
from transformers import pipeline

sources, revisions, saved_copies = (json.loads(argument) for argument in sys.argv[1:4])
texts, options = json.loads(sys.argv[4]), json.loads(sys.argv[5])


def plain(predictions):
    return [{key: getattr(value, "item", lambda: value)() for key, value in p.items()} for p in predictions]


result = {}
for task, source in sources.items():
    pipe = pipeline(task, model=source, trust_remote_code=True, revision=revisions[task])
    first = [plain(pipe(text, **options[task])) for text in texts[task]]
    pipe.save_pretrained(saved_copies[task])
    again = pipeline(task, model=saved_copies[task], trust_remote_code=True)
    second = [plain(again(text, **options[task])) for text in texts[task]]
    result[task] = {"model": type(pipe.model).__name__, "first": first, "second": second}
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer(model_max_length=tiny_config().max_position_embeddings)


@pytest.fixture(scope="module")
def saved(tmp_path_factory, tokenizer) -> dict:
    """One model per task, each saved with the tokenizer, and the probabilities a manual forward gives here."""
    torch.manual_seed(0)
    root = tmp_path_factory.mktemp("pipeline")
    folders, probabilities = {}, {}
    for task, model_class in HEADS.items():
        labels = {"id2label": LABELS[task]} if task in LABELS else {}
        model = model_class(tiny_config(vocab_size=len(tokenizer), **labels)).eval()
        folders[task] = root / task
        model.save_pretrained(folders[task])
        tokenizer.save_pretrained(folders[task])
        probabilities[task] = []
        for text in TEXTS[task]:
            with torch.no_grad():
                logits = model(**tokenizer(text, return_tensors="pt")).logits[0]
            probabilities[task].append(logits.softmax(-1))
    return {"folders": folders, "probabilities": probabilities}


def test_tokenizer_matches_the_config_special_ids(saved, tokenizer):
    folder = saved["folders"]["fill-mask"]
    config = json.loads((folder / "config.json").read_text())
    tokenizer_config = json.loads((folder / "tokenizer_config.json").read_text())
    assert (folder / "tokenizer.json").is_file()
    assert tokenizer_config["pad_token"] == "[PAD]" and config["pad_token_id"] == PAD
    assert tokenizer_config["mask_token"] == "[MASK]"
    assert "auto_map" not in tokenizer_config, "a standard tokenizer needs no remote code"
    assert tokenizer.convert_tokens_to_ids(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]) == [PAD, 1, CLS, SEP, MASK]
    single = tokenizer("hello world")
    assert single.input_ids[0] == CLS and single.input_ids[-1] == SEP
    pair = tokenizer("hello", "world")
    assert pair.input_ids.count(SEP) == 2 and pair.token_type_ids == [0, 0, 0, 1, 1]
    assert tokenizer("[MASK]").input_ids == [CLS, MASK, SEP]


def test_train_tokenizer_refuses_a_tiny_vocabulary():
    with pytest.raises(ValueError, match="vocab_size must be at least 10"):
        train_tokenizer(vocab_size=5)


def check_predictions(task: str, predictions: list[list[dict]], probabilities: list[torch.Tensor], tokenizer) -> None:
    """Pipeline scores are the softmax of a manual forward: same values, same order, same labels or tokens."""
    for text, text_predictions, probs in zip(TEXTS[task], predictions, probabilities, strict=True):
        if task == "fill-mask":
            mask_index = tokenizer(text).input_ids.index(MASK)
            top = probs[mask_index].topk(5)
            assert [p["token"] for p in text_predictions] == top.indices.tolist()
            scores = [p["score"] for p in text_predictions]
            torch.testing.assert_close(torch.tensor(scores), top.values, rtol=1e-5, atol=1e-5)
        elif task == "text-classification":
            scores = {p["label"]: p["score"] for p in text_predictions}
            expected = {LABELS[task][index]: value for index, value in enumerate(probs.tolist())}
            assert scores.keys() == expected.keys()
            for label, score in scores.items():
                assert score == pytest.approx(expected[label], abs=1e-5), label
        else:
            word_ids = tokenizer(text).word_ids()
            assert len(text_predictions) == sum(word is not None for word in word_ids), "one per non-special token"
            for prediction in text_predictions:
                token_probs = probs[prediction["index"]]
                assert prediction["entity"] == LABELS[task][token_probs.argmax().item()]
                assert prediction["score"] == pytest.approx(token_probs.max().item(), abs=1e-5)


@pytest.mark.parametrize("by", ["local path", "repo id"])
def test_every_pipeline_in_a_fresh_process(saved, tokenizer, tmp_path, by):
    hf_home = tmp_path / "hf_home"
    sources = {task: str(folder) for task, folder in saved["folders"].items()}
    revisions = dict.fromkeys(HEADS)
    if by == "repo id":
        sources = {task: f"{REPO_ID}-{task}" for task in HEADS}
        revisions = {task: populate_hub_cache(hf_home, sources[task], saved["folders"][task]) for task in HEADS}
    workdir = tmp_path / "workdir"  # a folder named like the repo id in the cwd would be loaded as a local path
    workdir.mkdir()
    result = run_fresh(
        PIPELINE_ROUND_TRIP,
        json.dumps(sources),
        json.dumps(revisions),
        json.dumps({task: str(tmp_path / "saved_pipelines" / task) for task in HEADS}),
        json.dumps(TEXTS),
        json.dumps(CALL_OPTIONS),
        cwd=workdir,
        env={"HF_HOME": str(hf_home), "HF_HUB_OFFLINE": "1"},
    )
    assert result.keys() == HEADS.keys()
    for task, task_result in result.items():
        assert task_result["model"] == HEADS[task].__name__
        check_predictions(task, task_result["first"], saved["probabilities"][task], tokenizer)
        assert task_result["second"] == task_result["first"], f"{task}: the saved pipeline did not load the same"
