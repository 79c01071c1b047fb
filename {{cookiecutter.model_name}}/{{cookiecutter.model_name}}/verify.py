r"""Check that a published (or saved) model still loads and computes what it computed when it was recorded.

    python -m {{ cookiecutter.model_name }}.verify {{ cookiecutter.hub_repo_id }} --revision <commit sha>
    python -m {{ cookiecutter.model_name }}.verify checkpoints/{{ cookiecutter.model_name }}
    python -m {{ cookiecutter.model_name }}.verify checkpoints/{{ cookiecutter.model_name }} --record

The record, `reference_outputs.safetensors` (publish writes one into every release, `--record` into a local
checkpoint), holds fixed inputs and a fingerprint of each output the model's head returned for them (see record.py).
A record that is damaged or of another version (unreadable, without its metadata, a tensor missing, unlisted, in
another dtype, NaN or infinite) is refused with one line: it is never read as a model that changed. A record of format
1, which releases of earlier versions of this template carry, lists no outputs: each output it holds is compared, but
not whether the model returns others, and the summary line says so. An output that transformers renamed between the
release that recorded and the installed one (record.RENAMED_OUTPUTS) is compared under its old name.

verify imports and runs the release's code: that is its job. It loads the model as its users do,
`<Auto class>.from_pretrained(source, trust_remote_code=True, revision=...)`, so what runs is the code saved beside
the weights, on the transformers installed here. For a repo id, this process downloads the release (with your token,
if it needs one) into the Hub cache; the checks then run in a fresh process (verify_worker.py) where this project
cannot be imported, started without the token (no HF_TOKEN or HUGGING_FACE_HUB_TOKEN, a Hub home of its own with no
token file), offline, on that cache. Only run it on code you would load yourself, pinned to a commit you reviewed.
It checks what breaks silently on a transformers upgrade:

- the load report is clean: no missing, unexpected or mismatched weights, no error messages;
- every loaded weight equals the checkpoint's tensor (an `_init_weights` that writes in place can overwrite them);
- every non-persistent buffer equals a freshly built model's (buffers are not in checkpoints: the code re-creates
  them, or they hold garbage);
- the model and config classes come from the downloaded code; the `auto_map` of the release's config.json is the
  recorded one, and every entry of it and of the processor files is a class of a code file of the release;
- every recorded output is computed again within `--atol` + `--rtol` x |recorded| (where the attention mask is 0,
  outputs are padding and are not compared; NaN never is within), and every output the head returns is in the record
  (for a record of format 1, only the first);
- a head that generates gives the same greedy tokens with its key/value cache as without it (a model that no longer
  receives the cache `generate` hands it, as when transformers renames that argument, computes right logits and
  generates wrong tokens).

It prints one summary line and exits 0, or a report of each failed check, with the versions that recorded and that
checked, and exits 1. A source without a readable record, one that cannot be reached, or a run longer than
`--timeout` (the checking process and all it started are then killed, and its temporary files removed) is one
`error:` line naming what failed (exit 1); a bad command line exits 2. Checking buffers builds a second model: verify
needs memory for two copies of the model.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from huggingface_hub import constants

from .checkpoint import load_model
from .cli import (
    WRITE_ERRORS,
    CommandError,
    Deadline,
    OutOfTime,
    path_kind,
    positive_seconds,
    run_command,
    temporary_folder,
    write_failure,
)
from .family import reference_inputs
from .hub import bound_hub_requests, download_release
from .inputs import safetensors_files
from .modeling_{{ cookiecutter.model_name }} import AUTO_CLASSES
from .record import FORMAT_1, RECORD_FILE, RecordError, read_record, write_record

PACKAGE = "{{ cookiecutter.model_name }}"
# The script of the checking process.
WORKER = Path(__file__).resolve().with_name("verify_worker.py")
# Both processes compute in fp32 on CPU. The same math through other kernels moves the results a little: on
# 100M-parameter models of each family, eager instead of sdpa attention moved outputs by at most 4e-6, another thread
# count by 5e-7; `rtol` covers the larger activations of trained models. A broken mask, re-initialised weights or
# changed math move them by 1e-2 and more.
DEFAULT_ATOL = 1e-5
DEFAULT_RTOL = 1e-4
# Seconds the whole of verify may take by default (`--timeout`): downloads, importing the code and every check.
VERIFY_TIMEOUT = 1800.0
# The environment variables that hold a Hub token, or say where one is stored: the checking process gets none.
TOKEN_VARIABLES = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_STORED_TOKENS_PATH")
# How the checking process names its steps on stderr (verify_worker.STEP_PREFIX).
STEP_PREFIX = "verify step: "


def verify(args: argparse.Namespace) -> int:
    deadline = Deadline(args.timeout)
    try:
        record_path, commit = fetch_record(args.source, args.revision, deadline)
        folder = record_path.parent
        try:
            _, metadata = read_record(record_path)
        except RecordError as error:
            raise CommandError(
                f"{record_path} is damaged or from another version of this project: {error}. Record it again "
                f"(`python -m {PACKAGE}.verify <folder> --record`, or publish again, which records every release)."
            ) from error
        source = str(Path(args.source).resolve()) if commit is None else args.source
        plan = dict(
            source=source,
            revision=commit,
            folder=str(folder),
            record_path=str(record_path),
            weight_files=[str(path) for path in safetensors_files(folder, "the release")],
            atol=args.atol,
            rtol=args.rtol,
        )
        result = run_checks(plan, deadline)
    except OutOfTime as stop:
        raise CommandError(
            f"verify ran out of time (--timeout {args.timeout:g} s) while {stop.step}; nothing is left running or "
            "behind. Allow more time with --timeout."
        ) from None
    shown = f"{args.source}@{commit}" if commit else args.source
    recorded = {name: metadata.get(f"{name}_version", "?") for name in ("transformers", "torch", "python")}
    one_way = metadata["format_version"] == FORMAT_1
    print(report(shown, metadata["class"], result, recorded, args.atol, args.rtol, one_way))
    return 1 if result["failures"] else 0


def fetch_record(source: str, revision: str | None, deadline: Deadline) -> tuple[Path, str | None]:
    """The record of `source`, and the commit it came from (None for a folder): a folder's, or that of a repo id's
    release at `revision`, downloaded (with the token, in this process) into the Hub cache."""
    if path_kind(Path(source)) == "folder":
        path = Path(source) / RECORD_FILE
        if not path.is_file():
            raise CommandError(
                f"{source} holds no {RECORD_FILE}: record it with `python -m {PACKAGE}.verify {source} --record` "
                "(publish records it into every release)."
            )
        return path, None
    bound_hub_requests(deadline.seconds)
    path = download_release(source, revision, RECORD_FILE, PACKAGE, deadline)
    return path, path.parent.name


def run_checks(plan: dict[str, Any], deadline: Deadline) -> dict[str, Any]:
    """Run the checks of `plan` in the checking process, within `deadline`, and return its result.

    The process imports the release's code: it is started without the Hub token (no HF_TOKEN, a Hub home of its own
    with no token file), offline, on the Hub cache this process downloaded into, in a process group of its own that
    is killed whole if the time runs out or this command stops."""
    with temporary_folder("verify-") as work:
        (work / "plan.json").write_text(json.dumps(plan))
        # -P: the folder of the script is not put on sys.path, and the script makes `import <project>` fail.
        process = subprocess.Popen(
            [sys.executable, "-P", str(WORKER), str(work / "plan.json")],
            env=checking_environment(work / "hf_home"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            output, errors = process.communicate(timeout=deadline.remaining())
        except subprocess.TimeoutExpired:
            kill_group(process)
            _, errors = process.communicate()
            raise OutOfTime(f"the checking process was {last_step(errors)}") from None
        finally:
            kill_group(process)
    if process.returncode != 0 or not output.strip():
        sys.stderr.write("".join(line for line in errors.splitlines(True) if not line.startswith(STEP_PREFIX)))
        raise CommandError(f"the checking process stopped with exit status {process.returncode}; its output is above.")
    return json.loads(output.strip().splitlines()[-1])


def checking_environment(home: Path) -> dict[str, str]:
    """The environment of the checking process: this one's, without a Hub token, offline, with a Hub home of its own
    (no token file; the release's code modules are written there) on this process's Hub cache."""
    environment = {name: value for name, value in os.environ.items() if name not in TOKEN_VARIABLES}
    environment.update(
        HF_HOME=str(home),
        HF_HUB_CACHE=str(constants.HF_HUB_CACHE),
        HF_MODULES_CACHE=str(home / "modules"),
        HF_HUB_OFFLINE="1",
    )
    return environment


def kill_group(process: subprocess.Popen) -> None:
    """Kill `process` and every process it started (its process group), if it is still running."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:  # it ended in between
            pass
        process.wait()


def last_step(errors: str) -> str:
    """The last step the checking process named on stderr (`errors`)."""
    steps = [line.removeprefix(STEP_PREFIX) for line in errors.splitlines() if line.startswith(STEP_PREFIX)]
    return steps[-1] if steps else "starting (Python, torch and transformers)"


def report(shown: str, class_name: str, result: dict, recorded: dict, atol: float, rtol: float, one_way: bool) -> str:
    """The summary line of a model that passed, or the report of each failed check; `one_way` for a record of format
    1, whose outputs are compared one way only."""

    def version_set(found: dict) -> str:
        return ", ".join(f"{name} {found[name]}" for name in ("transformers", "torch", "python"))

    if not result["failures"]:
        checked = result["checked"]
        outputs = checked["outputs"]
        generation = ""
        if "generation" in checked:
            generation = f", {checked['generation']} greedy tokens alike with and without the cache"
        line = (
            f"verified {shown}: {class_name} loads as remote code with a clean load report, {checked['weights']} "
            f"weights as stored, {checked['buffers']} buffers as built, the recorded auto_map ({checked['auto_map']} "
            f"entries), {outputs['count']} outputs within atol {atol:g} rtol {rtol:g} (largest difference "
            f"{outputs['largest']:.2g}{renamed_outputs(outputs)}){generation}; recorded with transformers "
            f"{recorded['transformers']}, checked with transformers {result['versions']['transformers']}"
        )
        if one_way:
            line += (
                f"; the record is of format {FORMAT_1}: its outputs could only be compared one way (each output it "
                "holds, not whether the model returns outputs it lacks). Record again to compare both ways "
                f"(`python -m {PACKAGE}.verify <folder> --record`, or publish again)."
            )
        return line
    count = len(result["failures"])
    lines = [f"verify FAILED for {shown} ({class_name}): {count} problem{'s' if count > 1 else ''}"]
    lines += [f"  {failure}" for failure in result["failures"]]
    format_1 = f" (a record of format {FORMAT_1}: outputs compared one way only)" if one_way else ""
    lines.append(f"recorded with: {version_set(recorded)}{format_1}")
    lines.append(f"checked with:  {version_set(result['versions'])}")
    return "\n".join(lines)


def renamed_outputs(outputs: dict[str, Any]) -> str:
    """What the summary says of the outputs that transformers renamed between the release that recorded and this one
    (record.RENAMED_OUTPUTS), and of those that came with a rename, which are not compared."""
    notes = [f"; {rename}" for rename in outputs["renamed"]]
    if outputs["not_compared"]:
        count = len(outputs["not_compared"])
        notes.append(f", {count} output{'s' if count > 1 else ''} that came with it not compared")
    return "".join(notes)


def tolerance(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not number >= 0 or math.isinf(number):  # also refuses nan
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of 0 or more")
    return number


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="verify imports and runs the release's code: that is its job. It downloads a repo id's release with "
        "your token, then loads and checks it in a fresh process, offline and without your Hub token. Run it on "
        "code you would load yourself, pinned to a commit you reviewed.",
    )
    parser.add_argument("source", help="a save_pretrained folder, or the repo id of a published release")
    parser.add_argument("--revision", help="commit hash, branch or tag of the repo id (default: main)")
    parser.add_argument("--record", action="store_true", help="write the record into the folder instead of checking")
    parser.add_argument("--atol", type=tolerance, default=DEFAULT_ATOL, help=f"default: {DEFAULT_ATOL:g}")
    parser.add_argument("--rtol", type=tolerance, default=DEFAULT_RTOL, help=f"default: {DEFAULT_RTOL:g}")
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        default=VERIFY_TIMEOUT,
        metavar="SECONDS",
        help="give up after this long, downloads and the checking process included: it is stopped and nothing is "
        f"left behind (default: {VERIFY_TIMEOUT:g})",
    )
    args = parser.parse_args(argv)
    is_folder = path_kind(Path(args.source)) == "folder"
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
    except RecordError as error:
        raise CommandError(f"cannot record {folder}: {error}") from error
    except WRITE_ERRORS as error:  # e.g. a read-only folder, or no space left on the device
        raise CommandError(
            f"cannot write {folder / RECORD_FILE}: {write_failure(error)}. Free space there and record again; the "
            "folder was left as it was."
        ) from error
    print(
        f"recorded {folder / RECORD_FILE}: {metadata['class']} with transformers {metadata['transformers_version']}, "
        f"torch {metadata['torch_version']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
