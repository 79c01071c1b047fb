r"""Convert a native transformers Llama checkpoint folder into a {{ cookiecutter.class_prefix }} checkpoint.

    python -m {{ cookiecutter.model_name }}.convert_llama_to_{{ cookiecutter.model_name }} \
        --input path/to/llama --output checkpoints/{{ cookiecutter.model_name }}

The input is a folder written by `LlamaModel`, `LlamaForCausalLM` or `LlamaForSequenceClassification`
`.save_pretrained()` (safetensors, sharded or not). Every tensor name and shape is checked against the target model:
a missing, unexpected or mis-shaped tensor stops the conversion with a report, nothing is loaded silently. Tokenizer
files found in the input folder are copied next to the converted model.
"""

from __future__ import annotations

import copy
from pathlib import Path

import torch
from transformers import LlamaConfig, PreTrainedConfig

from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config
from .conversion import (
    ConversionError,
    check_input,
    copy_files,
    load_checked,
    load_safetensors,
    load_source_config,
    run_cli,
)
from .modeling_{{ cookiecutter.model_name }} import (
    {{ cookiecutter.class_prefix }}ForCausalLM,
    {{ cookiecutter.class_prefix }}ForSequenceClassification,
    {{ cookiecutter.class_prefix }}Model,
    {{ cookiecutter.class_prefix }}PreTrainedModel,
)

# Llama head class -> our head class. Parameter names are the same as Llama's inside each head.
HEADS: dict[str, type[{{ cookiecutter.class_prefix }}PreTrainedModel]] = {
    "LlamaModel": {{ cookiecutter.class_prefix }}Model,
    "LlamaForCausalLM": {{ cookiecutter.class_prefix }}ForCausalLM,
    "LlamaForSequenceClassification": {{ cookiecutter.class_prefix }}ForSequenceClassification,
}
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "tokenizer.model",
    "chat_template.jinja",
    "generation_config.json",
)


def convert_config(llama_config: PreTrainedConfig) -> {{ cookiecutter.class_prefix }}Config:
    """Map a `LlamaConfig` onto ours (RoPE scaling and `head_dim` included), refusing what this model does not
    implement."""
    if llama_config.model_type != "llama":
        raise ConversionError(f"expected a Llama checkpoint (model_type 'llama'), got {llama_config.model_type!r}.")
    unsupported = {
        "hidden_act": (llama_config.hidden_act, "silu"),
        "mlp_bias": (llama_config.mlp_bias, False),
        "pretraining_tp": (getattr(llama_config, "pretraining_tp", 1) or 1, 1),
    }
    for name, (value, supported) in unsupported.items():
        if value != supported:
            raise ConversionError(f"Llama option {name}={value!r} is not supported (only {supported!r}).")
    config = {{ cookiecutter.class_prefix }}Config(
        vocab_size=llama_config.vocab_size,
        hidden_size=llama_config.hidden_size,
        intermediate_size=llama_config.intermediate_size,
        num_hidden_layers=llama_config.num_hidden_layers,
        num_attention_heads=llama_config.num_attention_heads,
        num_key_value_heads=llama_config.num_key_value_heads,
        head_dim=getattr(llama_config, "head_dim", None),
        max_position_embeddings=llama_config.max_position_embeddings,
        # Already standardised by `LlamaConfig` (a legacy `rope_scaling` / `rope_theta` is read into it).
        rope_parameters=copy.deepcopy(llama_config.rope_parameters),
        rms_norm_eps=llama_config.rms_norm_eps,
        initializer_range=llama_config.initializer_range,
        attention_dropout=llama_config.attention_dropout,
        attention_bias=llama_config.attention_bias,
        pad_token_id=llama_config.pad_token_id,
        bos_token_id=llama_config.bos_token_id,
        eos_token_id=llama_config.eos_token_id,
        tie_word_embeddings=llama_config.tie_word_embeddings,
        use_cache=llama_config.use_cache,
        id2label=llama_config.id2label,
        label2id=llama_config.label2id,
        dtype=llama_config.dtype,
    )
    try:
        config.validate_architecture()
    except ValueError as error:  # e.g. a RoPE type this model does not implement
        raise ConversionError(f"the Llama config does not fit this model: {error}") from error
    return config


def rename_keys(state_dict: dict[str, torch.Tensor], base_only: bool) -> dict[str, torch.Tensor]:
    """Llama names -> ours. A bare `LlamaModel` saves without the `model.` prefix that our heads use."""
    if base_only:
        return {key.removeprefix("model."): tensor for key, tensor in state_dict.items()}
    return dict(state_dict)


def convert(input_dir: Path, output_dir: Path) -> list[str]:
    """Convert `input_dir` (a Llama folder) into `output_dir`; return the report lines."""
    # Before anything else: refuse a folder of another model, of this project, or one that names code to run.
    architecture = check_input(input_dir, "Llama", "llama", HEADS, default_head="LlamaForCausalLM")
    model_class = HEADS[architecture]
    llama_config = load_source_config(LlamaConfig, input_dir, "Llama")
    config = convert_config(llama_config)
    converted = rename_keys(load_safetensors(input_dir), base_only=model_class is {{ cookiecutter.class_prefix }}Model)

    model, report = load_checked(model_class, config, converted)

    output_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output_dir)
    report.append(copy_files(input_dir, output_dir, TOKENIZER_FILES))
    return report


def main(argv: list[str] | None = None) -> int:
    return run_cli(convert, __doc__, "Llama", argv)


if __name__ == "__main__":
    raise SystemExit(main())
