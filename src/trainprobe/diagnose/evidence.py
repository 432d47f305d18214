"""One batch through a fresh model, with hooks: the evidence the one-batch rules read.

Forward in training mode on a batch of up to STATS_BATCH training items, the task's (or
the user's) loss, one backward. Recorded: the outputs and the op that produced them,
per-layer gradient and weight norms, per-activation dead and saturated fractions, and any
exception raised in the user's code (with the stage it was raised in). Nothing is
optimized; the model is thrown away afterwards.

The statistics are the inspector's quantities (instruments.quantities and
instruments.activations): one definition and one threshold each, functional activations
(`torch.relu` in a forward) included.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from ..engine.forward import forward
from ..errors import TrainprobeError, UserCodeError
from ..instruments.activations import ActivationStats, SiteStats
from ..instruments.hooks import first_tensor, hooked
from ..instruments.quantities import GradNorms, ParameterIndex, WeightNorms
from ..tasks import Batch
from ..tasks.structure import call_model
from .context import STATS_BATCH, Context

__all__ = ["BatchEvidence", "LayerGrad", "batchnorm_fails_on_one", "collect", "has_batchnorm"]

# grad_fn names of ops that only move or copy values: the output op is found below them
_SHAPE_OPS = ("View", "Reshape", "UnsafeView", "Squeeze", "Unsqueeze", "Transpose", "Permute",
              "Clone", "Expand", "ToCopy", "Contiguous", "Select", "Slice", "AsStrided")
_OUTPUT_OPS = {"Softmax": "softmax", "LogSoftmax": "log_softmax", "Sigmoid": "sigmoid",
               "Relu": "relu", "Tanh": "tanh", "Hardtanh": "hardtanh", "Softplus": "softplus",
               "Threshold": "relu", "Hardsigmoid": "sigmoid", "Exp": "exp"}
#: ops that scale values but leave the output op beneath them in charge of the range
_TRANSPARENT_OPS = ("NativeDropout", "Dropout", "FeatureDropout")


@dataclass
class LayerGrad:
    layer: str
    grad_norm: float | None  # None: no parameter of this layer received a gradient
    weight_norm: float
    frozen: list[str] = field(default_factory=list)  # requires_grad=False
    missing: list[str] = field(default_factory=list)  # requires_grad but grad is None

    @property
    def relative(self) -> float | None:
        """|grad| / |weight|: the relative size of one plain SGD step at lr 1."""
        if self.grad_norm is None or self.weight_norm < 1e-8:
            return None  # undefined for a zero tensor (e.g. a zero-initialized table)
        return self.grad_norm / self.weight_norm


@dataclass
class BatchEvidence:
    batch: Batch | None = None
    outputs: Tensor | None = None
    loss: float | None = None
    untrained_loss: float | None = None
    output_op: str | None = None
    output_module: str | None = None  # the module that applied output_op, or "module:op"
    layers: list[LayerGrad] = field(default_factory=list)
    activations: list[SiteStats] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: UserCodeError | None = None
    stage: str | None = None  # build_model | forward | loss | backward
    model: nn.Module | None = None

    def label(self, name: str | None) -> str | None:
        """'3 (Linear)': Sequential children are named by index, so add the type; a
        functional site 'block:relu' reads 'relu in block (Block).forward'."""
        if name is None or self.model is None:
            return name
        module_name, _, op = name.partition(":")
        try:
            module = self.model.get_submodule(module_name) if module_name != "(root)" \
                else self.model
        except AttributeError:
            return name
        owner = f"{type(module).__name__}.forward" if module_name == "(root)" else \
            f"{module_name} ({type(module).__name__})"
        return f"{op} in {owner}" if op else owner

    @property
    def output_op_module(self) -> str | None:
        """The module to replace to undo the output op; None for a functional op."""
        module = self.output_module
        return module if module and ":" not in module else None

    @property
    def total_grad_norm(self) -> float | None:
        norms = [g.grad_norm for g in self.layers if g.grad_norm is not None]
        return sum(v * v for v in norms) ** 0.5 if norms else None


def collect(ctx: Context, size: int = STATS_BATCH) -> BatchEvidence:
    """Run the one-batch pass; failures in user code are recorded, never raised."""
    evidence = BatchEvidence()
    items = ctx.sample(size)
    user_files = (str(ctx.spec.path),)
    try:
        evidence.batch = ctx.spec.collate_items(items)
    except Exception as error:
        evidence.error, evidence.stage = UserCodeError("collate", error, user_files), "collate"
        return evidence
    torch.manual_seed(ctx.config.seed)
    try:
        model = ctx.spec.build_model(**ctx.hints())
    except UserCodeError as error:
        evidence.error, evidence.stage = error, "build_model"
        return evidence
    evidence.model = model
    model.train()
    device = next((p.device for p in model.parameters()), None)
    if device is not None and device.type != "cpu":
        evidence.batch = evidence.batch.to(device)  # a model that moved itself
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _run_pass(ctx, model, evidence, user_files)
    evidence.warnings = [str(w.message) for w in caught]
    return evidence


def _run_pass(ctx: Context, model: nn.Module, evidence: BatchEvidence,
              user_files: tuple[str, ...]) -> None:
    batch = evidence.batch
    assert batch is not None
    leaf_outputs: dict[int, str] = {}
    leaves = {name: m for name, m in model.named_modules() if not list(m.children()) and name}
    stats = ActivationStats(model)

    def record(name: str):
        def hook(module: nn.Module, inputs: Any, output: Any) -> None:
            tensor = first_tensor(output)
            if tensor is not None and tensor.grad_fn is not None:
                leaf_outputs[id(tensor.grad_fn)] = name
        return hook

    stage = "forward"
    try:
        with hooked(leaves, record), stats.recording():
            outputs, batch = forward(model, batch)
        evidence.outputs = outputs.detach()
        node = _output_node(outputs)
        evidence.output_op = _op_name(node)
        if node is not None:  # an op of no module of its own: the site "module:op"
            site = stats.op_outputs.get(id(node))
            evidence.output_module = leaf_outputs.get(id(node)) or (site[0] if site else None)
        evidence.activations = stats.summary()
        stage = "loss"
        loss = ctx.spec.task.loss(outputs, batch, ctx.loss_fn)
        evidence.loss = float(loss.detach())
        if isinstance(outputs, Tensor):
            evidence.untrained_loss = ctx.task.untrained_loss(outputs.detach(), batch, ctx.stats)
        stage = "backward"
        loss.backward()
    except TrainprobeError:
        raise
    except Exception as error:
        evidence.error, evidence.stage = UserCodeError(stage, error, user_files), stage
        return
    evidence.layers = _layer_grads(model)


def _output_node(outputs: Tensor) -> Any:
    """The autograd node of the last value-changing op that produced `outputs` (dropout
    only rescales: the op beneath it decides the range)."""
    node = outputs.grad_fn
    while node is not None and node.name().startswith(_SHAPE_OPS + _TRANSPARENT_OPS):
        parents = [n for n, _ in node.next_functions if n is not None]
        node = parents[0] if parents else None
    return node


def _op_name(node: Any) -> str | None:
    if node is None:
        return None
    name = node.name().removesuffix("0").removesuffix("1").removesuffix("Backward")
    return _OUTPUT_OPS.get(name, name.lower())


def _layer_grads(model: nn.Module) -> list[LayerGrad]:
    """Per layer, the gradient norm over the parameters that got one (GradNorms, the
    inspector's quantity) and the weight norm over all of them (WeightNorms)."""
    index = ParameterIndex(model, trainable_only=False)
    if not index.params:
        return []
    grads = index.layer_norms(GradNorms().compute(index).cpu().numpy())[0]
    weights = index.layer_norms(WeightNorms().compute(index).cpu().numpy())[0]
    ends = index.starts[1:] + [len(index.params)]
    result = []
    for layer, start, end, grad, weight in zip(index.layers, index.starts, ends, grads, weights):
        named = index.params[start:end]
        result.append(LayerGrad(
            layer, None if math.isnan(grad) else float(grad), float(weight),
            frozen=[n for n, p in named if not p.requires_grad],
            missing=[n for n, p in named if p.requires_grad and p.grad is None],
        ))
    return result


def has_batchnorm(model: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


def batchnorm_fails_on_one(ctx: Context) -> UserCodeError | None:
    """A forward of one item in training mode: BatchNorm over (1, C) raises there, which is
    what the ladder's first rung will do."""
    item = ctx.sample(1)
    try:
        model = ctx.spec.build_model(**ctx.hints())
        model.train()
        call_model(model, ctx.spec.collate_items(item).inputs)
    except UserCodeError as error:
        return error
    except Exception as error:
        return UserCodeError("forward", error, (str(ctx.spec.path),))
    return None
