"""The silent-bug checks inside `probe` and `diagnose`: a passing ladder with a silent bug
reports verdict pass plus the warning, in report.json, report.md and the terminal's
summary line; a failed rung always gets at least one finding."""

from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner
from test_silent_checks import CASES, TOKENS

import trainprobe as tp
from trainprobe.cli import main
from trainprobe.views.tables import verdict_line

LEAKY_LM = TOKENS + textwrap.dedent(CASES["lm_no_causal_mask"][3])
BUDGET = {"max_steps": 200, "max_seconds": 10.0}


def write(tmp_path, source: str, task: str = "lm") -> str:
    path = tmp_path / "spec.py"
    path.write_text(f'TASK = "{task}"\n' + source)
    return str(path)


def test_passing_ladder_with_a_causal_leak_reports_pass_and_the_warning(tmp_path):
    _, report = tp.probe(write(tmp_path, LEAKY_LM), [1, 2], overrides=BUDGET,
                         out_dir=tmp_path / "out")
    assert report["verdict"] == "pass"
    assert [d["code"] for d in report["diagnoses"]][:1] == ["CAUSAL_LEAK"]
    assert report["diagnoses"][0]["severity"] == "warning"
    line = verdict_line(report, "spec.py").plain
    assert line.startswith("PASS") and "but 1 check(s) warn: CAUSAL_LEAK" in line
    assert "CAUSAL_LEAK" in (tmp_path / "out" / "report.md").read_text()


def test_the_terminal_summary_line_names_the_warning(tmp_path):
    result = CliRunner().invoke(main, ["probe", write(tmp_path, LEAKY_LM), "--sizes", "1",
                                       "--max-steps", "200", "--out", str(tmp_path / "o")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    summary = [line for line in result.stdout.splitlines() if line.startswith("PASS")]
    assert len(summary) == 1 and "CAUSAL_LEAK" in summary[0], result.stdout
    assert json.loads((tmp_path / "o" / "report.json").read_text())["verdict"] == "pass"


def test_diagnose_command_names_the_silent_bug(tmp_path):
    path = write(tmp_path, TOKENS + textwrap.dedent(CASES["lm_targets_are_inputs"][3]))
    result = CliRunner().invoke(main, ["diagnose", path, "--json", str(tmp_path / "d.json")],
                                catch_exceptions=False)
    assert result.exit_code == 1  # the copy task is an error finding
    codes = [d["code"] for d in json.loads((tmp_path / "d.json").read_text())["diagnoses"]]
    assert codes[0] == "TARGET_LEAK"
    assert "no validation set" in " ".join(result.stdout.split())  # the skipped baseline's note


def test_healthy_causal_lm_passes_without_warnings(tmp_path):
    _, report = tp.probe(write(tmp_path, TOKENS), [1, 2], overrides=BUDGET)
    assert report["verdict"] == "pass"
    assert [d for d in report["diagnoses"] if d["severity"] != "info"] == []
    assert verdict_line(report, "spec.py").plain.endswith("(1, 2)")


def test_a_failed_rung_always_gets_a_finding(tmp_path):
    """One step cannot memorize, and no rule has anything to say about one step."""
    run, report = tp.probe(write(tmp_path, TOKENS), [2], overrides={"max_steps": 1})
    assert report["verdict"] == "fail"
    assert [d["code"] for d in report["diagnoses"]] == ["NO_KNOWN_CAUSE"]
    found = report["diagnoses"][0]
    assert found["severity"] == "info" and found["evidence"]["steps"] == 1
    assert "lr-sweep" in found["fix"]
