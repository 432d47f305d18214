"""Typed training settings shared by every command (probe, train, lr-sweep, grid).

Unknown keys and bad values become one ConfigError line naming the key and the fix.
"""

from __future__ import annotations

import difflib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import ConfigError

__all__ = ["TrainConfig", "make_config", "merged"]


class TrainConfig(BaseModel):
    # inf/nan are never a setting (`lr: .inf` would train on NaN weights)
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    # optimizer
    optimizer: Literal["sgd", "adam", "adamw"] = "adamw"
    lr: float = Field(1e-3, gt=0)
    momentum: float = Field(0.9, ge=0, lt=1)
    betas: tuple[float, float] = (0.9, 0.999)
    weight_decay: float = Field(0.0, ge=0)
    grad_clip: float | None = Field(None, gt=0)
    grad_accum: int = Field(1, ge=1)
    batch_size: int = Field(32, ge=1)
    # schedule: linear warmup, then constant, cosine to min_lr over schedule_steps, or
    # ReduceLROnPlateau-style decay on the eval loss
    warmup_steps: int = Field(0, ge=0)
    schedule: Literal["constant", "cosine", "plateau"] = "constant"
    schedule_steps: int | None = Field(None, ge=1)
    min_lr: float = Field(0.0, ge=0)
    plateau_patience: int = Field(5, ge=1)
    plateau_factor: float = Field(0.5, gt=0, lt=1)
    # budget
    max_steps: int = Field(1000, ge=1)
    max_epochs: float | None = Field(None, gt=0)
    max_seconds: float | None = Field(None, gt=0)
    eval_every: int = Field(50, ge=1)
    # model hints passed to build_model(**hints) when its signature accepts them
    hidden_dim: int | None = Field(None, ge=1)
    dropout: float = Field(0.0, ge=0, lt=1)
    augment: bool = False
    # full training
    early_stopping: bool = False
    patience: int = Field(10, ge=1)
    min_delta: float = Field(0.0, ge=0)
    restore_best: bool = True
    on_nonfinite: Literal["stop", "warn"] = "stop"  # a NaN/inf training loss
    # what "better" means for best.pt, early stopping and the plateau schedule
    monitor: str = Field("val_loss", pattern=r"^(val_loss|val_metric|val/.+)$")
    mode: Literal["min", "max"] | None = None  # None: from the monitored quantity
    ckpt_every: int | None = Field(None, ge=1)
    tensorboard: bool = False
    # runtime
    seed: int = Field(0, ge=0, lt=2**63)  # torch.manual_seed's range
    device: str = "auto"
    amp: bool = False

    @field_validator("*", mode="before")
    @classmethod
    def _no_bools_for_numbers(cls, value: Any, info: Any) -> Any:
        """YAML's `true` is not a number: `max_steps: true` must not mean 1 step."""
        annotation = str(cls.model_fields[info.field_name].annotation)
        if isinstance(value, bool) and "bool" not in annotation:
            raise ValueError("a true/false value is not allowed here")
        return value

    @model_validator(mode="after")
    def _check_betas(self) -> TrainConfig:
        if not all(0 <= b < 1 for b in self.betas):
            raise ValueError("betas must both lie in [0, 1)")
        return self

    @property
    def horizon(self) -> int:
        """Steps over which the cosine schedule decays (T); may differ from max_steps."""
        return self.schedule_steps or self.max_steps


def make_config(values: dict[str, Any] | None = None, source: str = "config") -> TrainConfig:
    """Validate a dict of settings; the first problem becomes a one-line ConfigError."""
    values = dict(values or {})
    try:
        return TrainConfig(**values)
    except ValidationError as error:
        raise _config_error(error, source) from None


def _config_error(error: ValidationError, source: str) -> ConfigError:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(config)"
    if first["type"] == "extra_forbidden":
        close = difflib.get_close_matches(key, TrainConfig.model_fields, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "see the README's config table"
        return ConfigError(f"{source}: unknown key {key!r}", hint)
    message = first["msg"].removeprefix("Value error, ")
    return ConfigError(f"{source}: bad value for {key!r}: {message}",
                       "see the README's config table for allowed values")


def merged(base: TrainConfig, overrides: dict[str, Any], source: str = "config") -> TrainConfig:
    return make_config({**base.model_dump(), **overrides}, source)
