{%- import "common.py" as common with context -%}
{%- import "llama.py" as llama with context -%}
{%- import "vit.py" as vit with context -%}
{%- set text = cookiecutter.class_prefix ~ "Text" -%}
{%- set vision = cookiecutter.class_prefix ~ "Vision" -%}
"""PyTorch {{ cookiecutter.class_prefix }} model: an image-text-to-text model with the math of LLaVA.

The blocks follow `transformers.models.llava.modeling_llava`: a vision tower with the math of
`transformers.models.clip.modeling_clip`'s `CLIPVisionModel`, LLaVA's two-layer multimodal projector, and a language
model with the math of `transformers.models.llama.modeling_llama`. The projected features of one vision layer replace
the image tokens of the text (`masked_scatter`, as LLaVA). Parameter names are LLaVA's (the attention output of the
vision tower is `o_proj` for CLIP's `out_proj`), so LLaVA checkpoints convert one to one (see
`convert_llava_to_{{ cookiecutter.model_name }}.py`).
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from transformers import GenerationMixin, PreTrainedModel, modeling_outputs
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.cache_utils import Cache, DynamicCache
from transformers.integrations import use_kernel_forward_from_hub, use_kernelized_func
from transformers.masking_utils import create_causal_mask
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import BaseModelOutputWithPast, BaseModelOutputWithPooling, CausalLMOutputWithPast
from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS, dynamic_rope_update
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS
from transformers.utils import logging, output_capturing, torch_compilable_check
from transformers.utils.generic import can_return_tuple, merge_with_config_defaults
from transformers.utils.output_capturing import capture_outputs

from .configuration_{{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}Config,
    {{ cookiecutter.class_prefix }}TextConfig,
    {{ cookiecutter.class_prefix }}VisionConfig,
)

# The processor that makes this model's inputs. Imported here so that every save of the model carries its code:
# `pipeline.save_pretrained` saves the model, the tokenizer and the image processor, but not the processor.
from .processing_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Processor

{{ llama.cache_name() }}


logger = logging.get_logger(__name__)

# transformers 5.24 gave multimodal models' outputs the outputs of their encoders: LLaVA returns its vision tower's
# (`image_outputs`, with the projected features of each image as their `pooler_output`) where it returned the projected
# features (`image_hidden_states`, deprecated since). The outputs here are the installed release's LLaVA's.
IMAGE_OUTPUTS = hasattr(modeling_outputs, "MultimodalBaseModelOutputWithPast")
IMAGE_FIELD = "image_outputs" if IMAGE_OUTPUTS else "image_hidden_states"
# From transformers 5.24 a model records only the hidden states it needs unless asked for all (LLaVA's image features:
# those of `vision_feature_layer`, the others None); before, it recorded all of them.
SELECT_HIDDEN_STATES = hasattr(output_capturing, "select_hidden_states")

if IMAGE_OUTPUTS:

    @dataclass
    class {{ cookiecutter.class_prefix }}ModelOutputWithPast(modeling_outputs.MultimodalBaseModelOutputWithPast):
        r"""
        The language model's outputs and the vision tower's (`image_outputs`, the projected features of each image as
        their `pooler_output`), as `LlavaModelOutputWithPast`.
        """

        @property
        def image_hidden_states(self) -> list[torch.Tensor] | None:
            """The projected features of each image: deprecated, as LLaVA's, for `image_outputs.pooler_output`."""
            logger.warning_once("`image_hidden_states` is deprecated, as LLaVA's: use `image_outputs.pooler_output`.")
            return None if self.image_outputs is None else self.image_outputs.pooler_output

    @dataclass
    class {{ cookiecutter.class_prefix }}CausalLMOutputWithPast(modeling_outputs.MultimodalCausalLMOutputWithPast):
        r"""
        The outputs of [`{{ cookiecutter.class_prefix }}ForConditionalGeneration`], as `LlavaCausalLMOutputWithPast`: the
        loss (with `labels`), the logits, the cache, the language model's hidden states and attentions, and the vision
        tower's outputs (`image_outputs`, the projected features of each image as their `pooler_output`).
        """

        @property
        def image_hidden_states(self) -> list[torch.Tensor] | None:
            """The projected features of each image: deprecated, as LLaVA's, for `image_outputs.pooler_output`."""
            logger.warning_once("`image_hidden_states` is deprecated, as LLaVA's: use `image_outputs.pooler_output`.")
            return None if self.image_outputs is None else self.image_outputs.pooler_output

else:

    @dataclass
    class {{ cookiecutter.class_prefix }}ModelOutputWithPast(BaseModelOutputWithPast):
        r"""
        The language model's outputs, as `LlavaModelOutputWithPast` before transformers 5.24, and
        `image_hidden_states`: the projected image features, of shape `(num_images * image_seq_length, hidden_size)`.
        """

        image_hidden_states: torch.FloatTensor | None = None

    @dataclass
    class {{ cookiecutter.class_prefix }}CausalLMOutputWithPast(CausalLMOutputWithPast):
        r"""
        The outputs of [`{{ cookiecutter.class_prefix }}ForConditionalGeneration`], as `LlavaCausalLMOutputWithPast` before
        transformers 5.24: the loss (with `labels`), the logits, the cache, the language model's hidden states and
        attentions, and `image_hidden_states`, the projected image features (the cache under the installed
        transformers' name: see CACHE).
        """

        image_hidden_states: torch.FloatTensor | None = None


{{ common.eager_attention(grouped_query=true) }}


# -- the vision tower: CLIP's math -----------------------------------------------------------------------------------


class {{ vision }}Embeddings(nn.Module):
    """Class embedding, patch embeddings (a convolution without bias) and learned position embeddings, as
    `CLIPVisionEmbeddings`: (batch, channels, height, width) -> (batch, 1 + patches, hidden_size)."""

    def __init__(self, config: {{ vision }}Config) -> None:
        super().__init__()
        self.config = config
        self.image_size = config.image_size
        self.class_embedding = nn.Parameter(torch.zeros(config.hidden_size))  # filled by `_init_weights`
        self.patch_embedding = nn.Conv2d(
            config.num_channels,
            config.hidden_size,
            kernel_size=config.patch_size,
            stride=config.patch_size,
            bias=False,
        )
        self.position_embedding = nn.Embedding(config.num_patches + 1, config.hidden_size)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        batch_size, channels, height, width = pixel_values.shape
        if channels != self.config.num_channels or height != self.image_size or width != self.image_size:
            raise ValueError(
                f"`pixel_values` has shape {tuple(pixel_values.shape)} but the vision tower expects images of "
                f"{self.config.num_channels}x{self.image_size}x{self.image_size}: resize them with the processor."
            )
        # The image processor returns float32: follow the model's dtype (e.g. bfloat16 weights), as CLIP does.
        patch_embeds = self.patch_embedding(pixel_values.to(self.patch_embedding.weight.dtype))
        patch_embeds = patch_embeds.flatten(2).transpose(1, 2)
        class_embeds = self.class_embedding.expand(batch_size, 1, -1)
        embeddings = torch.cat([class_embeds, patch_embeds], dim=1)
        return embeddings + self.position_embedding.weight[None]


{{ vit.attention(prefix=vision, grouped_query_eager=true) }}


{{ vit.mlp(prefix=vision) }}


class {{ vision }}EncoderLayer(GradientCheckpointingLayer):
    """Pre-norm encoder layer: x + attention(norm(x)), then x + mlp(norm(x)), as `CLIPEncoderLayer`."""

    def __init__(self, config: {{ vision }}Config) -> None:
        super().__init__()
        self.self_attn = {{ vision }}Attention(config)
        self.layer_norm1 = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.mlp = {{ vision }}MLP(config)
        self.layer_norm2 = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states: torch.Tensor, **kwargs) -> torch.Tensor:
        attention_output, _ = self.self_attn(self.layer_norm1(hidden_states), **kwargs)
        hidden_states = hidden_states + attention_output
        return hidden_states + self.mlp(self.layer_norm2(hidden_states))


class {{ vision }}PreTrainedModel(PreTrainedModel):
    config_class = {{ vision }}Config
    base_model_prefix = "vision_tower"
    main_input_name = "pixel_values"
    input_modalities = ("image",)
    _no_split_modules = ["{{ vision }}EncoderLayer"]
    _can_compile_fullgraph = True
    # As CLIP: `output_hidden_states` / `output_attentions` are recorded by hooks on these modules (`capture_outputs`).
    _can_record_outputs = {
        "hidden_states": {{ vision }}EncoderLayer,
        "attentions": {{ vision }}Attention,
    }
    {{ common.pretrained_model(config_class=vision ~ "Config", auto_map=false) }}

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        # Linear, Conv2d and Embedding: normal(0, initializer_range), biases zero; LayerNorm: ones and zeros.
        super()._init_weights(module)
        if isinstance(module, {{ vision }}Embeddings):
            init.normal_(module.class_embedding, mean=0.0, std=self.config.initializer_range)


class {{ vision }}Model({{ vision }}PreTrainedModel):
    """The vision tower, as `CLIPVisionModel`: embeddings, a layer norm (CLIP's `pre_layrnorm`), encoder layers and a
    final layer norm of the CLS token (`pooler_output`). LLaVA picks its features from the hidden states
    (`output_hidden_states=True`: the embeddings' and each layer's, the last before the final norm, as CLIP's)."""

    def __init__(self, config: {{ vision }}Config) -> None:
        super().__init__(config)
        self.embeddings = {{ vision }}Embeddings(config)
        self.pre_layrnorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.layers = nn.ModuleList(
            [{{ vision }}EncoderLayer(config) for _ in range(config.num_hidden_layers)],
        )
        self.post_layernorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.gradient_checkpointing = False
        self.post_init()

    def get_input_embeddings(self) -> nn.Conv2d:
        return self.embeddings.patch_embedding

    @merge_with_config_defaults
    @capture_outputs(tie_last_hidden_states=False)
    def forward(self, pixel_values: torch.Tensor, **kwargs) -> BaseModelOutputWithPooling:
        r"""
        pixel_values (`torch.FloatTensor` of shape `(batch_size, num_channels, height, width)`):
            Images as the image processor returns them.
        """
        hidden_states = self.pre_layrnorm(self.embeddings(pixel_values))
        for layer in self.layers:
            hidden_states = layer(hidden_states, **kwargs)
        return BaseModelOutputWithPooling(
            last_hidden_state=hidden_states, pooler_output=self.post_layernorm(hidden_states[:, 0, :])
        )


# -- the language model: Llama's math --------------------------------------------------------------------------------


{{ llama.rms_norm(prefix=text) }}


{{ llama.rotary_embedding(prefix=text) }}


{{ llama.mlp(prefix=text) }}


{{ llama.attention(prefix=text) }}


{{ llama.decoder_layer(prefix=text) }}


{{ llama.pretrained_model(prefix=text, auto_map=false) }}


{{ llama.model(prefix=text) }}


# -- the vision-language model: LLaVA's ------------------------------------------------------------------------------


class {{ cookiecutter.class_prefix }}MultiModalProjector(nn.Module):
    """Vision features -> language-model embeddings: linear_2(act(linear_1(x))), as `LlavaMultiModalProjector`
    (with a list of feature layers, their features are concatenated first)."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__()
        feature_size = config.vision_config.hidden_size * len(config.feature_layers())
        hidden_size, bias = config.text_config.hidden_size, config.multimodal_projector_bias
        self.linear_1 = nn.Linear(feature_size, hidden_size, bias=bias)
        self.act = ACT2FN[config.projector_hidden_act]
        self.linear_2 = nn.Linear(hidden_size, hidden_size, bias=bias)

    def forward(self, image_features: torch.Tensor) -> torch.Tensor:
        return self.linear_2(self.act(self.linear_1(image_features)))


class {{ cookiecutter.class_prefix }}PreTrainedModel(PreTrainedModel):
    config_class = {{ cookiecutter.class_prefix }}Config
    processor_class = {{ cookiecutter.class_prefix }}Processor  # see the import
    base_model_prefix = "model"
    input_modalities = ("image", "text")
    _no_split_modules = ["{{ vision }}EncoderLayer", "{{ text }}DecoderLayer"]
    _skip_keys_device_placement = [CACHE]
    _can_compile_fullgraph = True
    {{ common.pretrained_model() }}


class {{ cookiecutter.class_prefix }}Model({{ cookiecutter.class_prefix }}PreTrainedModel):
    """The vision tower, the projector and the language model, without a language-modeling head, as `LlavaModel`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__(config)
        self.vision_tower = {{ vision }}Model(config.vision_config)
        self.multi_modal_projector = {{ cookiecutter.class_prefix }}MultiModalProjector(config)
        self.language_model = {{ text }}Model(config.text_config)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.language_model.get_input_embeddings()

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.language_model.set_input_embeddings(value)

    @can_return_tuple
    def get_image_features(
        self,
        pixel_values: torch.FloatTensor,
        vision_feature_layer: int | list[int] | None = None,
        vision_feature_select_strategy: str | None = None,
        **kwargs,
    ) -> BaseModelOutputWithPooling:
        """The vision tower's outputs for `pixel_values`, with the projected features of each image as their
        `pooler_output` (a list of `(image_seq_length, text hidden_size)` tensors), as LLaVA's: the features are the
        hidden states of `vision_feature_layer` (concatenated for a list), without the CLS token for "default". The
        hidden states returned are those (see SELECT_HIDDEN_STATES), all of them with `output_hidden_states=True`; the
        attentions come with `output_attentions=True`."""
        layers = self.config.vision_feature_layer if vision_feature_layer is None else vision_feature_layer
        strategy = vision_feature_select_strategy or self.config.vision_feature_select_strategy
        layers = list(layers) if isinstance(layers, list | tuple) else [layers]
        if not kwargs.get("output_hidden_states"):
            kwargs["output_hidden_states"] = layers if SELECT_HIDDEN_STATES else True
        image_outputs = self.vision_tower(pixel_values, return_dict=True, **kwargs)
        features = torch.cat([image_outputs.hidden_states[layer] for layer in layers], dim=-1)
        if strategy == "default":
            features = features[:, 1:]
        image_outputs.pooler_output = list(self.multi_modal_projector(features))
        return image_outputs

    def image_token_mask(self, input_ids: torch.LongTensor | None, inputs_embeds: torch.Tensor) -> torch.Tensor:
        """Where the image tokens are: from `input_ids`, or (without them) the embeddings equal to the image
        token's."""
        if input_ids is not None:
            return input_ids == self.config.image_token_id
        image_token = torch.tensor(self.config.image_token_id, device=inputs_embeds.device)
        return (inputs_embeds == self.get_input_embeddings()(image_token)).all(-1)

    @can_return_tuple
    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        pixel_values: torch.FloatTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.LongTensor | None = None,
        past_key_values: Cache | None = None,
        inputs_embeds: torch.FloatTensor | None = None,
        vision_feature_layer: int | list[int] | None = None,
        vision_feature_select_strategy: str | None = None,
        use_cache: bool | None = None,
        **kwargs,
    ) -> {{ cookiecutter.class_prefix }}ModelOutputWithPast:
        r"""
        pixel_values (`torch.FloatTensor` of shape `(num_images, num_channels, height, width)`, *optional*):
            The images, one per run of `config.image_seq_length` image tokens in `input_ids`, in order.
        vision_feature_layer (`int` or `list[int]`, *optional*):
            Overrides `config.vision_feature_layer`.
        vision_feature_select_strategy (`str`, *optional*):
            Overrides `config.vision_feature_select_strategy`.
        """
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("You must specify exactly one of `input_ids` or `inputs_embeds`.")
        if inputs_embeds is None:
            inputs_embeds = self.get_input_embeddings()(input_ids)

        image_outputs = image_features = None
        if pixel_values is not None:
            image_outputs = self.get_image_features(
                pixel_values, vision_feature_layer, vision_feature_select_strategy, return_dict=True, **kwargs
            )
            image_features = torch.cat(image_outputs.pooler_output).to(inputs_embeds.device, inputs_embeds.dtype)
            image_mask = self.image_token_mask(input_ids, inputs_embeds)
            # A check that compiles and exports (transformers' `torch_compilable_check`): no data-dependent branch.
            torch_compilable_check(
                image_mask.sum() == image_features.shape[0],
                lambda: (
                    f"The text has {image_mask.sum().item()} image tokens but the {pixel_values.shape[0]} images give "
                    f"{image_features.shape[0]} features ({self.config.image_seq_length} each): build the inputs with "
                    "the processor, which writes one image token per feature."
                ),
            )
            # As LLaVA: the features replace the image tokens' embeddings, in order.
            mask = image_mask.unsqueeze(-1).expand_as(inputs_embeds).to(inputs_embeds.device)
            inputs_embeds = inputs_embeds.masked_scatter(mask, image_features)

        outputs = self.language_model(
            attention_mask=attention_mask,
            position_ids=position_ids,
            past_key_values=past_key_values,
            inputs_embeds=inputs_embeds,
            use_cache=use_cache,
            return_dict=True,
            **kwargs,
        )
        return {{ cookiecutter.class_prefix }}ModelOutputWithPast(
            last_hidden_state=outputs.last_hidden_state,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
            **{IMAGE_FIELD: image_outputs if IMAGE_OUTPUTS else image_features},
            **{CACHE: getattr(outputs, CACHE)},
        )


class {{ cookiecutter.class_prefix }}ForConditionalGeneration({{ cookiecutter.class_prefix }}PreTrainedModel, GenerationMixin):
    """The vision-language model with a language-modeling head, for training with `labels` and for `generate()`, as
    `LlavaForConditionalGeneration`."""

    _tied_weights_keys = {"lm_head.weight": "model.language_model.embed_tokens.weight"}
    _tp_plan = {"lm_head": "colwise_gather_output"}

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__(config)
        self.model = {{ cookiecutter.class_prefix }}Model(config)
        self.lm_head = nn.Linear(config.text_config.hidden_size, config.text_config.vocab_size, bias=False)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.model.get_input_embeddings()

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.model.set_input_embeddings(value)

    def get_output_embeddings(self) -> nn.Linear:
        return self.lm_head

    def set_output_embeddings(self, new_embeddings: nn.Linear) -> None:
        self.lm_head = new_embeddings

    def get_image_features(self, pixel_values: torch.FloatTensor, **kwargs) -> BaseModelOutputWithPooling:
        return self.model.get_image_features(pixel_values, **kwargs)

    @can_return_tuple
    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        pixel_values: torch.FloatTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.LongTensor | None = None,
        past_key_values: Cache | None = None,
        inputs_embeds: torch.FloatTensor | None = None,
        vision_feature_layer: int | list[int] | None = None,
        vision_feature_select_strategy: str | None = None,
        labels: torch.LongTensor | None = None,
        use_cache: bool | None = None,
        logits_to_keep: int | torch.Tensor = 0,
        **kwargs,
    ) -> {{ cookiecutter.class_prefix }}CausalLMOutputWithPast:
        r"""
        labels (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Token ids to predict; the shift by one happens inside the loss. Positions set to -100 (e.g. the image
            tokens) are ignored.
        logits_to_keep (`int` or `torch.Tensor`, *optional*, defaults to 0):
            If an `int`, compute logits only for the last `logits_to_keep` positions (0 keeps all); generation keeps
            1. If a 1D tensor, the sequence positions to keep.
        """
        outputs = self.model(
            input_ids=input_ids,
            pixel_values=pixel_values,
            attention_mask=attention_mask,
            position_ids=position_ids,
            past_key_values=past_key_values,
            inputs_embeds=inputs_embeds,
            vision_feature_layer=vision_feature_layer,
            vision_feature_select_strategy=vision_feature_select_strategy,
            use_cache=use_cache,
            return_dict=True,
            **kwargs,
        )
        slice_indices = slice(-logits_to_keep, None) if isinstance(logits_to_keep, int) else logits_to_keep
        logits = self.lm_head(outputs.last_hidden_state[:, slice_indices, :])

        loss = None
        if labels is not None:
            vocab_size = self.config.text_config.vocab_size
            loss = self.loss_function(logits=logits, labels=labels, vocab_size=vocab_size, **kwargs)

        return {{ cookiecutter.class_prefix }}CausalLMOutputWithPast(
            loss=loss,
            logits=logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
            **{IMAGE_FIELD: getattr(outputs, IMAGE_FIELD)},
            **{CACHE: getattr(outputs, CACHE)},
        )


{{ common.auto_classes({
    "Model": "AutoModel",
    "ForConditionalGeneration": "AutoModelForImageTextToText",
}) }}
