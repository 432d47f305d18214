"""config.yaml for `trainprobe train`: read with PyYAML, validated as a TrainConfig.

Every problem is one ConfigError line naming the file, and the key or the line: a missing
file, a YAML syntax error, a document that is not a mapping, an unknown key, a bad value.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..engine import TrainConfig, make_config
from ..errors import ConfigError
from ..io import read_yaml

__all__ = ["load_config_file", "read_config_file"]


def read_config_file(path: str | Path) -> dict[str, Any]:
    """The raw key -> value mapping of a YAML config file (empty file = no settings)."""
    path = Path(path)
    values = read_yaml(path, "config file", "`lr: 0.001`, one `key: value` per line")
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise ConfigError(f"{path.name} holds a YAML {type(values).__name__}, not a mapping",
                          "write one `key: value` per line, e.g. `lr: 0.001`")
    bad_keys = [key for key in values if not isinstance(key, str)]
    if bad_keys:
        raise ConfigError(f"{path.name}: key {bad_keys[0]!r} is not a name",
                          "keys are setting names such as lr or batch_size")
    return dict(values)


def load_config_file(path: str | Path) -> TrainConfig:
    """A validated TrainConfig from a YAML file (defaults fill what it leaves out)."""
    return make_config(read_config_file(path), source=Path(path).name)
