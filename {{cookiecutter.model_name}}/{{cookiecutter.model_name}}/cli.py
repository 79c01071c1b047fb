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
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Signals that stop a command with clean-up; Ctrl-C (SIGINT) already arrives as KeyboardInterrupt.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class CommandError(Exception):
    """A failure to report as one line: what failed, which path or id, and what to do."""


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


def check_new_folder(path: Path, option: str) -> str | None:
    """Why `path` cannot receive a command's output (None if it can: it is missing or an empty folder)."""
    if path.is_file():
        return f"{option} {path} is a file: choose a new folder."
    if path.is_dir() and any(path.iterdir()):
        return f"{option} {path} is not empty: choose a new folder."
    return None


def move_into(source: Path, output: Path) -> None:
    """Move every file of `source` into `output` (missing or empty); on failure leave `output` as it was."""
    created = not output.exists()
    moved: list[Path] = []
    try:
        output.mkdir(parents=True, exist_ok=True)
        for path in sorted(source.iterdir()):
            moved.append(Path(shutil.move(path, output / path.name)))
    except OSError as error:
        if created:
            shutil.rmtree(output, ignore_errors=True)
        else:
            for path in moved:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        raise CommandError(
            f"cannot write {output}: {error.strerror or error}. Choose a folder you can write to."
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
