"""Setups that cannot use any rate are flagged: a model blind to its input, a rate too
small to move anything, a rate so large the loss blows up at once."""

import textwrap

import torch
from click.testing import CliRunner

from trainprobe.cli import main
from trainprobe.demos import HEALTHY_DEMO
from trainprobe.engine import Trainer, make_config
from trainprobe.spec import load_spec
from trainprobe.sweep import RangeTestCallback, run_lr_sweep, run_range_tests

BLIND_SPEC = textwrap.dedent('''
    """A model whose output ignores its input: only the bias can learn, and with
    balanced labels the best constant output is the untrained one."""
    import torch
    from torch import nn
    from torch.utils.data import TensorDataset

    TASK = "classification"

    def build_data():
        x = torch.randn(20, 8, generator=torch.Generator().manual_seed(0))
        y = torch.arange(20) % 10  # two of each class
        return TensorDataset(x, y), None

    class Blind(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = nn.Linear(8, 10)

        def forward(self, x):
            return self.layer(x * 0)

    def build_model():
        return Blind()
''')


def blind(tmp_path):
    path = tmp_path / "blind.py"
    path.write_text(BLIND_SPEC)
    spec = load_spec(path)
    train, _ = spec.build_data()
    return path, spec, train


def digits():
    spec = load_spec(HEALTHY_DEMO)
    train, _ = spec.build_data()
    return spec, train


def test_sweep_flags_a_model_that_never_descends(tmp_path):
    _, spec, train = blind(tmp_path)
    result = run_lr_sweep(spec, train, 20, lrs=[1e-3, 1e-2, 1e-1], steps=40, seeds=[0])
    assert result.chosen is None
    assert {r.status for r in result.runs} == {"never descended"}
    assert "never halved" in result.reason


def test_range_test_flags_a_model_that_never_descends(tmp_path):
    _, spec, train = blind(tmp_path)
    summary = run_range_tests(spec, train, 20, seeds=[0], steps=40)
    assert summary["suggestion"] is None and summary["never_descended"]
    assert "never descended" in summary["tests"][0]["reason"]


def test_a_rate_too_small_to_move_is_flagged():
    spec, train = digits()
    result = run_lr_sweep(spec, train, 5, lrs=[1e-9], steps=30, seeds=[0])
    assert result.chosen is None and result.runs[0].status == "never descended"


def test_a_rate_that_blows_up_at_once_is_flagged():
    spec, train = digits()
    result = run_lr_sweep(spec, train, 5, lrs=[1e4], steps=30, seeds=[0],
                          overrides={"optimizer": "sgd", "grad_clip": None})
    assert result.runs[0].status == "diverged at once"
    assert result.chosen is None and "diverged at once" in result.reason


def test_cli_exits_1_when_nothing_descends(tmp_path):
    path, _, _ = blind(tmp_path)
    outcome = CliRunner().invoke(main, [
        "lr-sweep", str(path), "--rung", "20", "--method", "range", "--seeds", "1",
        "--range-steps", "30", "--out", str(tmp_path / "out")])
    assert outcome.exit_code == 1, outcome.output
    assert "no learning rate chosen" in outcome.output
    assert not (tmp_path / "out" / "lr.yaml").exists()
    assert (tmp_path / "out" / "lr_sweep.json").exists()


def test_range_test_restores_the_model():
    spec, train = digits()
    model = spec.build_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    probe = RangeTestCallback(1e-4, 1.0, steps=20)
    config = make_config({"optimizer": "adam", "max_steps": 20, "eval_every": 100})
    Trainer(model, spec.task, [train[i] for i in range(10)], config, callbacks=[probe]).fit()
    assert len(probe.lrs) >= 2 and probe.lrs[1] > probe.lrs[0]  # the ramp drove the rate
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_bad_ramp_is_refused_before_any_training_and_data_is_built_once(tmp_path):
    import textwrap

    from click.testing import CliRunner

    from trainprobe.api import choose_lr
    from trainprobe.cli import main

    spec = tmp_path / "counted.py"
    spec.write_text(textwrap.dedent('''
        import torch
        from torch import nn
        from torch.utils.data import TensorDataset
        TASK = "classification"
        CALLS = []
        def build_data():
            CALLS.append(1)
            g = torch.Generator().manual_seed(0)
            return TensorDataset(torch.randn(20, 4, generator=g),
                                 torch.randint(0, 3, (20,), generator=g)), None
        def build_model():
            return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
        '''))
    result = CliRunner().invoke(main, ["lr-sweep", str(spec), "--min-lr", "1",
                                       "--max-lr", "0.1", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "bad range test 1..0.1" in result.stderr
    assert not (tmp_path / "o").exists()
    import trainprobe as tp

    loaded = tp.load_spec(spec)
    choose_lr(loaded, method="sweep", lrs=[1e-3, 1e-2], steps=20, seeds=1)
    assert loaded.module.CALLS == [1]  # ladder, sweep and check share one build_data()
