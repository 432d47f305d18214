"""Each fast quantity (instruments/quantities.py, instruments/activations.py) against a
slow, obviously correct reference written with Python loops over units and values."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from trainprobe.instruments.activations import (
    _DEAD_EPS,
    _SATURATION_MARGIN,
    ActivationSize,
    ActivationStats,
    DeadUnits,
    Saturation,
    Site,
)
from trainprobe.instruments.quantities import (
    GradNorms,
    ParameterIndex,
    UpdateRatios,
    WeightNorms,
    make_schedule,
)


# --- slow references -------------------------------------------------------------------
def dead_by_hand(output: torch.Tensor, unit_axis: int) -> float:
    """Loop over units; a unit is dead when every value along the other axes is ~0."""
    units = output.shape[unit_axis]
    dead = 0
    for unit in range(units):
        values = output.select(unit_axis, unit).flatten().tolist()
        dead += all(abs(v) <= _DEAD_EPS for v in values)
    return dead / units


def saturated_by_hand(output: torch.Tensor, low: float, high: float) -> float:
    margin = _SATURATION_MARGIN * (high - low)
    values = output.flatten().tolist()
    return sum(v <= low + margin or v >= high - margin for v in values) / len(values)


def site_of(kind: str, *outputs: torch.Tensor) -> Site:
    site = Site(kind)
    for output in outputs:
        site.observe(output)
    return site


def sequence_with_dead_channel() -> torch.Tensor:
    """(B, T, C) = (4, 5, 3): channel 1 is zero at every item and position, while no
    time position is zero for every item and channel, so the wrong unit axis (dim 1)
    finds no dead unit."""
    torch.manual_seed(0)
    output = torch.rand(4, 5, 3) + 0.1
    output[:, :, 1] = 0.0
    return output


@pytest.mark.parametrize("shape, axis", [((16, 8), 1), ((4, 5, 3), 2), ((4, 6, 3, 3), 1)])
def test_dead_units_match_the_reference(shape, axis):
    torch.manual_seed(1)
    output = torch.relu(torch.randn(*shape) - 0.8)  # some units dead, some alive
    index = [slice(None)] * len(shape)
    index[axis] = slice(0, 2)
    output[tuple(index)] = 0.0  # two units certainly dead
    value = DeadUnits().compute(site_of("relu", output))
    assert float(value) == pytest.approx(dead_by_hand(output, axis))
    assert float(value) >= 2 / shape[axis]


def test_the_unit_axis_of_sequence_outputs_is_the_last():
    output = sequence_with_dead_channel()
    assert dead_by_hand(output, 2) == pytest.approx(1 / 3)
    assert dead_by_hand(output, 1) == 0.0  # what a wrong axis would report
    assert float(DeadUnits().compute(site_of("relu", output))) == pytest.approx(1 / 3)
    # and through the hooks, on a module that returns (B, T, C)
    relu = nn.ReLU()
    stats = ActivationStats(nn.Sequential(relu))
    with stats.recording():
        stats.model(sequence_with_dead_channel())
    (site,) = stats.summary()
    assert site.layer == "0" and site.dead == pytest.approx(1 / 3)


def test_dead_needs_more_than_one_observation_and_accumulates_micro_batches():
    assert DeadUnits().compute(site_of("relu", torch.zeros(1, 4))) is None
    first, second = torch.zeros(3, 4), torch.zeros(3, 4)
    second[:, 0] = 1.0  # unit 0 fires only in the second micro-batch: alive
    value = DeadUnits().compute(site_of("relu", first, second))
    assert float(value) == pytest.approx(dead_by_hand(torch.cat([first, second]), 1))


@pytest.mark.parametrize("kind, low, high, make", [
    ("sigmoid", 0.0, 1.0, lambda x: torch.sigmoid(4 * x)),
    ("tanh", -1.0, 1.0, lambda x: torch.tanh(3 * x)),
    ("recurrent", -1.0, 1.0, lambda x: torch.tanh(x)),
])
def test_saturation_and_size_match_the_reference(kind, low, high, make):
    torch.manual_seed(2)
    output = make(torch.randn(8, 5, 6))
    site = site_of(kind, output)
    assert float(Saturation().compute(site)) == pytest.approx(
        saturated_by_hand(output, low, high), abs=1e-6)
    mean_abs = sum(abs(v) for v in output.flatten().tolist()) / output.numel()
    assert float(ActivationSize().compute(site)) == pytest.approx(mean_abs, rel=1e-5)
    assert Saturation().compute(site_of("relu", output)) is None  # unbounded: no statistic


def two_layer_model() -> nn.Module:
    torch.manual_seed(3)
    return nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 4), nn.Linear(4, 2))


def test_grad_and_weight_norms_per_layer_match_the_reference():
    model = two_layer_model()
    model[2].weight.requires_grad_(False)  # frozen: no gradient, still a weight
    out = model[1](model[0](torch.randn(7, 6)))
    out.sum().backward()  # layers 2 and 3 get no gradient at all
    index = ParameterIndex(model, trainable_only=False)
    assert index.layers == ["0", "2", "3"]
    grads = index.layer_norms(GradNorms().compute(index).numpy())[0]
    weights = index.layer_norms(WeightNorms().compute(index).numpy())[0]
    for i, layer in enumerate(index.layers):
        params = [p for n, p in model.named_parameters() if n.startswith(layer + ".")]
        weight = math.sqrt(sum(float((p.detach() ** 2).sum()) for p in params))
        assert weights[i] == pytest.approx(weight, rel=1e-5)
        got = [p.grad for p in params if p.grad is not None]
        if got:
            expected = math.sqrt(sum(float((g ** 2).sum()) for g in got))
            assert grads[i] == pytest.approx(expected, rel=1e-5)
        else:
            assert math.isnan(grads[i])  # no gradient is not a zero gradient
    total = ParameterIndex.total_norm(GradNorms().compute(index).numpy())[0]
    assert total == pytest.approx(math.sqrt(sum(
        float((p.grad ** 2).sum()) for p in model.parameters() if p.grad is not None)), rel=1e-5)


def test_update_ratios_match_the_reference():
    model = two_layer_model()
    index = ParameterIndex(model)
    ratios = UpdateRatios()
    assert not ratios.ready and ratios.compute(index) is None
    before = [p.detach().clone() for p in model.parameters()]
    ratios.before(index)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(1.1).add_(0.01)
    values = ratios.compute(index)
    for value, old, new in zip(values.tolist(), before, model.parameters()):
        new = new.detach()
        assert value == pytest.approx(float((new - old).norm() / old.norm()), rel=1e-5)
    assert not ratios.ready


def test_schedules():
    """An int k is every k-th step; a callable is used as is."""
    assert [make_schedule(3)(s) for s in range(1, 7)] == [False, False, True] * 2
    assert make_schedule(lambda s: s < 2)(1)
    with pytest.raises(ValueError):
        make_schedule(0)


# --- functional activations --------------------------------------------------------------
class Functional(nn.Module):
    """Every activation applied functionally inside forward, the ReLU's units killed by a
    bias of -5."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.act = nn.Linear(4, 6), nn.Linear(6, 6), nn.ReLU()
        nn.init.constant_(self.fc1.bias, -5.0)
        with torch.no_grad():
            self.fc1.weight.mul_(0.01)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        g = F.gelu(self.fc2(h)) + torch.tanh(20 * x.sum(-1, keepdim=True))
        g = self.act(g)  # a module: counted once, by its hook, not again as F.relu
        g = F.dropout(g, 0.1) + torch.sigmoid(g).relu()
        return torch.softmax(g, -1)


def test_functional_activations_are_sites_with_their_module():
    model = Functional()
    stats = ActivationStats(model)
    assert stats.names == ["act"]
    with stats.recording():
        model(torch.randn(16, 4))
    sites = {s.layer: s for s in stats.summary()}
    assert set(sites) == {"act", "(root):relu", "(root):gelu", "(root):tanh",
                          "(root):sigmoid", "(root):relu#2"}
    assert sites["(root):relu"].dead == 1.0
    assert sites["(root):tanh"].saturated > 0.5 and sites["(root):gelu"].saturated is None
    assert all(len(m._forward_hooks) == 0 and len(m._forward_pre_hooks) == 0
               for m in model.modules())
    model.eval()  # an evaluation pass is never the measured step
    with stats.recording(), torch.no_grad():
        model(torch.randn(16, 4))
    assert stats.summary() == []


def test_library_activation_classes_are_tracked():
    activations = pytest.importorskip("transformers.activations")
    model = nn.Sequential(nn.Linear(4, 8), activations.GELUActivation(), nn.Linear(8, 8),
                          activations.NewGELUActivation(), nn.SiLU(), nn.Mish(),
                          activations.LinearActivation())
    stats = ActivationStats(model)
    assert stats.names == ["1", "3", "4", "5"]
    with stats.recording():
        model(torch.randn(8, 4))
    # NewGELUActivation computes with torch.tanh: that is its own output, not a new site
    assert [s.layer for s in stats.summary()] == ["1", "3", "4", "5"]


def test_each_activation_quantity_follows_its_schedule():
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU())
    stats = ActivationStats(model, quantities=(DeadUnits(2), Saturation(2), ActivationSize(1)))
    assert stats.wanted(3) and stats.wanted(4)
    for step, keys in ((3, {"act_mean"}), (4, {"dead", "saturated", "act_mean"})):
        with stats.recording():
            model(torch.randn(8, 4))
        values = stats.collect(step)
        assert set(values) == keys and "1" in values["act_mean"]
