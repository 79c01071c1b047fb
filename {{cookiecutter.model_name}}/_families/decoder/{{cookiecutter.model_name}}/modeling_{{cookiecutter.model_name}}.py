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


# The `use_kernel_forward_from_hub` / `use_kernelized_func` marks are Llama's: with the `kernels` package installed,
# `from_pretrained(..., use_kernels=True)` swaps in fused Hub kernels for the marked blocks; otherwise they do nothing.
@use_kernel_forward_from_hub("RMSNorm")
class {{ cookiecutter.class_prefix }}RMSNorm(nn.Module):
    """Root-mean-square layer norm, computed in float32 (as `LlamaRMSNorm`)."""

    def __init__(self, hidden_size: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states.to(input_dtype)

    def extra_repr(self) -> str:
        return f"{tuple(self.weight.shape)}, eps={self.variance_epsilon}"


class {{ cookiecutter.class_prefix }}RotaryEmbedding(nn.Module):
    """Rotary position embeddings (RoPE), as `LlamaRotaryEmbedding`.

    The scaled types (`config.rope_parameters["rope_type"]`: linear, dynamic, yarn, llama3, longrope) are computed by
    transformers' own `ROPE_INIT_FUNCTIONS`; `dynamic_rope_update` recomputes the frequencies of the dynamic and
    longrope types when a sequence grows past the original context.
    """

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config, device: torch.device | None = None) -> None:
        super().__init__()
        self.max_seq_len_cached = config.max_position_embeddings
        self.original_max_seq_len = config.max_position_embeddings
        self.config = config
        self.rope_type = config.rope_parameters["rope_type"]
        inv_freq, self.attention_scaling = self.rope_init_fn(config, device)
        # Not saved in checkpoints: `_init_weights` re-creates them after `from_pretrained`.
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self.register_buffer("original_inv_freq", inv_freq.clone(), persistent=False)

    @property
    def rope_init_fn(self) -> Callable[..., tuple[torch.Tensor, float]]:
        if self.rope_type == "default":
            return self.compute_default_rope_parameters
        return ROPE_INIT_FUNCTIONS[self.rope_type]

    @staticmethod
    def compute_default_rope_parameters(
        config: {{ cookiecutter.class_prefix }}Config, device: torch.device | None = None, seq_len: int | None = None
    ) -> tuple[torch.Tensor, float]:
        """Inverse frequencies of the original RoPE, and the cos/sin scaling (1.0: unused by this type)."""
        base = config.rope_parameters["rope_theta"]
        dim = config.head_dim
        exponents = torch.arange(0, dim, 2, dtype=torch.int64).to(device=device, dtype=torch.float) / dim
        return 1.0 / (base**exponents), 1.0

    @torch.no_grad()
    @dynamic_rope_update  # recomputes `inv_freq` for the dynamic and longrope types
    def forward(self, hidden_states: torch.Tensor, position_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # The angles as an outer product in float32, as `LlamaRotaryEmbedding` computes them in transformers 5.23: the
        # same values as a batched matmul, without its expands and autocast context (autocast keeps products float32).
        freqs = position_ids[..., None].float() * self.inv_freq.to(device=hidden_states.device, dtype=torch.float)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos = emb.cos() * self.attention_scaling
        sin = emb.sin() * self.attention_scaling
        return cos.to(dtype=hidden_states.dtype), sin.to(dtype=hidden_states.dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """Rotates half the hidden dims of the input."""
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


@use_kernel_forward_from_hub("rotary_pos_emb")
def apply_rotary_pos_emb(
    query: torch.Tensor, key: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Rotate queries and keys of shape (batch, heads, seq, head_dim) by the position angles."""
    cos = cos.unsqueeze(1)
    sin = sin.unsqueeze(1)
    return (query * cos) + (rotate_half(query) * sin), (key * cos) + (rotate_half(key) * sin)


class {{ cookiecutter.class_prefix }}MLP(nn.Module):
    """SwiGLU feed-forward block, as `LlamaMLP`: down(silu(gate(x)) * up(x))."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)
        self.activation = ACT2FN["silu"]

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.down_proj(self.activation(self.gate_proj(hidden_states)) * self.up_proj(hidden_states))


def repeat_kv(hidden_states: torch.Tensor, n_rep: int) -> torch.Tensor:
    """(batch, num_key_value_heads, seq, head_dim) -> (batch, num_key_value_heads * n_rep, seq, head_dim)."""
    batch, num_key_value_heads, seq_len, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    hidden_states = hidden_states[:, :, None, :, :].expand(batch, num_key_value_heads, n_rep, seq_len, head_dim)
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, seq_len, head_dim)


def eager_attention_forward(
    module: nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float,
    dropout: float = 0.0,
    **kwargs,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Reference attention in plain PyTorch; the other backends must match it."""
    key_states = repeat_kv(key, module.num_key_value_groups)
    value_states = repeat_kv(value, module.num_key_value_groups)

    attn_weights = torch.matmul(query, key_states.transpose(2, 3)) * scaling
    if attention_mask is not None:
        attn_weights = attn_weights + attention_mask[:, :, :, : key_states.shape[-2]]

    attn_weights = nn.functional.softmax(attn_weights, dim=-1, dtype=torch.float32).to(query.dtype)
    attn_weights = nn.functional.dropout(attn_weights, p=dropout, training=module.training)
    attn_output = torch.matmul(attn_weights, value_states)
    attn_output = attn_output.transpose(1, 2).contiguous()
    return attn_output, attn_weights


@use_kernelized_func(apply_rotary_pos_emb)
class {{ cookiecutter.class_prefix }}Attention(nn.Module):
    """Grouped-query self-attention with rotary embeddings, as `LlamaAttention`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config, layer_idx: int) -> None:
        super().__init__()
        self.config = config
        self.layer_idx = layer_idx
        self.head_dim = config.head_dim
        self.num_key_value_groups = config.num_attention_heads // config.num_key_value_heads
        self.scaling = self.head_dim**-0.5
        self.attention_dropout = config.attention_dropout
        self.is_causal = True

        query_size = config.num_attention_heads * self.head_dim
        key_value_size = config.num_key_value_heads * self.head_dim
        self.q_proj = nn.Linear(config.hidden_size, query_size, bias=config.attention_bias)
        self.k_proj = nn.Linear(config.hidden_size, key_value_size, bias=config.attention_bias)
        self.v_proj = nn.Linear(config.hidden_size, key_value_size, bias=config.attention_bias)
        self.o_proj = nn.Linear(query_size, config.hidden_size, bias=config.attention_bias)

    def forward(
        self,
        hidden_states: torch.Tensor,
        position_embeddings: tuple[torch.Tensor, torch.Tensor],
        attention_mask: torch.Tensor | None = None,
        past_key_values: Cache | None = None,
        **kwargs,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        input_shape = hidden_states.shape[:-1]
        hidden_shape = (*input_shape, -1, self.head_dim)

        query_states = self.q_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        key_states = self.k_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        value_states = self.v_proj(hidden_states).view(hidden_shape).transpose(1, 2)

        cos, sin = position_embeddings
        query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin)

        if past_key_values is not None:
            key_states, value_states = past_key_values.update(key_states, value_states, self.layer_idx)

        attention_interface: Callable = ALL_ATTENTION_FUNCTIONS.get_interface(
            self.config._attn_implementation, eager_attention_forward
        )
        attn_output, attn_weights = attention_interface(
            self,
            query_states,
            key_states,
            value_states,
            attention_mask,
            dropout=0.0 if not self.training else self.attention_dropout,
            scaling=self.scaling,
            **kwargs,
        )

        attn_output = attn_output.reshape(*input_shape, -1).contiguous()
        return self.o_proj(attn_output), attn_weights


class {{ cookiecutter.class_prefix }}DecoderLayer(GradientCheckpointingLayer):
    """Pre-norm decoder layer: x + attention(norm(x)), then x + mlp(norm(x)), as `LlamaDecoderLayer`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config, layer_idx: int) -> None:
        super().__init__()
        self.self_attn = {{ cookiecutter.class_prefix }}Attention(config, layer_idx)
        self.mlp = {{ cookiecutter.class_prefix }}MLP(config)
        self.input_layernorm = {{ cookiecutter.class_prefix }}RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = {{ cookiecutter.class_prefix }}RMSNorm(config.hidden_size, eps=config.rms_norm_eps)

    def forward(
        self,
        hidden_states: torch.Tensor,
        position_embeddings: tuple[torch.Tensor, torch.Tensor],
        attention_mask: torch.Tensor | None = None,
        past_key_values: Cache | None = None,
        **kwargs,
    ) -> torch.Tensor:
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        hidden_states, _ = self.self_attn(
            hidden_states,
            position_embeddings=position_embeddings,
            attention_mask=attention_mask,
            past_key_values=past_key_values,
            **kwargs,
        )
        hidden_states = residual + hidden_states

        residual = hidden_states
        hidden_states = self.post_attention_layernorm(hidden_states)
        hidden_states = residual + self.mlp(hidden_states)
        return hidden_states


class {{ cookiecutter.class_prefix }}PreTrainedModel(PreTrainedModel):
    config_class = {{ cookiecutter.class_prefix }}Config
    base_model_prefix = "model"
    supports_gradient_checkpointing = True
    _no_split_modules = ["{{ cookiecutter.class_prefix }}DecoderLayer"]
    _skip_keys_device_placement = ["past_key_values"]
    _supports_sdpa = True
    _supports_flash_attn = True
    _supports_flex_attn = True
    _supports_attention_backend = True
    _can_compile_fullgraph = True
    # `output_hidden_states` / `output_attentions` are recorded by hooks on these modules (`capture_outputs`).
    _can_record_outputs = {
        "hidden_states": {{ cookiecutter.class_prefix }}DecoderLayer,
        "attentions": {{ cookiecutter.class_prefix }}Attention,
    }

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config, *inputs, **kwargs) -> None:
        config.validate_architecture()  # one clear error before a broken model is built
        super().__init__(config, *inputs, **kwargs)

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

    def post_init(self) -> None:
        super().post_init()
        # `save_pretrained` records only the saved class in `auto_map`: list every head so that each Auto class
        # loads from any checkpoint of this model, whichever head was saved.
        self.config.auto_map = {**(getattr(self.config, "auto_map", None) or {}), **auto_map()}


class {{ cookiecutter.class_prefix }}Model({{ cookiecutter.class_prefix }}PreTrainedModel):
    """The bare decoder: token embeddings, decoder layers and a final norm, returning hidden states."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__(config)
        self.padding_idx = config.pad_token_id
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size, self.padding_idx)
        self.layers = nn.ModuleList(
            [{{ cookiecutter.class_prefix }}DecoderLayer(config, layer_idx) for layer_idx in range(config.num_hidden_layers)]
        )
        self.norm = {{ cookiecutter.class_prefix }}RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.rotary_emb = {{ cookiecutter.class_prefix }}RotaryEmbedding(config)
        self.gradient_checkpointing = False
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embed_tokens

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embed_tokens = value

    # As `LlamaModel`: `use_cache` defaults to the config's (off under gradient checkpointing); `capture_outputs`
    # records `output_hidden_states` / `output_attentions` and returns a tuple for `return_dict=False`.
    @merge_with_config_defaults
    @capture_outputs
    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.LongTensor | None = None,
        past_key_values: Cache | None = None,
        inputs_embeds: torch.FloatTensor | None = None,
        use_cache: bool | None = None,
        **kwargs,
    ) -> BaseModelOutputWithPast:
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("You must specify exactly one of `input_ids` or `inputs_embeds`.")

        if inputs_embeds is None:
            inputs_embeds = self.embed_tokens(input_ids)

        if use_cache and past_key_values is None:
            past_key_values = DynamicCache(config=self.config)

        if position_ids is None and attention_mask is not None and attention_mask.dim() == 2:
            # Count only real tokens, so that a left-padded row gets the positions it would have alone.
            position_ids = attention_mask.long().cumsum(-1) - 1
            position_ids = position_ids.masked_fill(attention_mask == 0, 0)[:, -inputs_embeds.shape[1] :]
        elif position_ids is None:
            past_seen_tokens = past_key_values.get_seq_length() if past_key_values is not None else 0
            position_ids = torch.arange(inputs_embeds.shape[1], device=inputs_embeds.device) + past_seen_tokens
            position_ids = position_ids.unsqueeze(0)

        causal_mask = create_causal_mask(
            config=self.config,
            inputs_embeds=inputs_embeds,
            attention_mask=attention_mask,
            past_key_values=past_key_values,
            position_ids=position_ids,
        )

        hidden_states = inputs_embeds
        position_embeddings = self.rotary_emb(hidden_states, position_ids)
        for decoder_layer in self.layers:
            hidden_states = decoder_layer(
                hidden_states,
                position_embeddings=position_embeddings,
                attention_mask=causal_mask,
                past_key_values=past_key_values,
                **kwargs,
            )
        hidden_states = self.norm(hidden_states)
        return BaseModelOutputWithPast(last_hidden_state=hidden_states, past_key_values=past_key_values)


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


class {{ cookiecutter.class_prefix }}ForSequenceClassification({{ cookiecutter.class_prefix }}PreTrainedModel):
    """The decoder with a linear head on the last non-padding token, as `LlamaForSequenceClassification`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__(config)
        self.num_labels = config.num_labels
        self.model = {{ cookiecutter.class_prefix }}Model(config)
        self.score = nn.Linear(config.hidden_size, config.num_labels, bias=False)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.model.embed_tokens

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.model.embed_tokens = value

    @can_return_tuple  # as in `LlamaForSequenceClassification`
    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.LongTensor | None = None,
        past_key_values: Cache | None = None,
        inputs_embeds: torch.FloatTensor | None = None,
        labels: torch.LongTensor | None = None,
        use_cache: bool | None = None,
        **kwargs,
    ) -> SequenceClassifierOutputWithPast:
        r"""
        labels (`torch.LongTensor` of shape `(batch_size,)`, *optional*):
            Class indices for a cross-entropy loss (mean-squared error if `config.num_labels == 1`).
        """
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids,
            past_key_values=past_key_values,
            inputs_embeds=inputs_embeds,
            use_cache=use_cache,
            return_dict=True,
            **kwargs,
        )
        logits = self.score(outputs.last_hidden_state)
        batch_size, sequence_length = logits.shape[:2]

        # The last real token of each row: from the attention mask (left or right padding), else from the pad id.
        if attention_mask is not None and attention_mask.dim() == 2:
            non_pad_mask = attention_mask[:, -sequence_length:].to(logits.device, torch.int32)
        elif input_ids is not None and self.config.pad_token_id is not None:
            non_pad_mask = (input_ids != self.config.pad_token_id).to(logits.device, torch.int32)
        elif batch_size == 1:
            non_pad_mask = torch.ones(batch_size, sequence_length, dtype=torch.int32, device=logits.device)
        else:
            raise ValueError(
                "Cannot find the last token of each row of a batch: pass an `attention_mask` or set "
                "`config.pad_token_id`."
            )
        token_indices = torch.arange(sequence_length, device=logits.device, dtype=torch.int32)
        last_token_indices = (token_indices * non_pad_mask).argmax(-1)
        pooled_logits = logits[torch.arange(batch_size, device=logits.device), last_token_indices]

        loss = None
        if labels is not None:
            loss = self.loss_function(logits=logits, labels=labels, pooled_logits=pooled_logits, config=self.config)

        return SequenceClassifierOutputWithPast(
            loss=loss,
            logits=pooled_logits,
            past_key_values=outputs.past_key_values,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )


AUTO_CLASSES = {
    {{ cookiecutter.class_prefix }}Model: "AutoModel",
    {{ cookiecutter.class_prefix }}ForCausalLM: "AutoModelForCausalLM",
    {{ cookiecutter.class_prefix }}ForSequenceClassification: "AutoModelForSequenceClassification",
}
for model_class, auto_class in AUTO_CLASSES.items():
    model_class.register_for_auto_class(auto_class)


def auto_map() -> dict[str, str]:
    """The complete `auto_map` of this model: every registered head, and the config."""
    config_class = {{ cookiecutter.class_prefix }}Config
    mapping = {"AutoConfig": f"{config_class.__module__.rsplit('.', 1)[-1]}.{config_class.__name__}"}
    for model_class, auto_class in AUTO_CLASSES.items():
        mapping[auto_class] = f"{model_class.__module__.rsplit('.', 1)[-1]}.{model_class.__name__}"
    return mapping


__all__ = [
    "{{ cookiecutter.class_prefix }}PreTrainedModel",
    "{{ cookiecutter.class_prefix }}Model",
    "{{ cookiecutter.class_prefix }}ForCausalLM",
    "{{ cookiecutter.class_prefix }}ForSequenceClassification",
]
