"""What publishing needs to know about this model family: its task, default head, tokenizer and usage snippet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import AutoTokenizer, PretrainedConfig, PreTrainedTokenizerBase

from .cli import CommandError
from .train_tokenizer import train_tokenizer

PIPELINE_TAG = "text-generation"
DEFAULT_HEAD = "ForCausalLM"
DESCRIPTION = (
    "A decoder-only transformer with the math of Llama: RMSNorm, rotary position embeddings, grouped-query "
    "attention, a SwiGLU MLP and pre-norm residual connections. Its code loads with `trust_remote_code=True`; "
    "the tokenizer is a standard fast tokenizer and needs no remote code."
)
PROCESSOR_FILE = "tokenizer_config.json"
Processor = PreTrainedTokenizerBase
# The tokenizer is a standard one: its files name no code of their own (no `auto_map`).
PROCESSOR_AUTO_MAP: dict[str, str] = {}
# The native transformers model that `convert_llama_to_<name>.py` converts from (its model_type).
CONVERTS_FROM = "llama"
# The linear layers LoRA adapts (`peft.LoraConfig(target_modules=...)`): every projection of every decoder layer,
# with Llama's names. peft picks its defaults by model type, and knows none for a custom one: name them.
# `target_modules="all-linear"` adapts the same layers (every linear layer but the output layer).
LORA_TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
# Auto class of a head -> the other `LoraConfig` settings it takes: peft's task type (SEQ_CLS also trains the new
# `score` head in full).
LORA_OPTIONS: dict[str, dict[str, Any]] = {
    "AutoModelForCausalLM": {"task_type": "CAUSAL_LM"},
    "AutoModelForSequenceClassification": {"task_type": "SEQ_CLS"},
}


def load_processor(folder: Path, config: PretrainedConfig) -> PreTrainedTokenizerBase:
    """The tokenizer saved in `folder`, loaded with transformers' own classes: no code from the folder runs."""
    try:
        # With `config` given, AutoTokenizer does not read the folder's config.json (and its auto_map) again.
        return AutoTokenizer.from_pretrained(folder, config=config, trust_remote_code=False)
    except (OSError, ValueError) as error:  # missing or unreadable files, an unknown tokenizer class
        raise CommandError(f"cannot load the tokenizer in {folder}: {error}") from error


def default_processor(config: PretrainedConfig) -> PreTrainedTokenizerBase:
    """The default processor: a byte-level BPE tokenizer trained on the shipped corpus (see train_tokenizer.py)."""
    return train_tokenizer()


def check_processor(tokenizer: PreTrainedTokenizerBase, config: PretrainedConfig) -> None:
    """Refuse a tokenizer that would feed the model ids it cannot embed or special ids it does not expect."""
    if len(tokenizer) > config.vocab_size:
        raise CommandError(
            f"the tokenizer has {len(tokenizer)} tokens but the model's vocab_size is {config.vocab_size}: "
            "ids past the embedding table would crash the model; save a tokenizer that fits, or a model with a larger "
            "vocab_size."
        )
    for name in ("pad_token_id", "bos_token_id", "eos_token_id"):
        model_id, tokenizer_id = getattr(config, name), getattr(tokenizer, name)
        if model_id is not None and tokenizer_id is not None and model_id != tokenizer_id:
            raise CommandError(
                f"the config's {name} is {model_id} but the tokenizer's is {tokenizer_id}: make them equal."
            )


def usage_code(repo_id: str, auto_class: str) -> str:
    """A Markdown code block that loads the published model, pinned to a revision, and runs it."""
    head = [
        "import torch",
        f"from transformers import AutoTokenizer, {auto_class}",
        "",
        f'repo_id = "{repo_id}"',
        'revision = "<commit sha>"  # the commit you reviewed',
        "tokenizer = AutoTokenizer.from_pretrained(repo_id, trust_remote_code=True, revision=revision)",
        f"model = {auto_class}.from_pretrained(repo_id, trust_remote_code=True, revision=revision)",
        "",
        'inputs = tokenizer("The capital of France is", return_tensors="pt")',
    ]
    if auto_class == "AutoModelForCausalLM":
        run = [
            "output = model.generate(**inputs, max_new_tokens=20, do_sample=False)",
            "print(tokenizer.decode(output[0], skip_special_tokens=True))",
        ]
    else:
        run = ["with torch.no_grad():", "    outputs = model(**inputs)"]
    return "\n".join(["```python", *head, *run, "```"])


def library_files(checkpoint: Path) -> None:
    """The files of another library that a checkpoint carries into its release (see publish.py): none here."""
    return None
