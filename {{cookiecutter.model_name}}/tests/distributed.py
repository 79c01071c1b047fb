"""Support for the distributed tests: parallel plans against module names, and tensor parallel on CPU processes."""

from __future__ import annotations

import fnmatch
import os
import socket
import time
from pathlib import Path

import torch
import transformers
from torch import nn
from transformers import PreTrainedModel

WORLD_SIZE = 2


def unmatched_plan_keys(model: nn.Module, plan: dict) -> list[str]:
    """The keys of a parallel plan (`*` stands for a layer index) that name no module of `model`."""
    names = [name for name, _ in model.named_modules() if name]
    return [key for key in plan if not fnmatch.filter(names, key)]


def tensor_parallel_outputs(
    folder: Path, model_class: type[PreTrainedModel], inputs: dict[str, torch.Tensor], timeout: float = 300
) -> list[dict]:
    """Load `folder` with `tp_plan="auto"` on `WORLD_SIZE` CPU processes (gloo) and run `inputs` on each rank.

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
        # `tp_plan=` moved into `DistributedConfig` in later 5.x releases (the old argument warns, then goes).
        if hasattr(transformers, "DistributedConfig"):
            parallel = {"distributed_config": transformers.DistributedConfig(tp_plan="auto")}
        else:
            parallel = {"tp_plan": "auto"}
        model = model_class.from_pretrained(folder, **parallel).eval()
        inputs = torch.load(Path(folder) / "tp_inputs.pt")
        with torch.no_grad():
            output = model(**inputs, return_dict=False)[0]
        shapes = {name: local_shape(parameter) for name, parameter in model.named_parameters()}
        torch.save({"output": output, "shapes": shapes}, Path(folder) / f"tp_rank{rank}.pt")
    finally:
        torch.distributed.destroy_process_group()


def local_shape(tensor: torch.Tensor) -> tuple[int, ...]:
    """The shape of the shard this process holds (a DTensor in later 5.x releases, a plain tensor before)."""
    return tuple(tensor.to_local().shape if hasattr(tensor, "to_local") else tensor.shape)
