"""Support for the distributed tests: parallel plans against module names, and tensor (and expert) parallel on CPU
processes."""

from __future__ import annotations

import fnmatch
import os
import socket
import sys
import time
from itertools import chain
from pathlib import Path
from typing import Any

import torch
import transformers
from torch import nn
from transformers import PreTrainedModel

WORLD_SIZE = 2


def unmatched_plan_keys(model: nn.Module, plan: dict) -> list[str]:
    """The keys of a parallel plan (`*` stands for a layer index) that name no module or parameter of `model`."""
    names = [name for name, _ in chain(model.named_modules(), model.named_parameters()) if name]
    return [key for key in plan if not fnmatch.filter(names, key)]


def planned_parameters(model: nn.Module, plan: dict) -> set[str]:
    """The parameters a plan splits: the weight of each module it names, and each parameter it names itself."""
    return {
        name
        for name, _ in model.named_parameters()
        if any(fnmatch.fnmatch(name, key) or fnmatch.fnmatch(name, f"{key}.weight") for key in plan)
    }


def expert_parallel(config: Any) -> bool:
    """Whether the model's experts split by their own plan (`base_model_ep_plan`) rather than by the tensor plan: from
    transformers 5.25 Mixtral's tensor plan leaves its experts to the expert plan; before, it splits them itself."""
    tensor_plan, expert_plan = config.base_model_tp_plan or {}, getattr(config, "base_model_ep_plan", None) or {}
    return bool(expert_plan) and not set(expert_plan) & set(tensor_plan)


def parallel_arguments(config: Any) -> dict[str, Any]:
    """The `from_pretrained` arguments that split the model over `WORLD_SIZE` processes: its tensor plan, and its
    expert plan where the experts split by it (`expert_parallel`)."""
    # `tp_plan=` moved into `DistributedConfig` in later 5.x releases (the old argument warns, then goes).
    if not hasattr(transformers, "DistributedConfig"):
        return {"tp_plan": "auto"}
    settings: dict[str, Any] = {"tp_plan": "auto"}
    if expert_parallel(config):
        settings["ep_size"] = WORLD_SIZE
    return {"distributed_config": transformers.DistributedConfig(**settings)}


def tensor_parallel_outputs(
    folder: Path, model_class: type[PreTrainedModel], inputs: dict[str, torch.Tensor], timeout: float = 300
) -> list[dict]:
    """Load `folder` split over `WORLD_SIZE` CPU processes (gloo; `parallel_arguments`) and run `inputs` on each rank.

    Returns, rank by rank, `{"output": first output tensor, "shapes": {parameter name: local shard shape}}`.
    """
    torch.save(inputs, folder / "tp_inputs.pt")
    with socket.socket() as probe:  # a free port for the process group
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    context = torch.multiprocessing.start_processes(
        _tensor_parallel_worker,
        args=(port, str(folder), model_class),
        nprocs=WORLD_SIZE,
        join=False,
        start_method="spawn",
    )
    deadline = time.monotonic() + timeout
    while not context.join(timeout=1):  # raises with the worker's traceback if a worker fails
        if time.monotonic() > deadline:
            for process in context.processes:
                process.terminate()
            raise AssertionError(f"the tensor parallel workers did not finish within {timeout} s")
    return [torch.load(folder / f"tp_rank{rank}.pt") for rank in range(WORLD_SIZE)]


def _tensor_parallel_worker(rank: int, port: int, folder: str, model_class: type[PreTrainedModel]) -> None:
    os.environ.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(WORLD_SIZE),
        LOCAL_WORLD_SIZE=str(WORLD_SIZE),
    )
    torch.distributed.init_process_group("gloo", rank=rank, world_size=WORLD_SIZE)
    try:
        config = model_class.config_class.from_pretrained(folder)
        model = model_class.from_pretrained(folder, **parallel_arguments(config)).eval()
        inputs = torch.load(Path(folder) / "tp_inputs.pt")
        with torch.no_grad():
            output = model(**inputs, return_dict=False)[0]
        shapes = {name: local_shape(parameter) for name, parameter in model.named_parameters()}
        torch.save({"output": output, "shapes": shapes}, Path(folder) / f"tp_rank{rank}.pt")
        # Both processes done before either tears the group down: a gloo worker whose peer already exited can abort
        # at exit ("terminate called without an active exception").
        torch.distributed.barrier()
    finally:
        torch.distributed.destroy_process_group()
    # Saved, and the group is gone: leave without the interpreter's teardown, where a thread that gloo leaves behind
    # can abort the process after its work is done (seen on transformers 5.4: "terminate called without an active
    # exception", SIGABRT). A failure above still raises, and the parent reports its traceback.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def local_shape(tensor: torch.Tensor) -> tuple[int, ...]:
    """The shape of the shard this process holds (a DTensor in later 5.x releases, a plain tensor before)."""
    return tuple(tensor.to_local().shape if hasattr(tensor, "to_local") else tensor.shape)
