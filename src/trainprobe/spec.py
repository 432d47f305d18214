"""Load and check a user's spec file: the contract documented in the README.

A spec is a plain Python file with TASK, build_model(**hints), build_data(), and optional
build_loss(), build_augment(), collate(items), TARGET_KEY and CONFIG (or the same
in memory: `Spec(task=..., build_model=..., build_data=...)`). Everything the user wrote is called through
this module, so that a failure in their code becomes a one-line error naming their file.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from torch import nn

from .errors import SpecError, UserCodeError
from .tasks import Batch, Task, make_task
from .tasks.items import (
    DEFAULT_TARGET_KEY,
    PairView,
    as_user_item,
    batch_from_collated,
    is_dict_item,
    loader_parts,
)
from .tasks.structure import check_inputs

HINTS = ("hidden_dim", "dropout")
ITEMS_CHECKED = 64  # items checked for the task's types; enough to catch a bad one early


class Spec:
    """A spec: the task, the user's factories and CONFIG. Built from a file by
    load_spec(), or in memory: `tp.Spec(task="classification", build_model=...,
    build_data=...)`; every entry point (tp.probe, tp.train, diagnose_spec, the sweeps)
    takes either."""

    def __init__(self, task: str | Task, build_model: Callable[..., nn.Module],
                 build_data: Callable[[], Any],
                 build_loss: Callable[[], Callable[..., Any]] | None = None,
                 build_augment: Callable[[], Callable[[Any], Any]] | None = None,
                 collate: Callable[[list[Any]], Any] | None = None,
                 config: dict[str, Any] | None = None, name: str | None = None, *,
                 target_key: str = DEFAULT_TARGET_KEY, path: str | Path | None = None,
                 module: Any = None):
        self.task = task if isinstance(task, Task) else make_task(task)
        for label, value in (("build_model", build_model), ("build_data", build_data)):
            if not callable(value):
                raise SpecError(f"{label} is not a function", f"pass {label}=a function")
        for label, value in (("build_loss", build_loss), ("build_augment", build_augment),
                             ("collate", collate)):
            if value is not None and not callable(value):
                raise SpecError(f"{label} in the spec is not a function",
                                f"define def {label}(...): ...")
        if config is not None and not isinstance(config, dict):
            raise SpecError(f"CONFIG is a {type(config).__name__}, not a dict",
                            "write CONFIG = {'lr': 1e-3, ...}")
        if not isinstance(target_key, str):
            raise SpecError(f"TARGET_KEY is {target_key!r}, not a string",
                            'write TARGET_KEY = "label" (the dict key of the target)')
        if collate is not None and self.task.aligned_frames:
            raise SpecError(f"collate() is not supported for TASK={self.task.name!r}",
                            "return (features, labels) items; trainprobe pads them and "
                            "passes the lengths to the CTC loss itself")
        self.model_factory = build_model
        self.data_factory = build_data
        self.loss_factory = build_loss
        self.augment_factory = build_augment
        self.collate_fn = collate
        self.config = dict(config or {})
        self.target_key = target_key
        self.module = module
        self.in_memory = path is None
        self.path = Path(path).resolve() if path is not None else source_file(build_model)
        self._name = name
        # what build_data() found: a DataLoader's collate_fn, dict items
        self.loader_collate: Callable[[list[Any]], Any] | None = None
        self.dict_items = False

    @property
    def name(self) -> str:
        return self._name or (self.path.stem if not self.in_memory else "spec")

    @property
    def title(self) -> str:
        """How messages and reports name the spec: its file name, or its given name."""
        return self.path.name if not self.in_memory else self.name

    def replaced(self, **factories: Any) -> Spec:
        """A copy with some factories replaced (confirmation reruns wrap them)."""
        copied = copy.copy(self)
        for key, value in factories.items():
            if key not in ("model_factory", "loss_factory", "data_factory"):
                raise TypeError(f"cannot replace {key}")
            setattr(copied, key, value)
        return copied

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
        """(train, validation): DataLoaders give their dataset (and collate_fn); dict
        items are seen as (inputs, target) pairs (items.PairView)."""
        result = self.call("build_data", self.data_factory)
        if not isinstance(result, tuple) or len(result) != 2:
            raise SpecError(
                f"build_data() returned {type(result).__name__}, not a pair",
                "return (train_dataset, val_dataset_or_None)",
            )
        (train, collate), (val, _) = loader_parts(result[0]), loader_parts(result[1])
        self.loader_collate = collate
        self.dict_items = has_dict_items(train)
        train = PairView(train, self.target_key) if self.dict_items else train
        # items for the spec's own collate may be anything (text): its batches are checked
        task = None if self.user_collate() is not None else self.task
        check_dataset(train, "train", task)
        if val is not None:
            val = PairView(val, self.target_key) if has_dict_items(val) else val
            check_dataset(val, "validation", task)
        if task is None:
            batch = self.call_collate([train[i] for i in range(min(2, len(train)))])
            check_inputs(batch.inputs, 0)  # fail early, in one line
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

    # --- batching ---------------------------------------------------------------------
    def user_collate(self) -> Callable[[list[Any]], Batch] | None:
        """The spec's collate (or the DataLoader's), as items -> Batch; None without one."""
        if (self.collate_fn or self.loader_collate) is None:
            return None
        return self.call_collate

    def call_collate(self, items: list[Any]) -> Batch:
        collate = self.collate_fn or self.loader_collate
        assert collate is not None
        raw = [as_user_item(item, self.target_key) for item in items] if self.dict_items \
            else list(items)
        return batch_from_collated(self.call("collate", collate, raw), self.target_key,
                                   self.task)

    def collate_items(self, items: list[Any]) -> Batch:
        """One batch from items, as training makes it (the spec's collate or the task's)."""
        collate = self.user_collate()
        return collate(items) if collate is not None else self.task.collate(items)

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
        """sha256 of the spec file; of the script defining build_model for an in-memory
        spec (or of its name when that is not a file, e.g. a notebook cell)."""
        if self.path.is_file():
            return hashlib.sha256(self.path.read_bytes()).hexdigest()
        return hashlib.sha256(self.name.encode()).hexdigest()


def as_spec(spec: Spec | str | Path, caller: str = "trainprobe") -> Spec:
    """The entry points take a path or a Spec. What a new user often passes instead (the
    model itself) is a one-line error naming what to pass, not a TypeError from Path()."""
    if isinstance(spec, Spec):
        return spec
    if isinstance(spec, (str, Path)):
        return load_spec(spec)
    what = f"a model ({type(spec).__name__})" if isinstance(spec, nn.Module) \
        else f"a {type(spec).__name__}"
    raise SpecError(f"{caller}() takes a spec, not {what}",
                    "pass the path of a spec file that defines build_model() and "
                    "build_data(), e.g. tp.probe('my_spec.py'), or a tp.Spec (see the "
                    "README's spec contract and `trainprobe demo --copy DIR`)")


def source_file(function: Callable[..., Any]) -> Path:
    """Where an in-memory spec's build_model is defined: tracebacks point there."""
    try:
        source = Path(inspect.getsourcefile(function) or "<spec>").resolve()
    except TypeError:
        return Path("<spec>")
    # a spec built by trainprobe itself (an integration) has no user file to point at
    return Path("<spec>") if Path(__file__).parent in source.parents else source


def has_dict_items(dataset: Any) -> bool:
    """Whether items are dicts (read from item 0); a dataset that cannot even answer is
    left to check_dataset, which names the problem in one line."""
    try:
        return len(dataset) > 0 and is_dict_item(dataset[0])
    except Exception:  # noqa: BLE001 - see docstring
        return False


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
        task=make_task(module.TASK),
        build_model=module.build_model,
        build_data=module.build_data,
        build_loss=optional_callable(module, "build_loss"),
        build_augment=optional_callable(module, "build_augment"),
        collate=optional_callable(module, "collate"),
        config=dict(config),
        target_key=getattr(module, "TARGET_KEY", DEFAULT_TARGET_KEY),
        path=path.resolve(),
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


def check_dataset(dataset: Any, role: str, task: Task | None) -> None:
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
        except SpecError:  # a dict item without its target (PairView)
            raise
        except Exception as error:
            raise UserCodeError(f"{role}_dataset[{index}]", error) from error
        if task is not None:
            task.check_item(item, index)
