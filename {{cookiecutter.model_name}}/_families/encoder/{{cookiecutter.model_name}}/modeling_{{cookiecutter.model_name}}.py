{%- import "common.py" as common with context -%}
"""PyTorch {{ cookiecutter.class_prefix }} model: a bidirectional encoder with the math of BERT.

The blocks follow `transformers.models.bert.modeling_bert` (word + learned absolute position + token type embeddings,
post-norm layers, GELU MLP, optional pooler) with BERT's parameter names inside the base model (`embeddings.*`,
`encoder.layer.N.attention.self.query`, ...), so BERT checkpoints convert with a short rename table and tools that
target BERT module names (PEFT `target_modules=["query", "value"]`, quantizers) work unchanged.
"""

from collections.abc import Callable

import torch
from torch import nn
from transformers import PreTrainedModel
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.masking_utils import create_bidirectional_mask
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import (
    BaseModelOutput,
    BaseModelOutputWithPooling,
    MaskedLMOutput,
    SequenceClassifierOutput,
    TokenClassifierOutput,
)
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS
from transformers.utils.generic import can_return_tuple, merge_with_config_defaults
from transformers.utils.output_capturing import capture_outputs

from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config


class {{ cookiecutter.class_prefix }}Embeddings(nn.Module):
    """Word + learned absolute position + token type embeddings, then LayerNorm and dropout, as `BertEmbeddings`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        # Not saved in checkpoints: `_init_weights` re-creates them after `from_pretrained`.
        self.register_buffer(
            "position_ids", torch.arange(config.max_position_embeddings).expand((1, -1)), persistent=False
        )
        self.register_buffer(
            "token_type_ids", torch.zeros(1, config.max_position_embeddings, dtype=torch.long), persistent=False
        )

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        token_type_ids: torch.LongTensor | None = None,
        position_ids: torch.LongTensor | None = None,
        inputs_embeds: torch.FloatTensor | None = None,
    ) -> torch.Tensor:
        if inputs_embeds is None:
            inputs_embeds = self.word_embeddings(input_ids)
        batch_size, seq_length = inputs_embeds.shape[:2]
        if seq_length > self.position_ids.shape[-1]:
            raise ValueError(
                f"The sequence has {seq_length} tokens, more than `max_position_embeddings` "
                f"({self.position_ids.shape[-1]}): truncate the input."
            )
        if position_ids is None:
            position_ids = self.position_ids[:, :seq_length]
        if token_type_ids is None:
            token_type_ids = self.token_type_ids[:, :seq_length].expand(batch_size, seq_length)

        embeddings = inputs_embeds + self.token_type_embeddings(token_type_ids)
        embeddings = embeddings + self.position_embeddings(position_ids)
        embeddings = self.LayerNorm(embeddings)
        return self.dropout(embeddings)


{{ common.eager_attention(boolean_mask=true) }}


class {{ cookiecutter.class_prefix }}SelfAttention(nn.Module):
    """Bidirectional multi-head self-attention, as `BertSelfAttention` (without the decoder cache)."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__()
        self.config = config
        self.head_dim = config.head_dim
        self.scaling = self.head_dim**-0.5
        self.attention_dropout = config.attention_probs_dropout_prob
        self.is_causal = False  # read by the sdpa / flash backends: every token sees every other token

        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        **kwargs,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        input_shape = hidden_states.shape[:-1]
        hidden_shape = (*input_shape, -1, self.head_dim)

        query_states = self.query(hidden_states).view(hidden_shape).transpose(1, 2)
        key_states = self.key(hidden_states).view(hidden_shape).transpose(1, 2)
        value_states = self.value(hidden_states).view(hidden_shape).transpose(1, 2)

        {{ common.attention_interface() }}
        attn_output = attn_output.reshape(*input_shape, -1).contiguous()
        return attn_output, attn_weights


class {{ cookiecutter.class_prefix }}SelfOutput(nn.Module):
    """Attention output projection, dropout, then post-norm residual, as `BertSelfOutput`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, input_tensor: torch.Tensor) -> torch.Tensor:
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class {{ cookiecutter.class_prefix }}Attention(nn.Module):
    """Self-attention followed by its output block, as `BertAttention`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__()
        self.self = {{ cookiecutter.class_prefix }}SelfAttention(config)
        self.output = {{ cookiecutter.class_prefix }}SelfOutput(config)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        **kwargs,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        attention_output, attn_weights = self.self(hidden_states, attention_mask=attention_mask, **kwargs)
        return self.output(attention_output, hidden_states), attn_weights


class {{ cookiecutter.class_prefix }}Intermediate(nn.Module):
    """First half of the MLP: up projection and activation (GELU by default), as `BertIntermediate`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.activation = ACT2FN[config.hidden_act]

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.activation(self.dense(hidden_states))


class {{ cookiecutter.class_prefix }}Output(nn.Module):
    """Second half of the MLP: down projection, dropout, then post-norm residual, as `BertOutput`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, input_tensor: torch.Tensor) -> torch.Tensor:
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class {{ cookiecutter.class_prefix }}Layer(GradientCheckpointingLayer):
    """Post-norm encoder layer: norm(x + attention(x)), then norm(x + mlp(x)), as `BertLayer`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__()
        self.attention = {{ cookiecutter.class_prefix }}Attention(config)
        self.intermediate = {{ cookiecutter.class_prefix }}Intermediate(config)
        self.output = {{ cookiecutter.class_prefix }}Output(config)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        **kwargs,
    ) -> torch.Tensor:
        attention_output, _ = self.attention(hidden_states, attention_mask=attention_mask, **kwargs)
        return self.output(self.intermediate(attention_output), attention_output)


class {{ cookiecutter.class_prefix }}Encoder(nn.Module):
    """The stack of encoder layers, as `BertEncoder`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__()
        self.layer = nn.ModuleList([{{ cookiecutter.class_prefix }}Layer(config) for _ in range(config.num_hidden_layers)])

    def forward(
        self, hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None, **kwargs
    ) -> BaseModelOutput:
        for encoder_layer in self.layer:
            hidden_states = encoder_layer(hidden_states, attention_mask=attention_mask, **kwargs)
        return BaseModelOutput(last_hidden_state=hidden_states)


class {{ cookiecutter.class_prefix }}Pooler(nn.Module):
    """Dense + tanh on the first token (`[CLS]`), as `BertPooler`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.activation(self.dense(hidden_states[:, 0]))


class {{ cookiecutter.class_prefix }}PredictionHeadTransform(nn.Module):
    """Dense, activation and LayerNorm before the masked-LM decoder, as `BertPredictionHeadTransform`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = ACT2FN[config.hidden_act]
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.activation(self.dense(hidden_states)))


class {{ cookiecutter.class_prefix }}LMPredictionHead(nn.Module):
    """Masked-LM head: transform, then a decoder onto the vocabulary, as `BertLMPredictionHead`.

    The decoder weight is tied to the word embeddings (`tie_word_embeddings`); its bias is BERT's
    `cls.predictions.bias`, kept inside the decoder so that resizing the vocabulary resizes it too.
    """

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__()
        self.transform = {{ cookiecutter.class_prefix }}PredictionHeadTransform(config)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.transform(hidden_states))


class {{ cookiecutter.class_prefix }}PreTrainedModel(PreTrainedModel):
    config_class = {{ cookiecutter.class_prefix }}Config
    base_model_prefix = "model"
    _no_split_modules = ["{{ cookiecutter.class_prefix }}Embeddings", "{{ cookiecutter.class_prefix }}Layer"]
    # `output_hidden_states` / `output_attentions` are recorded by hooks on these modules (`capture_outputs`).
    _can_record_outputs = {
        "hidden_states": {{ cookiecutter.class_prefix }}Layer,
        "attentions": {{ cookiecutter.class_prefix }}SelfAttention,
    }
    {{ common.pretrained_model() }}

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        # Linear and Embedding: normal(0, initializer_range), biases zero, padding row zero.
        super()._init_weights(module)
        if isinstance(module, nn.LayerNorm):
            init.ones_(module.weight)
            init.zeros_(module.bias)
        elif isinstance(module, {{ cookiecutter.class_prefix }}LMPredictionHead):
            init.zeros_(module.decoder.bias)
        elif isinstance(module, {{ cookiecutter.class_prefix }}Embeddings):
            # Non-persistent buffers are not in checkpoints: re-create them, or they hold garbage after loading.
            positions = torch.arange(module.position_ids.shape[-1], device=module.position_ids.device)
            init.copy_(module.position_ids, positions.expand((1, -1)))
            init.zeros_(module.token_type_ids)


class {{ cookiecutter.class_prefix }}Model({{ cookiecutter.class_prefix }}PreTrainedModel):
    """The bare encoder: embeddings, encoder layers and (optionally) the pooler, as `BertModel`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config, add_pooling_layer: bool | None = None) -> None:
        r"""
        add_pooling_layer (`bool`, *optional*):
            Whether to build the pooler; defaults to `config.add_pooling_layer`. The heads set it themselves.
        """
        super().__init__(config)
        if add_pooling_layer is None:
            add_pooling_layer = config.add_pooling_layer
        self.embeddings = {{ cookiecutter.class_prefix }}Embeddings(config)
        self.encoder = {{ cookiecutter.class_prefix }}Encoder(config)
        self.pooler = {{ cookiecutter.class_prefix }}Pooler(config) if add_pooling_layer else None
        self.gradient_checkpointing = False
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embeddings.word_embeddings = value

    # As `BertModel`: `capture_outputs` records `output_hidden_states` / `output_attentions` and returns a tuple for
    # `return_dict=False`.
    @merge_with_config_defaults
    @capture_outputs
    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.LongTensor | None = None,
        position_ids: torch.LongTensor | None = None,
        inputs_embeds: torch.FloatTensor | None = None,
        **kwargs,
    ) -> BaseModelOutputWithPooling:
        r"""
        attention_mask (`torch.Tensor` of shape `(batch_size, sequence_length)`, *optional*):
            1 for real tokens, 0 for padding; no token attends to padding, in every attention backend.
        token_type_ids (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Segment of each token (0 for the first sentence, 1 for the second); all 0 by default.
        """
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("You must specify exactly one of `input_ids` or `inputs_embeds`.")

        embedding_output = self.embeddings(
            input_ids=input_ids,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
        )
        # The padding mask in the form the configured attention backend expects (None when nothing is masked).
        # Positional arguments: the name of the second one changed across transformers 5 releases.
        attention_mask = create_bidirectional_mask(self.config, embedding_output, attention_mask)

        sequence_output = self.encoder(embedding_output, attention_mask=attention_mask, **kwargs).last_hidden_state
        pooled_output = self.pooler(sequence_output) if self.pooler is not None else None
        return BaseModelOutputWithPooling(last_hidden_state=sequence_output, pooler_output=pooled_output)


class {{ cookiecutter.class_prefix }}ForMaskedLM({{ cookiecutter.class_prefix }}PreTrainedModel):
    """The encoder with a masked-language-modeling head, as `BertForMaskedLM`."""

    _tied_weights_keys = {"lm_head.decoder.weight": "model.embeddings.word_embeddings.weight"}

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__(config)
        self.model = {{ cookiecutter.class_prefix }}Model(config, add_pooling_layer=False)
        self.lm_head = {{ cookiecutter.class_prefix }}LMPredictionHead(config)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.model.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.model.embeddings.word_embeddings = value

    def get_output_embeddings(self) -> nn.Linear:
        return self.lm_head.decoder

    def set_output_embeddings(self, new_embeddings: nn.Linear) -> None:
        self.lm_head.decoder = new_embeddings

    @can_return_tuple  # `return_dict=False` (argument or config) gives a tuple, as in BERT's heads
    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.LongTensor | None = None,
        position_ids: torch.LongTensor | None = None,
        inputs_embeds: torch.FloatTensor | None = None,
        labels: torch.LongTensor | None = None,
        **kwargs,
    ) -> MaskedLMOutput:
        r"""
        labels (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Token ids to predict at the masked positions; positions set to -100 (the unmasked ones) are ignored.
        """
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
            return_dict=True,  # whatever `config.return_dict` says, as BERT's heads do
            **kwargs,
        )
        logits = self.lm_head(outputs.last_hidden_state)

        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(
                logits.view(-1, self.config.vocab_size).float(), labels.to(logits.device).view(-1), ignore_index=-100
            )

        return MaskedLMOutput(
            loss=loss,
            logits=logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )


class {{ cookiecutter.class_prefix }}ForSequenceClassification({{ cookiecutter.class_prefix }}PreTrainedModel):
    """The encoder with a linear head on the pooled first token, as `BertForSequenceClassification`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__(config)
        self.num_labels = config.num_labels
        self.model = {{ cookiecutter.class_prefix }}Model(config, add_pooling_layer=True)
        classifier_dropout = (
            config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        )
        self.dropout = nn.Dropout(classifier_dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.model.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.model.embeddings.word_embeddings = value

    @can_return_tuple
    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.LongTensor | None = None,
        position_ids: torch.LongTensor | None = None,
        inputs_embeds: torch.FloatTensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs,
    ) -> SequenceClassifierOutput:
        r"""
        labels (`torch.Tensor` of shape `(batch_size,)` or `(batch_size, num_labels)`, *optional*):
            Class indices (cross-entropy), targets (mean-squared error if `config.num_labels == 1`), or multi-hot
            floats (binary cross-entropy); `config.problem_type` chooses, as in BERT.
        """
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
            return_dict=True,  # whatever `config.return_dict` says, as BERT's heads do
            **kwargs,
        )
        logits = self.classifier(self.dropout(outputs.pooler_output))

        loss = None
        if labels is not None:
            labels = labels.to(logits.device)
            if self.config.problem_type is None:
                if self.num_labels == 1:
                    self.config.problem_type = "regression"
                elif labels.dtype in (torch.long, torch.int):
                    self.config.problem_type = "single_label_classification"
                else:
                    self.config.problem_type = "multi_label_classification"
            if self.config.problem_type == "regression":
                loss = nn.functional.mse_loss(logits.squeeze(-1), labels.squeeze(-1).to(logits.dtype))
            elif self.config.problem_type == "single_label_classification":
                loss = nn.functional.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1))
            else:
                loss = nn.functional.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))

        return SequenceClassifierOutput(
            loss=loss,
            logits=logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )


class {{ cookiecutter.class_prefix }}ForTokenClassification({{ cookiecutter.class_prefix }}PreTrainedModel):
    """The encoder with a linear head on every token, as `BertForTokenClassification`."""

    def __init__(self, config: {{ cookiecutter.class_prefix }}Config) -> None:
        super().__init__(config)
        self.num_labels = config.num_labels
        self.model = {{ cookiecutter.class_prefix }}Model(config, add_pooling_layer=False)
        classifier_dropout = (
            config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        )
        self.dropout = nn.Dropout(classifier_dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.model.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.model.embeddings.word_embeddings = value

    @can_return_tuple
    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.LongTensor | None = None,
        position_ids: torch.LongTensor | None = None,
        inputs_embeds: torch.FloatTensor | None = None,
        labels: torch.LongTensor | None = None,
        **kwargs,
    ) -> TokenClassifierOutput:
        r"""
        labels (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Class index of each token; positions set to -100 (padding, special tokens) are ignored.
        """
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
            return_dict=True,  # whatever `config.return_dict` says, as BERT's heads do
            **kwargs,
        )
        logits = self.classifier(self.dropout(outputs.last_hidden_state))

        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(
                logits.view(-1, self.num_labels), labels.to(logits.device).view(-1), ignore_index=-100
            )

        return TokenClassifierOutput(
            loss=loss,
            logits=logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )


{{ common.auto_classes({
    "Model": "AutoModel",
    "ForMaskedLM": "AutoModelForMaskedLM",
    "ForSequenceClassification": "AutoModelForSequenceClassification",
    "ForTokenClassification": "AutoModelForTokenClassification",
}) }}
