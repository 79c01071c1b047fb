"""Processor of {{ cookiecutter.class_prefix }}: the image processor and the tokenizer together, as LLaVA's.

Each image token of the text (`<image>`) stands for one image: the processor writes it `num_image_tokens` times, one
token per image feature, so that the model can put the features there. With a chat template, messages whose content
holds `{"type": "image"}` items become such a text. The file is self-contained, so `save_pretrained` can ship it as
remote code beside the image processor's.
"""

from __future__ import annotations

from typing import Any

from transformers import BatchFeature, PreTrainedTokenizerBase
from transformers.image_utils import load_image
from transformers.processing_utils import ProcessorMixin

IMAGE_TOKEN = "<image>"
# LLaVA 1.5's conversation format: "USER: <image>\n<text>\nASSISTANT: <answer></s>"; the prompt ends with "ASSISTANT:".
{% raw -%}
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{- message['role'] | upper + ': ' -}}"
    "{%- if message['content'] is string -%}{{- message['content'] -}}"
    "{%- else -%}{%- for item in message['content'] -%}"
    "{%- if item['type'] == 'image' -%}{{- '" + IMAGE_TOKEN + "\\n' -}}"
    "{%- elif item['type'] == 'text' -%}{{- item['text'] -}}{%- endif -%}"
    "{%- endfor -%}{%- endif -%}"
    "{%- if message['role'] == 'assistant' -%}{{- eos_token -}}{%- endif -%}"
    "{{- '\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- 'ASSISTANT:' -}}{%- endif -%}"
)
{%- endraw %}
# What the tokenizer takes of the processor's keyword arguments (the image processor takes `return_tensors` only).
TOKENIZER_ARGUMENTS = (
    "padding",
    "padding_side",
    "truncation",
    "max_length",
    "add_special_tokens",
    "return_attention_mask",
    "pad_to_multiple_of",
)


class {{ cookiecutter.class_prefix }}Processor(ProcessorMixin):
    r"""
    Turn images and texts into the inputs of [`{{ cookiecutter.class_prefix }}ForConditionalGeneration`], as
    `LlavaProcessor` does: `pixel_values` from the image processor, and `input_ids` / `attention_mask` from the
    tokenizer, with each image token of the text written once per image feature.

    Args:
        image_processor ([`{{ cookiecutter.class_prefix }}ImageProcessor`]):
            Resizes, rescales and normalizes the images to the vision tower's size.
        tokenizer ([`PreTrainedTokenizerBase`]):
            The language model's tokenizer; `image_token` must be one of its tokens.
        chat_template (`str`, *optional*):
            Jinja template of `apply_chat_template` (LLaVA 1.5's format by default).
        image_token (`str`, *optional*, defaults to `"<image>"`):
            The token that stands for an image in the text.
        num_image_tokens (`int`):
            Image tokens per image: the number of features the model gives an image (`config.num_image_tokens`). It is
            also kept in the image processor's settings, so that the folder `pipeline.save_pretrained` writes (the
            model, the tokenizer and the image processor, not this processor's own config) still knows it.
    """

    attributes = ["image_processor", "tokenizer"]

    def __init__(
        self,
        image_processor: Any = None,
        tokenizer: PreTrainedTokenizerBase | None = None,
        chat_template: str | None = None,
        image_token: str = IMAGE_TOKEN,
        num_image_tokens: int | None = None,
        **kwargs,
    ) -> None:
        if num_image_tokens is None:
            num_image_tokens = getattr(image_processor, "num_image_tokens", None)
        if not isinstance(num_image_tokens, int) or isinstance(num_image_tokens, bool) or num_image_tokens <= 0:
            raise ValueError(
                f"{type(self).__name__} needs `num_image_tokens` (the model's `config.num_image_tokens`), a positive "
                f"integer: got {num_image_tokens!r}."
            )
        self.image_token = image_token
        self.num_image_tokens = image_processor.num_image_tokens = num_image_tokens
        self.image_token_id = tokenizer.convert_tokens_to_ids(image_token) if tokenizer is not None else None
        super().__init__(image_processor, tokenizer, chat_template=chat_template or CHAT_TEMPLATE, **kwargs)

    def __call__(
        self,
        images: Any = None,
        text: str | list[str] | None = None,
        return_tensors: str | None = None,
        **kwargs,
    ) -> BatchFeature:
        """Process `images` (one image or a list, in the order of the image tokens; PIL images, arrays, or the paths or
        URLs of image files, as a chat template gives them) and `text` (a string or a list).

        The keyword arguments of the tokenizer (`padding`, `truncation`, `max_length`, ...) are passed on to it.
        """
        if text is None:
            raise ValueError(f"{type(self).__name__} needs a `text`, with one {self.image_token!r} per image.")
        texts = [text] if isinstance(text, str) else list(text)
        if images is not None and not isinstance(images, list | tuple):
            images = [images]
        images = [image for item in images or [] for image in (item if isinstance(item, list | tuple) else [item])]
        images = [load_image(image) if isinstance(image, str) else image for image in images]
        found = sum(sample.count(self.image_token) for sample in texts)
        if found != len(images):
            raise ValueError(
                f"The text has {found} image tokens {self.image_token!r} but {len(images)} images were given: write "
                "one image token per image, where the image goes."
            )
        expanded = [sample.replace(self.image_token, self.image_token * self.num_image_tokens) for sample in texts]
        tokenizer_arguments = {key: value for key, value in kwargs.items() if key in TOKENIZER_ARGUMENTS}
        data = dict(self.tokenizer(expanded, **tokenizer_arguments))
        if images:
            data.update(self.image_processor(images, return_tensors=return_tensors or "np"))
        return BatchFeature(data=data, tensor_type=return_tensors)

    @property
    def model_input_names(self) -> list[str]:
        return ["input_ids", "attention_mask", "pixel_values"]


{{ cookiecutter.class_prefix }}Processor.register_for_auto_class("AutoProcessor")

__all__ = ["{{ cookiecutter.class_prefix }}Processor"]
