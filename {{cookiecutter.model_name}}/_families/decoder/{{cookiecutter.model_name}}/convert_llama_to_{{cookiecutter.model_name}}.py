r"""Convert a native transformers Llama checkpoint folder into a {{ cookiecutter.class_prefix }} checkpoint.

    python -m {{ cookiecutter.model_name }}.convert_llama_to_{{ cookiecutter.model_name }} \
        --input path/to/llama --output checkpoints/{{ cookiecutter.model_name }}

The input is a folder written by `LlamaModel`, `LlamaForCausalLM` or `LlamaForSequenceClassification`
`.save_pretrained()` (safetensors, sharded or not). Every tensor name and shape is checked against the target model:
a missing, unexpected or mis-shaped tensor stops the conversion with a report, nothing is loaded silently. The folder
may be laid out as the Hub's Llama repos are: weights sharded with an index (pickle files beside them are never read),
legacy config keys (`rope_scaling`, `rope_theta`, `torch_dtype`: the weights keep their dtype). Its tokenizer is saved
beside the converted model as transformers reads it (`tokenizer.json` alone or with `tokenizer.model`), and its
`generation_config.json`, if any, is copied.
"""

from __future__ import annotations

from pathlib import Path

from transformers import LlamaConfig, PreTrainedConfig

from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config
from .conversion import command_line, converted_config, load_safetensors, native_heads, read_input, save_converted
from .modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES

# Llama head class -> ours (`LlamaForCausalLM` -> `{{ cookiecutter.class_prefix }}ForCausalLM`), Llama's parameter names inside.
HEADS = native_heads("Llama", AUTO_CLASSES)


def convert_config(llama_config: PreTrainedConfig) -> {{ cookiecutter.class_prefix }}Config:
    """Map a `LlamaConfig` onto ours (the same names: RoPE scaling and `head_dim` included; `rope_parameters` as
    `LlamaConfig` standardised it, a legacy `rope_scaling` / `rope_theta` read into it), refusing what this model does
    not implement."""
    unsupported = {
        "hidden_act": (llama_config.hidden_act, "silu"),
        "mlp_bias": (llama_config.mlp_bias, False),
        "pretraining_tp": (getattr(llama_config, "pretraining_tp", 1) or 1, 1),
    }
    return converted_config(llama_config, {{ cookiecutter.class_prefix }}Config, "Llama", unsupported)


def convert(input_dir: Path, output_dir: Path) -> list[str]:
    """Convert `input_dir` (a Llama folder) into `output_dir`; return the report lines."""
    # Before anything else: refuse a folder of another model, of this project, or one that names code to run.
    model_class, llama_config = read_input(input_dir, "Llama", LlamaConfig, HEADS, "LlamaForCausalLM")
    config = convert_config(llama_config)
    return save_converted(model_class, config, load_safetensors(input_dir), output_dir, input_dir, llama_config)


main = command_line(convert, __doc__, "Llama")


if __name__ == "__main__":
    raise SystemExit(main())
