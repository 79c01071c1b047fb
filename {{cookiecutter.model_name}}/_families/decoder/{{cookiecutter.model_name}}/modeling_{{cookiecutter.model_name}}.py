{%- import "common.py" as common with context -%}
{%- import "llama.py" as llama with context -%}
"""PyTorch {{ cookiecutter.class_prefix }} model: a decoder-only transformer with the math of Llama.

The blocks follow `transformers.models.llama.modeling_llama` (RMSNorm, rotary position embeddings, grouped-query
attention, SwiGLU MLP, pre-norm residuals), with the same parameter names, so Llama checkpoints convert one to one and
tools that target Llama module names (PEFT `target_modules`, quantizers) work unchanged.
"""

import inspect
from collections.abc import Callable

import torch
from torch import nn
from transformers import GenerationMixin, PreTrainedModel
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.cache_utils import Cache, DynamicCache
from transformers.integrations import use_kernel_forward_from_hub, use_kernelized_func
from transformers.masking_utils import create_causal_mask
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import (
    BaseModelOutputWithPast,
    CausalLMOutputWithPast,
    SequenceClassifierOutputWithPast,
)
from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS, dynamic_rope_update
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS
from transformers.utils.generic import can_return_tuple, merge_with_config_defaults
from transformers.utils.output_capturing import capture_outputs

from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config

{{ llama.cache_name() }}


{{ llama.rms_norm() }}


{{ llama.rotary_embedding() }}


{{ llama.mlp() }}


{{ common.eager_attention(grouped_query=true) }}


{{ llama.attention() }}


{{ llama.decoder_layer() }}


{{ llama.pretrained_model() }}


{{ llama.model() }}


{{ llama.causal_lm() }}


{{ llama.sequence_classification() }}


{{ common.auto_classes({
    "Model": "AutoModel",
    "ForCausalLM": "AutoModelForCausalLM",
    "ForSequenceClassification": "AutoModelForSequenceClassification",
}) }}
