"""What a user does with a saved or published model, run by the tests in a fresh Python process in which this project
cannot be imported (`common.consume_and_check`): everything it loads comes from the saved code files, as on a user's
machine.

Its one argument is a JSON plan: the sources (a local folder or a repo id, with a revision, and the Auto class of the
head saved there), every Auto class to load from each, the processor's Auto class, the examples the processor and the
models are given, and the pipeline to run on a source. It prints one JSON list, a result per source: what loaded
(class and module), what it computed, what refused to load without `trust_remote_code`, and what the pipeline
returned before and after `pipeline.save_pretrained`. The tests compute the same things with the objects they saved,
through the functions below, and compare.
"""

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import huggingface_hub
import torch
import transformers
from transformers.image_utils import load_image


def process(processor: Any, examples: list) -> dict[str, torch.Tensor]:
    """The model inputs for `examples`: texts tokenized as one padded batch, the images in the files they name, or (for
    a processor of images and text) chats through its chat template, as one padded batch."""
    if isinstance(processor, transformers.PreTrainedTokenizerBase):
        return dict(processor(examples, padding=True, return_tensors="pt"))
    if isinstance(processor, transformers.ProcessorMixin):
        options = {"add_generation_prompt": True, "tokenize": True, "return_dict": True, "return_tensors": "pt"}
        return dict(processor.apply_chat_template(examples, padding=True, **options))
    return dict(processor([load_image(path) for path in examples], return_tensors="pt"))


def tensor_outputs(outputs: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """Every tensor a model returned (hidden states, pooled output, logits, ...), by name."""
    return {name: value for name, value in outputs.items() if isinstance(value, torch.Tensor)}


def plain(value: Any) -> Any:
    """`value` as JSON values: tensors, arrays and NumPy numbers as lists and numbers, tuples as lists."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value.tolist() if hasattr(value, "tolist") else value


def describe(instance: Any) -> dict[str, str]:
    return {"class": type(instance).__name__, "module": type(instance).__module__}


def run_pipeline(pipe: transformers.Pipeline, examples: list[str], options: dict[str, Any]) -> dict[str, Any]:
    """What the pipeline is made of, and what it returns for each example."""
    return {
        "model": describe(pipe.model),
        "processors": [type(part).__name__ for part in (pipe.tokenizer, pipe.image_processor) if part is not None],
        "outputs": [plain(pipe(example, **options)) for example in examples],
    }


def resolved_commit(source: dict[str, Any]) -> str | None:
    """The commit that a repo id's revision resolves to, where the Hub client caches it (None for a local folder)."""
    if Path(source["path"]).is_dir():
        return None
    config_file = huggingface_hub.hf_hub_download(source["path"], "config.json", revision=source["revision"])
    return Path(config_file).parent.name  # .../snapshots/<commit>/config.json


def refusal(auto_class: str, source: dict[str, Any]) -> str | None:
    """The error that loading `source` with `auto_class` without trust_remote_code gives (None if it loads)."""
    try:
        auto = getattr(transformers, auto_class)
        auto.from_pretrained(source["path"], trust_remote_code=False, revision=source["revision"])
    except ValueError as error:
        return str(error)
    return None


def consume(source: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    """Load the config, the processor and every Auto class from `source`, compute with them, run its pipeline."""
    options = {"trust_remote_code": True, "revision": source["revision"]}
    config = transformers.AutoConfig.from_pretrained(source["path"], **options)
    result: dict[str, Any] = {"AutoConfig": describe(config), "id2label": config.id2label}
    result["commit"] = resolved_commit(source)
    processor = getattr(transformers, plan["processor"]).from_pretrained(source["path"], **options)
    inputs = process(processor, plan["examples"])
    result["processor"] = {**describe(processor), "output": plain(inputs)}
    for auto_class in plan["auto_classes"]:
        model = getattr(transformers, auto_class).from_pretrained(source["path"], **options).eval()
        result[auto_class] = describe(model)
        if auto_class in ("AutoModel", source["saved_as"]):
            with torch.no_grad():
                result[auto_class]["outputs"] = plain(tensor_outputs(model(**inputs)))
    result["without trust_remote_code"] = {
        "model": refusal("AutoModel", source),
        "processor": refusal(plan["processor"], source),
    }
    pipeline = source.get("pipeline")
    if pipeline:
        pipe = transformers.pipeline(pipeline["task"], model=source["path"], **options)
        result["pipeline"] = run_pipeline(pipe, pipeline["examples"], pipeline["options"])
        if pipeline["saved_copy"]:
            pipe.save_pretrained(pipeline["saved_copy"])
            again = transformers.pipeline(pipeline["task"], model=pipeline["saved_copy"], trust_remote_code=True)
            result["saved pipeline"] = run_pipeline(again, pipeline["examples"], pipeline["options"])
            result["saved pipeline files"] = sorted(path.name for path in Path(pipeline["saved_copy"]).iterdir())
    return result


if __name__ == "__main__":
    plan = json.loads(Path(sys.argv[1]).read_text())
    print(json.dumps([consume(source, plan) for source in plan["sources"]]))
