{%- set prefix = prefix | default(cookiecutter.class_prefix) -%}
{%- set config_class = config_class | default(prefix ~ "Config") -%}
{%- set model_class = model_class | default(prefix ~ "Model") -%}
{%- set output_class = output_class | default("BaseModelOutputWithPast") -%}
{%- set sliding_window = sliding_window | default(false) -%}
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
        return {{ output_class }}(last_hidden_state=hidden_states, past_key_values=past_key_values)
{#- Llama's bare decoder. Needs torch, nn, Cache, DynamicCache, create_causal_mask, merge_with_config_defaults,
capture_outputs, the output class and the <prefix>PreTrainedModel, <prefix>DecoderLayer, <prefix>RMSNorm and
<prefix>RotaryEmbedding classes; defines `model_class` (default <prefix>Model). `output_class` (default
BaseModelOutputWithPast): what forward returns. `sliding_window` (default false): Mistral's sliding-window causal mask
when `config.sliding_window` is set (needs create_sliding_window_causal_mask). -#}
