"""Support code for the tests: fresh-process runs, a Hub cache to load repo ids from offline, and a Hub server."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import huggingface_hub
import torch
from transformers import PreTrainedModel
from transformers.modeling_layers import GradientCheckpointingLayer

from .hub_server import HubServer

PACKAGE = "{{ cookiecutter.model_name }}"
REPO_ID = "{{ cookiecutter.hub_repo_id }}"
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def run_fresh(code: str, *args: str, cwd: Path, env: dict[str, str] | None = None) -> dict:
    """Run `code` in a new Python process in which this project cannot be imported.

    Whatever loads there comes from the saved code files, as it would on a user's machine. The code must print
    one JSON object as its last line of output, which is returned.
    """
    # `sys.modules[name] = None` makes `import name` fail even if the project is pip-installed.
    prelude = f"import sys\nsys.modules[{PACKAGE!r}] = None\n"
    full_env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    full_env.update(env or {})
    process = subprocess.run(
        [sys.executable, "-c", prelude + code, *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if process.returncode != 0:
        raise AssertionError(f"fresh process failed ({process.returncode}):\n{process.stdout}\n{process.stderr}")
    return json.loads(process.stdout.strip().splitlines()[-1])


def populate_hub_cache(hf_home: Path, repo_id: str, folder: Path) -> str:
    """Lay `folder` out as a Hub cache entry of `repo_id` (blobs, snapshots/<commit>, refs/main).

    With `HF_HOME=hf_home` and `HF_HUB_OFFLINE=1`, `from_pretrained(repo_id)` then resolves the repo id exactly as
    after a real download. Returns the commit hash it wrote.
    """
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    commit = hashlib.sha1(b"".join(hashlib.sha256(path.read_bytes()).digest() for path in files)).hexdigest()
    repo_dir = hf_home / "hub" / f"models--{repo_id.replace('/', '--')}"
    (repo_dir / "blobs").mkdir(parents=True, exist_ok=True)
    for path in files:
        blob = repo_dir / "blobs" / hashlib.sha256(path.read_bytes()).hexdigest()
        shutil.copyfile(path, blob)
        link = repo_dir / "snapshots" / commit / path.relative_to(folder)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    (repo_dir / "refs").mkdir(exist_ok=True)
    (repo_dir / "refs" / "main").write_text(commit)
    return commit


@contextmanager
def serve_hub(monkeypatch, tmp_path: Path, token: str) -> Iterator[HubServer]:
    """A Hub server on 127.0.0.1 that this process's huggingface_hub client talks to, with `token` as HF_TOKEN.

    The developer's own stored token is never read (or sent).
    """
    with HubServer() as server:
        monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", server.url)
        monkeypatch.setattr(huggingface_hub.constants, "HF_TOKEN_PATH", str(tmp_path / "no_token"))
        monkeypatch.setattr(huggingface_hub.constants, "HF_STORED_TOKENS_PATH", str(tmp_path / "no_tokens"))
        monkeypatch.setenv("HF_TOKEN", token)
        monkeypatch.setenv("HF_HOME", str(tmp_path / "publisher_hf_home"))
        yield server


def hub_env(hub: HubServer, hf_home: Path, token: str | None = None) -> dict[str, str]:
    """Environment of a process that talks to `hub` (a fresh cache in `hf_home`, anonymous without `token`)."""
    return {"HF_ENDPOINT": hub.url, "HF_HOME": str(hf_home), "HF_TOKEN": token or "", "HF_HUB_OFFLINE": "0"}


def publish_cli(hub: HubServer, hf_home: Path, token: str, *args: str) -> subprocess.CompletedProcess:
    """Run the documented publish command in its own process, as a user would."""
    env = {**os.environ, **hub_env(hub, hf_home, token)}
    command = [sys.executable, "-m", f"{PACKAGE}.publish", *args]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)


def printed_commit(output: str) -> str:
    """The commit hash that the publish command printed."""
    return next(line.removeprefix("commit: ") for line in output.splitlines() if line.startswith("commit: "))


def closed_port_url() -> str:
    """The URL of a port on 127.0.0.1 where nothing listens: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (relative path -> content), to check that a command left it as it was."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def training_losses(
    model: PreTrainedModel, batch: dict[str, torch.Tensor], steps: int, parameters: list | None = None
) -> list[float]:
    """The loss of each of `steps` AdamW steps (lr 1e-2) on `batch`, training `parameters` (default: all)."""
    optimizer = torch.optim.AdamW(list(model.parameters()) if parameters is None else parameters, lr=1e-2)
    losses = []
    for _ in range(steps):
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return losses


def enable_counted_checkpointing(model: PreTrainedModel) -> list[str]:
    """Turn activation checkpointing on and record each layer call that really goes through it.

    Returns the list that the names of the checkpointed layers are appended to, call by call.
    """
    # Newer 5.x releases rename gradient_checkpointing_enable to activation_checkpointing_enable (old name gone in v6).
    if hasattr(model, "activation_checkpointing_enable"):
        model.activation_checkpointing_enable({"use_reentrant": False})
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    calls: list[str] = []
    for name, module in model.named_modules():
        if isinstance(module, GradientCheckpointingLayer):
            checkpoint = module._gradient_checkpointing_func

            def counted(*args, _checkpoint=checkpoint, _name=name, **kwargs):
                calls.append(_name)
                return _checkpoint(*args, **kwargs)

            module._gradient_checkpointing_func = counted
    return calls
