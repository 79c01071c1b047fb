{#- Llama's blocks, as Jinja macros that a family's modeling file calls where the code goes, for the families with
Llama math: `{%- import "llama.py" as llama with context -%}` at the top of the file, then each call, e.g.
`llama.attention()` in double braces, on a line of its own with blank lines around it as around the code. Each macro
writes one whole unit of `transformers.models.llama.modeling_llama` (a class, or a class and its functions) with
Llama's names, so that the baked modeling file reads top to bottom and stays self-contained. The including file
imports the names a block uses (listed with each macro). Every macro takes `prefix` (the class names' prefix, the
project's class_prefix by default) and `config_class` (the type of `config`, <prefix>Config by default), e.g. the text
tower of a vision-language model: llama.model(config_class=P ~ "TextConfig", model_class=P ~ "TextModel"). -#}
{%- import "common.py" as common with context -%}


{#- The name of the key/value cache in the installed transformers, for the model, the causal LM and the classifier
macros. Needs inspect and create_causal_mask; defines CACHE. -#}
{% macro cache_name() -%}
# transformers 5.24 renamed the key/value cache from `past_key_values` to `cache` (the argument `generate` passes to
# `forward`, the mask functions' argument, the outputs' field). The model takes either name and hands the cache to
# transformers under the installed release's, so the same file runs on every release of the declared range.
CACHE = "cache" if "cache" in inspect.signature(create_causal_mask).parameters else "past_key_values"
{%- endmacro %}


{#- RMSNorm, as `LlamaRMSNorm`. Needs torch, nn and use_kernel_forward_from_hub; defines <prefix>RMSNorm. -#}
{% macro rms_norm(prefix=cookiecutter.class_prefix) -%}
# The `use_kernel_forward_from_hub` / `use_kernelized_func` marks are Llama's: with the `kernels` package installed,
# `from_pretrained(..., use_kernels=True)` swaps in fused Hub kernels for the marked blocks; otherwise they do nothing.
@use_kernel_forward_from_hub("RMSNorm")
class {{ prefix }}RMSNorm(nn.Module):
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
{%- endmacro %}


{#- Rotary position embeddings with every RoPE type of `ROPE_INIT_FUNCTIONS`, as `LlamaRotaryEmbedding`. Needs Callable,
torch, nn, ROPE_INIT_FUNCTIONS, dynamic_rope_update and use_kernel_forward_from_hub; defines <prefix>RotaryEmbedding,
rotate_half and apply_rotary_pos_emb. -#}
{% macro rotary_embedding(prefix=cookiecutter.class_prefix, config_class=prefix ~ "Config") -%}
class {{ prefix }}RotaryEmbedding(nn.Module):
    """Rotary position embeddings (RoPE), as `LlamaRotaryEmbedding`.

    The scaled types (`config.rope_parameters["rope_type"]`: linear, dynamic, yarn, llama3, longrope) are computed by
    transformers' own `ROPE_INIT_FUNCTIONS`; `dynamic_rope_update` recomputes the frequencies of the dynamic and
    longrope types when a sequence grows past the original context.
    """

    def __init__(self, config: {{ config_class }}, device: torch.device | None = None) -> None:
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
        config: {{ config_class }}, device: torch.device | None = None, seq_len: int | None = None
    ) -> tuple[torch.Tensor, float]:
        """Inverse frequencies of the original RoPE, and the cos/sin scaling (1.0: unused by this type)."""
        base = config.rope_parameters["rope_theta"]
        dim = config.head_dim
        exponents = torch.arange(0, dim, 2, dtype=torch.int64).to(device=device, dtype=torch.float) / dim
        return 1.0 / (base**exponents), 1.0

    @torch.no_grad()
    @dynamic_rope_update  # recomputes `inv_freq` for the dynamic and longrope types
    def forward(self, hidden_states: torch.Tensor, position_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # The angles as an outer product in float32, as `LlamaRotaryEmbedding` computes them (transformers 5.23, 5.24):
        # the same values as a batched matmul, without its expands and autocast context (autocast keeps products fp32).
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
{%- endmacro %}


{#- SwiGLU MLP, as `LlamaMLP`. Needs torch, nn and ACT2FN; defines <prefix>MLP. -#}
{% macro mlp(prefix=cookiecutter.class_prefix, config_class=prefix ~ "Config") -%}
class {{ prefix }}MLP(nn.Module):
    """SwiGLU feed-forward block, as `LlamaMLP`: down(silu(gate(x)) * up(x))."""

    def __init__(self, config: {{ config_class }}) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)
        self.activation = ACT2FN["silu"]

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.down_proj(self.activation(self.gate_proj(hidden_states)) * self.up_proj(hidden_states))
{%- endmacro %}


{#- Grouped-query attention through the attention interface, as `LlamaAttention`. Needs Callable, torch, nn, Cache,
ALL_ATTENTION_FUNCTIONS, use_kernelized_func, apply_rotary_pos_emb (rotary_embedding) and eager_attention_forward
(common.eager_attention(grouped_query=true)); defines <prefix>Attention, which calls the backend with
common.attention_interface. sliding_window: pass `config.sliding_window`
to the backends, as Mistral and Mixtral do (None attends to every earlier token). -#}
{% macro attention(prefix=cookiecutter.class_prefix, config_class=prefix ~ "Config", sliding_window=false) -%}
@use_kernelized_func(apply_rotary_pos_emb)
class {{ prefix }}Attention(nn.Module):
    """Grouped-query self-attention with rotary embeddings, as `LlamaAttention`."""

    def __init__(self, config: {{ config_class }}, layer_idx: int) -> None:
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

        {{ common.attention_interface(sliding_window=sliding_window) }}

        attn_output = attn_output.reshape(*input_shape, -1).contiguous()
        return self.o_proj(attn_output), attn_weights
{%- endmacro %}


{#- Pre-norm decoder layer, as `LlamaDecoderLayer`. Needs torch, Cache, GradientCheckpointingLayer, <prefix>Attention and
<prefix>RMSNorm; defines <prefix>DecoderLayer. mlp_class: the feed-forward block (e.g. a sparse mixture of experts). -#}
{% macro decoder_layer(prefix=cookiecutter.class_prefix, config_class=prefix ~ "Config", mlp_class=prefix ~ "MLP") -%}
class {{ prefix }}DecoderLayer(GradientCheckpointingLayer):
    """Pre-norm decoder layer: x + attention(norm(x)), then x + mlp(norm(x)), as `LlamaDecoderLayer`."""

    def __init__(self, config: {{ config_class }}, layer_idx: int) -> None:
        super().__init__()
        self.self_attn = {{ prefix }}Attention(config, layer_idx)
        self.mlp = {{ mlp_class }}(config)
        self.input_layernorm = {{ prefix }}RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = {{ prefix }}RMSNorm(config.hidden_size, eps=config.rms_norm_eps)

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
{%- endmacro %}


{#- The PreTrainedModel of a Llama-math model, as `LlamaPreTrainedModel`: its attributes, the shared body
(common.pretrained_model) and `_init_weights` for the RMSNorm and the rotary embedding's buffers. Needs torch, nn, init,
PreTrainedModel, CACHE (cache_name), config_class, auto_map() (common.auto_classes) and the <prefix>DecoderLayer,
<prefix>Attention, <prefix>RMSNorm and <prefix>RotaryEmbedding classes; defines <prefix>PreTrainedModel. auto_map: false
for a sub-model (common.pretrained_model). A family with modules of its own (mixtral.pretrained_model) adds the outputs
they record (`recorded_outputs`: entries of `_can_record_outputs`, indented in it) and, as a call block, the
`_init_weights` branches that initialise them (`elif isinstance(module, ...):`). -#}
{% macro pretrained_model(
    prefix=cookiecutter.class_prefix, config_class=prefix ~ "Config", auto_map=true, recorded_outputs=""
) -%}
class {{ prefix }}PreTrainedModel(PreTrainedModel):
    config_class = {{ config_class }}
    base_model_prefix = "model"
    _no_split_modules = ["{{ prefix }}DecoderLayer"]
    _skip_keys_device_placement = [CACHE]
    _can_compile_fullgraph = True
    # `output_hidden_states` / `output_attentions` are recorded by hooks on these modules (`capture_outputs`).
    _can_record_outputs = {
        {{- recorded_outputs }}
        "hidden_states": {{ prefix }}DecoderLayer,
        "attentions": {{ prefix }}Attention,
    }
    {{ common.pretrained_model(config_class=config_class, auto_map=auto_map) }}

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        # Linear and Embedding: normal(0, initializer_range), biases zero, padding row zero.
        super()._init_weights(module)
        if isinstance(module, {{ prefix }}RMSNorm):
            init.ones_(module.weight)
        elif isinstance(module, {{ prefix }}RotaryEmbedding):
            # Non-persistent buffers are not in checkpoints: re-create them, or they hold garbage after loading.
            inv_freq, _ = module.rope_init_fn(module.config, module.inv_freq.device)
            init.copy_(module.inv_freq, inv_freq)
            init.copy_(module.original_inv_freq, inv_freq)
{%- if caller is defined %}{{ caller() }}{% endif %}
{%- endmacro %}


{#- The bare decoder, as `LlamaModel` (positions from the attention mask, so that left padding changes nothing). Needs
torch, nn, Cache, CACHE (cache_name), DynamicCache, create_causal_mask, merge_with_config_defaults, capture_outputs,
output_class, <prefix>PreTrainedModel, <prefix>DecoderLayer, <prefix>RMSNorm and <prefix>RotaryEmbedding; defines
model_class. output_class: what forward returns. sliding_window: Mistral's sliding-window causal mask when
`config.sliding_window` is set (needs create_sliding_window_causal_mask). -#}
{% macro model(
    prefix=cookiecutter.class_prefix,
    config_class=prefix ~ "Config",
    model_class=prefix ~ "Model",
    output_class="BaseModelOutputWithPast",
    sliding_window=false
) -%}
class {{ model_class }}({{ prefix }}PreTrainedModel):
    """The bare decoder: token embeddings, decoder layers and a final norm, returning hidden states."""

    def __init__(self, config: {{ config_class }}) -> None:
        super().__init__(config)
        self.padding_idx = config.pad_token_id
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size, self.padding_idx)
        self.layers = nn.ModuleList(
            [{{ prefix }}DecoderLayer(config, layer_idx) for layer_idx in range(config.num_hidden_layers)]
        )
        self.norm = {{ prefix }}RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.rotary_emb = {{ prefix }}RotaryEmbedding(config)
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
    ) -> {{ output_class }}:
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("You must specify exactly one of `input_ids` or `inputs_embeds`.")

        if inputs_embeds is None:
            inputs_embeds = self.embed_tokens(input_ids)

        past_key_values = kwargs.pop("cache", past_key_values)  # generate's name for it from transformers 5.24 on
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
{%- if sliding_window %}

        # Mistral's sliding window: each token attends to the `config.sliding_window` tokens before it (all if None).
        mask_function = create_causal_mask if self.config.sliding_window is None else create_sliding_window_causal_mask
        causal_mask = mask_function(
{%- else %}

        causal_mask = create_causal_mask(
{%- endif %}
            config=self.config,
            inputs_embeds=inputs_embeds,
            attention_mask=attention_mask,
            position_ids=position_ids,
            **{CACHE: past_key_values},
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
        return {{ output_class }}(last_hidden_state=hidden_states, **{CACHE: past_key_values})
{%- endmacro %}


{#- The causal language-modeling head, as `LlamaForCausalLM` (tied to the input embeddings when
`config.tie_word_embeddings`, Llama's parallel plans). Needs torch, nn, Cache, CACHE, GenerationMixin, can_return_tuple,
output_class, <prefix>PreTrainedModel and model_class; defines <prefix>ForCausalLM. A family whose head computes more
(mixtral.causal_lm) adds its code to `forward` as a call block taking the section's name, where it goes: "arguments"
(after `use_cache`), "docstring" (after `labels`), "inputs" (before the base model runs), "model_arguments" (the base
model's, after `use_cache`), "loss" (after the LM loss) and "outputs" (after `attentions`). -#}
{% macro causal_lm(
    prefix=cookiecutter.class_prefix,
    config_class=prefix ~ "Config",
    model_class=prefix ~ "Model",
    output_class="CausalLMOutputWithPast",
    upstream="LlamaForCausalLM"
) -%}
{%- set extend = caller if caller is defined else none -%}
class {{ prefix }}ForCausalLM({{ prefix }}PreTrainedModel, GenerationMixin):
    """The decoder with a language-modeling head, for training with `labels` and for `generate()`."""

    _tied_weights_keys = {"lm_head.weight": "model.embed_tokens.weight"}
    # Parallel plans of the head, as `LlamaForCausalLM`'s (the base model's are in the config).
    _tp_plan = {"lm_head": "colwise_gather_output"}
    _pp_plan = {"lm_head": (["hidden_states"], ["logits"])}
    _fsdp_plan = {"lm_head": "keep_full_weight"}

    def __init__(self, config: {{ config_class }}) -> None:
        super().__init__(config)
        self.model = {{ model_class }}(config)
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

    @can_return_tuple  # `return_dict=False` (argument or config) gives a tuple, as in `{{ upstream }}`
    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.LongTensor | None = None,
        past_key_values: Cache | None = None,
        inputs_embeds: torch.FloatTensor | None = None,
        labels: torch.LongTensor | None = None,
        use_cache: bool | None = None,
        {{- extend("arguments") if extend }}
        logits_to_keep: int | torch.Tensor = 0,
        **kwargs,
    ) -> {{ output_class }}:
        r"""
        labels (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Token ids to predict; the shift by one happens inside the loss. Positions set to -100 are ignored.
        {{- extend("docstring") if extend }}
        logits_to_keep (`int` or `torch.Tensor`, *optional*, defaults to 0):
            If an `int`, compute logits only for the last `logits_to_keep` positions (0 keeps all); generation keeps
            1 and saves memory. If a 1D tensor, the sequence positions to keep.
        """
        {{- extend("inputs") if extend }}
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids,
            past_key_values=past_key_values,
            inputs_embeds=inputs_embeds,
            use_cache=use_cache,
            {{- extend("model_arguments") if extend }}
            return_dict=True,  # whatever `config.return_dict` says, as BERT's heads do (Llama's crash on False)
            **kwargs,
        )
        hidden_states = outputs.last_hidden_state
        slice_indices = slice(-logits_to_keep, None) if isinstance(logits_to_keep, int) else logits_to_keep
        logits = self.lm_head(hidden_states[:, slice_indices, :])

        loss = None
        if labels is not None:
            loss = self.loss_function(logits=logits, labels=labels, vocab_size=self.config.vocab_size, **kwargs)
        {{- extend("loss") if extend }}

        return {{ output_class }}(
            loss=loss,
            logits=logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
            {{- extend("outputs") if extend }}
            **{CACHE: getattr(outputs, CACHE)},
        )
{%- endmacro %}


{#- Sequence classification on the last real token, as `LlamaForSequenceClassification`. Needs torch, nn, Cache,
CACHE, can_return_tuple, SequenceClassifierOutputWithPast, <prefix>PreTrainedModel and model_class; defines
<prefix>ForSequenceClassification. -#}
{% macro sequence_classification(
    prefix=cookiecutter.class_prefix, config_class=prefix ~ "Config", model_class=prefix ~ "Model"
) -%}
class {{ prefix }}ForSequenceClassification({{ prefix }}PreTrainedModel):
    """The decoder with a linear head on the last non-padding token, as `LlamaForSequenceClassification`."""

    def __init__(self, config: {{ config_class }}) -> None:
        super().__init__(config)
        self.num_labels = config.num_labels
        self.model = {{ model_class }}(config)
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
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
            **{CACHE: getattr(outputs, CACHE)},
        )
{%- endmacro %}


{#- The parallel plans of a Llama-math base model, as `LlamaConfig`'s: tensor (tp_plan) and pipeline (pp_plan)
parallel. Call each indented, in the config class. embeddings: also plan the input embeddings, which transformers adds
to a base model's plan itself from 5.24 only (a model whose head may share them: a tied head needs both split). -#}
{% macro tp_plan(embeddings=false) -%}
    # Tensor parallel plan of the base model, as `LlamaConfig`'s (same module names): the query/key/value and MLP up
    # projections split by output features (whole heads per process), the attention output and MLP down projections by
    # input features.
{%- if embeddings %} The input embeddings are split by vocabulary, as transformers plans Llama's from 5.24:
    # declared here so that earlier releases split them too, alike the language-model head (`lm_head`, in the head's
    # `_tp_plan`) that may share their weight.
{%- else %} transformers adds the input embeddings (`embed_tokens`, split by vocabulary) from 5.24, as for
    # Llama; a head's output layer is in its `_tp_plan`.
{%- endif %}
    base_model_tp_plan = {
{%- if embeddings %}
        "embed_tokens": "embedding_rowwise",
{%- endif %}
        "layers.*.self_attn.q_proj": "colwise",
        "layers.*.self_attn.k_proj": "colwise",
        "layers.*.self_attn.v_proj": "colwise",
        "layers.*.self_attn.o_proj": "rowwise",
        "layers.*.mlp.gate_proj": "colwise",
        "layers.*.mlp.up_proj": "colwise",
        "layers.*.mlp.down_proj": "rowwise",
    }
{%- endmacro %}


{% macro pp_plan() -%}
    # Pipeline parallel plan of the base model, as `LlamaConfig`'s: its stages, with what each takes and passes on.
    base_model_pp_plan = {
        "embed_tokens": (["input_ids"], ["inputs_embeds"]),
        "layers": (["hidden_states", "attention_mask"], ["hidden_states"]),
        "norm": (["hidden_states"], ["hidden_states"]),
    }
{%- endmacro %}


{#- The settings of a Llama-math config, `LlamaConfig`'s with the same names and meanings: its `__init__`
(config_init, called indented in the class) and their checks (config_checks, called indented in
`validate_architecture`). Needs RopeParameters, ROPE_TYPES and common.config_checks(). vocab_size: the default
vocabulary size. extra: the family's own settings after Llama's, as (name, annotation, default) strings, assigned as
they are given. -#}
{% macro config_init(vocab_size=32000, extra=()) -%}
    def __init__(
        self,
        vocab_size: int = {{ vocab_size }},
        hidden_size: int = 512,
        intermediate_size: int = 1376,
        num_hidden_layers: int = 8,
        num_attention_heads: int = 8,
        num_key_value_heads: int | None = None,
        head_dim: int | None = None,
        max_position_embeddings: int = 2048,
        rope_parameters: RopeParameters | dict | None = None,
        rms_norm_eps: float = 1e-6,
        initializer_range: float = 0.02,
        attention_dropout: float = 0.0,
        attention_bias: bool = False,
        pad_token_id: int | None = None,
        bos_token_id: int | None = 1,
        eos_token_id: int | list[int] | None = 2,
        tie_word_embeddings: bool = False,
        use_cache: bool = True,
{%- for name, annotation, default in extra %}
        {{ name }}: {{ annotation }} = {{ default }},
{%- endfor %}
        **kwargs,
    ) -> None:
        # Assembling a config never raises, so that partial overrides work as for transformers' own configs;
        # `validate_architecture` says what is wrong when a model is built or the config is saved.
        if num_key_value_heads is None:
            num_key_value_heads = num_attention_heads
        if head_dim is None and all(isinstance(size, int) and size > 0 for size in (hidden_size, num_attention_heads)):
            head_dim = hidden_size // num_attention_heads
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.intermediate_size = intermediate_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.num_key_value_heads = num_key_value_heads
        self.max_position_embeddings = max_position_embeddings
        # transformers completes it in `super().__init__`: `rope_type` and `rope_theta` defaults, and the legacy
        # `rope_theta` / `rope_scaling` keyword arguments (older config.json files) moved into it.
        self.rope_parameters = dict(rope_parameters) if rope_parameters is not None else None
        self.rms_norm_eps = rms_norm_eps
        self.initializer_range = initializer_range
        self.attention_dropout = attention_dropout
        self.attention_bias = attention_bias
        self.pad_token_id = pad_token_id
        self.bos_token_id = bos_token_id
        self.eos_token_id = eos_token_id
        self.tie_word_embeddings = tie_word_embeddings
        self.use_cache = use_cache
{%- for name, annotation, default in extra %}
        self.{{ name }} = {{ name }}
{%- endfor %}
        super().__init__(**kwargs)
        # After the checks transformers runs while a config is assembled (from 5.25 they refuse an odd `head_dim`):
        # `validate_architecture` names the setting that makes it odd when a model is built or the config is saved.
        self.head_dim = head_dim
{%- endmacro %}


{% macro config_checks() -%}
check_positive_integers(self, "vocab_size", "hidden_size", "intermediate_size", "max_position_embeddings")
        check_positive_integers(self, "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim")
        check_divisible(self, "hidden_size", "num_attention_heads", "as Llama requires")
        check_divisible(
            self, "num_attention_heads", "num_key_value_heads", "each key/value head serves a group of query heads"
        )
        if self.head_dim % 2 != 0:
            raise ValueError(f"`head_dim` ({self.head_dim}) must be even for rotary position embeddings.")
        rope_parameters = self.rope_parameters or {}
        rope_type = rope_parameters.get("rope_type", "default")
        if rope_type not in ROPE_TYPES:
            raise ValueError(
                f"`rope_parameters` has rope_type {rope_type!r}, which this model does not implement: use one of "
                f"{', '.join(ROPE_TYPES)}."
            )
        rope_theta = rope_parameters.get("rope_theta")
        if not (is_number(rope_theta) and rope_theta > 0):
            raise ValueError(f"`rope_parameters['rope_theta']` must be positive, got {rope_theta!r}.")
        check_probabilities(self, "attention_dropout")
        check_positive_numbers(self, "rms_norm_eps", "initializer_range")
        check_token_ids(self, "pad_token_id", "bos_token_id")
{%- endmacro %}
