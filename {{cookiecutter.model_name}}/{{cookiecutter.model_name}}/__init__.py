"""{{ cookiecutter.class_prefix }}: a custom transformers model, loadable with `trust_remote_code=True`.

The public classes are those each module lists in its `__all__` (as transformers' own model packages import them).
"""

from .configuration_{{ cookiecutter.model_name }} import *  # noqa: F403
{%- if cookiecutter.architecture in ("vision", "vlm") %}
from .image_processing_{{ cookiecutter.model_name }} import *  # noqa: F403
{%- endif %}
from .modeling_{{ cookiecutter.model_name }} import *  # noqa: F403
{%- if cookiecutter.architecture == "vlm" %}
from .processing_{{ cookiecutter.model_name }} import *  # noqa: F403
{%- endif %}
