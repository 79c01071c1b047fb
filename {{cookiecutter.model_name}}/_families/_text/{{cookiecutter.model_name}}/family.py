{%- import "common.py" as common with context -%}
"""What publishing needs to know about this model family: its task, default head, tokenizer and usage snippet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from transformers import PretrainedConfig, PreTrainedTokenizerBase

from .inputs import check_tokenizer, load_tokenizer
from .train_tokenizer import train_tokenizer
from .usage import code_block, export_notes, run_model

PIPELINE_TAG = "text-generation"
DEFAULT_HEAD = "ForCausalLM"
{%- if cookiecutter.architecture == "moe" %}
DESCRIPTION = (
    "A sparse mixture-of-experts decoder with the math of Mixtral: RMSNorm, rotary position embeddings, grouped-query "
    "attention with an optional sliding window, and in each layer a router that sends every token to its top-k "
    "SwiGLU experts (softmax, top-k, weights renormalised), trained with a load-balancing auxiliary loss. Its code "
    "loads with `trust_remote_code=True`; the tokenizer is a standard fast tokenizer and needs no remote code."
)
{%- else %}
DESCRIPTION = (
    "A decoder-only transformer with the math of Llama: RMSNorm, rotary position embeddings, grouped-query "
    "attention, a SwiGLU MLP and pre-norm residual connections. Its code loads with `trust_remote_code=True`; "
    "the tokenizer is a standard fast tokenizer and needs no remote code."
)
{%- endif %}
{{ common.tokenizer_processor() }}
{%- if cookiecutter.architecture == "moe" %}
# The native transformers model that `convert_mixtral_to_<name>.py` converts from (its model_type).
CONVERTS_FROM = "mixtral"
# The linear layers LoRA adapts (`peft.LoraConfig(target_modules=...)`): the attention projections of every decoder
# layer, with Mixtral's names. peft picks its defaults by model type, and knows none for a custom one: name them.
LORA_TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj"]
# The experts' fused weights (`gate_up_proj`, `down_proj`: 3D parameters) and the router's (`gate.weight`) are no
# `nn.Linear` layers: LoRA adapts them as parameters (`target_parameters`). That is what peft adapts for Mixtral with
# `target_modules="all-linear"` (keyed on its model type: for this model "all-linear" adapts the attention alone),
# with twice the rank and alpha for `gate_up_proj`, two projections in one: here for the card's r=8, lora_alpha=16
# (publish.py).
EXPERTS_LORA: dict[str, Any] = {
    "target_parameters": ["gate.weight", "gate_up_proj", "down_proj"],
    "rank_pattern": {"gate_up_proj": 16},
    "alpha_pattern": {"gate_up_proj": 32},
}
{%- else %}
# The native transformers model that `convert_llama_to_<name>.py` converts from (its model_type).
CONVERTS_FROM = "llama"
# The linear layers LoRA adapts (`peft.LoraConfig(target_modules=...)`): every projection of every decoder layer,
# with Llama's names. peft picks its defaults by model type, and knows none for a custom one: name them.
# `target_modules="all-linear"` adapts the same layers (every linear layer but the output layer).
LORA_TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
{%- endif %}
# Auto class of a head -> the other `LoraConfig` settings it takes: peft's task type (SEQ_CLS also trains the new
# `score` head in full){% if cookiecutter.architecture == "moe" %}, and the experts' parameters (EXPERTS_LORA){% endif %}.
LORA_OPTIONS: dict[str, dict[str, Any]] = {
{%- if cookiecutter.architecture == "moe" %}
    "AutoModelForCausalLM": {"task_type": "CAUSAL_LM", **EXPERTS_LORA},
    "AutoModelForSequenceClassification": {"task_type": "SEQ_CLS", **EXPERTS_LORA},
{%- else %}
    "AutoModelForCausalLM": {"task_type": "CAUSAL_LM"},
    "AutoModelForSequenceClassification": {"task_type": "SEQ_CLS"},
{%- endif %}
}
{%- if cookiecutter.architecture == "moe" %}
# No ONNX export, as none of Mixtral's: its experts (transformers' `grouped_mm`) have no ONNX translation.
ONNX_EXPORT = False
# The model card's note on torch.compile, torch.export, static-cache generation and ONNX.
EXPORT_NOTES = export_notes("Mixtral", onnx=ONNX_EXPORT, cache=True, static_cache=True)
{%- else %}
# ONNX export (`torch.onnx.export(..., dynamo=True)`, run with onnxruntime), as Llama's:
# tests/shared/test_compile_export.py.
ONNX_EXPORT = True
# The model card's note on torch.compile, torch.export, static-cache generation and ONNX.
EXPORT_NOTES = export_notes("Llama", onnx=ONNX_EXPORT, cache=True, static_cache=True)
{%- endif %}


def load_processor(folder: Path, config: PretrainedConfig) -> PreTrainedTokenizerBase:
    """The tokenizer saved in `folder`, loaded with transformers' own classes: no code from the folder runs."""
    return load_tokenizer(folder, config)


def default_processor(config: PretrainedConfig) -> PreTrainedTokenizerBase:
    """The default processor: a byte-level BPE tokenizer trained on the shipped corpus (see train_tokenizer.py)."""
    return train_tokenizer()


def check_processor(tokenizer: PreTrainedTokenizerBase, config: PretrainedConfig) -> None:
    """Refuse a tokenizer that would feed the model ids it cannot embed or special ids it does not expect."""
    check_tokenizer(tokenizer, config, ("pad_token_id", "bos_token_id", "eos_token_id"))


def reference_inputs(config: PretrainedConfig) -> dict[str, torch.Tensor]:
    """The fixed inputs of the reference record (record.py): two rows of 8 token ids that avoid the special ids, the
    second padded on the right after 5 tokens, as the tokenizer pads a batch."""
    special = sorted({config.pad_token_id, config.bos_token_id, config.eos_token_id} - {None})
    input_ids = torch.randint(0, config.vocab_size - len(special), (2, 8), generator=torch.Generator().manual_seed(0))
    for token_id in special:  # shift past each special id: every id stays in the vocabulary
        input_ids += (input_ids >= token_id).long()
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 5:] = 0
    input_ids[1, 5:] = config.pad_token_id or 0
    return {"input_ids": input_ids, "attention_mask": attention_mask}


def usage_code(repo_id: str, auto_class: str) -> str:
    """A Markdown code block that loads the published model, pinned to a revision, and runs it."""
    imports = ["import torch", f"from transformers import AutoTokenizer, {auto_class}"]
    generates = auto_class == "AutoModelForCausalLM"
    lines = [
        'inputs = tokenizer("The capital of France is", return_tensors="pt")',
        *run_model(generates, "tokenizer.decode(output[0], skip_special_tokens=True)"),
    ]
    return code_block(imports, repo_id, lines, {"tokenizer": "AutoTokenizer", "model": auto_class})


def library_files(checkpoint: Path) -> None:
    """The files of another library that a checkpoint carries into its release (see publish.py): none here."""
    return None
