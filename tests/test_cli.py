"""The command line: exit statuses, one-line errors for every kind of bad input, and
nothing half-written."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import HEALTHY_HEADER, HEALTHY_MODEL, SPECS

from trainprobe.cli import main


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def one_error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


BAD_SPECS = {
    "missing_build_model": ("TASK = 'classification'\ndef build_data(): pass\n",
                            "has no function build_model()"),
    "unknown_task": ("TASK = 'ranking'\ndef build_model(): pass\ndef build_data(): pass\n",
                     "unknown TASK 'ranking'"),
    "build_model_raises": (HEALTHY_HEADER + "def build_model():\n    return 1 / 0\n",
                           "build_model() raised ZeroDivisionError"),
    "build_model_not_module": (HEALTHY_HEADER + "def build_model():\n    return 'mlp'\n",
                               "build_model() returned str, not a torch.nn.Module"),
    "build_data_raises": ("TASK = 'binary'\ndef build_model(): pass\n"
                          "def build_data():\n    raise FileNotFoundError('data.csv')\n",
                          "build_data() raised FileNotFoundError: data.csv"),
    "build_data_not_pair": ("TASK = 'binary'\ndef build_model(): pass\n"
                            "def build_data():\n    return [1, 2, 3]\n",
                            "build_data() returned list, not a pair"),
    "empty_dataset": ("TASK = 'binary'\ndef build_model(): pass\n"
                      "def build_data():\n    return [], None\n",
                      "the train dataset is empty"),
    "float_label_for_classification": (
        "import torch\nTASK = 'classification'\ndef build_model(): pass\n"
        "def build_data():\n    return [(torch.zeros(3), 0.5)], None\n",
        "label is float 0.5, expected an int class index"),
    "item_not_pair": ("import torch\nTASK = 'regression'\ndef build_model(): pass\n"
                      "def build_data():\n    return [torch.zeros(3)], None\n",
                      "dataset item 0 is Tensor, not a pair (x, y)"),
    "binary_label_two": ("import torch\nTASK = 'binary'\ndef build_model(): pass\n"
                         "def build_data():\n    return [(torch.zeros(3), 2)], None\n",
                         "expected 0 or 1"),
    "ctc_label_zero": ("import torch\nTASK = 'ctc'\ndef build_model(): pass\n"
                       "def build_data():\n    return [(torch.zeros(5, 2), torch.tensor([0, 1]))], None\n",
                       "0 is the CTC blank"),
    "bad_config_key": (HEALTHY_HEADER + HEALTHY_MODEL + "CONFIG = {'learning_rate': 0.1}\n",
                       "unknown key 'learning_rate'"),
    "bad_config_value": (HEALTHY_HEADER + HEALTHY_MODEL + "CONFIG = {'lr': -1}\n",
                         "bad value for 'lr'"),
}


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_bad_spec_is_one_line_and_exit_2(write_spec, tmp_path, case):
    body, expected = BAD_SPECS[case]
    out = tmp_path / "out"
    result = invoke("probe", str(write_spec(body)), "--out", str(out))
    assert result.exit_code == 2
    line = one_error_line(result)
    assert line.startswith("error: ") and expected in line
    assert ";" in line  # problem; fix
    assert not out.exists()  # nothing written


@pytest.mark.parametrize("args, expected", [
    (["probe", "no/such/spec.py"], "does not exist"),
    (["probe", str(SPECS)], "is not a .py file"),
    (["probe", str(SPECS / "tiny_classification.py"), "--sizes", "1,500"],
     "rung size 500 is larger than the training set (200)"),
    (["probe", str(SPECS / "tiny_classification.py"), "--mode", "single"],
     "--mode single needs --n-samples N"),
    (["probe", str(SPECS / "tiny_classification.py"), "--device", "cuda:7"], "device"),
])
def test_bad_arguments_are_one_line_and_exit_2(args, expected, tmp_path):
    result = invoke(*args, "--out", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert expected in one_error_line(result)


@pytest.mark.parametrize("args", [
    ["probe", str(SPECS / "tiny_classification.py"), "--sizes", "1,x"],
    ["probe", str(SPECS / "tiny_classification.py"), "--mode", "bogus"],
    ["probe", str(SPECS / "tiny_classification.py"), "--n-samples", "0"],
    ["probe", str(SPECS / "tiny_classification.py"), "--max-seconds", "-1"],
    ["probe"],
])
def test_invalid_flags_exit_2_with_one_usage_line(args):
    result = CliRunner().invoke(main, args, prog_name="trainprobe")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr  # not click's 4-line block
    assert "see `trainprobe probe --help` for the usage" in result.stderr


def test_pass_and_fail_exit_statuses_and_reports(tmp_path):
    passed = invoke("probe", str(SPECS / "tiny_classification.py"), "--sizes", "1,2",
                    "--out", str(tmp_path / "a"), "--no-diagnose")
    assert passed.exit_code == 0, passed.output
    assert "PASS" in passed.stdout and "Overfitting ladder" in passed.stdout
    failed = invoke("probe", str(SPECS / "bottleneck.py"), "--sizes", "1,5",
                    "--out", str(tmp_path / "b"), "--json", str(tmp_path / "r.json"))
    assert failed.exit_code == 1
    assert "FAIL" in failed.stdout and "cannot memorize 5 sample(s)" in failed.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["breaking_point"] == 5
    assert (tmp_path / "b" / "report.md").exists()


def test_real_process_prints_no_traceback_unless_debug(write_spec):
    spec = write_spec(HEALTHY_HEADER + "def build_model():\n    return 1 / 0\n")
    plain = subprocess.run([sys.executable, "-m", "trainprobe", "probe", str(spec)],
                           capture_output=True, text=True)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert plain.stderr.strip().count("\n") == 0
    assert f"{spec}:10" in plain.stderr  # the user's own file and line
    debug = subprocess.run([sys.executable, "-m", "trainprobe", "--debug", "probe", str(spec)],
                           capture_output=True, text=True)
    assert debug.returncode == 2 and "Traceback" in debug.stderr


def test_demo_lists_examples_for_every_task():
    result = invoke("demo", "--list")
    assert result.exit_code == 0
    for task in ("classification", "binary", "regression", "ctc", "lm"):
        assert task in result.stdout


def test_probe_takes_a_yaml_config_on_top_of_the_spec(tmp_path):
    (tmp_path / "lr.yaml").write_text("lr: 0.02\noptimizer: sgd\n")
    from trainprobe.overfit import ladder

    seen = []
    original = ladder.train_rung

    def spy(spec, train_data, n, config, *args, **kwargs):
        seen.append((config.lr, config.optimizer))
        return original(spec, train_data, n, config, *args, **kwargs)

    ladder.train_rung = spy
    try:
        invoke("probe", str(SPECS / "tiny_classification.py"), "--sizes", "1", "--no-diagnose",
               "--config", str(tmp_path / "lr.yaml"), "--out", str(tmp_path / "o"))
    finally:
        ladder.train_rung = original
    assert seen == [(0.02, "sgd")]
    (tmp_path / "bad.yaml").write_text("lrr: 1\n")
    result = invoke("probe", str(SPECS / "tiny_classification.py"), "--config",
                    str(tmp_path / "bad.yaml"))
    assert result.exit_code == 2
    assert "bad.yaml: unknown key 'lrr'; did you mean 'lr'?" in one_error_line(result)


def test_ctrl_c_stops_the_ladder_writes_the_report_and_exits_130(write_spec, tmp_path):
    spec = write_spec(HEALTHY_HEADER + """
calls = {"n": 0}
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(8, 3)
    def forward(self, x):
        calls["n"] += 1
        if calls["n"] == 200:  # the user presses Ctrl-C during a later rung
            raise KeyboardInterrupt
        return self.layer(x)
def build_model():
    return Net()
""")
    result = invoke("probe", str(spec), "--no-diagnose", "--out", str(tmp_path / "o"))
    assert result.exit_code == 130
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert 1 <= len(report["ladder"]) < 7 and report["verdict"] == "fail"


def test_ctrl_c_outside_training_exits_130(write_spec):
    spec = write_spec("TASK = 'binary'\ndef build_model(): pass\n"
                      "def build_data():\n    raise KeyboardInterrupt\n")
    result = CliRunner().invoke(main, ["probe", str(spec)])
    assert result.exit_code == 130 and "Traceback" not in result.output


def test_transition_refuses_a_report_without_a_ladder(tmp_path):
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"schema": "trainprobe.report/1", "verdict": "pass"}))
    result = invoke("transition", str(report))
    assert result.exit_code == 2
    assert "has no valid 'ladder' list" in one_error_line(result)
