"""Honest error details (issue 13.6): --debug shows the traceback, `where` names the file
that raised (the spec, a library, or trainprobe itself), CONFLICTING_LABELS names dataset
indices, and a model passed to tp.probe is a one-line error saying what to pass."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from torch import nn

import trainprobe as tp
from trainprobe.cli import main
from trainprobe.diagnose import diagnose_spec

DATA = """
import torch
from torch import nn
from torch.utils.data import TensorDataset
TASK = "classification"
def build_data():
    g = torch.Generator().manual_seed(0)
    return TensorDataset(torch.randn(40, 8, generator=g), torch.randint(0, 3, (40,), generator=g)), None
"""
RAISES_IN_SPEC = DATA + """
class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(8, 3)
    def forward(self, x):
        return self.linear(x.view(-1, 7))  # line 15
def build_model():
    return Model()
"""
RAISES_IN_TORCH = DATA + """
def build_model():
    return nn.Sequential(nn.Linear(7, 3))  # in_features wrong: torch's Linear raises
"""
RAISES_IN_TRAINPROBE = """
import torch
from torch import nn
TASK = "classification"
class Ragged(torch.utils.data.Dataset):
    def __len__(self):
        return 40
    def __getitem__(self, i):  # two shapes past the first dimension: trainprobe's collate
        return (torch.ones(8) if i % 2 else torch.ones(8, 2)) * i, i % 3  # refuses them
def build_data():
    return Ragged(), None
def build_model():
    return nn.Linear(8, 3)
"""
CONFLICTING = """
import torch
from torch import nn
from torch.utils.data import TensorDataset
TASK = "classification"
def build_data():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(40, 8, generator=g), torch.arange(40) % 3
    x[37] = x[5]
    y[37] = (y[5] + 1) % 3  # items 5 and 37: the same input, two labels
    return TensorDataset(x, y), None
def build_model():
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
"""


def findings_by_code(path) -> dict[str, dict]:
    return {f["code"]: f for f in diagnose_spec(path)}


def test_debug_adds_the_traceback(write_spec, tmp_path):
    spec = write_spec(RAISES_IN_SPEC)
    runner = CliRunner()
    args = ["probe", str(spec), "--sizes", "1", "--out", str(tmp_path / "out")]
    plain = runner.invoke(main, args)
    debug = runner.invoke(main, ["--debug", *args])
    assert "Traceback" not in plain.output
    assert "Traceback (most recent call last)" in debug.output
    assert "return self.linear(x.view(-1, 7))" in debug.output  # the user's failing line
    assert plain.exit_code == debug.exit_code == 1  # a finding, not a crash


def test_where_is_the_spec_line_that_raised(write_spec):
    spec = write_spec(RAISES_IN_SPEC)
    finding = findings_by_code(spec)["TARGET_SHAPE_MISMATCH"]
    assert finding["where"] == f"{spec}:15"


def test_where_is_the_library_that_raised_not_the_spec(write_spec):
    finding = findings_by_code(write_spec(RAISES_IN_TORCH))["TARGET_SHAPE_MISMATCH"]
    assert finding["where"].startswith("torch/nn/modules/linear.py:")


def test_where_is_trainprobe_when_its_own_collate_raised(write_spec):
    finding = findings_by_code(write_spec(RAISES_IN_TRAINPROBE))["USER_CODE_ERROR"]
    assert finding["where"].startswith("trainprobe/tasks/collate.py:")
    assert "only the first dimension may vary" in finding["message"]


def test_conflicting_labels_names_dataset_indices(write_spec):
    finding = findings_by_code(write_spec(CONFLICTING))["CONFLICTING_LABELS"]
    assert sorted(finding["evidence"]["indices"]) == [5, 37]
    assert "5" in finding["message"] and "37" in finding["message"]
    assert "dataset indices" in finding["message"]


@pytest.mark.parametrize("call", [tp.probe, tp.train, diagnose_spec])
def test_a_model_instead_of_a_spec_is_one_line_saying_what_to_pass(call):
    with pytest.raises(tp.SpecError) as raised:
        call(nn.Linear(4, 2))
    message = str(raised.value)
    assert "\n" not in message and "not a model (Linear)" in message
    assert "path of a spec file" in message
