"""Fork every model type of the installed transformers that has a causal-LM, masked-LM, image-classification or
image-text-to-text head, and check each fork the way its users will meet it.

    .venv/bin/python scripts/fork_sweep.py                   # every such type (long: run it in the background)
    .venv/bin/python scripts/fork_sweep.py qwen3 mistral vit # some types
    .venv/bin/python scripts/fork_sweep.py --report          # the table of the results so far

For each model type: the fork engine of a baked fork project (`<package>/fork.py`, as the post-generation hook runs
it) forks the type into a copy of that project and derives its tiny config, checked against the native heads (a type
that cannot be forked is refused there, with the reason a bake gives; a fork that does not compute what the native
heads compute fails there). A tiny native checkpoint of the default head is then converted with the project's
converter, loaded in a fresh process with `trust_remote_code=True` (where this project cannot be imported), and its
outputs and, for a head that generates, its greedy tokens compared with those of the native model loaded from its
checkpoint.

The types are forked one after the other by a worker process (transformers is imported once; a crash or a type over
`--timeout` costs a new worker, and is recorded); the fresh-process loads run in batches, a process per batch. Results
go to a JSON-lines file, one line per type, kept between runs: types already there are skipped. The report is the
Markdown table of totals and failure reasons that docs/fork.md shows.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import importlib.util
import io
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
# The fork engine in the template (the folder names are cookiecutter's placeholders).
ENGINE = Path("{{cookiecutter.model_name}}", "_families", "fork", "{{cookiecutter.model_name}}", "fork.py")
PACKAGE = "sweep_model"
CLASS_PREFIX = "SweepModel"
# The heads whose model types the sweep covers, and the goal of each group (issue 19).
SWEPT_HEADS = (
    "AutoModelForCausalLM",
    "AutoModelForMaskedLM",
    "AutoModelForImageClassification",
    "AutoModelForImageTextToText",
)
GOALS = {"causal LM": 0.9, "other": 0.8}
RESULTS = TEMPLATE_DIR / "build" / "fork_sweep.jsonl"
BATCH = 8  # converted checkpoints per fresh process

# The fresh process: load each converted checkpoint as a user does, compute on its inputs, generate; one JSON line.
CONSUMER = """
import json, sys, traceback
import torch, transformers
from safetensors.torch import load_file, save_file
from transformers import conversion_mapping

# Every fork is named alike here: the checkpoint conversions one registers must not apply to the next one's load.
conversion_mapping.get_checkpoint_conversion_mapping("llama")  # builds the registry
registered = dict(conversion_mapping._checkpoint_conversion_mapping_cache)
results = {}
for entry in json.loads(sys.argv[1]):
    conversion_mapping._checkpoint_conversion_mapping_cache.clear()
    conversion_mapping._checkpoint_conversion_mapping_cache.update(registered)
    try:
        inputs = load_file(entry["inputs"])
        auto = getattr(transformers, entry["auto_class"])
        model = auto.from_pretrained(entry["folder"], trust_remote_code=True).eval()
        with torch.no_grad():
            outputs = {name: value for name, value in model(**inputs).items() if isinstance(value, torch.Tensor)}
            if entry["generates"]:
                options = {"max_new_tokens": 8, "min_new_tokens": 8, "do_sample": False}
                outputs["greedy tokens"] = model.generate(**inputs, **options)
        # An output may be another's very tensor (BLIP's image embeddings): saved apart, as safetensors needs.
        save_file({name: value.clone().contiguous() for name, value in outputs.items()}, entry["loaded"])
        results[entry["model_type"]] = {"module": type(model).__module__}
    except Exception as error:
        results[entry["model_type"]] = {"error": traceback.format_exception_only(error)[-1].strip()[:300]}
print(json.dumps(results))
"""


def load_engine(path: Path) -> Any:
    """The fork engine, imported from its file (the project's package has no forked files yet)."""
    spec = importlib.util.spec_from_file_location("sweep_fork_engine", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def swept_types() -> dict[str, list[str]]:
    """Model type -> the swept heads it has, for every model type of the installed transformers."""
    fork = load_engine(TEMPLATE_DIR / ENGINE)
    types: dict[str, list[str]] = collections.defaultdict(list)
    for auto_class, mapping in fork.auto_mappings().items():
        if auto_class in SWEPT_HEADS:
            for model_type in mapping:
                types[model_type].append(auto_class)
    return dict(sorted(types.items()))


def bake_skeleton(folder: Path) -> Path:
    """A baked fork project, whose package the sweep forks every type into (its fork engine, converter, family)."""
    from cookiecutter.main import cookiecutter

    answers = {"architecture": "fork", "base_model": "qwen3", "model_name": PACKAGE, "class_prefix": CLASS_PREFIX}
    return Path(cookiecutter(str(TEMPLATE_DIR), no_input=True, extra_context=answers, output_dir=str(folder)))


# -- the worker: fork, check against the native heads, convert -------------------------------------------------------


def fresh_copy(skeleton: Path, folder: Path) -> Path:
    """The skeleton project without its forked files, for one model type."""
    project = Path(shutil.copytree(skeleton, folder / PACKAGE))
    facts = json.loads((project / PACKAGE / "fork.json").read_text())
    for name in facts["files"]:
        (project / PACKAGE / name).unlink()
    shutil.rmtree(project / "upstream")
    return project


def fork_and_convert(model_type: str, skeleton: Path, folder: Path) -> dict[str, Any]:
    """Fork `model_type` into a copy of the skeleton in `folder`, then convert a tiny native checkpoint of its default
    head and save what the native model computes: the entry the fresh process loads (or why it stopped)."""
    started = time.monotonic()
    project = fresh_copy(skeleton, folder)
    engine = load_engine(project / PACKAGE / "fork.py")
    try:
        facts = engine.bake(project, PACKAGE, model_type, CLASS_PREFIX)
    except engine.ForkError as error:
        return {"status": "refused", "stage": "bake", "reason": str(error), "seconds": since(started)}
    import torch
    from safetensors.torch import save_file

    family = importlib.import_module(f"{PACKAGE}.family")
    converter = next((project / PACKAGE).glob("convert_*_to_*.py")).stem
    convert = importlib.import_module(f"{PACKAGE}.{converter}")
    auto_class = family.DEFAULT_AUTO_CLASS
    native_class = engine.native_classes(facts)[auto_class]
    torch.manual_seed(0)
    native = native_class(engine.native_config(facts)(**facts["tiny_config"])).eval()
    inputs = engine.example_inputs(
        native.config, auto_class, "padded", facts["image_tokens"], facts["image_arguments"]
    )
    native.save_pretrained(folder / "native")
    # The native model as its users meet it, loaded from its checkpoint: a model built in memory and the same weights
    # loaded may differ in the last bit (transformers' own lara_mini and zaya do, by 1e-7, after a save and a load).
    native = native_class.from_pretrained(folder / "native").eval()
    messages = io.StringIO()
    with contextlib.redirect_stderr(messages), contextlib.redirect_stdout(io.StringIO()):
        code = convert.main(["--input", str(folder / "native"), "--output", str(folder / "converted")])
    if code != 0:
        reason = (messages.getvalue().strip().splitlines() or ["the conversion failed"])[-1]
        return {"status": "failed", "stage": "convert", "reason": reason, "seconds": since(started)}
    # The inputs as the fresh process gets them, saved first: a model may write into them (BLIP's generate sets the
    # first token of its input ids to its bos token).
    save_file({name: tensor.contiguous() for name, tensor in inputs.items()}, folder / "inputs.safetensors")
    with torch.no_grad():
        expected = {name: value for name, value in native(**inputs).items() if isinstance(value, torch.Tensor)}
        if native.can_generate():
            expected["greedy tokens"] = native.generate(**inputs, max_new_tokens=8, min_new_tokens=8, do_sample=False)
    # An output may be another's very tensor (BLIP's image embeddings): saved apart, as safetensors needs.
    save_file({name: value.clone().contiguous() for name, value in expected.items()}, folder / "expected.safetensors")
    entry = {
        "model_type": model_type,
        "folder": str(folder / "converted"),
        "inputs": str(folder / "inputs.safetensors"),
        "loaded": str(folder / "loaded.safetensors"),
        "auto_class": auto_class,
        "generates": native.can_generate(),
    }
    return {"status": "converted", "heads": list(facts["heads"]), "entry": entry, "seconds": since(started)}


def worker(skeleton: Path, root: Path) -> None:
    """Read model types from stdin, one a line; print a JSON result for each (see `fork_and_convert`)."""
    from transformers.utils import logging

    logging.set_verbosity_error()
    for line in sys.stdin:
        model_type = line.strip()
        try:
            result = fork_and_convert(model_type, skeleton, root / model_type)
        except Exception as error:  # noqa: BLE001 - whatever fails is the reason to report
            result = {"status": "failed", "stage": "convert", "reason": one_line(error)}
        finally:
            forget_conversions()
        print(json.dumps({"model_type": model_type, **result}), flush=True)


def forget_conversions() -> None:
    """Drop the checkpoint conversions a fork registered under the sweep's names. Every type is forked under the same
    model type and class names in this process: one type's conversions (a BERT-like `layers` -> `encoder.layer`)
    would otherwise apply to the next type's checkpoints. A user's process loads one fork, or forks of other names."""
    from transformers import conversion_mapping

    cache = getattr(conversion_mapping, "_checkpoint_conversion_mapping_cache", None) or {}
    for key in [key for key in cache if key == PACKAGE or key.startswith(CLASS_PREFIX)]:
        del cache[key]


# -- the sweep: workers, fresh processes, comparisons ---------------------------------------------------------------


class Worker:
    """A worker process (`worker`), restarted after a crash or a type over the timeout."""

    def __init__(self, skeleton: Path, root: Path, timeout: float) -> None:
        self.command = [sys.executable, __file__, "--worker", str(skeleton), str(root)]
        self.timeout = timeout
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_MODULES_CACHE": str(Path(self.command[-1]) / "modules")}
        self.process = subprocess.Popen(
            self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )

    def run(self, model_type: str) -> dict[str, Any]:
        if self.process is None or self.process.poll() is not None:
            self.start()
        self.process.stdin.write(model_type + "\n")
        self.process.stdin.flush()
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 5)
            if ready:
                line = self.process.stdout.readline()
                if not line:  # the worker died
                    self.process = None
                    return {"model_type": model_type, "status": "failed", "stage": "crash", "reason": "it crashed"}
                if line.startswith("{"):
                    return json.loads(line)
        self.process.kill()
        self.process = None
        return {"model_type": model_type, "status": "failed", "stage": "timeout", "reason": f"over {self.timeout} s"}


def load_in_fresh_process(entries: list[dict[str, Any]], root: Path) -> dict[str, dict[str, Any]]:
    """Load every converted checkpoint of `entries` in one fresh process (see `CONSUMER`)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update(HF_HUB_OFFLINE="1", HF_MODULES_CACHE=str(root / "consumer-modules"))
    process = subprocess.run(
        [sys.executable, "-c", CONSUMER, json.dumps(entries)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300 + 120 * len(entries),
    )
    if process.returncode != 0:
        return {entry["model_type"]: {"error": last_error(process.stderr)} for entry in entries}
    return json.loads(process.stdout.strip().splitlines()[-1])


def compared(entry: dict[str, Any], loaded: dict[str, Any]) -> dict[str, Any]:
    """The outcome of one fork: parity, or what failed in the fresh process or differs from the native model."""
    import torch
    from safetensors.torch import load_file

    if "error" in loaded:
        return {"status": "failed", "stage": "fresh-process load", "reason": loaded["error"]}
    if not loaded["module"].startswith("transformers_modules."):
        return {"status": "failed", "stage": "compare", "reason": f"loaded {loaded['module']}, not remote code"}
    expected = load_file(Path(entry["inputs"]).with_name("expected.safetensors"))
    found = load_file(entry["loaded"])
    for name, tensor in expected.items():
        if name not in found or not torch.equal(found[name], tensor):
            return {"status": "failed", "stage": "compare", "reason": f"{name} differs from the native model's"}
    return {"status": "parity", "stage": "compare"}


def last_error(stderr: str) -> str:
    """The last line of a traceback (the error itself)."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception)\b", line)]
    return (errors or lines or ["no output"])[-1][:300]


def one_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())}"[:300]


def since(started: float) -> float:
    return round(time.monotonic() - started, 1)


def sweep(todo: list[str], types: dict[str, list[str]], results: Path, timeout: float) -> None:
    """Fork, convert and check every type of `todo`, appending a line per type to `results`."""
    results.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fork-sweep-") as folder:
        root = Path(folder)
        skeleton = bake_skeleton(root / "skeleton")
        worker_process = Worker(skeleton, root / "types", timeout)
        pending: list[dict[str, Any]] = []

        def record(result: dict[str, Any]) -> None:
            result["tasks"] = types.get(result["model_type"], [])
            with results.open("a") as file:
                file.write(json.dumps(result) + "\n")
            print(f"{result['model_type']}: {result['status']} {result.get('reason', '')}"[:200], flush=True)

        def flush() -> None:
            loaded = load_in_fresh_process([result["entry"] for result in pending], root)
            for result in pending:
                entry = result.pop("entry")
                record({**result, **compared(entry, loaded[entry["model_type"]])})
                shutil.rmtree(Path(entry["folder"]).parent, ignore_errors=True)
            pending.clear()

        for model_type in todo:
            result = worker_process.run(model_type)
            if result["status"] == "converted":
                pending.append(result)
                if len(pending) == BATCH:
                    flush()
            else:
                record(result)
                shutil.rmtree(root / "types" / model_type, ignore_errors=True)
        if pending:
            flush()
        if worker_process.process is not None:
            worker_process.process.kill()


# -- the report -----------------------------------------------------------------------------------------------------


def group(heads: list[str]) -> str:
    return "causal LM" if "AutoModelForCausalLM" in heads else "other"


def reason_kind(reason: str) -> str:
    """A failure reason without the parts that name one model (class names, numbers, quoted values)."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", reason)
    text = re.sub(r"\b[A-Z][A-Za-z0-9]*(Config|Model|For[A-Za-z]+|Attention|Layer)\b", "<class>", text)
    text = re.sub(r"\d+", "N", text)
    return text[:110]


def report(results: list[dict[str, Any]], types: dict[str, list[str]]) -> str:
    """Markdown: totals per group against the goals, then the failure reasons by count."""
    lines = [
        "| group | types | at parity | refused at bake | failed after | parity | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    by_group: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for result in results:
        by_group[group(types.get(result["model_type"], []))].append(result)
    for name in ("causal LM", "other"):
        rows = by_group.get(name, [])
        counts = collections.Counter(row["status"] for row in rows)
        share = counts["parity"] / len(rows) if rows else 0.0
        lines.append(
            f"| {name} | {len(rows)} | {counts['parity']} | {counts['refused']} | {counts['failed']} | "
            f"{share:.0%} | {GOALS[name]:.0%} |"
        )
    reasons = collections.Counter(
        (row["status"], reason_kind(row.get("reason", ""))) for row in results if row["status"] != "parity"
    )
    lines += ["", "| status | types | reason |", "|---|---|---|"]
    for (status, reason), count in reasons.most_common(25):
        lines.append(f"| {status} | {count} | {reason.replace('|', '/')} |")
    return "\n".join(lines)


def read_results(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("types", nargs="*", help="model types to check (default: every swept type)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="JSON-lines file of the results")
    parser.add_argument("--report", action="store_true", help="print the table of the results so far, and stop")
    parser.add_argument("--timeout", type=float, default=900, help="seconds a type may take to fork and convert")
    parser.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:  # the worker process (see `worker`)
        worker(*args.worker)
        return 0
    types = swept_types()
    if not args.report:
        done = {row["model_type"] for row in read_results(args.results)}
        sweep([name for name in (args.types or types) if name not in done], types, args.results, args.timeout)
    results = [row for row in read_results(args.results) if not args.types or row["model_type"] in args.types]
    print(report(results, types))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
