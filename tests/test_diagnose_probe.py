"""diagnose_probe through tp.probe (confirmation experiments, report.json) and the
`trainprobe diagnose` command (exit codes, JSON, HTML, PNG)."""

from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner

import trainprobe as tp
from trainprobe.cli import main
from trainprobe.diagnose import CODES, Finding, diagnose_probe, diagnose_spec

SPEC = """
import torch
from torch import nn

TASK = "classification"
g = torch.Generator().manual_seed(0)
X = torch.randn(32, 8, generator=g)
Y = torch.randint(0, 4, (32,), generator=g)


def build_data():
    return [(X[i], int(Y[i])) for i in range(32)], None


def build_model(hidden_dim: int = 16):
    return nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 4){tail})
"""



def write(tmp_path, tail: str = "", extra: str = "", name: str = "spec.py") -> str:
    path = tmp_path / name
    path.write_text(SPEC.replace("{tail}", tail) + textwrap.dedent(extra))
    return str(path)


def test_public_api():
    assert callable(diagnose_probe) and callable(diagnose_spec)
    assert "OUTPUT_ACTIVATION_MISMATCH" in CODES and Finding


def test_softmax_is_confirmed_by_removing_it(tmp_path):
    # the rung fails by its step budget; the bug is found before training anyway
    path = write(tmp_path, tail=", nn.Softmax(dim=-1)", extra='CONFIG = {"max_steps": 100}\n')
    run, report = tp.probe(path, [1], out_dir=tmp_path / "out")
    top = report["diagnoses"][0]
    assert report["verdict"] == "fail"
    assert top["code"] == "OUTPUT_ACTIVATION_MISMATCH"
    assert top["evidence"]["rung_passed"] is True
    assert "softmax removed" in top["evidence"]["confirmed_by"]
    written = json.loads((tmp_path / "out" / "report.json").read_text())
    assert written["diagnoses"] == report["diagnoses"]
    assert all(set(d) == {"code", "severity", "message", "where", "evidence", "fix"}
               for d in written["diagnoses"])


def test_tiny_lr_is_confirmed_by_a_higher_one(tmp_path):
    path = write(tmp_path, extra='CONFIG = {"lr": 1e-7}\n')
    _, report = tp.probe(path, [1])
    top = report["diagnoses"][0]
    assert top["code"] == "LR_TOO_LOW"
    assert top["evidence"]["rung_passed"] is True


def test_healthy_probe_has_no_error(tmp_path):
    _, report = tp.probe(write(tmp_path), [1, 5])
    assert report["verdict"] == "pass"
    assert not [d for d in report["diagnoses"] if d["severity"] == "error"]


def test_failed_rung_exception_becomes_a_finding(tmp_path):
    path = write(tmp_path, extra="""
        def build_data():
            return [(X[i], int(Y[i]) + 1) for i in range(32)], None
    """)
    _, report = tp.probe(path, [2, 5])
    assert report["diagnoses"][0]["code"] == "LABEL_OUT_OF_RANGE"


def test_cli_writes_json_html_png_and_exits_1_on_error(tmp_path):
    path = write(tmp_path, tail=", nn.Softmax(dim=-1)")
    out = tmp_path / "d"
    result = CliRunner().invoke(main, ["diagnose", path, "--n", "8", "--json", str(out / "d.json"),
                                       "--html", str(out / "d.html"), "--png", str(out / "d.png")])
    assert result.exit_code == 1, result.output
    assert "Gradient flow" in result.output
    data = json.loads((out / "d.json").read_text())
    assert data["diagnoses"][0]["code"] == "OUTPUT_ACTIVATION_MISMATCH"
    assert data["schema"] == "trainprobe.diagnose/1" and data["n"] == 8
    assert [row["layer"] for row in data["gradient_flow"]] == ["0 (Linear)", "2 (Linear)"]
    assert "plotly" in (out / "d.html").read_text()[:200000].lower()
    assert (out / "d.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_healthy_exits_0_and_shows_frozen_layers(tmp_path):
    path = write(tmp_path, extra="""
        _build = build_model

        def build_model(hidden_dim: int = 16):
            model = _build(hidden_dim)
            model[0].requires_grad_(False)
            return model
    """)
    result = CliRunner().invoke(main, ["diagnose", path])
    assert result.exit_code == 0, result.output
    assert "frozen" in result.output


def test_cli_bad_input_exits_2(tmp_path):
    result = CliRunner().invoke(main, ["diagnose", str(tmp_path / "missing.py")])
    assert result.exit_code == 2
    result = CliRunner().invoke(main, ["diagnose", write(tmp_path), "--n", "0"])
    assert result.exit_code == 2
