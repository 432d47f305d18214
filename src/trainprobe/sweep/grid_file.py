"""grid.yaml: which configurations `trainprobe grid` runs.

A YAML mapping from TrainConfig keys to lists of values; the grid is their Cartesian
product. A scalar is a fixed setting for every point. Every problem is one ConfigError
line naming the file and the key: bad YAML, not a mapping, an unknown key, an empty list,
a value TrainConfig rejects.

    optimizer: [sgd, adam, adamw]
    lr: [0.001, 0.01]
    grad_clip: [null, 1.0]
    batch_size: [32, 128]
    hidden_dim: [16, 64]
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

from ..engine.config import TrainConfig, make_config
from ..errors import ConfigError
from ..io import read_yaml

__all__ = ["from_grid_value", "points", "read_grid"]

_Scalar = (str, int, float, bool, type(None))
_MAX_POINTS = 10_000  # a larger grid is almost certainly a typo (or needs a smarter sampler)


def read_grid(path: str | Path) -> dict[str, list[Any]]:
    """{key: [canonical values]} from a grid file, each value validated by TrainConfig."""
    path = Path(path)
    raw = read_yaml(path, "grid file", "`lr: [0.001, 0.01]`, one `key: [value, ...]` per line")
    return _parse_grid(raw, path.name)


def _parse_grid(raw: Any, name: str = "grid") -> dict[str, list[Any]]:
    if not isinstance(raw, dict):
        kind = "empty" if raw is None else f"a YAML {type(raw).__name__}"
        raise ConfigError(f"{name} is {kind}, not a mapping of settings to lists",
                          "write e.g. `lr: [0.001, 0.01]` and `optimizer: [adam, sgd]`")
    if not raw:
        raise ConfigError(f"{name} has no settings", "add e.g. `lr: [0.001, 0.01]`")
    grid = {}
    for key, values in raw.items():
        grid[str(key)] = _parse_values(str(key), values, name)
    size = math.prod(len(v) for v in grid.values())
    if size > _MAX_POINTS:
        raise ConfigError(f"{name} has {size} points (more than {_MAX_POINTS})",
                          "shorten the lists; run a coarse grid first")
    for point in points(grid):  # cross-field checks (e.g. betas) on every combination
        make_config(point, source=name)
    return grid


def _parse_values(key: str, values: Any, name: str) -> list[Any]:
    if key not in TrainConfig.model_fields:
        make_config({key: None}, source=name)  # raises the unknown-key line with a hint
    if not isinstance(values, list):
        values = [values]  # a scalar: one fixed value
    if not values:
        raise ConfigError(f"{name}: {key!r} is an empty list",
                          f"give at least one value, e.g. `{key}: [...]`, or drop the key")
    canonical = []
    for value in values:
        config = make_config({key: value}, source=f"{name}, key {key!r}")
        canonical.append(_to_grid_value(getattr(config, key)))
    if len(set(map(json.dumps, canonical))) != len(canonical):
        raise ConfigError(f"{name}: {key!r} lists a value twice", "remove the duplicate")
    return canonical


def _to_grid_value(value: Any) -> Any:
    """Optuna grids hold scalars; a tuple (betas) travels as its JSON text."""
    return value if isinstance(value, _Scalar) else json.dumps(list(value))


def from_grid_value(key: str, value: Any) -> Any:
    if isinstance(value, str) and value.startswith("["):
        return json.loads(value)
    return value


def points(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination, keys sorted like optuna's GridSampler orders them."""
    keys = sorted(grid)
    return [{k: from_grid_value(k, v) for k, v in zip(keys, combo)}
            for combo in itertools.product(*(grid[k] for k in keys))]
