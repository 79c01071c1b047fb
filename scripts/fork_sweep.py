"""Fork every model type of the installed transformers that has a causal-LM, masked-LM, image-classification or
image-text-to-text head, and check each fork the way its users will meet it.

    .venv/bin/python scripts/fork_sweep.py                   # every such type (long: run it in the background)
    .venv/bin/python scripts/fork_sweep.py qwen3 mistral vit # some types
    .venv/bin/python scripts/fork_sweep.py --report          # the table of the results so far

For each model type, in a process of its own: the fork engine of a baked fork project (`<package>/fork.py`) forks the
type into a copy of that project and derives its tiny config, checked against the native heads (a type that cannot be
forked is refused there, with the reason a bake gives). Then a tiny native checkpoint of the default head is converted
with the project's converter, loaded in a fresh process with `trust_remote_code=True` (this project not importable
there), and its outputs and (for a head that generates) greedy tokens compared with the native model's.

Results go to a JSON-lines file (one line per type, kept between runs: types already there are skipped); the report is
a Markdown table of totals and failure reasons, as the README shows it.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
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
# The fork engine in the template (the folder names are cookiecutter's placeholders).
ENGINE = Path("{{cookiecutter.model_name}}", "_families", "fork", "{{cookiecutter.model_name}}", "fork.py")
TIMEOUT = 600

# What the fresh process runs: load the converted checkpoint as a user does, compute on the example inputs, generate.
CONSUMER = """
import json, sys
import torch, transformers
from safetensors.torch import load_file

plan = json.loads(sys.argv[1])
inputs = load_file(plan["inputs"])
model = getattr(transformers, plan["auto_class"]).from_pretrained(plan["folder"], trust_remote_code=True).eval()
with torch.no_grad():
    outputs = model(**inputs)
    result = {"class": type(model).__module__, "outputs": {
        name: value.tolist() for name, value in outputs.items() if isinstance(value, torch.Tensor)
    }}
    if plan["generates"]:
        result["tokens"] = model.generate(**inputs, max_new_tokens=8, min_new_tokens=8, do_sample=False).tolist()
print(json.dumps(result))
"""


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


def fresh_copy(skeleton: Path, folder: Path) -> Path:
    """The skeleton project without its forked files, for one model type."""
    project = Path(shutil.copytree(skeleton, folder / PACKAGE))
    facts = json.loads((project / PACKAGE / "fork.json").read_text())
    for name in facts["files"]:
        (project / PACKAGE / name).unlink()
    shutil.rmtree(project / "upstream")
    return project


def check_type(model_type: str, project: Path) -> dict[str, Any]:
    """Fork `model_type` into `project`, convert a tiny native checkpoint, load it in a fresh process, compare."""
    started = time.monotonic()
    sys.path.insert(0, str(project))
    engine = load_engine(
        project / PACKAGE / "fork.py"
    )  # the project's own engine, as the post-generation hook runs it

    result: dict[str, Any] = {"model_type": model_type}
    try:
        facts = engine.bake(project, PACKAGE, model_type, CLASS_PREFIX)
    except engine.ForkError as error:
        return {**result, "status": "refused", "stage": "bake", "reason": str(error), "seconds": since(started)}
    result["heads"] = list(facts["heads"])
    try:
        compare_converted(project, facts, result)
    except Exception as error:  # noqa: BLE001 - whatever fails is the reason to report
        result.update(status="failed", reason=engine.one_line(error))
    else:
        result.setdefault("status", "parity")
    result["seconds"] = since(started)
    return result


def load_engine(path: Path) -> Any:
    """The fork engine of a project, imported from its file (its package has no forked files yet)."""
    spec = importlib.util.spec_from_file_location("sweep_fork_engine", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def compare_converted(project: Path, facts: dict[str, Any], result: dict[str, Any]) -> None:
    """Convert a tiny native checkpoint of the default head, load it in a fresh process, compare with the native."""
    import torch
    from safetensors.torch import save_file
    from sweep_model import family, fork

    converter = next((project / PACKAGE).glob("convert_*_to_*.py")).stem
    convert = __import__(f"{PACKAGE}.{converter}", fromlist=["main"])
    auto_class = family.DEFAULT_AUTO_CLASS
    native_class = fork.native_classes(facts)[auto_class]
    config_class = type(native_class.config_class())
    torch.manual_seed(0)
    native = native_class(config_class(**facts["tiny_config"])).eval()
    inputs = fork.example_inputs(native.config, auto_class, "padded", facts["image_tokens"])
    with tempfile.TemporaryDirectory() as folder:
        native.save_pretrained(Path(folder) / "native")
        result["stage"] = "convert"
        if convert.main(["--input", str(Path(folder) / "native"), "--output", str(Path(folder) / "converted")]) != 0:
            raise RuntimeError("the conversion failed")
        save_file({name: tensor.contiguous() for name, tensor in inputs.items()}, Path(folder) / "inputs.safetensors")
        generates = native.can_generate()
        plan = {"folder": str(Path(folder) / "converted"), "inputs": str(Path(folder) / "inputs.safetensors")}
        plan.update(auto_class=auto_class, generates=generates)
        result["stage"] = "fresh-process load"
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        env.update(HF_HUB_OFFLINE="1", HF_MODULES_CACHE=str(Path(folder) / "modules"))
        process = subprocess.run(
            [sys.executable, "-c", CONSUMER, json.dumps(plan)],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        if process.returncode != 0:
            raise RuntimeError(last_error(process.stderr))
        loaded = json.loads(process.stdout.strip().splitlines()[-1])
    result["stage"] = "compare"
    if not loaded["class"].startswith("transformers_modules."):
        raise RuntimeError(f"loaded {loaded['class']}, not the remote code")
    with torch.no_grad():
        expected = native(**inputs)
        for name, value in expected.items():
            if isinstance(value, torch.Tensor) and not torch.equal(torch.tensor(loaded["outputs"][name]), value):
                raise RuntimeError(f"{name} differs from the native model's")
        if generates:
            tokens = native.generate(**inputs, max_new_tokens=8, min_new_tokens=8, do_sample=False)
            if tokens.tolist() != loaded["tokens"]:
                raise RuntimeError("the greedy tokens differ from the native model's")


def last_error(stderr: str) -> str:
    """The last line of a traceback (the error itself)."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception|Refused)\b", line)]
    return (errors or lines or ["no output"])[-1][:300]


def since(started: float) -> float:
    return round(time.monotonic() - started, 1)


def run_one(model_type: str, skeleton: Path) -> dict[str, Any]:
    """`check_type` in a process of its own (a crash or a hang stays there)."""
    with tempfile.TemporaryDirectory(prefix=f"sweep-{model_type}-") as folder:
        project = fresh_copy(skeleton, Path(folder))
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_MODULES_CACHE": str(Path(folder) / "modules")}
        command = [sys.executable, __file__, "--one", model_type, "--project", str(project)]
        try:
            process = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=env)
        except subprocess.TimeoutExpired:
            return {"model_type": model_type, "status": "failed", "stage": "timeout", "reason": f"over {TIMEOUT} s"}
    lines = [line for line in process.stdout.splitlines() if line.startswith("{")]
    if process.returncode != 0 or not lines:
        return {"model_type": model_type, "status": "failed", "stage": "crash", "reason": last_error(process.stderr)}
    return json.loads(lines[-1])


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
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:  # the process of one type (see run_one)
        print(json.dumps(check_type(args.one, args.project)))
        return 0
    types = swept_types()
    if not args.report:
        done = {row["model_type"] for row in read_results(args.results)}
        todo = [model_type for model_type in (args.types or types) if model_type not in done]
        args.results.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="sweep-skeleton-") as folder:
            skeleton = bake_skeleton(Path(folder))
            for index, model_type in enumerate(todo, 1):
                result = {**run_one(model_type, skeleton), "tasks": types.get(model_type, [])}
                with args.results.open("a") as file:
                    file.write(json.dumps(result) + "\n")
                print(f"[{index}/{len(todo)}] {model_type}: {result['status']} {result.get('reason', '')}"[:200])
    results = [row for row in read_results(args.results) if not args.types or row["model_type"] in args.types]
    print(report(results, types))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
