"""The image-classification pipeline's scores are the softmax of a manual forward, sorted, with the config's labels.
(test_remote_code.py checks that the same pipeline gives the same outputs in a fresh process, by path and repo id.)"""

import PIL.Image
import pytest
import torch
from transformers import pipeline

from {{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ForImageClassification
from {{ cookiecutter.model_name }}.family import default_processor

from ..contract import LABELS, PIPELINES, pipeline_inputs


def test_image_classification_scores_are_the_softmax_of_a_forward(tmp_path, config):
    task, options = PIPELINES["AutoModelForImageClassification"]
    model = {{ cookiecutter.class_prefix }}ForImageClassification(config).eval()
    processor = default_processor(config)
    classify = pipeline(task, model=model, image_processor=processor)
    expected = []
    for path in pipeline_inputs(task, tmp_path):
        predictions = classify(path, **options)
        with torch.no_grad():
            pixel_values = processor(PIL.Image.open(path), return_tensors="pt").pixel_values
            probabilities = model(pixel_values).logits.softmax(-1)[0]
        expected.append({LABELS[index]: score.item() for index, score in enumerate(probabilities)})
        assert sorted(item["label"] for item in predictions) == sorted(LABELS)
        ranked = [item["score"] for item in predictions]
        assert ranked == sorted(ranked, reverse=True), "not sorted by score"
        for item in predictions:
            assert item["score"] == pytest.approx(expected[-1][item["label"]], abs=1e-5), item
    # The two random images must not be classified the same, or the tests could not tell them apart.
    assert expected[0] != pytest.approx(expected[1], abs=1e-4)
