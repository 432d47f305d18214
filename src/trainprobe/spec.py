"""Load and check a user's spec file: the contract documented in the README.

A spec is a plain Python file with TASK, build_model(**hints), build_data(), and optional
build_loss(), build_augment() and CONFIG. Everything the user wrote is called through
this module, so that a failure in their code becomes a one-line error naming their file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torch import nn

from .errors import SpecError, UserCodeError
from .tasks import Task, make_task

HINTS = ("hidden_dim", "dropout")
ITEMS_CHECKED = 64  # items checked for the task's types; enough to catch a bad one early


@dataclass
class Spec:
    path: Path
    task: Task
    model_factory: Callable[..., nn.Module]
    data_factory: Callable[[], Any]
    loss_factory: Callable[[], Callable[..., Any]] | None = None
    augment_factory: Callable[[], Callable[[Any], Any]] | None = None
    config: dict[str, Any] = field(default_factory=dict)
    module: Any = None

    @property
    def name(self) -> str:
        return self.path.stem

    def accepted_hints(self) -> set[str]:
        parameters = inspect.signature(self.model_factory).parameters
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
            return set(HINTS)
        return {name for name in HINTS if name in parameters}

    def build_model(self, **hints: Any) -> nn.Module:
        """A fresh model; only the hints the user's signature accepts are passed."""
        accepted = self.accepted_hints()
        kwargs = {k: v for k, v in hints.items() if k in accepted and v is not None}
        model = self.call("build_model", self.model_factory, **kwargs)
        if not isinstance(model, nn.Module):
            raise SpecError(f"build_model() returned {type(model).__name__}, not a torch.nn.Module",
                            "return the model instance from build_model()")
        return model

    def build_data(self) -> tuple[Sequence[Any], Sequence[Any] | None]:
        result = self.call("build_data", self.data_factory)
        if not isinstance(result, tuple) or len(result) != 2:
            raise SpecError(
                f"build_data() returned {type(result).__name__}, not a pair",
                "return (train_dataset, val_dataset_or_None)",
            )
        train, val = result
        check_dataset(train, "train", self.task)
        if val is not None:
            check_dataset(val, "validation", self.task)
        return train, val

    def build_loss(self) -> Callable[..., Any] | None:
        if self.loss_factory is None:
            return None
        loss = self.call("build_loss", self.loss_factory)
        if not callable(loss):
            raise SpecError("build_loss() did not return a callable",
                            "return a loss such as torch.nn.CrossEntropyLoss()")
        return loss

    def build_augment(self) -> Callable[[Any], Any] | None:
        if self.augment_factory is None:
            return None
        return self.call("build_augment", self.augment_factory)

    def call(self, stage: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (SpecError, KeyboardInterrupt):
            raise
        except SystemExit as error:
            raise spec_exited(self.path, f"in {stage}()", error) from None
        except Exception as error:
            raise UserCodeError(f"{stage}()", error, (str(self.path),)) from error

    def file_hash(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def load_spec(path: str | Path) -> Spec:
    path = Path(path)
    if not path.exists():
        raise SpecError(f"spec file {str(path)!r} does not exist",
                        "pass the path of a .py file (see `trainprobe demo --list`)")
    if path.is_dir() or path.suffix != ".py":
        raise SpecError(f"spec {str(path)!r} is not a .py file",
                        "pass a Python file defining TASK, build_model and build_data")
    module = import_file(path)
    for required in ("build_model", "build_data"):
        if not callable(getattr(module, required, None)):
            raise SpecError(f"spec {path.name} has no function {required}()",
                            f"define {required}() as documented in the README's spec contract")
    if not hasattr(module, "TASK"):
        raise SpecError(f"spec {path.name} does not set TASK",
                        "add e.g. TASK = 'classification' at the top of the file")
    config = getattr(module, "CONFIG", {}) or {}
    if not isinstance(config, dict):
        raise SpecError(f"CONFIG in {path.name} is a {type(config).__name__}, not a dict",
                        "write CONFIG = {'lr': 1e-3, ...}")
    return Spec(
        path=path.resolve(),
        task=make_task(module.TASK),
        model_factory=module.build_model,
        data_factory=module.build_data,
        loss_factory=optional_callable(module, "build_loss"),
        augment_factory=optional_callable(module, "build_augment"),
        config=dict(config),
        module=module,
    )


def import_file(path: Path) -> Any:
    name = f"trainprobe_spec_{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SpecError(f"cannot import {str(path)!r}", "check that it is a Python source file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    folder = str(path.resolve().parent)
    if folder not in sys.path:  # helper modules beside the spec import, as with `python spec.py`
        sys.path.append(folder)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise SpecError(f"{path.name}:{error.lineno}: syntax error: {error.msg}",
                        "fix the spec file's syntax") from error
    except SystemExit as error:
        raise spec_exited(path, "while importing it", error) from None
    except Exception as error:
        raise UserCodeError(f"importing {path.name}", error, (str(path.resolve()),)) from error
    return module


def optional_callable(module: Any, name: str) -> Callable[..., Any] | None:
    value = getattr(module, name, None)
    if value is not None and not callable(value):
        raise SpecError(f"{name} in the spec is not a function", f"define def {name}(): ...")
    return value


def spec_exited(path: Path, where: str, error: SystemExit) -> SpecError:
    """sys.exit()/exit() in a spec would end trainprobe without a word."""
    return SpecError(f"{path.name} called sys.exit({error.code!r}) {where}",
                     "a spec must not exit: raise an exception with a message instead")


def check_dataset(dataset: Any, role: str, task: Task) -> None:
    if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
        raise SpecError(
            f"the {role} dataset is a {type(dataset).__name__}, not a map-style dataset",
            "return an object with __len__ and __getitem__ (e.g. a torch Dataset or a list)",
        )
    try:
        length = len(dataset)
    except Exception as error:
        raise UserCodeError(f"len({role} dataset)", error) from error
    if length == 0:
        raise SpecError(f"the {role} dataset is empty", "return at least one item from build_data()")
    step = max(1, len(dataset) // ITEMS_CHECKED)
    for index in range(0, len(dataset), step)[:ITEMS_CHECKED]:
        try:
            item = dataset[index]
        except Exception as error:
            raise UserCodeError(f"{role}_dataset[{index}]", error) from error
        task.check_item(item, index)
