"""config.yaml for `trainprobe train`: read with PyYAML, validated as a TrainConfig.

Every problem is one ConfigError line naming the file, and the key or the line: a missing
file, a YAML syntax error, a document that is not a mapping, an unknown key, a bad value.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..engine import TrainConfig, make_config
from ..errors import ConfigError


def read_yaml(path: str | Path, role: str, example: str) -> Any:
    """The parsed YAML document of a settings file; a missing file, bad syntax or non-text
    is one ConfigError line. `role` names the file ("config file", "grid file") and
    `example` shows the expected shape in the fix."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{role} {str(path)!r} does not exist",
                          f"pass the path of a YAML file, e.g. {example}")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path.name}: {yaml_problem(error)}",
                          f"fix the YAML syntax ({example})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path.name} is not UTF-8 text", "save it as a text file") from None


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


def yaml_problem(error: yaml.YAMLError) -> str:
    """'YAML syntax error at line L, column C: problem' on one line."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"YAML syntax error{where}: {problem}"
