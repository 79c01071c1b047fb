"""`pipeline("image-classification", trust_remote_code=True)` works end to end from a saved folder and by repo id."""

import json

import numpy as np
import PIL.Image
import pytest
import torch

from {{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForImageClassification,
    {{ cookiecutter.class_prefix }}ImageProcessor,
)

from .helpers import REPO_ID, populate_hub_cache, run_fresh
from .tiny import LABELS, tiny_config

# Runs where the project is not importable: classify with the pipeline, save the pipeline, load it again, classify.
PIPELINE_ROUND_TRIP = """
import json, sys
from transformers import pipeline

source, revision, saved_copy, images = sys.argv[1], sys.argv[2] or None, sys.argv[3], json.loads(sys.argv[4])
classifier = pipeline("image-classification", model=source, trust_remote_code=True, revision=revision)
first = [classifier(image, top_k=None) for image in images]
classifier.save_pretrained(saved_copy)
again = pipeline("image-classification", model=saved_copy, trust_remote_code=True)
second = [again(image, top_k=None) for image in images]
print(json.dumps({
    "model": type(classifier.model).__name__,
    "image_processor": type(classifier.image_processor).__name__,
    "first": first,
    "second": second,
}))
"""


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict:
    """A classifier saved with its image processor, PNG images, and the scores computed by hand in this process."""
    torch.manual_seed(0)
    root = tmp_path_factory.mktemp("pipeline")
    generator = np.random.default_rng(0)
    images = []
    for index, shape in enumerate([(45, 61, 3), (32, 32, 3)]):
        path = root / f"image_{index}.png"
        PIL.Image.fromarray(generator.integers(0, 256, shape, dtype=np.uint8)).save(path)
        images.append(str(path))
    model = {{ cookiecutter.class_prefix }}ForImageClassification(tiny_config()).eval()
    processor = {{ cookiecutter.class_prefix }}ImageProcessor(size=32)
    model.save_pretrained(root / "model")
    processor.save_pretrained(root / "model")

    expected = []
    for path in images:
        pixel_values = processor(PIL.Image.open(path), return_tensors="pt").pixel_values
        with torch.no_grad():
            probabilities = model(pixel_values).logits.softmax(-1)[0]
        expected.append({model.config.id2label[index]: score.item() for index, score in enumerate(probabilities)})
    return {"folder": root / "model", "images": images, "expected": expected}


def check_scores(predictions: list[list[dict]], expected: list[dict[str, float]]) -> None:
    for prediction, scores in zip(predictions, expected, strict=True):
        assert sorted(item["label"] for item in prediction) == sorted(LABELS)
        ranked = [item["score"] for item in prediction]
        assert ranked == sorted(ranked, reverse=True), "not sorted by score"
        for item in prediction:
            assert item["score"] == pytest.approx(scores[item["label"]], abs=1e-5), item


@pytest.mark.parametrize("by", ["local path", "repo id"])
def test_image_classification_pipeline_in_a_fresh_process(saved, tmp_path, by):
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
        json.dumps(saved["images"]),
        cwd=workdir,
        env={"HF_HOME": str(hf_home), "HF_HUB_OFFLINE": "1"},
    )
    assert result["model"] == "{{ cookiecutter.class_prefix }}ForImageClassification"
    assert result["image_processor"] == "{{ cookiecutter.class_prefix }}ImageProcessor"
    check_scores(result["first"], saved["expected"])
    check_scores(result["second"], saved["expected"])
    assert (tmp_path / "saved_pipeline" / "image_processing_{{ cookiecutter.model_name }}.py").is_file()
    # The two random images must not be classified the same, or the test could not tell them apart.
    assert saved["expected"][0] != pytest.approx(saved["expected"][1], abs=1e-4)
