"""The forward pass every command shares: call the model with the batch's inputs in
their structure, take the tensor the loss reads, and put the model's own per-item output
lengths on the batch (CTC), so that tasks never need to hold the model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import torch
from torch import Tensor, nn

from ..tasks import Batch
from ..tasks.structure import call_model, output_tensor

__all__ = ["forward", "output_length_rule"]


def forward(model: nn.Module, batch: Batch) -> tuple[Tensor, Batch]:
    """(outputs, batch with output_lengths set when the model has a rule for them)."""
    outputs = output_tensor(call_model(model, batch.inputs))
    return outputs, _with_output_lengths(model, batch)


def output_length_rule(model: nn.Module | None) -> Callable[[Tensor], Any] | None:
    """The model's own `output_lengths(input_lengths)`, looking through wrappers that keep
    the user's model as `.module` (DistributedDataParallel)."""
    for candidate in (model, getattr(model, "module", None)):
        rule = getattr(candidate, "output_lengths", None)
        if callable(rule):
            return rule
    return None


def _with_output_lengths(model: nn.Module, batch: Batch) -> Batch:
    rule = output_length_rule(model)
    if batch.input_lengths is None or rule is None:
        return batch
    lengths = torch.as_tensor(rule(batch.input_lengths)).long().to(batch.input_lengths.device)
    return replace(batch, output_lengths=lengths)
