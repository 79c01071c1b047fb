"""Each pipeline's scores are the softmax of a manual forward: same values, same order, same labels or tokens.
(test_remote_code.py checks that the same pipelines give the same outputs in a fresh process, by path and repo id.)"""

import pytest
import torch
from transformers import pipeline

from {{ cookiecutter.model_name }}.family import default_processor

from ..common import HEADS
from ..contract import MASK, PIPELINES, pipeline_inputs


@pytest.mark.parametrize("auto_class", PIPELINES)
def test_pipeline_scores_are_the_softmax_of_a_forward(tmp_path, config, auto_class):
    task, options = PIPELINES[auto_class]
    tokenizer = default_processor(config)
    model = HEADS[auto_class](config).eval()
    pipe = pipeline(task, model=model, tokenizer=tokenizer)
    labels = model.config.id2label
    for text in pipeline_inputs(task, tmp_path):
        predictions = pipe(text, **options)
        with torch.no_grad():
            probabilities = model(**tokenizer(text, return_tensors="pt")).logits[0].softmax(-1)
        if task == "fill-mask":
            top = probabilities[tokenizer(text).input_ids.index(MASK)].topk(5)
            assert [p["token"] for p in predictions] == top.indices.tolist()
            scores = [p["score"] for p in predictions]
            torch.testing.assert_close(torch.tensor(scores), top.values, rtol=1e-5, atol=1e-5)
        elif task == "text-classification":
            scores = {p["label"]: p["score"] for p in predictions}
            expected = {labels[index]: value for index, value in enumerate(probabilities.tolist())}
            assert scores.keys() == expected.keys()
            for label, score in scores.items():
                assert score == pytest.approx(expected[label], abs=1e-5), label
        else:
            word_ids = tokenizer(text).word_ids()
            assert len(predictions) == sum(word is not None for word in word_ids), "one per non-special token"
            for prediction in predictions:
                token_probabilities = probabilities[prediction["index"]]
                assert prediction["entity"] == labels[token_probabilities.argmax().item()]
                assert prediction["score"] == pytest.approx(token_probabilities.max().item(), abs=1e-5)
