"""What the project's commands share (publish, the conversion scripts, train_tokenizer): one way to report a failure
and to exit.

Every failure a user can cause or meet (a bad folder, a foreign checkpoint, an unreachable or failing Hub) is
raised as a `CommandError` where it happens, with one line that says what failed, which path or id, and what to do.
Exit status of every command:

    0    done
    1    refused or failed: one `error: ...` line on stderr; nothing was published and the output folder, if any,
         was left as it was
    2    a bad command line: argparse's usage and `error: ...` line; nothing was done
    128+N  stopped by signal N (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP); temporary files were removed

Anything else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from safetensors import SafetensorError

# What writing a file raises when it fails (no space left, a read-only folder, a name too long): the OS's error, or
# safetensors' own for a weights file.
WRITE_ERRORS = (OSError, SafetensorError)
# Signals that stop a command with clean-up; Ctrl-C (SIGINT) already arrives as KeyboardInterrupt.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class CommandError(Exception):
    """A failure to report as one line: what failed, which path or id, and what to do."""


class OutOfTime(BaseException):
    """The time a command was given (`--timeout`) ran out during `step`. Like KeyboardInterrupt it is no `Exception`:
    no library's `except Exception` swallows it."""

    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.step = step


class Deadline:
    """The end of the time a command was given: `during(step)` bounds a step in this process (with SIGALRM, in the
    main thread), `remaining()` is what is left for a child process."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(self.end - time.monotonic(), 0.0)

    @contextmanager
    def during(self, step: str) -> Iterator[None]:
        if self.remaining() <= 0:
            raise OutOfTime(step)
        alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
        if alarm:

            def expire(signum: int, frame: object) -> None:
                raise OutOfTime(step)

            previous = signal.signal(signal.SIGALRM, expire)
            signal.setitimer(signal.ITIMER_REAL, self.remaining())
        try:
            yield
        finally:
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)


class Stopped(BaseException):
    """A stop signal arrived. Like KeyboardInterrupt it is no `Exception`, so no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _stop(signum: int, frame: object) -> None:
    for other in STOP_SIGNALS:
        signal.signal(other, signal.SIG_IGN)  # a second signal must not interrupt the clean-up
    raise Stopped(signum)


def run_command(command: Callable[[], int]) -> int:
    """Run `command` and return its exit status; a `CommandError` or a stop signal becomes one line on stderr."""
    in_main_thread = threading.current_thread() is threading.main_thread()  # only there can signals be handled
    previous = {signum: signal.signal(signum, _stop) for signum in STOP_SIGNALS} if in_main_thread else {}
    try:
        return command()
    except CommandError as error:
        print(f"error: {one_line(str(error))}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Stopped) as stop:
        signum = stop.signum if isinstance(stop, Stopped) else signal.SIGINT
        name = signal.Signals(signum).name
        print(f"error: stopped by {name}; temporary files were removed. Run the command again.", file=sys.stderr)
        return 128 + signum
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds above 0")
    return seconds


def write_failure(error: BaseException) -> str:
    """What went wrong while writing, in words: the OS's ("No space left on device") or safetensors' message."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return one_line(str(error))


@contextmanager
def writing(folder: Path, what: str) -> Iterator[None]:
    """Turn a failure to write `what` into `folder` (a temporary folder, removed whole by its owner) into one line."""
    try:
        yield
    except WRITE_ERRORS as error:
        where = f"{folder}, a temporary folder (TMPDIR)" if folder.is_relative_to(tempfile.gettempdir()) else folder
        raise CommandError(
            f"cannot write {what} to {where}: {write_failure(error)}. Free space there (or choose another folder) and "
            "run the command again; nothing was left half written."
        ) from error


def one_line(message: str) -> str:
    """`message` on a single line (a library's message may span several)."""
    return " ".join(message.split())


@contextmanager
def temporary_folder(prefix: str) -> Iterator[Path]:
    """A new empty folder under the system's temporary directory, removed on every way out, signals included."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def path_kind(path: Path) -> str:
    """What `path` is: "folder", "file" or "missing" (also what the system cannot look up, such as a name too long)."""
    try:
        return "folder" if path.is_dir() else "file" if path.exists() else "missing"
    except OSError:
        return "missing"


def name_problem(path: Path) -> str | None:
    """Why the system would refuse to make `path` (a name over its NAME_MAX bytes, the whole over its PATH_MAX), or
    None."""
    absolute = Path(os.path.abspath(path))
    existing = next(parent for parent in absolute.parents if path_kind(parent) == "folder")  # "/" at least
    limits = {}
    for name, default in (("PC_NAME_MAX", 255), ("PC_PATH_MAX", 4096)):
        try:
            limits[name] = os.pathconf(existing, name)
        except (OSError, ValueError):
            limits[name] = default
    longest = max(len(os.fsencode(part)) for part in absolute.parts)
    if longest > limits["PC_NAME_MAX"]:
        return f"a name in it is {longest} bytes long, and this system allows {limits['PC_NAME_MAX']}"
    length = len(os.fsencode(str(absolute)))
    if length >= limits["PC_PATH_MAX"]:
        return f"it is {length} bytes long, and this system allows {limits['PC_PATH_MAX'] - 1}"
    return None


def check_new_folder(path: Path, option: str) -> str | None:
    """Why `path` cannot receive a command's output (None if it can: it is missing or an empty folder)."""
    problem = name_problem(path)
    if problem:
        return f"{option} {path} cannot be made: {problem}. Choose a shorter path."
    kind = path_kind(path)
    if kind == "file":
        return f"{option} {path} is a file: choose a new folder."
    if kind == "folder" and any(path.iterdir()):
        return f"{option} {path} is not empty: choose a new folder."
    return None


def move_into(source: Path, output: Path) -> None:
    """Move every file of `source` into `output` (missing or empty); on failure leave `output` as it was: removed if
    this made it, else emptied again, a partly moved file included."""
    created = not output.exists()
    try:
        output.mkdir(parents=True, exist_ok=True)
        for path in sorted(source.iterdir()):
            shutil.move(path, output / path.name)
    except WRITE_ERRORS as error:
        if created:
            shutil.rmtree(output, ignore_errors=True)
        else:  # it was empty (`check_new_folder`)
            for path in list(output.iterdir()) if output.is_dir() else []:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        raise CommandError(
            f"cannot write {output}: {write_failure(error)}. Free space there, or choose a folder you can write to; "
            "nothing was left in it."
        ) from error


def run_tokenizer_training(
    train: Callable[[list[str], int], Any], doc: str, corpus: Path, vocab_size: int, argv: list[str] | None
) -> int:
    """The command line of a text family's `train_tokenizer.py`: train with `train(texts, vocab_size)` on `--corpus`
    (one text per line; `corpus` by default), save the tokenizer to `--output`."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--output", type=Path, required=True, help="folder to save the tokenizer to")
    parser.add_argument("--corpus", type=Path, default=corpus, help="a UTF-8 text file, one text per line")
    parser.add_argument("--vocab-size", type=int, default=vocab_size)
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        parser.error(f"--corpus {args.corpus} is not a file.")
    try:
        tokenizer = train(args.corpus.read_text(encoding="utf-8").splitlines(), args.vocab_size)
    except ValueError as error:  # a vocabulary too small for the special tokens
        parser.error(str(error))
    tokenizer.save_pretrained(args.output)
    print(f"saved a tokenizer of {len(tokenizer)} tokens to {args.output}")
    return 0
