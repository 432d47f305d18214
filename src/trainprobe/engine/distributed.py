"""Data-parallel training under `torchrun`: the process group, each rank's shard of the
global batch, the gradient and loss averages, and agreement on when to stop.

Why the trainer shards the global batch rather than giving each rank its own sampler:
every rank builds the same deterministic global batch (BatchStream: one permutation per
epoch), so a run on N processes takes exactly the optimizer steps a one-process run takes
on the same global batch, and `--resume` restores one batch position for every rank.

What a rank may decide alone, and what all must agree on: losses, evaluations and
gradients are identical on every rank (DDP averages the gradients; the loss is
all-reduced), so callbacks reading them decide alike. The time budget and Ctrl-C/SIGTERM
differ per process, so the trainer asks every rank at the end of each step
(`Distributed.agree`): when one rank stops, all stop at that same step, and no rank is
left waiting in a collective.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from ..tasks import Batch
from ..tasks.structure import map_tensors

__all__ = ["Distributed", "current", "process_group"]


@dataclass(frozen=True)
class Distributed:
    """This process's place in a data-parallel run (rank 0 of 1 when not distributed)."""

    rank: int = 0
    world_size: int = 1

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the only process that writes logs, checkpoints and reports."""
        return self.rank == 0

    def wrap(self, model: nn.Module, device: torch.device) -> nn.Module:
        """The module the forward pass goes through: DDP when distributed. Checkpoints,
        the inspector and callbacks keep using the plain model (no `module.` prefix)."""
        if not self.enabled:
            return model
        ids = [device.index if device.index is not None else torch.cuda.current_device()] \
            if device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids)

    def shard(self, batch: Batch) -> tuple[Batch, float]:
        """This rank's contiguous slice of the global batch, and the factor that makes
        the DDP average of the ranks' mean losses the mean loss of the global batch
        (shards differ by at most one item; a rank left without items gets weight 0)."""
        if not self.enabled:
            return batch, 1.0
        total = len(batch)
        start, stop = _shard_bounds(total, self.rank, self.world_size)
        if start == stop:  # fewer items than ranks (a short last batch): a pass that adds
            return batch, 0.0  # nothing keeps this rank in step with DDP's all-reduce

        def part(tensor: Tensor | None) -> Tensor | None:
            return None if tensor is None else tensor[start:stop]

        shard = replace(batch, inputs=map_tensors(part, batch.inputs),
                        targets=part(batch.targets), input_lengths=part(batch.input_lengths),
                        target_lengths=part(batch.target_lengths),
                        output_lengths=part(batch.output_lengths))
        return shard, (stop - start) * self.world_size / total

    def average(self, value: Tensor) -> Tensor:
        """The mean of `value` over the ranks (a loss of the global batch)."""
        if not self.enabled:
            return value
        value = value.clone()
        dist.all_reduce(value, op=dist.ReduceOp.SUM)
        return value / self.world_size

    def agree(self, reason: str | None) -> str | None:
        """Every rank's stop reason for this step -> the first one given (rank order),
        or None when no rank stops."""
        return next((r for r in self.gather(reason) if r), None)

    def gather(self, value: Any) -> list[Any]:
        """Every rank's (picklable) `value`, in rank order."""
        if not self.enabled:
            return [value]
        values: list[Any] = [None] * self.world_size
        dist.all_gather_object(values, value)
        return values

    def reduce_(self, tensor: Tensor, op: str = "sum") -> Tensor:
        """`tensor` summed ("sum") or maximized ("max") over the ranks, in place."""
        if self.enabled:
            dist.all_reduce(tensor, op=dist.ReduceOp.MAX if op == "max" else dist.ReduceOp.SUM)
        return tensor

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()


def _shard_bounds(total: int, rank: int, world_size: int) -> tuple[int, int]:
    """[start, stop) of rank's share of `total` items, the first ranks taking the extra."""
    base, extra = divmod(total, world_size)
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


def _launched() -> bool:
    """Started by torchrun (or any launcher setting WORLD_SIZE > 1)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


@contextmanager
def process_group(device_name: str) -> Iterator[Distributed]:
    """Join the launcher's process group for the duration of the block (NCCL on GPUs,
    gloo on CPU); a plain process gets `Distributed()` and nothing is set up."""
    if not _launched():
        yield Distributed()
        return
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    gpu = device_name.startswith("cuda") or (device_name == "auto" and torch.cuda.is_available())
    if gpu:
        torch.cuda.set_device(local_rank)  # "cuda" now means this rank's own GPU
    owner = not dist.is_initialized()
    if owner:
        dist.init_process_group(backend="nccl" if gpu else "gloo")
    group = Distributed(dist.get_rank(), dist.get_world_size())
    try:
        yield group
        group.barrier()  # the other ranks wait while rank 0 writes its reports
    finally:
        if owner:
            # A DDP wrapper left in a reference cycle (trainer <-> callbacks) would otherwise
            # be freed at interpreter exit, after the group is gone, and gloo aborts the
            # process (SIGABRT, "terminate called without an active exception"): free it
            # while the group still exists.
            gc.collect()
            dist.destroy_process_group()


def current() -> Distributed:
    """The process group already set up by someone else (Lightning, HF), else rank 0 of 1."""
    if dist.is_available() and dist.is_initialized():
        return Distributed(dist.get_rank(), dist.get_world_size())
    return Distributed(int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1")))
