"""Under torchrun, the ranks other than 0 write no log, yet their shares of the global
batch must count in the activation statistics rank 0 logs: this callback measures them on
the inspector's schedule and takes part in the merge (`ActivationStats.collect`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import Tensor, nn

from ..engine.distributed import Distributed
from ..engine.events import RECORD, Callback
from .activations import ActivationStats, activation_quantities
from .inspector import DEFAULT_STATS_EVERY
from .quantities import Schedule, make_schedule

if TYPE_CHECKING:
    from ..engine.trainer import Trainer

__all__ = ["ActivationShare"]


class ActivationShare(Callback):
    """Under torchrun, on a rank other than 0 (which writes nothing): measure this rank's
    share of the activation statistics on the inspector's schedule and merge it into rank
    0's (ActivationStats.collect is a collective then), so the log shows the global batch."""

    order = RECORD  # the same place in the step as rank 0's InspectorCallback

    def __init__(self, model: nn.Module, group: Distributed,
                 stats_every: int | Schedule = DEFAULT_STATS_EVERY):
        schedule = make_schedule(stats_every)
        self.activations = ActivationStats(model, quantities=activation_quantities(schedule),
                                           group=group)

    def _prepare_for(self, step: int) -> None:
        if self.activations.wanted(step):
            self.activations.arm()

    def before_fit(self, trainer: Trainer) -> None:
        self._prepare_for(trainer.step + 1)

    def after_step(self, trainer: Trainer, loss: Tensor) -> None:
        if self.activations.armed:
            self.activations.collect(trainer.step)
        self._prepare_for(trainer.step + 1)

    def after_fit(self, trainer: Trainer) -> None:
        self.activations.disarm()
