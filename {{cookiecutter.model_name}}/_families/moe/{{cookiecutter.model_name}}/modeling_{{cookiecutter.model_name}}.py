{%- import "common.py" as common with context -%}
{%- import "llama.py" as llama with context -%}
{%- import "mixtral.py" as mixtral with context -%}
"""PyTorch {{ cookiecutter.class_prefix }} model: a sparse mixture-of-experts decoder with the math of Mixtral.

The blocks follow `transformers.models.mixtral.modeling_mixtral` (RMSNorm, rotary position embeddings, grouped-query
attention with an optional sliding window, a top-k router and fused SwiGLU experts in each layer, pre-norm residuals),
with the same module and parameter names, so Mixtral checkpoints convert one to one, transformers' experts
implementations (`experts_implementation=...`) apply, and tools that target Mixtral module names work unchanged.
"""

import inspect
from collections.abc import Callable

import torch
from torch import nn
from transformers import GenerationMixin, PreTrainedModel
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.cache_utils import Cache, DynamicCache
from transformers.integrations import use_experts_implementation, use_kernel_forward_from_hub, use_kernelized_func
from transformers.masking_utils import create_causal_mask, create_sliding_window_causal_mask
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import (
    MoeCausalLMOutputWithPast,
    MoeModelOutputWithPast,
    SequenceClassifierOutputWithPast,
)
from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS, dynamic_rope_update
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS
from transformers.utils.generic import can_return_tuple, merge_with_config_defaults
from transformers.utils.output_capturing import OutputRecorder, capture_outputs

from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config

{{ llama.cache_name() }}


{{ mixtral.experts() }}


{{ mixtral.top_k_router() }}


{{ mixtral.sparse_moe_block() }}


{{ llama.rms_norm() }}


{{ llama.rotary_embedding() }}


{{ common.eager_attention(grouped_query=true) }}


{{ llama.attention(sliding_window=true) }}


{{ llama.decoder_layer(mlp_class=cookiecutter.class_prefix ~ "SparseMoeBlock") }}


{{ mixtral.pretrained_model() }}


{{ llama.model(output_class="MoeModelOutputWithPast", sliding_window=true) }}


{{ mixtral.load_balancing_loss() }}


{{ mixtral.causal_lm() }}


{{ llama.sequence_classification() }}


{{ common.auto_classes({
    "Model": "AutoModel",
    "ForCausalLM": "AutoModelForCausalLM",
    "ForSequenceClassification": "AutoModelForSequenceClassification",
}) }}
