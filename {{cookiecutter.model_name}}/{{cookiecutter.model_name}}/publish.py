r"""Publish the model to the Hugging Face Hub in one commit: safetensors weights, code files, tokenizer or processor,
and a model card generated from the real config.

    python -m {{ cookiecutter.model_name }}.publish --checkpoint checkpoints/{{ cookiecutter.model_name }}
    python -m {{ cookiecutter.model_name }}.publish --config my_config.json --private
    python -m {{ cookiecutter.model_name }}.publish --dry-run --output checkpoints/release

`--checkpoint` takes a `save_pretrained` folder (trained or converted weights, with its tokenizer or processor if
any); without it, a new model is built from `--config` (or the default config). The token comes from the usual
places (`HF_TOKEN`, or `hf auth login`) and is never printed or written. On success it prints the commit hash and
the `from_pretrained(..., revision=...)` line that pins it.
"""

from __future__ import annotations

import argparse
import inspect
import shutil
import sys
import tempfile
from pathlib import Path

from huggingface_hub import CommitInfo, CommitOperationAdd, HfApi, ModelCard, ModelCardData
from huggingface_hub.errors import HfHubHTTPError, HFValidationError
from huggingface_hub.utils import validate_repo_id
from transformers import PreTrainedModel

from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config
from .family import (
    DEFAULT_HEAD,
    DESCRIPTION,
    PIPELINE_TAG,
    PROCESSOR_FILE,
    Processor,
    check_processor,
    default_processor,
    load_processor,
    usage_code,
)
from .modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES

REPO_ID = "{{ cookiecutter.hub_repo_id }}"
LICENSE = "{{ cookiecutter.license }}"
AUTHOR = "{{ cookiecutter.author }}"
CLASS_PREFIX = "{{ cookiecutter.class_prefix }}"
CARD_TEMPLATE = Path(__file__).with_name("model_card_template.md")
# Head name (e.g. "ForCausalLM") -> class, for every registered class.
HEADS = {model_class.__name__.removeprefix(CLASS_PREFIX): model_class for model_class in AUTO_CLASSES}
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")


class PublishError(ValueError):
    """The model cannot be published as asked."""


def load_model(checkpoint: Path | None, config_file: Path | None, head: str | None) -> PreTrainedModel:
    """The model saved in `checkpoint`, or a new one of `head` built from `config_file` (default config if None)."""
    if checkpoint is None:
        config_class = {{ cookiecutter.class_prefix }}Config
        config = config_class.from_json_file(config_file) if config_file else config_class()
        return HEADS[head or DEFAULT_HEAD](config)
    if head is not None:
        raise PublishError("--head is for a new model: a checkpoint keeps the head it was saved with.")
    if not (checkpoint / "config.json").is_file():
        raise PublishError(f"--checkpoint {checkpoint} has no config.json: pass a save_pretrained folder.")
    config = {{ cookiecutter.class_prefix }}Config.from_pretrained(checkpoint)
    expected_type = {{ cookiecutter.class_prefix }}Config.model_type
    if config.model_type != expected_type:
        raise PublishError(f"--checkpoint {checkpoint} holds a {config.model_type!r} model, not {expected_type!r}.")
    by_name = {model_class.__name__: model_class for model_class in AUTO_CLASSES}
    architecture = (config.architectures or ["(none)"])[0]
    if architecture not in by_name:
        raise PublishError(f"--checkpoint {checkpoint} was saved by {architecture}: expected one of {sorted(by_name)}")
    return by_name[architecture].from_pretrained(checkpoint)


def find_processor(folder: Path | None, config: {{ cookiecutter.class_prefix }}Config, required: bool) -> Processor:
    """The tokenizer or processor saved in `folder`; the family's default one if there is none (and none was asked)."""
    if folder is not None and (folder / PROCESSOR_FILE).is_file():
        processor = load_processor(folder)
    elif required:
        raise PublishError(f"--processor {folder} holds no {PROCESSOR_FILE}: pass the folder it was saved to.")
    else:
        print(f"no {PROCESSOR_FILE} found. {default_processor.__doc__}")
        processor = default_processor(config)
    check_processor(processor, config)
    return processor


def architecture_table(config: {{ cookiecutter.class_prefix }}Config) -> str:
    """Markdown rows of every argument the config class declares, with this model's values."""
    names = [name for name in inspect.signature(type(config).__init__).parameters if name not in ("self", "kwargs")]
    return "\n".join(f"| `{name}` | `{getattr(config, name)!r}` |" for name in names)


def citation(repo_id: str) -> str:
    name = repo_id.split("/")[-1]
    key = name.replace("-", "_").replace(".", "_")
    url = f"https://huggingface.co/{repo_id}"
    return "\n".join(
        ["@misc{" + key + ",", "  author = {" + AUTHOR + "},", "  title = {" + name + "},"]
        + ["  howpublished = {\\url{" + url + "}},", "}"]
    )


def build_model_card(
    model: PreTrainedModel,
    repo_id: str,
    code_files: list[str],
    weights: str,
    base_model: str | None = None,
    datasets: list[str] | None = None,
) -> ModelCard:
    """The model card, from the real config, through huggingface_hub's `ModelCard` and `ModelCardData`."""
    config = model.config
    auto_class = AUTO_CLASSES[type(model)]
    card_data = ModelCardData(
        library_name="transformers",
        license=LICENSE,
        pipeline_tag=PIPELINE_TAG,
        tags=["custom_code", config.model_type],
        base_model=base_model,
        datasets=datasets or None,
    )
    return ModelCard.from_template(
        card_data,
        template_path=str(CARD_TEMPLATE),
        model_name=repo_id.split("/")[-1],
        description=DESCRIPTION,
        repo_id=repo_id,
        repo_url=f"https://huggingface.co/{repo_id}",
        author=AUTHOR,
        license=LICENSE,
        num_parameters=f"{model.num_parameters():,}",
        weights=weights + (f", from [{base_model}](https://huggingface.co/{base_model})" if base_model else ""),
        model_class=type(model).__name__,
        auto_class=auto_class,
        model_type=config.model_type,
        usage=usage_code(repo_id, auto_class),
        code_files="`, `".join(code_files),
        architecture_table=architecture_table(config),
        citation=citation(repo_id),
    )


def write_release(
    folder: Path,
    model: PreTrainedModel,
    processor: Processor,
    repo_id: str,
    weights: str,
    base_model: str | None = None,
    datasets: list[str] | None = None,
) -> None:
    """Write everything the Hub repository holds into `folder`."""
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    code_files = sorted(path.name for path in folder.glob("*.py"))
    card = build_model_card(model, repo_id, code_files, weights, base_model, datasets)
    card.save(folder / "README.md")
    pickled = sorted(path.name for path in folder.rglob("*") if path.suffix in PICKLE_SUFFIXES)
    if pickled or not any(folder.glob("*.safetensors")):
        raise PublishError(f"the release must hold safetensors weights only, found: {pickled or 'no weights'}")


def upload(
    folder: Path,
    repo_id: str,
    private: bool = False,
    revision: str = "main",
    create_pr: bool = False,
    commit_message: str | None = None,
) -> CommitInfo:
    """Create the repo (and branch) if needed, then upload every file of `folder` in a single commit."""
    api = HfApi()
    # private=None keeps the namespace's default visibility; an existing repo keeps its own.
    api.create_repo(repo_id, private=True if private else None, exist_ok=True)
    if revision != "main" and not create_pr:
        api.create_branch(repo_id, branch=revision, exist_ok=True)
    # One create_commit, not upload_folder: upload_folder may split a large folder into several commits.
    operations = [
        CommitOperationAdd(path_in_repo=path.relative_to(folder).as_posix(), path_or_fileobj=path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]
    return api.create_commit(
        repo_id,
        operations=operations,
        commit_message=commit_message or f"Upload {repo_id.split('/')[-1]}",
        revision=revision,
        create_pr=create_pr,
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo-id", default=REPO_ID, help=f"Hub repository (default: {REPO_ID})")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--checkpoint", type=Path, help="save_pretrained folder of the model to publish")
    source.add_argument("--config", type=Path, help="config JSON of a new model (default: the default config)")
    parser.add_argument("--head", choices=sorted(HEADS), help=f"head of a new model (default: {DEFAULT_HEAD})")
    parser.add_argument("--processor", type=Path, help="folder of the tokenizer/processor (default: see README)")
    parser.add_argument("--private", action="store_true", help="create the repository as private")
    parser.add_argument("--revision", default="main", help="branch to commit to (created if missing)")
    parser.add_argument("--create-pr", action="store_true", help="open a pull request instead of committing")
    parser.add_argument("--commit-message", help="commit title")
    parser.add_argument("--base-model", help="Hub id of the model this one was trained from (model card)")
    parser.add_argument("--dataset", action="append", default=[], help="Hub id of a training dataset; repeatable")
    parser.add_argument("--output", type=Path, help="also keep the uploaded folder here (must be new or empty)")
    parser.add_argument("--dry-run", action="store_true", help="write the folder to --output, upload nothing")
    args = parser.parse_args(argv)
    try:
        validate_repo_id(args.repo_id)
        if "/" not in args.repo_id:
            raise HFValidationError("it must be 'namespace/name'")
    except HFValidationError as error:
        parser.error(f"--repo-id {args.repo_id!r} is not a valid Hub repo id: {error}")
    if args.dry_run and args.output is None:
        parser.error("--dry-run needs --output, the folder to write.")
    if args.create_pr and args.revision != "main":
        parser.error("--create-pr opens a pull request against main: drop --revision.")
    if args.output is not None and args.output.exists() and any(args.output.iterdir()):
        parser.error(f"--output {args.output} is not empty: choose a new folder.")
    for name in ("checkpoint", "config", "processor"):
        path = getattr(args, name)
        if path is not None and not path.exists():
            parser.error(f"--{name} {path} does not exist.")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    folder = args.output or Path(tempfile.mkdtemp(prefix="publish-"))
    try:
        try:
            model = load_model(args.checkpoint, args.config, args.head)
            processor = find_processor(args.processor or args.checkpoint, model.config, required=bool(args.processor))
            folder.mkdir(parents=True, exist_ok=True)
            weights = "trained checkpoint" if args.checkpoint else "newly initialised from the config (not trained)"
            write_release(folder, model, processor, args.repo_id, weights, args.base_model, args.dataset)
        except (ValueError, OSError) as error:
            shutil.rmtree(folder, ignore_errors=True)  # nothing half-written stays behind
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"release folder: {folder}: {', '.join(sorted(path.name for path in folder.iterdir()))}")
        if args.dry_run:
            return 0
        try:
            commit = upload(folder, args.repo_id, args.private, args.revision, args.create_pr, args.commit_message)
        except HfHubHTTPError as error:
            hint = " (log in with `hf auth login`, or set HF_TOKEN)" if error.response.status_code == 401 else ""
            print(f"error: the upload failed{hint}: {error}", file=sys.stderr)
            return 1
    finally:
        if args.output is None:
            shutil.rmtree(folder, ignore_errors=True)

    print(f"commit: {commit.oid}")
    if commit.pr_url:
        print(f"pull request: {commit.pr_url}")
    print("load it with:")
    arguments = f'"{args.repo_id}", trust_remote_code=True, revision="{commit.oid}"'
    print(f"    {AUTO_CLASSES[type(model)]}.from_pretrained({arguments})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
