{%- set prefix = prefix | default(cookiecutter.class_prefix) -%}
{%- set config_class = config_class | default(prefix ~ "Config") -%}
{%- set model_class = model_class | default(prefix ~ "Model") -%}
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
            past_key_values=outputs.past_key_values,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )
{#- Llama's sequence classification head (last real token). Needs torch, nn, Cache, can_return_tuple,
SequenceClassifierOutputWithPast and the <prefix>PreTrainedModel and `model_class` (default <prefix>Model) classes;
defines <prefix>ForSequenceClassification. -#}
