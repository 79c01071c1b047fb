r"""Publish the model to the Hugging Face Hub in one commit: safetensors weights, code files, tokenizer or processor,
the reference record that `python -m {{ cookiecutter.model_name }}.verify` checks, and a model card generated from
the real config.

    python -m {{ cookiecutter.model_name }}.publish --checkpoint checkpoints/{{ cookiecutter.model_name }}
    python -m {{ cookiecutter.model_name }}.publish --dry-run --output checkpoints/release
    python -m {{ cookiecutter.model_name }}.publish --config my_config.json --untrained --private

`--checkpoint` takes a `save_pretrained` folder (trained or converted weights, with its own tokenizer or processor:
publish never ships a default one in its place, and refuses a checkpoint without one, or with only part of one, with
how to save it). Without it, a new model is built from `--config` (or the default config), with the default
processor: `--dry-run` writes its release, and only `--untrained` uploads it (weights that were never saved are never
uploaded by mistake). The model card says what the weights are: trained from scratch (or from `--base-model`),
converted from the model a conversion script recorded in config.json (`converted_from`), fine-tuned from that
conversion once the weights no longer match its digest, or untrained. The token comes from the usual places
(`HF_TOKEN`, or `hf auth login`) and is never printed or written. On success it prints the commit hash and the
`from_pretrained(..., revision=...)` line that pins it.

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
Every request to the Hub gives up after `--timeout` seconds without an answer; an answer 429 (too many requests) is
retried after the wait it asks for, as long as the waits fit in `--timeout`. A failure prints one `error:` line and
exits with 1 (2 for a bad command line, 128 + N when stopped by signal N); the temporary release folder is removed on
every exit, a full disk included, and `--output`, if given, is left as it was unless the release was complete. If the
commit fails, the repository (or branch) this run created is deleted again, or the error says what is left.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id
from transformers import PreTrainedModel

from .checkpoint import HEADS, Origin, find_processor, load_model, weights_origin
from .cli import (
    CommandError,
    check_new_folder,
    move_into,
    path_kind,
    positive_seconds,
    run_command,
    temporary_folder,
    writing,
)
from .family import DEFAULT_HEAD, Processor, library_files, reference_inputs
from .hub import DEFAULT_TIMEOUT, bound_hub_requests, upload
from .inputs import PICKLE_SUFFIXES
from .model_card import LibraryFiles, build_model_card
from .modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES
from .record import RECORD_FILE, RecordError, write_record

REPO_ID = "{{ cookiecutter.hub_repo_id }}"
# Characters git (and so the Hub) refuses in a branch name: controls, space and ~ ^ : ? * [ \\
BAD_BRANCH_CHARACTERS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


def write_release(
    folder: Path,
    model: PreTrainedModel,
    processor: Processor,
    repo_id: str,
    origin: Origin,
    base_model: str | None = None,
    datasets: list[str] | None = None,
    library: LibraryFiles | None = None,
) -> None:
    """Write everything the Hub repository holds into `folder`: the saved model and processor, the reference record
    of the model, and the model card, which says what the weights are (`origin`)."""
    with writing(folder, "the release"):
        model.save_pretrained(folder)
        processor.save_pretrained(folder)
        if library is not None:
            library.copy_into(folder)
        try:
            recorded = write_record(folder, model, AUTO_CLASSES[type(model)], reference_inputs(model.config))
        except RecordError as error:
            raise CommandError(f"cannot record the model: {error}") from error
        code_files = sorted(path.name for path in folder.glob("*.py"))
        card = build_model_card(model, repo_id, code_files, origin, recorded, base_model, datasets, library)
        card.save(folder / "README.md")
    pickled = sorted(path.name for path in folder.rglob("*") if path.suffix in PICKLE_SUFFIXES)
    if pickled or not any(path.name != RECORD_FILE for path in folder.glob("*.safetensors")):
        raise CommandError(f"the release must hold safetensors weights only, found: {pickled or 'no weights'}")


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
        "--untrained", action="store_true", help="upload a new model without --checkpoint: random weights, on purpose"
    )
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
        if path is not None and (kind := path_kind(path)) != "folder":
            what = "is a file" if kind == "file" else "does not exist"
            parser.error(f"--{name} {path} {what}: pass the folder it was saved to (save_pretrained).")
    if args.config is not None and (kind := path_kind(args.config)) != "file":
        what = "is a folder" if kind == "folder" else "does not exist"
        parser.error(f"--config {args.config} {what}: pass a config JSON file.")
    if args.checkpoint is None and not (args.dry_run or args.untrained):
        parser.error(
            f"without --checkpoint, publish would upload a new, untrained model (random weights) to {args.repo_id}: "
            "pass --checkpoint <folder> with the model you saved (save_pretrained), or --dry-run --output <folder> "
            "to try publishing without uploading, or --untrained to upload an untrained model on purpose."
        )
    if args.untrained and args.checkpoint is not None:
        parser.error("--untrained is for a new model built from --config (or the default config), not --checkpoint.")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_command(lambda: publish(args))


def publish(args: argparse.Namespace) -> int:
    with temporary_folder("publish-") as staging:
        library = library_files(args.checkpoint) if args.checkpoint else None  # checked before anything is loaded
        model = load_model(args.checkpoint, args.config, args.head)
        processor = find_processor(args.processor or args.checkpoint, model.config, required=bool(args.processor))
        origin = weights_origin(args.checkpoint)
        write_release(staging, model, processor, args.repo_id, origin, args.base_model, args.dataset, library)
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
