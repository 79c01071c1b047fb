{%- import "common.py" as common with context -%}
{%- import "llama.py" as llama with context -%}
"""PyTorch {{ cookiecutter.class_prefix }} model: a decoder-only transformer with the math of Llama.

The blocks follow `transformers.models.llama.modeling_llama` (RMSNorm, rotary position embeddings, grouped-query
attention, SwiGLU MLP, pre-norm residuals), with the same parameter names, so Llama checkpoints convert one to one and
tools that target Llama module names (PEFT `target_modules`, quantizers) work unchanged.
"""

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


{{ llama.rms_norm() }}


{{ llama.rotary_embedding() }}


{{ llama.mlp() }}


{{ llama.attention() }}


{{ llama.decoder_layer() }}


class {{ cookiecutter.class_prefix }}PreTrainedModel(PreTrainedModel):
    config_class = {{ cookiecutter.class_prefix }}Config
    base_model_prefix = "model"
    _no_split_modules = ["{{ cookiecutter.class_prefix }}DecoderLayer"]
    _skip_keys_device_placement = ["past_key_values"]
    _can_compile_fullgraph = True
    # `output_hidden_states` / `output_attentions` are recorded by hooks on these modules (`capture_outputs`).
    _can_record_outputs = {
        "hidden_states": {{ cookiecutter.class_prefix }}DecoderLayer,
        "attentions": {{ cookiecutter.class_prefix }}Attention,
    }
    {{ common.pretrained_model() }}

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        # Linear and Embedding: normal(0, initializer_range), biases zero, padding row zero.
        super()._init_weights(module)
        if isinstance(module, {{ cookiecutter.class_prefix }}RMSNorm):
            init.ones_(module.weight)
        elif isinstance(module, {{ cookiecutter.class_prefix }}RotaryEmbedding):
            # Non-persistent buffers are not in checkpoints: re-create them, or they hold garbage after loading.
            inv_freq, _ = module.rope_init_fn(module.config, module.inv_freq.device)
            init.copy_(module.inv_freq, inv_freq)
            init.copy_(module.original_inv_freq, inv_freq)


{{ llama.model() }}


class {{ cookiecutter.class_prefix }}ForCausalLM({{ cookiecutter.class_prefix }}PreTrainedModel, GenerationMixin):
    """The decoder with a language-modeling head, for training with `labels` and for `generate()`."""

    _tied_weights_keys = {"lm_head.weight": "model.embed_tokens.weight"}
    # Parallel plans of the head, as `LlamaForCausalLM`'s (the base model's are in the config).
    _tp_plan = {"lm_head": "colwise_gather_output"}
    _pp_plan = {"lm_head": (["hidden_states"], ["logits"])}
    _fsdp_plan = {"lm_head": "keep_full_weight"}

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__(config)
        self.model = {{ cookiecutter.class_prefix }}Model(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.model.embed_tokens

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.model.embed_tokens = value

    def get_output_embeddings(self) -> nn.Linear:
        return self.lm_head

    def set_output_embeddings(self, new_embeddings: nn.Linear) -> None:
        self.lm_head = new_embeddings

    @can_return_tuple  # `return_dict=False` (argument or config) gives a tuple, as in `LlamaForCausalLM`
    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.LongTensor | None = None,
        past_key_values: Cache | None = None,
        inputs_embeds: torch.FloatTensor | None = None,
        labels: torch.LongTensor | None = None,
        use_cache: bool | None = None,
        logits_to_keep: int | torch.Tensor = 0,
        **kwargs,
    ) -> CausalLMOutputWithPast:
        r"""
        labels (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Token ids to predict; the shift by one happens inside the loss. Positions set to -100 are ignored.
        logits_to_keep (`int` or `torch.Tensor`, *optional*, defaults to 0):
            If an `int`, compute logits only for the last `logits_to_keep` positions (0 keeps all); generation keeps
            1 and saves memory. If a 1D tensor, the sequence positions to keep.
        """
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids,
            past_key_values=past_key_values,
            inputs_embeds=inputs_embeds,
            use_cache=use_cache,
            return_dict=True,  # whatever `config.return_dict` says, as BERT's heads do (Llama's crash on False)
            **kwargs,
        )
        hidden_states = outputs.last_hidden_state
        slice_indices = slice(-logits_to_keep, None) if isinstance(logits_to_keep, int) else logits_to_keep
        logits = self.lm_head(hidden_states[:, slice_indices, :])

        loss = None
        if labels is not None:
            loss = self.loss_function(logits=logits, labels=labels, vocab_size=self.config.vocab_size, **kwargs)

        return CausalLMOutputWithPast(
            loss=loss,
            logits=logits,
            past_key_values=outputs.past_key_values,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )


{{ llama.sequence_classification() }}


AUTO_CLASSES = {
    {{ cookiecutter.class_prefix }}Model: "AutoModel",
    {{ cookiecutter.class_prefix }}ForCausalLM: "AutoModelForCausalLM",
    {{ cookiecutter.class_prefix }}ForSequenceClassification: "AutoModelForSequenceClassification",
}
{{ common.auto_classes() }}


__all__ = [
    "{{ cookiecutter.class_prefix }}PreTrainedModel",
    "{{ cookiecutter.class_prefix }}Model",
    "{{ cookiecutter.class_prefix }}ForCausalLM",
    "{{ cookiecutter.class_prefix }}ForSequenceClassification",
]
