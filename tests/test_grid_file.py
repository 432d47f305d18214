"""Bad grid files end with exit status 2 and one line naming the problem and the fix."""

import pytest
from click.testing import CliRunner

from trainprobe.cli import main
from trainprobe.demos import HEALTHY_DEMO
from trainprobe.sweep.grid_file import _parse_grid, points


@pytest.mark.parametrize(("text", "expected"), [
    ("lrr: [0.01]\n", "unknown key 'lrr'; did you mean 'lr'?"),
    ("lr: []\n", "'lr' is an empty list"),
    ("lr: [0.01\noptimizer: adam\n", "YAML syntax error"),
    ("- lr\n- 0.01\n", "not a mapping"),
    ("", "is empty, not a mapping"),
    ("optimizer: [adam, rmsprop]\n", "bad value for 'optimizer'"),
    ("lr: [0.01, -1]\n", "bad value for 'lr'"),
    ("lr: [0.01, 0.01]\n", "lists a value twice"),
])
def test_bad_grid_file_is_one_line_and_exit_2(tmp_path, text, expected):
    grid_file = tmp_path / "grid.yaml"
    grid_file.write_text(text)
    result = CliRunner().invoke(main, ["grid", str(HEALTHY_DEMO), "--grid", str(grid_file),
                                       "--rung", "2", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.output
    assert lines[0].startswith("error: grid.yaml")
    assert not (tmp_path / "out").exists()  # nothing trained, nothing written


def test_missing_grid_file_is_exit_2(tmp_path):
    result = CliRunner().invoke(main, ["grid", str(HEALTHY_DEMO), "--grid",
                                       str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_values_are_canonical_and_scalars_are_fixed():
    # PyYAML reads 1e-3 as a string; TrainConfig turns it into the float
    grid = _parse_grid({"lr": ["1e-3", 0.01], "grad_clip": [None, 1], "batch_size": 32})
    assert grid == {"lr": [0.001, 0.01], "grad_clip": [None, 1.0], "batch_size": [32]}
    assert len(points(grid)) == 4
    assert points(grid)[0] == {"batch_size": 32, "grad_clip": None, "lr": 0.001}
