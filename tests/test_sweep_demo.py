"""On the healthy digits demo, the sweep and the range test choose a rate with which the
probe's own rung memorizes."""

import yaml
from click.testing import CliRunner

from trainprobe.api import choose_lr
from trainprobe.cli import main
from trainprobe.demos import HEALTHY_DEMO
from trainprobe.engine import make_config
from trainprobe.overfit.ladder import run_ladder
from trainprobe.spec import load_spec
from trainprobe.sweep import run_range_tests

RUNG = 10


def probe_rung_passes(lr: float) -> bool:
    run = run_ladder(load_spec(HEALTHY_DEMO), [RUNG], mode="single", n_samples=RUNG,
                     overrides={"lr": lr})
    return run.rungs[0].passed


def test_sweep_chooses_a_rate_the_probe_memorizes_with(tmp_path):
    outcome = choose_lr(HEALTHY_DEMO, rung=RUNG, method="sweep", lrs=[1e-5, 1e-3, 1e-2],
                       steps=60, seeds=2, out_dir=tmp_path)
    assert outcome.chosen in (1e-3, 1e-2)
    assert outcome.report["verify"]["passed"] and outcome.ok
    statuses = {(r.lr, r.seed): r.status for r in outcome.sweep.runs}
    assert statuses[(1e-5, 0)] == statuses[(1e-5, 1)] == "never descended"
    # lr.yaml is train's config format and a valid TrainConfig
    written = yaml.safe_load((tmp_path / "lr.yaml").read_text())
    assert written == {"lr": outcome.chosen}
    assert make_config(written).lr == outcome.chosen
    assert {p.name for p in outcome.files} == {"lr_sweep.json", "lr_sweep.md", "lr_sweep.html",
                                               "lr.yaml"}
    html = (tmp_path / "lr_sweep.html").read_text()
    assert "<script" in html and 'src="https://cdn' not in html  # plotly.js inline
    # independently of --verify: the probe's rung passes with the chosen rate
    assert probe_rung_passes(written["lr"])


def test_range_test_suggests_a_rate_the_probe_memorizes_with():
    spec = load_spec(HEALTHY_DEMO)
    train, _ = spec.build_data()
    summary = run_range_tests(spec, train, RUNG, seeds=(0, 1), steps=60)
    assert summary["per_seed"][0] is not None and summary["per_seed"][1] is not None
    assert 1e-4 <= summary["suggestion"] <= 1e-1
    assert summary["spread"] < 10 and not summary["never_descended"]
    test = summary["tests"][0]
    assert len(test["lr"]) == len(test["loss"]) == len(test["smoothed"])
    assert test["lr"] == sorted(test["lr"])  # an exponential ramp
    assert probe_rung_passes(summary["suggestion"])


def test_cli_writes_lr_yaml_and_exits_0(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["lr-sweep", str(HEALTHY_DEMO), "--rung", "5",
                                       "--method", "range", "--seeds", "1",
                                       "--range-steps", "40", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "chosen lr" in result.output and "memorized" in result.output
    assert yaml.safe_load((out / "lr.yaml").read_text())["lr"] > 0


def test_cli_bad_lrs_flag_is_exit_2(tmp_path):
    result = CliRunner().invoke(main, ["lr-sweep", str(HEALTHY_DEMO), "--lrs", "fast"])
    assert result.exit_code == 2 and "--lrs" in result.output
