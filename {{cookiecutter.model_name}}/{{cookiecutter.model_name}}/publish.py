r"""Publish the model to the Hugging Face Hub in one commit: safetensors weights, code files, tokenizer or processor,
the reference record that `python -m {{ cookiecutter.model_name }}.verify` checks, and a model card generated from
the real config.

    python -m {{ cookiecutter.model_name }}.publish --checkpoint checkpoints/{{ cookiecutter.model_name }}
    python -m {{ cookiecutter.model_name }}.publish --config my_config.json --private
    python -m {{ cookiecutter.model_name }}.publish --dry-run --output checkpoints/release

`--checkpoint` takes a `save_pretrained` folder (trained or converted weights, with its tokenizer or processor if
any); without it, a new model is built from `--config` (or the default config). The token comes from the usual
places (`HF_TOKEN`, or `hf auth login`) and is never printed or written. On success it prints the commit hash and
the `from_pretrained(..., revision=...)` line that pins it.

What it checks before anything is uploaded:
- the checkpoint, before anything is loaded from it: a `{{ cookiecutter.model_name }}` checkpoint (a native
  checkpoint of the source model is refused with the conversion command to run), saved by one of this project's
  classes, with safetensors weights that match the model exactly. No code from an input folder ever runs: a config,
  tokenizer or processor file that names code (`auto_map`) other than this project's own is refused.
- files of another library that loads the model from the same folder (the family's `library_files`: for an encoder,
  sentence-transformers' `modules.json` and module folders) are checked as data and kept in the release, and the
  model card then describes that library's usage.
- the target: it never changes a repository's visibility. `--private` on an existing public repository is refused;
  an existing private repository stays private. A `--revision` branch must exist unless `--create-branch` is given,
  and `--create-pr` needs an existing repository.
Every request to the Hub gives up after `--timeout` seconds without an answer. A failure prints one `error:` line
and exits with 1 (2 for a bad command line, 128 + N when stopped by signal N); the temporary release folder is
removed on every exit, and `--output`, if given, is left as it was unless the release was complete.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from huggingface_hub import (
    CommitInfo,
    CommitOperationAdd,
    HfApi,
    ModelCard,
    ModelCardData,
    get_session,
    set_client_factory,
)
from huggingface_hub.errors import HfHubHTTPError, HFValidationError, OfflineModeIsEnabled, RepositoryNotFoundError
from huggingface_hub.utils import httpx, validate_repo_id
from transformers import PretrainedConfig, PreTrainedModel

from .cli import CommandError, check_new_folder, move_into, run_command, temporary_folder
from .configuration_{{ cookiecutter.model_name }} import {{ cookiecutter.class_prefix }}Config
from .family import (
    CONVERTS_FROM,
    DEFAULT_HEAD,
    DESCRIPTION,
    EXPORT_NOTES,
    LORA_OPTIONS,
    LORA_TARGET_MODULES,
    PIPELINE_TAG,
    PROCESSOR_AUTO_MAP,
    PROCESSOR_FILE,
    Processor,
    check_processor,
    default_processor,
    library_files,
    load_processor,
    usage_code,
)
from .inputs import (
    CONFIG_ERRORS,
    PICKLE_SUFFIXES,
    PROCESSOR_FILES,
    config_problem,
    expected_weights,
    read_config,
    read_json,
    refuse_foreign_code,
    safetensors_files,
    tensor_shapes,
    weight_problems,
)
from .modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES, auto_map
from .usage import code_block
from .verify import RECORD_FILE, record

PACKAGE = "{{ cookiecutter.model_name }}"
REPO_ID = "{{ cookiecutter.hub_repo_id }}"
LICENSE = "{{ cookiecutter.license }}"
AUTHOR = "{{ cookiecutter.author }}"
MIN_TRANSFORMERS = "{{ cookiecutter.min_transformers_version }}"
CLASS_PREFIX = "{{ cookiecutter.class_prefix }}"
MODEL_TYPE = {{ cookiecutter.class_prefix }}Config.model_type
CARD_TEMPLATE = Path(__file__).with_name("model_card_template.md")
# Head name (e.g. "ForCausalLM") -> class, for every registered class.
HEADS = {model_class.__name__.removeprefix(CLASS_PREFIX): model_class for model_class in AUTO_CLASSES}
# Seconds a request to the Hub may wait for progress (connecting, sending, each read) before publish gives up.
DEFAULT_TIMEOUT = 60.0
# Characters git (and so the Hub) refuses in a branch name: controls, space and ~ ^ : ? * [ \
BAD_BRANCH_CHARACTERS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


class LibraryFiles(Protocol):
    """The checked files of another library that loads the model from the same repository (`family.library_files`).

    They go into the release beside the model's own, and the model card names that library and shows its usage.
    """

    library_name: str
    pipeline_tag: str
    tags: list[str]

    def copy_into(self, folder: Path) -> None: ...

    def usage_code(self, repo_id: str) -> str: ...

    def load_line(self, repo_id: str, revision: str) -> str: ...


def load_model(checkpoint: Path | None, config_file: Path | None, head: str | None) -> PreTrainedModel:
    """The model saved in `checkpoint`, or a new one of `head` built from `config_file` (default config if None)."""
    if checkpoint is None:
        return new_model(config_file, head or DEFAULT_HEAD)
    if head is not None:
        raise CommandError("--head is for a new model: a checkpoint keeps the head it was saved with.")
    model_class = check_checkpoint(checkpoint)
    try:
        config = {{ cookiecutter.class_prefix }}Config.from_pretrained(checkpoint)
        expected, tied = expected_weights(model_class, config)
    except CONFIG_ERRORS as error:  # the config's values cannot build the model
        problem = config_problem(error)
        raise CommandError(f"--checkpoint {checkpoint} has a config this model refuses: {problem}") from error
    problems = weight_problems(expected, tensor_shapes(safetensors_files(checkpoint, "--checkpoint")), tied)
    if problems:
        raise CommandError(
            f"--checkpoint {checkpoint} does not hold this model's weights ({'; '.join(problems)}): save it with "
            f"{model_class.__name__}.save_pretrained."
        )
    return model_class.from_pretrained(checkpoint, config=config, use_safetensors=True)


def new_model(config_file: Path | None, head: str) -> PreTrainedModel:
    """A new, randomly initialised model of `head` with the settings of `config_file` (the default config if None)."""
    settings = read_json(config_file) if config_file else {}
    model_type = settings.get("model_type", MODEL_TYPE)
    if model_type != MODEL_TYPE:
        raise CommandError(f"--config {config_file} is a {model_type!r} config, not a {MODEL_TYPE!r} one.")
    try:
        return HEADS[head]({{ cookiecutter.class_prefix }}Config.from_dict(settings))
    except CONFIG_ERRORS as error:  # a value of the wrong type or out of range
        source = f"--config {config_file}" if config_file else "the default config"
        raise CommandError(f"{source} cannot build the model: {config_problem(error)}") from error


def check_checkpoint(checkpoint: Path) -> type[PreTrainedModel]:
    """Check `checkpoint` before anything is loaded from it; return the class that saved it."""
    config = read_config(checkpoint, "--checkpoint")
    model_type = config["model_type"]
    if model_type != MODEL_TYPE:
        if model_type == CONVERTS_FROM:
            fix = (
                f"convert it first: python -m {PACKAGE}.convert_{CONVERTS_FROM}_to_{PACKAGE} --input {checkpoint} "
                "--output <new folder>"
            )
        else:
            fix = f"publish takes {MODEL_TYPE} checkpoints only"
        raise CommandError(f"--checkpoint {checkpoint} holds a {model_type!r} model, not a {MODEL_TYPE!r} one: {fix}.")
    by_name = {model_class.__name__: model_class for model_class in AUTO_CLASSES}
    architectures = config.get("architectures")
    if not isinstance(architectures, list) or len(architectures) != 1 or architectures[0] not in by_name:
        raise CommandError(
            f"--checkpoint {checkpoint} was saved by {architectures or 'no class'}, not by one of {sorted(by_name)}: "
            "save it with one of them."
        )
    refuse_foreign_code(checkpoint / "config.json", own=auto_map())
    for name in PROCESSOR_FILES:
        refuse_foreign_code(checkpoint / name, own=PROCESSOR_AUTO_MAP)
    return by_name[architectures[0]]


def find_processor(folder: Path | None, config: {{ cookiecutter.class_prefix }}Config, required: bool) -> Processor:
    """The tokenizer or processor saved in `folder`; the family's default one if there is none (and none was asked)."""
    if folder is not None and (folder / PROCESSOR_FILE).is_file():
        for name in PROCESSOR_FILES:
            refuse_foreign_code(folder / name, own=PROCESSOR_AUTO_MAP)
        processor = load_processor(folder, config)
    elif required:
        raise CommandError(f"--processor {folder} holds no {PROCESSOR_FILE}: pass the folder it was saved to.")
    else:
        print(f"no {PROCESSOR_FILE} found. {default_processor.__doc__}")
        processor = default_processor(config)
    check_processor(processor, config)
    return processor


def architecture_table(config: PretrainedConfig, prefix: str = "") -> str:
    """Markdown rows of every argument the config class declares, with this model's values; a sub-config (a
    vision-language model's `text_config`, ...) gives the rows of its own arguments (`text_config.hidden_size`)."""
    names = [name for name in inspect.signature(type(config).__init__).parameters if name not in ("self", "kwargs")]
    rows = []
    for name, value in ((name, getattr(config, name)) for name in names):
        is_sub_config = isinstance(value, PretrainedConfig)
        rows.append(architecture_table(value, f"{name}.") if is_sub_config else f"| `{prefix}{name}` | `{value!r}` |")
    return "\n".join(rows)


def citation(repo_id: str) -> str:
    name = repo_id.split("/")[-1]
    key = name.replace("-", "_").replace(".", "_")
    url = f"https://huggingface.co/{repo_id}"
    return "\n".join(
        ["@misc{" + key + ",", "  author = {" + AUTHOR + "},", "  title = {" + name + "},"]
        + ["  howpublished = {\\url{" + url + "}},", "}"]
    )


def lora_code(repo_id: str, auto_class: str) -> str:
    """A Markdown code block that adds a LoRA adapter to the published model, with the family's target modules."""
    settings = {**LORA_OPTIONS.get(auto_class, {}), "r": 8, "lora_alpha": 16, "target_modules": LORA_TARGET_MODULES}
    lines = [
        "config = LoraConfig(",
        *(f"    {name}={json.dumps(value)}," for name, value in settings.items()),
        ")",
        "model = get_peft_model(model, config)",
        "model.print_trainable_parameters()",
    ]
    imports = ["from peft import LoraConfig, get_peft_model", f"from transformers import {auto_class}"]
    return code_block(imports, repo_id, lines, {"model": auto_class})


def build_model_card(
    model: PreTrainedModel,
    repo_id: str,
    code_files: list[str],
    weights: str,
    recorded: dict[str, Any],
    base_model: str | None = None,
    datasets: list[str] | None = None,
    library: LibraryFiles | None = None,
) -> ModelCard:
    """The model card, from the real config and the reference record's metadata (`recorded`), through
    huggingface_hub's `ModelCard` and `ModelCardData`."""
    config = model.config
    auto_class = AUTO_CLASSES[type(model)]
    card_data = ModelCardData(
        library_name=library.library_name if library else "transformers",
        license=LICENSE,
        pipeline_tag=library.pipeline_tag if library else PIPELINE_TAG,
        tags=[*(library.tags if library else []), "custom_code", config.model_type],
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
        usage=library.usage_code(repo_id) if library else usage_code(repo_id, auto_class),
        lora=lora_code(repo_id, auto_class),
        export_notes=EXPORT_NOTES,
        code_files="`, `".join(code_files),
        architecture_table=architecture_table(config),
        record_file=RECORD_FILE,
        recorded_transformers=recorded["transformers_version"],
        recorded_torch=recorded["torch_version"],
        min_transformers=MIN_TRANSFORMERS,
        package=PACKAGE,
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
    library: LibraryFiles | None = None,
) -> None:
    """Write everything the Hub repository holds into `folder`: the saved model and processor, the reference record
    of the model, and the model card."""
    try:
        model.save_pretrained(folder)
        processor.save_pretrained(folder)
        if library is not None:
            library.copy_into(folder)
        recorded = record(folder, model)
        code_files = sorted(path.name for path in folder.glob("*.py"))
        card = build_model_card(model, repo_id, code_files, weights, recorded, base_model, datasets, library)
        card.save(folder / "README.md")
    except OSError as error:  # e.g. no space left on the device
        raise CommandError(f"cannot write the release to {folder}: {error.strerror or error}.") from error
    pickled = sorted(path.name for path in folder.rglob("*") if path.suffix in PICKLE_SUFFIXES)
    if pickled or not any(path.name != RECORD_FILE for path in folder.glob("*.safetensors")):
        raise CommandError(f"the release must hold safetensors weights only, found: {pickled or 'no weights'}")


class TimeoutHook:
    """An httpx request hook that bounds every timeout of a request, whatever the caller passed (even None)."""

    def __init__(self, seconds: float) -> None:
        self.timeout = httpx.Timeout(seconds).as_dict()

    def __call__(self, request: httpx.Request) -> None:
        request.extensions["timeout"] = self.timeout


def bound_hub_requests(seconds: float) -> None:
    """Make every request huggingface_hub sends from now on give up after `seconds` without progress.

    Its default client waits forever (a server that accepts the connection and never answers hangs an upload), and
    some calls pass `timeout=None` themselves. `set_client_factory` is huggingface_hub's documented way to configure
    its client: the new one keeps the default one's request hooks (offline mode, request ids) and adds a hook that
    bounds connecting, sending and each read of every request.
    """
    hooks = dict(get_session().event_hooks)
    hooks["request"] = [hook for hook in hooks.get("request", []) if not isinstance(hook, TimeoutHook)]
    hooks["request"].append(TimeoutHook(seconds))
    set_client_factory(lambda: httpx.Client(event_hooks=hooks, follow_redirects=True, timeout=seconds))


def upload(
    folder: Path,
    repo_id: str,
    private: bool = False,
    revision: str = "main",
    create_branch: bool = False,
    create_pr: bool = False,
    commit_message: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> CommitInfo:
    """Check where the commit would land, create the repo (and branch) if allowed, then commit `folder` at once."""
    api = HfApi()
    prepare_target(api, repo_id, private, revision, create_branch, create_pr, timeout)
    # One create_commit, not upload_folder: upload_folder may split a large folder into several commits.
    operations = [
        CommitOperationAdd(path_in_repo=path.relative_to(folder).as_posix(), path_or_fileobj=path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]
    with hub_step(f"commit to {repo_id}", api.endpoint, timeout):
        return api.create_commit(
            repo_id,
            operations=operations,
            commit_message=commit_message or f"Upload {repo_id.split('/')[-1]}",
            revision=revision,
            create_pr=create_pr,
        )


def prepare_target(
    api: HfApi,
    repo_id: str,
    private: bool,
    revision: str,
    create_branch: bool,
    create_pr: bool,
    timeout: float,
) -> None:
    """Refuse a target the user did not ask for; create the repository (and branch) only where allowed.

    Nothing is written to the Hub before these checks pass, and a repository's visibility is never changed.
    """
    with hub_step(f"look up {repo_id}", api.endpoint, timeout):
        is_private = existing_visibility(api, repo_id)
    if is_private is None:
        if create_pr:
            raise CommandError(
                f"--create-pr needs an existing repository, and {repo_id} does not exist (or your token cannot see "
                "it): publish to main first."
            )
        if revision != "main" and not create_branch:
            raise CommandError(
                f"{repo_id} does not exist, so neither does its branch {revision!r}: add --create-branch to create "
                "both, or publish to main first."
            )
        with hub_step(f"create {repo_id}", api.endpoint, timeout):
            # private=None keeps the namespace's default visibility; --private asks for a private repository.
            api.create_repo(repo_id, private=True if private else None)
            is_private = existing_visibility(api, repo_id)
        print(f"created {repo_id} ({'private' if is_private else 'public'})")
    elif private and not is_private:
        raise CommandError(
            f"--private was given but {repo_id} exists and is public: nothing was uploaded. Make it private on the "
            "Hub first (Settings), or drop --private to publish to the public repository."
        )
    else:
        print(f"{repo_id} is private and stays private." if is_private else f"{repo_id} is public: anyone can see it.")
    if revision == "main" or create_pr:
        return
    with hub_step(f"list the branches of {repo_id}", api.endpoint, timeout):
        branches = {branch.name for branch in api.list_repo_refs(repo_id).branches}
    if revision not in branches:
        if not create_branch:
            raise CommandError(
                f"{repo_id} has no branch {revision!r}: add --create-branch to create it from main, or choose an "
                "existing branch."
            )
        with hub_step(f"create the branch {revision!r} of {repo_id}", api.endpoint, timeout):
            api.create_branch(repo_id, branch=revision)


def existing_visibility(api: HfApi, repo_id: str) -> bool | None:
    """Whether `repo_id` is private (True) or public (False); None if it is missing (or the token cannot see it)."""
    try:
        return api.repo_info(repo_id).private is True  # an unknown visibility counts as public
    except RepositoryNotFoundError:
        return None


@contextmanager
def hub_step(step: str, endpoint: str, timeout: float) -> Iterator[None]:
    """Turn the client's errors during `step` into one line: `cannot <step>: <what happened>. <what to do>`."""
    try:
        yield
    except (HfHubHTTPError, OfflineModeIsEnabled, httpx.TransportError) as error:
        raise CommandError(f"cannot {step}: {hub_failure(error, endpoint, timeout)}") from error


def hub_failure(error: Exception, endpoint: str, timeout: float) -> str:
    """What went wrong between this machine and the Hub, and what to do, in one line."""
    if isinstance(error, OfflineModeIsEnabled):
        return "HF_HUB_OFFLINE is set. Unset it to publish, or write the release with --dry-run --output <folder>."
    if isinstance(error, httpx.TimeoutException):
        return (
            f"the Hub at {endpoint} did not answer within {timeout:g} s. Try again later, or allow more time with "
            "--timeout."
        )
    if isinstance(error, httpx.TransportError):
        return f"no connection to the Hub at {endpoint} ({error}). Check the network, and HF_ENDPOINT if you set it."
    status = error.response.status_code
    if status in (401, 403):
        return f"the Hub refused the token ({status}). Log in with `hf auth login` or set HF_TOKEN, with write access."
    if status >= 500:
        return f"the Hub at {endpoint} failed ({status}). Try again later."
    return f"the Hub refused it ({status}: {error.server_message or error.response.reason_phrase})."


def positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds above 0")
    return seconds


def branch_name_problem(name: str) -> str | None:
    """Why git (and so the Hub) would refuse `name` as a branch name, or None (git check-ref-format's rules)."""
    components = name.split("/")
    if BAD_BRANCH_CHARACTERS.search(name):
        return "it holds a space, a control character or one of ~ ^ : ? * [ \\"
    if ".." in name or "@{" in name or name == "@" or name.startswith("-") or name.endswith("."):
        return "it holds '..' or '@{', is '@', starts with '-' or ends with '.'"
    if any(not part or part.startswith(".") or part.endswith(".lock") for part in components):
        return "a part between '/' is empty, starts with '.' or ends with '.lock'"
    return None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo-id", default=REPO_ID, help=f"Hub repository (default: {REPO_ID})")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--checkpoint", type=Path, help="save_pretrained folder of the model to publish")
    source.add_argument("--config", type=Path, help="config JSON of a new model (default: the default config)")
    parser.add_argument("--head", choices=sorted(HEADS), help=f"head of a new model (default: {DEFAULT_HEAD})")
    parser.add_argument("--processor", type=Path, help="folder of the tokenizer/processor (default: see README)")
    parser.add_argument("--private", action="store_true", help="a new repository is private; an existing one must be")
    parser.add_argument("--revision", default="main", help="branch to commit to (it must exist, see --create-branch)")
    parser.add_argument("--create-branch", action="store_true", help="create the --revision branch if it is missing")
    parser.add_argument("--create-pr", action="store_true", help="open a pull request instead of committing")
    parser.add_argument("--commit-message", help="commit title")
    parser.add_argument("--base-model", help="Hub id of the model this one was trained from (model card)")
    parser.add_argument("--dataset", action="append", default=[], help="Hub id of a training dataset; repeatable")
    parser.add_argument("--output", type=Path, help="also keep the uploaded folder here (must be new or empty)")
    parser.add_argument("--dry-run", action="store_true", help="write the folder to --output, upload nothing")
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"give up on a Hub request after this long without an answer (default: {DEFAULT_TIMEOUT:g})",
    )
    args = parser.parse_args(argv)
    try:
        validate_repo_id(args.repo_id)
        if "/" not in args.repo_id:
            raise HFValidationError("it must be 'namespace/name'")
    except HFValidationError as error:
        parser.error(f"--repo-id {args.repo_id!r} is not a valid Hub repo id: {error}")
    problem = branch_name_problem(args.revision)
    if problem:
        parser.error(f"--revision {args.revision!r} is not a valid branch name: {problem}.")
    if args.dry_run and args.output is None:
        parser.error("--dry-run needs --output, the folder to write.")
    if args.create_pr and args.revision != "main":
        parser.error("--create-pr opens a pull request against main: drop --revision.")
    if args.output is not None and (problem := check_new_folder(args.output, "--output")):
        parser.error(problem)
    for name in ("checkpoint", "processor"):
        path = getattr(args, name)
        if path is not None and not path.is_dir():
            what = "is a file" if path.exists() else "does not exist"
            parser.error(f"--{name} {path} {what}: pass the folder it was saved to (save_pretrained).")
    if args.config is not None and not args.config.is_file():
        what = "is a folder" if args.config.exists() else "does not exist"
        parser.error(f"--config {args.config} {what}: pass a config JSON file.")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_command(lambda: publish(args))


def publish(args: argparse.Namespace) -> int:
    with temporary_folder("publish-") as staging:
        library = library_files(args.checkpoint) if args.checkpoint else None  # checked before anything is loaded
        model = load_model(args.checkpoint, args.config, args.head)
        processor = find_processor(args.processor or args.checkpoint, model.config, required=bool(args.processor))
        weights = "trained checkpoint" if args.checkpoint else "newly initialised from the config (not trained)"
        write_release(staging, model, processor, args.repo_id, weights, args.base_model, args.dataset, library)
        folder = staging
        if args.output is not None:
            move_into(staging, args.output)
            folder = args.output
        print(f"release folder: {folder}: {', '.join(sorted(path.name for path in folder.iterdir()))}")
        if args.dry_run:
            return 0
        bound_hub_requests(args.timeout)
        commit = upload(
            folder,
            args.repo_id,
            private=args.private,
            revision=args.revision,
            create_branch=args.create_branch,
            create_pr=args.create_pr,
            commit_message=args.commit_message,
            timeout=args.timeout,
        )
    print(f"commit: {commit.oid}")
    if commit.pr_url:
        print(f"pull request: {commit.pr_url}")
    print("load it with:")
    arguments = f'"{args.repo_id}", trust_remote_code=True, revision="{commit.oid}"'
    print(f"    {AUTO_CLASSES[type(model)]}.from_pretrained({arguments})")
    if library is not None:
        print(f"    {library.load_line(args.repo_id, commit.oid)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
