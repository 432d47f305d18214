"""The structure functions every input and output form goes through (tasks/structure.py)."""

from __future__ import annotations

from collections import OrderedDict, namedtuple

import pytest
import torch
from torch import nn

from trainprobe.errors import SpecError
from trainprobe.tasks.structure import (
    batch_size_of,
    call_model,
    map_tensors,
    output_tensor,
    tensor_leaves,
)

A = torch.zeros(4, 3)
B = torch.ones(4, 5, dtype=torch.long)


class Recorder(nn.Module):
    def forward(self, *args, **kwargs):
        return args, kwargs


@pytest.mark.parametrize(("inputs", "args", "kwargs"), [
    (A, (A,), {}),
    ((A, B), (A, B), {}),
    ([A, B], (A, B), {}),
    ({"input_ids": B, "attention_mask": A}, (), {"input_ids": B, "attention_mask": A}),
])
def test_call_model_spreads_by_structure(inputs, args, kwargs):
    got_args, got_kwargs = call_model(Recorder(), inputs)
    assert len(got_args) == len(args) and all(g is a for g, a in zip(got_args, args))
    assert got_kwargs.keys() == kwargs.keys()
    assert all(got_kwargs[k] is kwargs[k] for k in kwargs)


Output = namedtuple("Output", "logits hidden")


@pytest.mark.parametrize("outputs", [
    A, (A, B), [A], {"logits": A, "loss": B}, OrderedDict(loss=B, logits=A), Output(A, B),
    ((A, B), B),
])
def test_output_tensor_finds_the_logits(outputs):
    assert output_tensor(outputs) is A


@pytest.mark.parametrize(("outputs", "message"), [
    ({"hidden": A}, "without a 'logits' tensor (keys: hidden)"),
    ((), "returned tuple, not a tensor"),
    (3.0, "returned float, not a tensor"),
])
def test_output_tensor_names_what_it_got(outputs, message):
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        output_tensor(outputs)


def test_map_tensors_keeps_the_structure():
    inputs = {"a": (A, [B]), "b": Output(A, B), "n": 3}
    doubled = map_tensors(lambda t: t * 2, inputs)
    assert isinstance(doubled["a"], tuple) and isinstance(doubled["a"][1], list)
    assert isinstance(doubled["b"], Output) and doubled["n"] == 3
    assert torch.equal(doubled["a"][1][0], B * 2)


def test_tensor_leaves_paths():
    inputs = {"input_ids": B, "pair": (A, [B])}
    assert [path for path, _ in tensor_leaves(inputs)] == [
        'inputs["input_ids"]', 'inputs["pair"][0]', 'inputs["pair"][1][0]']
    assert [path for path, _ in tensor_leaves((A, B))] == ["inputs[0]", "inputs[1]"]
    assert tensor_leaves(A) == [("inputs", A)]


@pytest.mark.parametrize("inputs", [A, (A, B), {"x": B}, [{"y": A}]])
def test_batch_size_of(inputs):
    assert batch_size_of(inputs) == 4


def test_batch_size_of_without_tensors_is_a_spec_error():
    with pytest.raises(SpecError):
        batch_size_of({"n": 3})
