"""What publishing needs to know about this model family: its task, default head, image processor and usage."""

from __future__ import annotations

from pathlib import Path

from transformers import PretrainedConfig

from .image_processing_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ImageProcessor

PIPELINE_TAG = "image-classification"
DEFAULT_HEAD = "ForImageClassification"
DESCRIPTION = (
    "A vision transformer with the math of ViT: convolutional patch embeddings, a CLS token, learned (interpolable) "
    "position embeddings and pre-norm layers with a GELU MLP. Its model and image processor code load with "
    "`trust_remote_code=True`."
)
PROCESSOR_FILE = "preprocessor_config.json"
Processor = {{ cookiecutter.class_prefix }}ImageProcessor


def load_processor(folder: Path) -> {{ cookiecutter.class_prefix }}ImageProcessor:
    return {{ cookiecutter.class_prefix }}ImageProcessor.from_pretrained(folder)


def default_processor(config: PretrainedConfig) -> {{ cookiecutter.class_prefix }}ImageProcessor:
    """The default processor: resize to the model's image_size, then rescale and normalize as ViT."""
    return {{ cookiecutter.class_prefix }}ImageProcessor(size=config.image_size)


def check_processor(processor: {{ cookiecutter.class_prefix }}ImageProcessor, config: PretrainedConfig) -> None:
    """Refuse a processor whose images do not fit the model without `interpolate_pos_encoding`."""
    expected = {"height": config.image_size, "width": config.image_size}
    if processor.do_resize and processor.size != expected:
        raise ValueError(f"the image processor resizes to {processor.size} but the model expects {expected}.")


def usage_code(repo_id: str, auto_class: str) -> str:
    """A Markdown code block that loads the published model and processor, pinned to a revision, and runs them."""
    lines = [
        "import torch",
        "from PIL import Image",
        f"from transformers import AutoImageProcessor, {auto_class}",
        "",
        f'repo_id = "{repo_id}"',
        'revision = "<commit sha>"  # the commit you reviewed',
        "processor = AutoImageProcessor.from_pretrained(repo_id, trust_remote_code=True, revision=revision)",
        f"model = {auto_class}.from_pretrained(repo_id, trust_remote_code=True, revision=revision)",
        "",
        'inputs = processor(Image.open("cat.png"), return_tensors="pt")',
        "with torch.no_grad():",
        "    outputs = model(**inputs)",
    ]
    if auto_class == "AutoModelForImageClassification":
        lines.append("print(model.config.id2label[outputs.logits.argmax(-1).item()])")
    return "\n".join(["```python", *lines, "```"])
