"""One batch through a fresh model, with hooks: the evidence the one-batch rules read.

Forward in training mode on a batch of up to STATS_BATCH training items, the task's (or
the user's) loss, one backward. Recorded: the outputs and the op that produced them,
per-layer gradient and weight norms, per-activation dead and saturated fractions, and any
exception raised in the user's code (with the stage it was raised in). Nothing is
optimized; the model is thrown away afterwards.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from ..engine.forward import forward
from ..errors import TrainprobeError, UserCodeError
from ..instruments.hooks import activation_modules, first_tensor, hooked, parameter_layers
from ..tasks import Batch
from ..tasks.structure import call_model
from .context import STATS_BATCH, Context

# grad_fn names of ops that only move or copy values: the output op is found below them
SHAPE_OPS = ("View", "Reshape", "UnsafeView", "Squeeze", "Unsqueeze", "Transpose", "Permute",
             "Clone", "Expand", "ToCopy", "Contiguous", "Select", "Slice", "AsStrided")
OUTPUT_OPS = {"Softmax": "softmax", "LogSoftmax": "log_softmax", "Sigmoid": "sigmoid",
              "Relu": "relu", "Tanh": "tanh", "Hardtanh": "hardtanh", "Softplus": "softplus",
              "Threshold": "relu", "Hardsigmoid": "sigmoid", "Exp": "exp"}
RELU_LIKE = (nn.ReLU, nn.ReLU6)
BOUNDED = {nn.Sigmoid: (0.0, 1.0), nn.Tanh: (-1.0, 1.0), nn.Hardtanh: (-1.0, 1.0)}
SATURATION_MARGIN = 0.02  # within 2% of the range from a bound counts as saturated


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
class ActivationStats:
    layer: str
    kind: str
    dead: float | None = None  # fraction of units at zero for every item (ReLU)
    saturated: float | None = None  # fraction of values at a bound (sigmoid, tanh)


@dataclass
class BatchEvidence:
    batch: Batch | None = None
    outputs: Tensor | None = None
    loss: float | None = None
    untrained_loss: float | None = None
    output_op: str | None = None
    output_module: str | None = None  # name of the module that applied output_op
    layers: list[LayerGrad] = field(default_factory=list)
    activations: list[ActivationStats] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: UserCodeError | None = None
    stage: str | None = None  # build_model | forward | loss | backward
    model: nn.Module | None = None

    def label(self, name: str | None) -> str | None:
        """'3 (Linear)': Sequential children are named by index, so add the type."""
        if name is None or self.model is None:
            return name
        try:
            module = self.model.get_submodule(name) if name != "(root)" else self.model
        except AttributeError:
            return name
        return f"{name} ({type(module).__name__})"

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
        evidence.batch = ctx.spec.task.collate(items)
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
        run_pass(ctx, model, evidence, user_files)
    evidence.warnings = [str(w.message) for w in caught]
    return evidence


def run_pass(ctx: Context, model: nn.Module, evidence: BatchEvidence,
             user_files: tuple[str, ...]) -> None:
    batch = evidence.batch
    assert batch is not None
    leaf_outputs: dict[int, str] = {}
    act_outputs: dict[str, Tensor] = {}
    leaves = {name: m for name, m in model.named_modules() if not list(m.children()) and name}
    acts = {**activation_modules(model), **bounded_recurrent(model)}

    def record(name: str):
        def hook(module: nn.Module, inputs: Any, output: Any) -> None:
            tensor = first_tensor(output)
            if tensor is not None and tensor.grad_fn is not None:
                leaf_outputs[id(tensor.grad_fn)] = name
            if name in acts and tensor is not None:
                act_outputs[name] = tensor.detach()
        return hook

    stage = "forward"
    try:
        with hooked(leaves, record):
            outputs, batch = forward(model, batch)
        evidence.outputs = outputs.detach()
        if isinstance(outputs, Tensor):
            node = output_node(outputs)
            evidence.output_op = op_name(node)
            evidence.output_module = leaf_outputs.get(id(node)) if node is not None else None
        evidence.activations = [activation_stats(name, acts[name], out)
                                for name, out in act_outputs.items()]
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
    evidence.layers = layer_grads(model)


def output_node(outputs: Tensor) -> Any:
    """The autograd node of the last value-changing op that produced `outputs`."""
    node = outputs.grad_fn
    while node is not None and node.name().startswith(SHAPE_OPS):
        parents = [n for n, _ in node.next_functions if n is not None]
        node = parents[0] if parents else None
    return node


def op_name(node: Any) -> str | None:
    if node is None:
        return None
    name = node.name().removesuffix("0").removesuffix("1").removesuffix("Backward")
    return OUTPUT_OPS.get(name, name.lower())


def bounded_recurrent(model: nn.Module) -> dict[str, nn.Module]:
    """LSTM/GRU (and tanh RNN) outputs lie in (-1, 1): saturated gates show there."""
    return {name: m for name, m in model.named_modules() if isinstance(m, nn.RNNBase)
            and getattr(m, "nonlinearity", "tanh") == "tanh"}


def bounds(module: nn.Module) -> tuple[float, float] | None:
    if isinstance(module, nn.RNNBase):
        return (-1.0, 1.0)
    return next((b for kind, b in BOUNDED.items() if isinstance(module, kind)), None)


def activation_stats(name: str, module: nn.Module, output: Tensor) -> ActivationStats:
    stats = ActivationStats(name, type(module).__name__.lower())
    if output.ndim < 2 or output.numel() == 0:
        return stats
    if isinstance(module, RELU_LIKE) and output.shape[0] > 1:
        unit_dim = 1 if output.ndim == 4 else output.ndim - 1
        alive = (output > 0).transpose(0, unit_dim).reshape(output.shape[unit_dim], -1).any(1)
        stats.dead = 1.0 - float(alive.float().mean())
    if bounds(module) is not None:
        low, high = bounds(module)
        margin = SATURATION_MARGIN * (high - low)
        near = (output <= low + margin) | (output >= high - margin)
        stats.saturated = float(near.float().mean())
    return stats


def layer_grads(model: nn.Module) -> list[LayerGrad]:
    result = []
    for layer, params in parameter_layers(model).items():
        grads = [p.grad for _, p in params if p.grad is not None]
        grad_norm = float(torch.sqrt(sum(g.float().pow(2).sum() for g in grads))) \
            if grads else None
        weight_norm = float(torch.sqrt(sum(p.detach().float().pow(2).sum() for _, p in params)))
        result.append(LayerGrad(
            layer, grad_norm, weight_norm,
            frozen=[n for n, p in params if not p.requires_grad],
            missing=[n for n, p in params if p.requires_grad and p.grad is None],
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
        call_model(model, ctx.spec.task.collate(item).inputs)
    except UserCodeError as error:
        return error
    except Exception as error:
        return UserCodeError("forward", error, (str(ctx.spec.path),))
    return None
