"""The five task kinds of the spec contract, by their TASK string."""

from __future__ import annotations

from ..errors import SpecError
from .base import REFERENCE_ITEMS, Batch, Counts, SampledItems, Task, TaskStats
from .classification import Binary, Classification
from .ctc import CTC
from .lm import LanguageModel
from .regression import Regression

TASKS: dict[str, type[Task]] = {
    "classification": Classification,
    "binary": Binary,
    "regression": Regression,
    "ctc": CTC,
    "lm": LanguageModel,
}


def make_task(name: object) -> Task:
    if name not in TASKS:
        raise SpecError(
            f"unknown TASK {name!r}",
            f"set TASK to one of {', '.join(repr(t) for t in TASKS)}",
        )
    return TASKS[str(name)]()


__all__ = ["REFERENCE_ITEMS", "TASKS", "Batch", "Counts", "SampledItems", "Task", "TaskStats",
           "make_task"]
