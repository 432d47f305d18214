"""Functional ops (`torch.relu`, `F.gelu`, `torch.sigmoid`, `torch.softmax` inside forward)
are seen by the diagnosis and the inspector, with the module they ran in as `where`."""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner

from trainprobe.cli import main
from trainprobe.instruments.inspector import Inspector
from trainprobe.instruments.logfile import iter_flat_records

SPEC = """
import pytest
import torch
from torch import nn
import torch.nn.functional as F

TASK = "classification"
g = torch.Generator().manual_seed(0)
X = torch.randn(64, 8, generator=g)
LABELS = torch.randint(0, 3, (64,), generator=g)


def build_data():
    return [(X[i], int(LABELS[i])) for i in range(64)], None


class Net(nn.Module):
    def __init__(self, hidden_dim):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(8, hidden_dim), nn.Linear(hidden_dim, 3)
{init}

    def forward(self, x):
{forward}


def build_model(hidden_dim: int = 16):
    return Net(hidden_dim)
"""
DEAD_RELU = ("        nn.init.constant_(self.fc1.bias, -5.0)  # every ReLU unit killed",
             "        return self.fc2(torch.relu(self.fc1(x)))")
SOFTMAX_OUT = ("        pass", "        return torch.softmax(self.fc2(F.gelu(self.fc1(x))), -1)")


def diagnose(tmp_path, init_forward: tuple[str, str]) -> list[dict]:
    init, forward = init_forward
    spec = tmp_path / "spec.py"
    spec.write_text(SPEC.format(init=init, forward=forward))
    out = tmp_path / "diagnose.json"
    result = CliRunner().invoke(main, ["diagnose", str(spec), "--json", str(out)],
                                catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(out.read_text())["diagnoses"]


def test_relu_killed_through_torch_relu_is_dead_units(tmp_path):
    findings = diagnose(tmp_path, DEAD_RELU)
    first = findings[0]
    assert first["code"] == "DEAD_UNITS", [f["code"] for f in findings]
    assert first["where"] == "relu in Net.forward"
    assert first["evidence"]["dead_fraction"] == {"(root):relu": 1.0}


def test_functional_softmax_output_names_the_forward_it_ran_in(tmp_path):
    findings = diagnose(tmp_path, SOFTMAX_OUT)
    first = findings[0]
    assert first["code"] == "OUTPUT_ACTIVATION_MISMATCH", [f["code"] for f in findings]
    assert first["where"] == "softmax in Net.forward"
    assert first["evidence"]["output_op"] == "softmax"


def test_the_inspector_logs_functional_sites(tmp_path):
    torch.manual_seed(0)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2 = torch.nn.Linear(8, 16), torch.nn.Linear(16, 3)
            torch.nn.init.constant_(self.fc1.bias, -5.0)

        def forward(self, x):
            return self.fc2(torch.relu(self.fc1(x)))

    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with Inspector(model, tmp_path, stats_every=2) as inspector:
        for _ in range(4):
            loss = model(torch.randn(32, 8)).logsumexp(-1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            inspector.step(loss=loss)
    raw = [json.loads(line) for line in (tmp_path / "inspector.log.jsonl").read_text().splitlines()]
    assert raw[0]["act_layers"] == []  # no activation module: found while running
    stats = [r for r in raw if r["kind"] == "stats"]
    assert [r["act_layers"] for r in stats] == [["(root):relu"]] * 2
    flat = [r for r in iter_flat_records(tmp_path / "inspector.log.jsonl") if r["kind"] == "stats"]
    assert [r["dead/(root):relu"] for r in flat] == [1.0, 1.0]


def test_a_transformers_model_has_its_activation_classes_logged(tmp_path):
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(vocab_size=40, hidden_size=16, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=32,
                                     max_position_embeddings=16, num_labels=3)
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    ids, labels = torch.randint(0, 40, (4, 8)), torch.tensor([0, 1, 2, 0])
    with Inspector(model, tmp_path, stats_every=2) as inspector:
        for _ in range(2):
            loss = model(input_ids=ids, labels=labels).loss
            opt.zero_grad()
            loss.backward()
            opt.step()
            inspector.step(loss=loss)
    log = list(iter_flat_records(tmp_path / "inspector.log.jsonl"))
    sites = log[0]["act_layers"]
    gelu = [s for s in sites if s.endswith("intermediate_act_fn")]
    assert len(gelu) == 2 and "bert.pooler.activation" in sites  # GELUActivation, nn.Tanh
    (stats,) = [r for r in log if r["kind"] == "stats"]
    assert all(f"act_mean/{s}" in stats for s in sites)
    assert 0.0 <= stats["saturated/bert.pooler.activation"] <= 1.0
    assert not any(k.startswith("dead/") and ":softmax" in k for k in stats)  # not a site
