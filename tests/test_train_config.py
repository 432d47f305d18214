"""Bad input to `trainprobe train`: each is exit status 2 and one line naming the problem."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from test_train_support import write_spec

from trainprobe.cli import main
from trainprobe.train.config_file import load_config_file


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    return write_spec(tmp_path_factory.mktemp("config"))


def run_cli(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("yaml_text, expected", [
    ("lrr: 0.01\n", "config.yaml: unknown key 'lrr'; did you mean 'lr'?"),
    ("lr: -1\n", "config.yaml: bad value for 'lr'"),
    ("schedule: linear\n", "config.yaml: bad value for 'schedule'"),
    ("patience: many\n", "config.yaml: bad value for 'patience'"),
    ("lr: [0.1\n", "config.yaml: YAML syntax error at line 2"),
    ("lr: 0.1\n  batch_size: 3\n", "config.yaml: YAML syntax error at line 2"),
    ("- lr\n- 0.1\n", "config.yaml holds a YAML list, not a mapping"),
    ("3: 0.1\n", "config.yaml: key 3 is not a name"),
])
def test_bad_config_file_is_one_line_and_exit_2(spec, tmp_path, yaml_text, expected):
    config = tmp_path / "config.yaml"
    config.write_text(yaml_text)
    result = run_cli("train", spec, "--config", config, "--out", tmp_path / "run")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert not (tmp_path / "run").exists()  # nothing started


def test_bad_key_in_spec_config_names_the_spec(tmp_path):
    spec = write_spec(tmp_path, TEXT_WITH_BAD_CONFIG)
    result = run_cli("train", spec, "--out", tmp_path / "run")
    assert result.exit_code == 2
    assert "CONFIG in tiny.py: unknown key 'epochs'" in result.stderr


def test_resume_without_checkpoint(spec, tmp_path):
    result = run_cli("train", spec, "--out", tmp_path / "nothing", "--resume")
    assert result.exit_code == 2
    assert "--resume: no checkpoint at" in result.stderr


def test_existing_output_needs_resume_or_a_new_name(spec, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("someone's files")
    result = run_cli("train", spec, "--out", out)
    assert result.exit_code == 2
    assert "already exists and is not empty; add --resume" in result.stderr
    assert (out / "notes.txt").read_text() == "someone's files"


def test_missing_config_file(spec, tmp_path):
    result = run_cli("train", spec, "--config", tmp_path / "nope.yaml", "--out", tmp_path / "r")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_yaml_values_load_as_train_config(tmp_path):
    """PyYAML reads `3e-4` as a string (YAML 1.1); the config still gets the float."""
    config = tmp_path / "config.yaml"
    config.write_text("lr: 3e-4\nbetas: [0.9, 0.95]\nschedule: cosine\ngrad_clip: null\n")
    loaded = load_config_file(config)
    assert loaded.lr == 3e-4 and loaded.betas == (0.9, 0.95) and loaded.grad_clip is None


def test_empty_config_file_means_defaults(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("# nothing set\n")
    assert load_config_file(config).lr == 1e-3


def test_error_in_model_code_is_one_line_and_exit_2(tmp_path):
    spec = write_spec(tmp_path, TEXT_WITH_BAD_CONFIG.replace('CONFIG = {"epochs": 3}', "")
                      .replace("return nn.Linear(4, 2)", "return nn.Linear(5, 2)"))
    result = run_cli("train", spec, "--out", tmp_path / "run")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "training step raised RuntimeError" in lines[0]
    manifest = (tmp_path / "run" / "manifest.json").read_text()
    assert '"status": "failed"' in manifest


TEXT_WITH_BAD_CONFIG = '''
import torch
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
CONFIG = {"epochs": 3}


def build_data():
    return TensorDataset(torch.randn(8, 4), torch.zeros(8, dtype=torch.long)), None


def build_model():
    return nn.Linear(4, 2)
'''
