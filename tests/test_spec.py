"""The spec contract: what load_spec accepts, what it passes, what it refuses."""

from __future__ import annotations

import pytest
import torch
from conftest import HEALTHY_HEADER, HEALTHY_MODEL

from trainprobe.errors import SpecError, UserCodeError
from trainprobe.overfit.ladder import rung_config
from trainprobe.spec import load_spec


def test_only_accepted_hints_are_passed(write_spec):
    path = write_spec(HEALTHY_HEADER + """
seen = {}
def build_model(hidden_dim: int = 16):
    seen["hidden_dim"] = hidden_dim
    return nn.Linear(8, 3)
""")
    spec = load_spec(path)
    spec.build_model(hidden_dim=7, dropout=0.5)  # dropout not in the signature: not passed
    assert spec.module.seen == {"hidden_dim": 7}
    assert spec.accepted_hints() == {"hidden_dim"}


def test_var_keyword_signature_receives_every_hint(write_spec):
    path = write_spec(HEALTHY_HEADER + """
seen = {}
def build_model(**hints):
    seen.update(hints)
    return nn.Linear(8, 3)
""")
    spec = load_spec(path)
    spec.build_model(hidden_dim=5, dropout=0.1)
    assert spec.module.seen == {"hidden_dim": 5, "dropout": 0.1}


def test_config_is_used_as_given_and_presets_fill_the_rest(write_spec):
    path = write_spec(HEALTHY_HEADER + HEALTHY_MODEL + 'CONFIG = {"lr": 0.123, "optimizer": "sgd"}\n')
    spec = load_spec(path)
    for n in (1, 5, 20, 100):
        config = rung_config(spec, n, "progressive", seed=0)
        assert (config.lr, config.optimizer) == (0.123, "sgd")
        assert config.dropout == 0.0 and config.weight_decay == 0.0  # regularization off
    specific = rung_config(spec, 100, "specific", seed=0)
    assert specific.grad_clip is None and specific.warmup_steps == 0  # no presets at all


def test_build_loss_replaces_the_default(write_spec):
    path = write_spec(HEALTHY_HEADER + HEALTHY_MODEL + """
calls = []
def build_loss():
    def loss(outputs, targets):
        calls.append(outputs.shape)
        return nn.functional.cross_entropy(outputs, targets)
    return loss
""")
    spec = load_spec(path)
    train, _ = spec.build_data()
    batch = spec.task.collate([train[i] for i in range(4)])
    spec.task.loss(spec.build_model()(batch.inputs), batch, spec.build_loss())
    assert spec.module.calls == [torch.Size([4, 3])]


@pytest.mark.parametrize("body, message", [
    ("TASK = 'classification'\ndef build_data(): pass\n", "has no function build_model()"),
    ("TASK = 'classification'\ndef build_model(): pass\n", "has no function build_data()"),
    ("def build_model(): pass\ndef build_data(): pass\n", "does not set TASK"),
    ("TASK = 'segmentation'\ndef build_model(): pass\ndef build_data(): pass\n",
     "unknown TASK 'segmentation'"),
    ("TASK = 'lm'\nCONFIG = [1]\ndef build_model(): pass\ndef build_data(): pass\n",
     "CONFIG in spec.py is a list"),
    ("TASK = 'lm'\ndef build_model(:\n", "syntax error"),
])
def test_malformed_specs_are_refused(write_spec, body, message):
    with pytest.raises(SpecError) as raised:
        load_spec(write_spec(body))
    assert message in str(raised.value)


def test_user_code_error_names_the_users_file_and_line(write_spec):
    path = write_spec(HEALTHY_HEADER + "def build_model():\n    raise ValueError('boom')\n")
    with pytest.raises(UserCodeError) as raised:
        load_spec(path).build_model()
    assert "build_model() raised ValueError: boom" in str(raised.value)
    assert raised.value.location == f"{path}:10"


def test_numpy_scalar_labels_are_accepted(write_spec):
    # sklearn arrays index to numpy scalars: y[i] is np.int64 / np.float64, not int/float
    import numpy as np

    from trainprobe.tasks import make_task

    make_task("classification").check_item((torch.zeros(3), np.int64(2)), 0)
    make_task("binary").check_item((torch.zeros(3), np.float32(1.0)), 0)
    make_task("regression").check_item((torch.zeros(3), np.float32(1.5)), 0)
    with pytest.raises(SpecError, match="expected an int class index"):
        make_task("classification").check_item((torch.zeros(3), np.float32(2.0)), 0)


def test_a_spec_imports_helper_modules_beside_it(write_spec, tmp_path):
    (tmp_path / "my_helpers_for_spec.py").write_text("WIDTH = 7\n")
    path = write_spec(HEALTHY_HEADER + """
from my_helpers_for_spec import WIDTH
def build_model():
    return nn.Linear(8, WIDTH)
""")
    assert load_spec(path).build_model().out_features == 7
