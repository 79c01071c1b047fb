{%- import "common.py" as common with context -%}
{%- import "vit.py" as vit with context -%}
"""PyTorch {{ cookiecutter.class_prefix }} model: a vision transformer with the math of ViT.

The blocks follow `transformers.models.vit.modeling_vit` (convolutional patch embeddings, a CLS token, learned position
embeddings that can be interpolated to other image sizes, pre-norm encoder layers with a GELU MLP, a final layer norm
and an optional pooler), with the same module names as transformers 5 gives ViT, so ViT checkpoints convert with a
short rename table (see `convert_vit_to_{{ cookiecutter.model_name }}.py`).
"""

import math
from collections.abc import Callable

import torch
from torch import nn
from transformers import PreTrainedModel
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import BaseModelOutputWithPooling, ImageClassifierOutput
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS
from transformers.utils.generic import can_return_tuple, merge_with_config_defaults
from transformers.utils.output_capturing import capture_outputs

from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config


class {{ cookiecutter.class_prefix }}PatchEmbeddings(nn.Module):
    """Cut the image into patches and project each one, as `ViTPatchEmbeddings`: (B, C, H, W) -> (B, patches, D)."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__()
        self.num_channels = config.num_channels
        self.projection = nn.Conv2d(
            config.num_channels,
            config.hidden_size,
            kernel_size=config.patch_size,
            stride=config.patch_size,
        )

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        if pixel_values.shape[1] != self.num_channels:
            raise ValueError(
                f"`pixel_values` has {pixel_values.shape[1]} channels but the model expects {self.num_channels} "
                "(`config.num_channels`)."
            )
        return self.projection(pixel_values).flatten(2).transpose(1, 2)


class {{ cookiecutter.class_prefix }}Embeddings(nn.Module):
    """CLS token, patch embeddings and learned position embeddings, as `ViTEmbeddings` (without a mask token)."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__()
        # Filled by `_init_weights` (truncated normal), like ViT.
        self.cls_token = nn.Parameter(torch.zeros(1, 1, config.hidden_size))
        self.patch_embeddings = {{ cookiecutter.class_prefix }}PatchEmbeddings(config)
        self.position_embeddings = nn.Parameter(torch.zeros(1, config.num_patches + 1, config.hidden_size))
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.patch_size = config.patch_size
        self.image_size = config.image_size

    def interpolate_pos_encoding(self, embeddings: torch.Tensor, height: int, width: int) -> torch.Tensor:
        """Resize the learned patch position grid (bicubic) to an image of `height` x `width` pixels."""
        num_patches = embeddings.shape[1] - 1
        num_positions = self.position_embeddings.shape[1] - 1
        if not torch.jit.is_tracing() and num_patches == num_positions and height == width:
            return self.position_embeddings

        class_pos_embed = self.position_embeddings[:, :1]
        patch_pos_embed = self.position_embeddings[:, 1:]
        dim = embeddings.shape[-1]
        new_height = height // self.patch_size
        new_width = width // self.patch_size

        grid_size = int(math.sqrt(num_positions))
        patch_pos_embed = patch_pos_embed.reshape(1, grid_size, grid_size, dim).permute(0, 3, 1, 2)
        patch_pos_embed = nn.functional.interpolate(
            patch_pos_embed,
            size=(new_height, new_width),
            mode="bicubic",
            align_corners=False,
        )
        patch_pos_embed = patch_pos_embed.permute(0, 2, 3, 1).view(1, -1, dim)
        return torch.cat((class_pos_embed, patch_pos_embed), dim=1)

    def forward(self, pixel_values: torch.Tensor, interpolate_pos_encoding: bool = False) -> torch.Tensor:
        batch_size, _, height, width = pixel_values.shape
        embeddings = self.patch_embeddings(pixel_values)
        cls_tokens = self.cls_token.expand(batch_size, -1, -1)
        embeddings = torch.cat((cls_tokens, embeddings), dim=1)

        if interpolate_pos_encoding:
            embeddings = embeddings + self.interpolate_pos_encoding(embeddings, height, width)
        else:
            if height != self.image_size or width != self.image_size:
                raise ValueError(
                    f"Input image size ({height}*{width}) doesn't match the model ({self.image_size}*"
                    f"{self.image_size}): resize the images or pass `interpolate_pos_encoding=True`."
                )
            embeddings = embeddings + self.position_embeddings
        return self.dropout(embeddings)


{{ common.eager_attention() }}


{{ vit.attention() }}


{{ vit.mlp() }}


class {{ cookiecutter.class_prefix }}Layer(GradientCheckpointingLayer):
    """Pre-norm encoder layer: x + attention(norm(x)), then x + mlp(norm(x)), as `ViTLayer`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__()
        self.layernorm_before = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.attention = {{ cookiecutter.class_prefix }}Attention(config)
        self.layernorm_after = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.mlp = {{ cookiecutter.class_prefix }}MLP(config)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, **kwargs) -> torch.Tensor:
        residual = hidden_states
        hidden_states, _ = self.attention(self.layernorm_before(hidden_states), **kwargs)
        hidden_states = residual + self.dropout(hidden_states)

        residual = hidden_states
        hidden_states = self.mlp(self.layernorm_after(hidden_states))
        return residual + self.dropout(hidden_states)


class {{ cookiecutter.class_prefix }}Pooler(nn.Module):
    """Dense layer and activation on the CLS token's final hidden state, as `ViTPooler`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.pooler_output_size)
        self.activation = ACT2FN[config.pooler_act]

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.activation(self.dense(hidden_states[:, 0]))


class {{ cookiecutter.class_prefix }}PreTrainedModel(PreTrainedModel):
    config_class = {{ cookiecutter.class_prefix }}Config
    base_model_prefix = "model"
    main_input_name = "pixel_values"
    input_modalities = ("image",)
    _no_split_modules = ["{{ cookiecutter.class_prefix }}Embeddings", "{{ cookiecutter.class_prefix }}Layer"]
    _can_compile_fullgraph = True
    # `output_hidden_states` / `output_attentions` are recorded by hooks on these modules (`capture_outputs`).
    _can_record_outputs = {
        "hidden_states": {{ cookiecutter.class_prefix }}Layer,
        "attentions": {{ cookiecutter.class_prefix }}Attention,
    }
    {{ common.pretrained_model() }}

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        # Linear and Conv2d: normal(0, initializer_range), biases zero; LayerNorm: ones and zeros.
        super()._init_weights(module)
        if isinstance(module, {{ cookiecutter.class_prefix }}Embeddings):
            init.trunc_normal_(module.position_embeddings, mean=0.0, std=self.config.initializer_range)
            init.trunc_normal_(module.cls_token, mean=0.0, std=self.config.initializer_range)


class {{ cookiecutter.class_prefix }}Model({{ cookiecutter.class_prefix }}PreTrainedModel):
    """The bare encoder: embeddings, encoder layers, a final layer norm and an optional pooler, as `ViTModel`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config, add_pooling_layer: bool = True) -> None:
        r"""
        add_pooling_layer (`bool`, *optional*, defaults to `True`):
            Whether to add the pooler (dense + activation on the CLS token), returned as `pooler_output`.
        """
        super().__init__(config)
        self.embeddings = {{ cookiecutter.class_prefix }}Embeddings(config)
        self.layers = nn.ModuleList([{{ cookiecutter.class_prefix }}Layer(config) for _ in range(config.num_hidden_layers)])
        self.layernorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.pooler = {{ cookiecutter.class_prefix }}Pooler(config) if add_pooling_layer else None
        self.gradient_checkpointing = False
        self.post_init()

    def get_input_embeddings(self) -> {{ cookiecutter.class_prefix }}PatchEmbeddings:
        return self.embeddings.patch_embeddings

    # As `ViTModel`: `capture_outputs` records `output_hidden_states` (the last one before the final layer norm) and
    # `output_attentions`, and returns a tuple for `return_dict=False`.
    @merge_with_config_defaults
    @capture_outputs(tie_last_hidden_states=False)
    def forward(
        self,
        pixel_values: torch.Tensor | None = None,
        interpolate_pos_encoding: bool | None = None,
        **kwargs,
    ) -> BaseModelOutputWithPooling:
        r"""
        pixel_values (`torch.FloatTensor` of shape `(batch_size, num_channels, height, width)`):
            Images as the image processor returns them.
        interpolate_pos_encoding (`bool`, *optional*):
            Interpolate the position embeddings to the input size, for images other than `config.image_size`.
        """
        if pixel_values is None:
            raise ValueError("You have to specify `pixel_values`.")
        # The image processor returns float32: follow the model's dtype (e.g. bfloat16 weights), as ViT does.
        pixel_values = pixel_values.to(self.embeddings.patch_embeddings.projection.weight.dtype)

        hidden_states = self.embeddings(pixel_values, interpolate_pos_encoding=bool(interpolate_pos_encoding))
        for layer in self.layers:
            hidden_states = layer(hidden_states, **kwargs)

        sequence_output = self.layernorm(hidden_states)
        pooled_output = self.pooler(sequence_output) if self.pooler is not None else None
        return BaseModelOutputWithPooling(last_hidden_state=sequence_output, pooler_output=pooled_output)


class {{ cookiecutter.class_prefix }}ForImageClassification({{ cookiecutter.class_prefix }}PreTrainedModel):
    """The encoder with a linear head on the CLS token's final hidden state, as `ViTForImageClassification`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__(config)
        self.num_labels = config.num_labels
        self.model = {{ cookiecutter.class_prefix }}Model(config, add_pooling_layer=False)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels) if config.num_labels > 0 else nn.Identity()
        self.post_init()

    def get_input_embeddings(self) -> {{ cookiecutter.class_prefix }}PatchEmbeddings:
        return self.model.embeddings.patch_embeddings

    @can_return_tuple  # `return_dict=False` (argument or config) gives a tuple, as in `ViTForImageClassification`
    def forward(
        self,
        pixel_values: torch.Tensor | None = None,
        labels: torch.LongTensor | None = None,
        interpolate_pos_encoding: bool | None = None,
        **kwargs,
    ) -> ImageClassifierOutput:
        r"""
        labels (`torch.LongTensor` of shape `(batch_size,)`, *optional*):
            Class indices for a cross-entropy loss; floats for a mean-squared error if `config.num_labels == 1`, or
            multi-hot floats of shape `(batch_size, num_labels)` for a multi-label (binary cross-entropy) loss.
        """
        outputs = self.model(
            pixel_values,
            interpolate_pos_encoding=interpolate_pos_encoding,
            return_dict=True,  # whatever `config.return_dict` says, as BERT's heads do (ViT's crash on False)
            **kwargs,
        )
        logits = self.classifier(outputs.last_hidden_state[:, 0, :])

        loss = None
        if labels is not None:
            loss = self.classification_loss(logits, labels.to(logits.device))

        return ImageClassifierOutput(
            loss=loss,
            logits=logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )

    def classification_loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Regression, single-label or multi-label loss, chosen as ViT does from `config.problem_type`."""
        problem_type = self.config.problem_type
        if problem_type is None:
            if self.num_labels == 1:
                problem_type = "regression"
            elif labels.dtype in (torch.long, torch.int):
                problem_type = "single_label_classification"
            else:
                problem_type = "multi_label_classification"
        if problem_type == "regression":
            return nn.functional.mse_loss(logits.squeeze(-1), labels.squeeze(-1).to(logits.dtype))
        if problem_type == "single_label_classification":
            return nn.functional.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1))
        return nn.functional.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))


{{ common.auto_classes({
    "Model": "AutoModel",
    "ForImageClassification": "AutoModelForImageClassification",
}) }}
