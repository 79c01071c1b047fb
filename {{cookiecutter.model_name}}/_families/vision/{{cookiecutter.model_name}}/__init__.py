"""{{ cookiecutter.class_prefix }}: a custom transformers model, loadable with `trust_remote_code=True`."""

from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config
from .image_processing_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}ImageProcessor
from .modeling_{{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForImageClassification,
    {{ cookiecutter.class_prefix }}Model,
    {{ cookiecutter.class_prefix }}PreTrainedModel,
)

__all__ = [
    "{{ cookiecutter.class_prefix }}Config",
    "{{ cookiecutter.class_prefix }}ImageProcessor",
    "{{ cookiecutter.class_prefix }}PreTrainedModel",
    "{{ cookiecutter.class_prefix }}Model",
    "{{ cookiecutter.class_prefix }}ForImageClassification",
]
