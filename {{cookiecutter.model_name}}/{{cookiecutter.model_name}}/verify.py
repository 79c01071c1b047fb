r"""Check that a published (or saved) model still loads and computes what it computed when it was recorded.

    python -m {{ cookiecutter.model_name }}.verify {{ cookiecutter.hub_repo_id }} --revision <commit sha>
    python -m {{ cookiecutter.model_name }}.verify checkpoints/{{ cookiecutter.model_name }}
    python -m {{ cookiecutter.model_name }}.verify checkpoints/{{ cookiecutter.model_name }} --record

The record, `reference_outputs.safetensors` (publish writes one into every release, `--record` into a local
checkpoint), holds fixed inputs and a fingerprint of each output the model's head returned for them (see record.py).

verify loads the model as its users do, in a fresh Python process where this project cannot be imported:
`<Auto class>.from_pretrained(source, trust_remote_code=True, revision=...)`, so what runs is the code saved beside
the weights, on the transformers installed here. Then it checks what breaks silently on a transformers upgrade:

- the load report is clean: no missing, unexpected or mismatched weights, no error messages;
- every loaded weight equals the checkpoint's tensor (an `_init_weights` that writes in place can overwrite them);
- every non-persistent buffer equals a freshly built model's (buffers are not in checkpoints: the code re-creates
  them, or they hold garbage);
- the model and config classes come from the downloaded code, and `auto_map` is the recorded one, every entry a
  class of that code;
- every recorded output is computed again within `--atol` + `--rtol` x |recorded| (where the attention mask is 0,
  outputs are padding and are not compared);
- a head that generates gives the same greedy tokens with its key/value cache as without it (a model that no longer
  receives the cache `generate` hands it, as when transformers renames that argument, computes right logits and
  generates wrong tokens).

It prints one summary line and exits 0, or a report of each failed check, with the versions that recorded and that
checked, and exits 1. A source without a record, or one that cannot be reached, is one `error:` line (exit 1); a bad
command line exits 2. Checking buffers builds a second model: verify needs memory for two copies of the model.

The checks run in verify_worker.py, in the fresh process that this command starts.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

from safetensors import SafetensorError

from .checkpoint import load_model
from .cli import CommandError, run_command
from .family import reference_inputs
from .hub import download_record
from .modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES
from .record import FORMAT_VERSION, RECORD_FILE, read_record, write_record

PACKAGE = "{{ cookiecutter.model_name }}"
# The script of the checking process.
WORKER = Path(__file__).resolve().with_name("verify_worker.py")
# Both processes compute in fp32 on CPU. The same math through other kernels moves the results a little: on
# 100M-parameter models of each family, eager instead of sdpa attention moved outputs by at most 4e-6, another thread
# count by 5e-7; `rtol` covers the larger activations of trained models. A broken mask, re-initialised weights or
# changed math move them by 1e-2 and more.
DEFAULT_ATOL = 1e-5
DEFAULT_RTOL = 1e-4


def fetch_record(source: str, revision: str | None) -> tuple[Path, str | None]:
    """The record of `source` (a folder, or a repo id at `revision`), and the commit it came from (None: a folder)."""
    if Path(source).is_dir():
        path = Path(source) / RECORD_FILE
        if not path.is_file():
            raise CommandError(
                f"{source} holds no {RECORD_FILE}: record it with `python -m {PACKAGE}.verify {source} --record` "
                "(publish records it into every release)."
            )
        return path, None
    path = download_record(source, revision, RECORD_FILE, PACKAGE)
    return path, path.parent.name  # .../snapshots/<commit>/reference_outputs.safetensors


def verify(args: argparse.Namespace) -> int:
    record_path, commit = fetch_record(args.source, args.revision)
    try:
        _, metadata = read_record(record_path)
    except (SafetensorError, OSError, json.JSONDecodeError) as error:
        raise CommandError(f"{record_path} is not a readable record ({error}): record it again.") from error
    if metadata.get("format_version") != FORMAT_VERSION:
        raise CommandError(
            f"{record_path} is a record of format {metadata.get('format_version')!r}; this verify reads format "
            f"{FORMAT_VERSION!r}: use the project's version that recorded it."
        )
    source = str(Path(args.source).resolve()) if commit is None else args.source
    plan = dict(source=source, revision=commit, record_path=str(record_path), atol=args.atol, rtol=args.rtol)
    # -P: the folder of the script is not put on sys.path, and the script makes `import <project>` fail.
    command = [sys.executable, "-P", str(WORKER), json.dumps(plan)]
    process = subprocess.run(command, capture_output=True, text=True)
    if process.returncode != 0 or not process.stdout.strip():
        sys.stderr.write(process.stderr)
        raise CommandError(f"the checking process stopped with exit status {process.returncode}; its output is above.")
    result = json.loads(process.stdout.strip().splitlines()[-1])
    shown = f"{args.source}@{commit}" if commit else args.source
    recorded = {name: metadata.get(f"{name}_version", "?") for name in ("transformers", "torch", "python")}
    print(report(shown, metadata["class"], result, recorded, args.atol, args.rtol))
    return 1 if result["failures"] else 0


def report(shown: str, class_name: str, result: dict, recorded: dict, atol: float, rtol: float) -> str:
    def version_set(found: dict) -> str:
        return ", ".join(f"{name} {found[name]}" for name in ("transformers", "torch", "python"))

    if not result["failures"]:
        checked = result["checked"]
        outputs = checked["outputs"]
        generation = ""
        if "generation" in checked:
            generation = f", {checked['generation']} greedy tokens alike with and without the cache"
        return (
            f"verified {shown}: {class_name} loads as remote code with a clean load report, {checked['weights']} "
            f"weights as stored, {checked['buffers']} buffers as built, the recorded auto_map ({checked['auto_map']} "
            f"entries), {outputs['count']} outputs within atol {atol:g} rtol {rtol:g} (largest difference "
            f"{outputs['largest']:.2g}){generation}; recorded with transformers {recorded['transformers']}, checked "
            f"with transformers {result['versions']['transformers']}"
        )
    count = len(result["failures"])
    lines = [f"verify FAILED for {shown} ({class_name}): {count} problem{'s' if count > 1 else ''}"]
    lines += [f"  {failure}" for failure in result["failures"]]
    lines.append(f"recorded with: {version_set(recorded)}")
    lines.append(f"checked with:  {version_set(result['versions'])}")
    return "\n".join(lines)


def tolerance(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not number >= 0 or math.isinf(number):  # also refuses nan
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of 0 or more")
    return number


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="a save_pretrained folder, or the repo id of a published release")
    parser.add_argument("--revision", help="commit hash, branch or tag of the repo id (default: main)")
    parser.add_argument("--record", action="store_true", help="write the record into the folder instead of checking")
    parser.add_argument("--atol", type=tolerance, default=DEFAULT_ATOL, help=f"default: {DEFAULT_ATOL:g}")
    parser.add_argument("--rtol", type=tolerance, default=DEFAULT_RTOL, help=f"default: {DEFAULT_RTOL:g}")
    args = parser.parse_args(argv)
    is_folder = Path(args.source).is_dir()
    if is_folder and args.revision:
        parser.error(f"--revision is for a repo id, and {args.source} is a local folder.")
    if args.record and not is_folder:
        parser.error(f"--record writes into a local checkpoint folder, and {args.source} is not a folder.")
    if not is_folder and not valid_repo_id(args.source):
        parser.error(f"{args.source!r} is neither a folder nor a valid repo id ('namespace/name').")
    return args


def valid_repo_id(value: str) -> bool:
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(value)
    except HFValidationError:
        return False
    return "/" in value


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.record:
        return run_command(lambda: print_record(Path(args.source)))
    return run_command(lambda: verify(args))


def print_record(folder: Path) -> int:
    """Record the checkpoint in `folder` (checked as publish checks it, no code from it runs), loaded with this
    project's class."""
    model = load_model(folder, None, None)
    try:
        metadata = write_record(folder, model, AUTO_CLASSES[type(model)], reference_inputs(model.config))
    except OSError as error:  # e.g. a read-only folder, or no space left on the device
        raise CommandError(f"cannot write {folder / RECORD_FILE}: {error.strerror or error}.") from error
    print(
        f"recorded {folder / RECORD_FILE}: {metadata['class']} with transformers {metadata['transformers_version']}, "
        f"torch {metadata['torch_version']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
