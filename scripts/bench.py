"""Benchmark each family's baked model against the native transformers model it converts from.

    python scripts/bench.py                           # every family, baked into build/bench/<family>/
    python scripts/bench.py --families decoder        # one family
    python scripts/bench.py build/bench/decoder/my_model --profile   # a baked project; list ops that differ
    python scripts/bench.py --smoke --repeats 1       # tiny configs: checks that it all runs (the template test)
    python scripts/bench.py --device cuda --dtype bfloat16 --compile   # on a GPU: bf16, sdpa, torch.compile

Everything comes from the baked project's own contract (`tests/common.py`, `tests/contract.py`), so a new family
needs no change here: the native model of the default head is built at the contract's mid-size config
(`BENCHMARK_CONFIG`; the tiny config with `--smoke`), saved, and converted with the project's conversion script
(`CONVERSION.main`). Both are loaded from their folders and timed in one process, interleaved (baked then native,
native then baked, ... for `--repeats` rounds, after a warm-up) on the same batch (`benchmark_batch`) with the same
torch threads: forward, a training step (AdamW), and, for a family with a generation head, greedy `generate` with
the dynamic and the static cache. In fresh processes, alternated: `from_pretrained` (remote code from the converted
folder vs native from the native folder; with and without the imports both share), and the peak memory of a forward
and of a training step above what the process holds between steps (the resident size on CPU, torch's accounting on
CUDA).

The table gives the medians, the ratio baked/native (the median of the per-round ratios) and its noise (half the
interquartile range of the per-round ratios), so that "within noise" is judged by data; and the checks: the largest
difference of the outputs at real tokens, of the first training step's loss (same weights, same seed), whether the
greedy tokens are equal, and that the fresh process really loaded remote code. Times are never asserted on; a failed
check (float32) gives exit status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
FAMILIES: list[str] = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())["_architectures"]
BUILD_DIR = TEMPLATE_DIR / "build" / "bench"
# The largest difference the checks accept between the baked and the native model (float32; bf16 is only shown).
TOLERANCE = 1e-4

# Run in a fresh process: load a model from a folder (remote code or native), time `from_pretrained`, or measure the
# peak memory of a forward and of a training step on the saved batch. The last line printed is a JSON object.
PROBE = r"""
import gc, json, sys, time
spec = json.loads(sys.argv[1])
if spec["remote"]:
    sys.modules[spec["package"]] = None  # the project is not importable here: the code comes from the folder
start = time.perf_counter()
import torch
import transformers
import transformers.modeling_utils  # the loading machinery both models share (transformers imports it lazily)

shared_imports_s = time.perf_counter() - start
transformers.utils.logging.disable_progress_bar()
torch.set_num_threads(spec["threads"])
device, dtype = spec["device"], getattr(torch, spec["dtype"])
auto_class = getattr(transformers, spec["auto_class"])
start = time.perf_counter()
model = auto_class.from_pretrained(
    spec["folder"], trust_remote_code=spec["remote"], dtype=dtype, attn_implementation=spec["attention"],
    device_map=None if device == "cpu" else device,
)
if device != "cpu":
    torch.cuda.synchronize()
load_s = time.perf_counter() - start
result = {"load_s": load_s, "with_imports_s": shared_imports_s + load_s, "module": type(model).__module__}

def resident() -> tuple[int, int]:
    # Current and peak resident memory (bytes): the process's own on CPU, torch's accounting on CUDA.
    if device != "cpu":
        torch.cuda.synchronize()
        return torch.cuda.memory_allocated(), torch.cuda.max_memory_allocated()
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024

def peak_above_start(step) -> int:
    # The peak of a step above what the process holds between steps (after one step: lazy allocations made, the
    # optimizer's state created), as a long run sees it.
    step()
    gc.collect()
    if device != "cpu":
        torch.cuda.reset_peak_memory_stats()
    else:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")  # resets the peak resident size (VmHWM) to the current one
    before, _ = resident()
    step()
    return resident()[1] - before

if spec["memory"]:
    batch = {name: value.to(device) for name, value in torch.load(spec["batch"]).items()}
    inputs = {name: value for name, value in batch.items() if name != "labels"}
    model.eval()
    with torch.no_grad():
        result["forward_bytes"] = peak_above_start(lambda: model(**inputs))
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)

    def training_step():
        model(**batch).loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    result["training_bytes"] = peak_above_start(training_step)
print(json.dumps(result))
"""


# -- the command line and the table (the parent process) ------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("projects", nargs="*", type=Path, help="baked projects (default: bake --families)")
    parser.add_argument("--families", nargs="+", choices=FAMILIES, default=FAMILIES, help="families to bake")
    parser.add_argument("--smoke", action="store_true", help="the tiny configs: check that everything runs")
    parser.add_argument("--repeats", type=int, default=10, help="rounds of interleaved timings per measurement")
    parser.add_argument("--new-tokens", type=int, default=None, help="tokens to generate (default 32, smoke 4)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's default)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32")
    parser.add_argument("--attention", default="sdpa", help="attention implementation of both models")
    parser.add_argument("--compile", action="store_true", help="torch.compile forward, training and static generate")
    parser.add_argument("--profile", action="store_true", help="also list the ops whose call counts differ")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)  # internal: benchmark one project
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    if args.new_tokens is None:
        args.new_tokens = 4 if args.smoke else 32
    if args.new_tokens < 1:
        parser.error(f"--new-tokens must be at least 1, got {args.new_tokens}")
    for project in args.projects:
        if not (project / ".cookiecutter.json").is_file():
            parser.error(
                f"{project} is not a baked project (no .cookiecutter.json): pass the folder cookiecutter made"
            )
    return args


def bake(family: str) -> Path:
    """Bake `family` with the default answers into a new build/bench/<family>/ (an earlier one is replaced)."""
    try:
        from cookiecutter.main import cookiecutter
    except ImportError as error:
        raise SystemExit(
            "error: cookiecutter is not installed: run `bash scripts/setup.sh`, use .venv/bin/python"
        ) from error
    output = BUILD_DIR / family
    shutil.rmtree(output, ignore_errors=True)
    return Path(
        cookiecutter(str(TEMPLATE_DIR), no_input=True, extra_context={"architecture": family}, output_dir=output)
    )


def run_worker(project: Path, args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    """Benchmark `project` in its own process (each project's `tests` package and model classes stay apart)."""
    result_file = scratch / "result.json"
    options = ["--repeats", str(args.repeats), "--new-tokens", str(args.new_tokens), "--device", args.device]
    options += ["--dtype", args.dtype, "--attention", args.attention]
    options += ["--threads", str(args.threads)] if args.threads else []
    options += ["--smoke"] if args.smoke else []
    options += ["--compile"] if args.compile else []
    options += ["--profile"] if args.profile else []
    command = [sys.executable, __file__, "--worker", str(project.resolve()), "--result", str(result_file), *options]
    env = {**os.environ, "HF_HOME": str(scratch / "hf_home"), "HF_HUB_OFFLINE": "1", "PYTHONPATH": ""}
    process = subprocess.run(command, cwd=scratch, env=env)
    if process.returncode != 0:
        raise SystemExit(f"error: benchmarking {project} failed (exit status {process.returncode}), see above")
    return json.loads(result_file.read_text())


def summary(row: dict[str, Any]) -> dict[str, Any]:
    """Medians, the ratio baked/native (median of the per-round ratios) and its noise (half their IQR)."""
    # Memory is counted in pages: a step that needs none beyond what the process holds counts one, not zero.
    floor = 4096 if row["unit"] == "bytes" else 0.0
    pairs = zip(row["baked"], row["native"], strict=True)
    ratios = [max(baked, floor) / max(native, floor) for baked, native in pairs]
    if len(ratios) >= 4:
        quartiles = statistics.quantiles(ratios, n=4)
        noise = (quartiles[2] - quartiles[0]) / 2
    elif len(ratios) >= 2:
        noise = (max(ratios) - min(ratios)) / 2
    else:
        noise = None
    ratio = statistics.median(ratios)
    return {
        "baked": statistics.median(row["baked"]),
        "native": statistics.median(row["native"]),
        "ratio": ratio,
        "noise": noise,
        # Judged on the ratio as the table shows it (two decimals): the bar is "<= 1.00 within noise".
        "within_noise": None if noise is None else round(ratio, 2) <= 1.0 + noise,
    }


def quantity(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1e3:.1f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value / 2**20:.1f} MiB" if value >= 2**20 else f"{value / 2**10:.0f} KiB"


def machine() -> str:
    import torch
    import transformers

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown CPU",
    )
    described = f"{os.cpu_count()} CPUs ({cpu}), torch {torch.__version__}, transformers {transformers.__version__}"
    if torch.cuda.is_available():
        described += f", {torch.cuda.get_device_name()}"
    return described


def table(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    threads = args.threads or results[0]["threads"]
    settings = f"{args.device}, {args.dtype}, {args.attention}{', torch.compile' if args.compile else ''}"
    lines = [
        f"Baked models against native transformers models, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"machine: {machine()}; {settings}, {threads} threads, {args.repeats} interleaved rounds after a warm-up",
        "",
    ]
    for result in results:
        sizes = ", ".join(f"{name}={value}" for name, value in result["sizes"].items())
        inputs = ", ".join(f"{name} {'x'.join(map(str, shape))}" for name, shape in result["inputs"].items())
        lines.append(
            f"- {result['family']}: {result['model']} vs {result['native_class']}, {result['parameters']:,} "
            f"parameters ({sizes}); batch: {inputs}"
        )
    lines += [
        "",
        "| family | measurement | baked | native | baked/native | noise | within noise | check |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for result in results:
        for row in result["rows"]:
            stats = summary(row)
            noise = "n/a" if stats["noise"] is None else f"±{stats['noise']:.2f}"
            within = {None: "n/a", True: "yes", False: "NO"}[stats["within_noise"]]
            lines.append(
                f"| {result['family']} | {row['name']} | {quantity(stats['baked'], row['unit'])} | "
                f"{quantity(stats['native'], row['unit'])} | {stats['ratio']:.2f} | {noise} | {within} | "
                f"{row['check']} |"
            )
    for result in results:
        for row in result["rows"]:
            if "ops" in row:
                lines += [
                    "",
                    f"{result['family']}, {row['name']}: ops called a different number of times (baked, native):",
                ]
                lines += [f"  {op}: {baked}, {native}" for op, (baked, native) in row["ops"].items()] or ["  none"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise SystemExit("error: --device cuda: torch sees no CUDA device here; run on a GPU machine, or omit it")
    projects = args.projects or [bake(family) for family in args.families]
    results = []
    for project in projects:
        with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
            results.append(run_worker(project, args, Path(scratch)))
    print(table(results, args))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    failed = [f"{result['family']} {problem}" for result in results for problem in result["failed"]]
    for problem in failed:
        print(f"check failed: {problem}")
    return 1 if failed else 0


# -- one project (the worker process) -------------------------------------------------------------------------------


class Runner:
    """Times two callables interleaved, and runs fresh-process probes, with the options of the command line."""

    def __init__(self, args: argparse.Namespace, scratch: Path) -> None:
        import torch

        self.torch = torch
        self.args = args
        self.scratch = scratch
        self.cuda = args.device == "cuda"

    def synchronize(self) -> None:
        if self.cuda:
            self.torch.cuda.synchronize()

    def interleaved(self, baked: Callable[[], Any], native: Callable[[], Any], warmup: int = 1) -> dict[str, Any]:
        """`repeats` rounds, alternating which model goes first; the first `warmup` calls of each are not timed.

        With `--profile`, the op counts of one more call of each that differ (torch.profiler) are kept too.
        """
        for _ in range(warmup):
            baked(), native()
        times: dict[str, Any] = {"baked": [], "native": []}
        for index in range(self.args.repeats):
            order = [("baked", baked), ("native", native)]
            for name, function in order if index % 2 == 0 else reversed(order):
                gc.collect()
                self.synchronize()
                start = time.perf_counter()
                function()
                self.synchronize()
                times[name].append(time.perf_counter() - start)
        if self.args.profile:
            counts = [self.op_counts(baked), self.op_counts(native)]
            times["ops"] = {
                op: [counts[0].get(op, 0), counts[1].get(op, 0)]
                for op in sorted(counts[0].keys() | counts[1].keys())
                if counts[0].get(op, 0) != counts[1].get(op, 0)
            }
        return times

    def op_counts(self, function: Callable[[], Any]) -> dict[str, int]:
        from torch.profiler import ProfilerActivity, profile

        activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if self.cuda else [])
        with profile(activities=activities) as profiler:
            function()
            self.synchronize()
        return {event.key: event.count for event in profiler.key_averages()}

    def probe(self, folder: Path, auto_class: str, remote: bool, package: str, memory: bool) -> dict[str, Any]:
        spec = {
            "folder": str(folder),
            "auto_class": auto_class,
            "remote": remote,
            "package": package,
            "threads": self.torch.get_num_threads(),
            "device": self.args.device,
            "dtype": self.args.dtype,
            "attention": self.args.attention,
            "memory": memory,
            "batch": str(self.scratch / "batch.pt"),
        }
        # Large allocations straight from (and back to) the system, so that the resident size follows the tensors.
        env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
        # Python's default bytecode cache: with PYTHONDONTWRITEBYTECODE set (as in some CI images), the remote code
        # would be compiled from source in every process, while transformers' own modules come precompiled.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        command = [sys.executable, "-c", PROBE, json.dumps(spec)]
        process = subprocess.run(command, cwd=self.scratch, env=env, capture_output=True, text=True)
        if process.returncode != 0:
            raise SystemExit(f"error: the fresh process loading {folder} failed:\n{process.stderr}")
        return json.loads(process.stdout.strip().splitlines()[-1])

    def fresh_processes(self, folders: dict[str, Path], auto_class: str, package: str) -> list[dict]:
        """Load the baked and the native folder in fresh processes, alternately, `repeats` times each (once each
        first, untimed, except with --smoke); the first two rounds (one with --smoke) also measure the memory."""
        if not self.args.smoke:  # the page cache, and the copy of the remote code into the modules cache
            for name, folder in folders.items():
                self.probe(folder, auto_class, name == "baked", package, memory=False)
        runs = []
        for index in range(1 if self.args.smoke else self.args.repeats):
            names = ["baked", "native"] if index % 2 == 0 else ["native", "baked"]
            memory = index < 2
            runs.append(
                {name: self.probe(folders[name], auto_class, name == "baked", package, memory) for name in names}
            )
        return runs


def largest_difference(baked: Any, native: Any, inputs: dict[str, Any], common: Any) -> tuple[float, str]:
    """The largest absolute difference over every tensor both models return, at the real (unpadded) positions."""
    from tests.consumer import tensor_outputs

    ours, theirs = tensor_outputs(baked), tensor_outputs(native)
    if ours.keys() != theirs.keys() or not ours:
        raise SystemExit(f"error: the models return different outputs: {sorted(ours)} vs {sorted(theirs)}")
    differences = {}
    for name in ours:
        mine, other = common.real_positions(ours[name], inputs), common.real_positions(theirs[name], inputs)
        if mine.shape != other.shape:
            raise SystemExit(f"error: {name} has shape {tuple(mine.shape)} here, {tuple(other.shape)} natively")
        differences[name] = (mine.float() - other.float()).abs().max().item()
    name = max(differences, key=differences.get)
    return differences[name], name


class Project:
    """A baked project's contract, and the native and converted checkpoints of its heads at the benchmark's size."""

    def __init__(self, args: argparse.Namespace, scratch: Path) -> None:
        import torch
        import transformers

        self.torch, self.transformers = torch, transformers
        self.args, self.scratch = args, scratch
        sys.path.insert(0, str(args.worker))
        self.common = importlib.import_module("tests.common")
        self.contract = importlib.import_module("tests.contract")
        self.answers = json.loads((args.worker / ".cookiecutter.json").read_text())["cookiecutter"]
        if not hasattr(self.contract, "BENCHMARK_CONFIG") or not hasattr(self.contract, "benchmark_batch"):
            raise SystemExit(
                f"error: {args.worker / 'tests' / 'contract.py'} has no BENCHMARK_CONFIG or benchmark_batch: add "
                "them (see tests/common.py)"
            )
        # The mid-size config is checked even by a smoke run, which then benchmarks the tiny one.
        mid_size = self.common.benchmark_config()
        mid_size.validate_architecture()
        self.config = self.common.tiny_config() if args.smoke else mid_size
        self.conversion = self.contract.CONVERSION
        # The native head of the default head, and the one that generates (for a family that has one).
        heads = self.conversion.HEADS
        self.default_head = next(name for name, head in heads.items() if head is self.common.DEFAULT_CLASS)
        generating = [name for name, head in heads.items() if head.can_generate()]
        self.generation_head = self.default_head if self.default_head in generating else next(iter(generating), None)

    def sizes(self) -> dict[str, Any]:
        """The sizes the table shows; of a composite config (a VLM's), each sub-config's, as `<sub-config>.<name>`."""
        names = {**self.common.TINY_SIZES, **self.common.BENCHMARK_SIZES, **self.contract.BENCHMARK_CONFIG}
        if not self.config.sub_configs:
            return {name: getattr(self.config, name) for name in names}
        sizes = {}
        for key in self.config.sub_configs:
            sub_config = getattr(self.config, key)
            for name in {**names, **self.contract.BENCHMARK_CONFIG.get(key, {})}:
                if name not in self.config.sub_configs and hasattr(sub_config, name):
                    sizes[f"{key}.{name}"] = getattr(sub_config, name)
        return sizes

    def folders(self, head: str) -> dict[str, Path]:
        """Build the native `head` model, save it, and convert it with the project's conversion script (once)."""
        folders = {"baked": self.scratch / f"baked-{head}", "native": self.scratch / f"native-{head}"}
        if not folders["native"].exists():
            self.torch.manual_seed(0)
            native = getattr(self.transformers, head)(self.contract.native_config(self.config))
            native.save_pretrained(folders["native"])
            command = ["--input", str(folders["native"]), "--output", str(folders["baked"])]
            with contextlib.redirect_stdout(io.StringIO()) as report:
                status = self.conversion.main(command)
            if status != 0:
                raise SystemExit(f"error: the conversion of {head} failed ({status}):\n{report.getvalue()}")
        return folders

    def models(self, head: str) -> tuple[Any, Any]:
        """The converted and the native `head` model, loaded from their folders on the device, in eval mode."""
        folders = self.folders(head)
        options = {"dtype": getattr(self.torch, self.args.dtype), "attn_implementation": self.args.attention}
        baked = self.conversion.HEADS[head].from_pretrained(folders["baked"], **options)
        native = getattr(self.transformers, head).from_pretrained(folders["native"], **options)
        return baked.to(self.args.device).eval(), native.to(self.args.device).eval()


class Checks:
    """The checks of one project: a failure is recorded (float32 only: bf16 differences are only shown)."""

    def __init__(self, exact: bool) -> None:
        self.exact = exact
        self.failed: list[str] = []

    def __call__(self, passed: bool, problem: str) -> None:
        if self.exact and not passed:
            self.failed.append(problem)


def forward_rows(project: Project, runner: Runner, models: tuple[Any, Any], batch: dict, checks: Checks) -> list:
    torch, args = project.torch, project.args
    inputs = {name: value for name, value in batch.items() if name != "labels"}
    with torch.no_grad():
        difference, output = largest_difference(models[0](**inputs), models[1](**inputs), inputs, project.common)
        checks(difference <= TOLERANCE, f"forward: max abs diff {difference:.1e} ({output}) > {TOLERANCE}")
        timed = [torch.compile(model) for model in models] if args.compile else models
        times = runner.interleaved(lambda: timed[0](**inputs), lambda: timed[1](**inputs), warmup=2)
    return [{"name": "forward", "unit": "s", **times, "check": f"max abs diff {difference:.1e} ({output})"}]


def generation_rows(project: Project, runner: Runner, models: tuple[Any, Any], batch: dict, checks: Checks) -> list:
    """Greedy generation with the dynamic and the static cache: the same tokens."""
    torch, args = project.torch, project.args
    inputs = {name: value for name, value in batch.items() if name != "labels"}
    rows = []
    for cache in ("dynamic", "static"):
        options: dict[str, Any] = dict(max_new_tokens=args.new_tokens, min_new_tokens=args.new_tokens)
        options.update(do_sample=False, pad_token_id=project.config.get_text_config().pad_token_id)
        if cache == "static":
            # generate compiles the forward with a static cache on a GPU: only with --compile here.
            options.update(cache_implementation="static", disable_compile=not args.compile)
            if args.compile:
                compile_config = project.transformers.CompileConfig()
                compile_config._compile_all_devices = True  # on CPU too
                options["compile_config"] = compile_config
        generated = [model.generate(**inputs, **options) for model in models]
        same = torch.equal(*generated)
        checks(same, f"generate ({cache} cache): the tokens differ")
        times = runner.interleaved(
            lambda options=options: models[0].generate(**inputs, **options),
            lambda options=options: models[1].generate(**inputs, **options),
            warmup=2 if args.compile else 1,
        )
        name = f"generate {args.new_tokens} tokens, {cache} cache"
        rows.append({"name": name, "unit": "s", **times, "check": "same tokens" if same else "TOKENS DIFFER"})
    return rows


def training_rows(project: Project, runner: Runner, models: tuple[Any, Any], batch: dict, checks: Checks) -> list:
    """A training step (AdamW); the first one, from the same weights and seed, gives the same loss."""
    torch = project.torch
    steps = []
    for model in models:
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
        timed = torch.compile(model) if project.args.compile else model

        def step(timed: Any = timed, optimizer: Any = optimizer) -> Any:
            loss = timed(**batch).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            return loss.detach()

        steps.append(step)
    losses = []
    for step in steps:
        torch.manual_seed(0)
        losses.append(step().float())
    difference = (losses[0] - losses[1]).abs().item()
    checks(difference <= TOLERANCE, f"training step: loss diff {difference:.1e} > {TOLERANCE}")
    times = runner.interleaved(*steps)
    return [{"name": "training step", "unit": "s", **times, "check": f"loss diff {difference:.1e}"}]


def fresh_process_rows(project: Project, runner: Runner, checks: Checks) -> list:
    """from_pretrained (remote code vs native), then the peak memory of each model, in fresh processes."""
    args = project.args
    folders = project.folders(project.default_head)
    package, auto_class = project.answers["model_name"], project.common.DEFAULT_AUTO_CLASS
    loads = runner.fresh_processes(folders, auto_class, package)
    modules = {name: loads[0][name]["module"] for name in folders}
    remote = modules["baked"].startswith("transformers_modules.") and modules["native"].startswith("transformers.")
    checks(remote, f"from_pretrained: loaded {modules}, not remote code and native")
    loaded = f"{auto_class}, remote code" if remote else f"NOT REMOTE CODE: {modules['baked']}"
    rows = []
    for name, key, check in (
        ("from_pretrained, fresh process", "with_imports_s", f"{loaded}; from `import transformers` on"),
        ("from_pretrained, machinery imported", "load_s", f"{loaded}; after `import transformers.modeling_utils`"),
    ):
        baked, native = [run["baked"][key] for run in loads], [run["native"][key] for run in loads]
        rows.append({"name": name, "unit": "s", "baked": baked, "native": native, "check": check})
    memory = [run for run in loads if "forward_bytes" in run["baked"]]
    where = "torch peak allocated" if args.device == "cuda" else "peak RSS"
    for step, name in (("forward", "peak memory, forward"), ("training", "peak memory, training step")):
        baked, native = (
            [run["baked"][f"{step}_bytes"] for run in memory],
            [run["native"][f"{step}_bytes"] for run in memory],
        )
        check = f"{where} above the memory held between steps"
        rows.append({"name": name, "unit": "bytes", "baked": baked, "native": native, "check": check})
    return rows


def worker(args: argparse.Namespace) -> int:
    import torch
    import transformers

    transformers.utils.logging.disable_progress_bar()
    if args.threads:
        torch.set_num_threads(args.threads)
    scratch = args.result.parent
    project, runner, checks = Project(args, scratch), Runner(args, scratch), Checks(args.dtype == "float32")

    batch = project.contract.benchmark_batch(project.config)
    torch.save(batch, scratch / "batch.pt")  # for the fresh processes
    batch = {name: value.to(args.device) for name, value in batch.items()}
    models = project.models(project.default_head)
    parameters = sum(parameter.numel() for parameter in models[0].parameters())
    rows = forward_rows(project, runner, models, batch, checks)
    if project.generation_head is not None:
        generators = (
            models if project.generation_head == project.default_head else project.models(project.generation_head)
        )
        rows += generation_rows(project, runner, generators, batch, checks)
        del generators
    rows += training_rows(project, runner, models, batch, checks)  # last: it changes the weights
    del models
    gc.collect()
    rows += fresh_process_rows(project, runner, checks)

    result = {
        "family": project.answers["architecture"],
        "model": project.common.DEFAULT_CLASS.__name__,
        "native_class": project.default_head,
        "parameters": parameters,
        "sizes": project.sizes(),
        "inputs": {name: list(value.shape) for name, value in batch.items() if name != "labels"},
        "threads": torch.get_num_threads(),
        "rows": rows,
        "failed": checks.failed,
    }
    args.result.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
