"""The shuffled-label baseline, looked at every LOOK_EVERY steps (issue 9's +20% budget):
a run paused at every look is the run one uninterrupted fit gives; the constant floor is
the best constant output found the slow way (per position for a language model); a
healthy spec is decided at a look (the shuffled run never starts when the floor decides)
while labels one row off still run the full budget to their verdict."""

from __future__ import annotations

import textwrap

import pytest
import torch

import trainprobe as tp
from trainprobe.diagnose import baseline
from trainprobe.diagnose.context import Context
from trainprobe.diagnose.short_runs import constant_floor, start_run
from trainprobe.overfit.ladder import rung_config
from trainprobe.tasks import SampledItems

TABULAR = """
import torch
from torch import nn

g = torch.Generator().manual_seed(0)
X = torch.randn(400, 8, generator=g)
SCORES = X @ torch.randn(8, 3, generator=g)
TARGETS = {"classification": SCORES.argmax(1), "binary": (SCORES[:, 0] > 0).float(),
           "regression": SCORES[:, 0]}[TASK]
OUT = 3 if TASK == "classification" else 1
OFF = 0


def pairs(rows):
    return [(X[i], TARGETS[(i + OFF) % 400].item() if TASK == "classification"
             else TARGETS[(i + OFF) % 400]) for i in rows]


def build_data():
    return pairs(range(300)), pairs(range(300, 400))


def build_model(hidden_dim: int = 16):
    return nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, OUT),
                         nn.Flatten(0) if OUT == 1 else nn.Identity())
"""


#: next tokens follow from the tokens before them (arithmetic progressions mod V), while
#: any one position alone holds every token about equally often
SEQUENCES = """
import torch
from torch import nn

V, T = 12, 16
g = torch.Generator().manual_seed(0)
START, STRIDE = torch.randint(0, V, (400,), generator=g), torch.randint(1, 4, (400,), generator=g)
SEQ = (START[:, None] + STRIDE[:, None] * torch.arange(T + 1)) % V
OFF = 0


def pairs(rows):
    return [(SEQ[i, :-1], SEQ[(i + OFF) % 400, 1:]) for i in rows]


def build_data():
    return pairs(range(300)), pairs(range(300, 400))


class TinyLM(nn.Module):
    def __init__(self, hidden_dim):
        super().__init__()
        self.embed = nn.Embedding(V, hidden_dim)
        self.rnn = nn.GRU(hidden_dim, hidden_dim, batch_first=True)
        self.head = nn.Linear(hidden_dim, V)

    def forward(self, tokens):
        return self.head(self.rnn(self.embed(tokens))[0])


def build_model(hidden_dim: int = 32):
    return TinyLM(hidden_dim)
"""


def context(tmp_path, task: str, extra: str = "") -> Context:
    path = tmp_path / f"{task}.py"
    template = SEQUENCES if task == "lm" else TABULAR
    path.write_text(f'TASK = "{task}"\n' + template + textwrap.dedent(extra))
    spec = tp.load_spec(path)
    train, val = spec.build_data()
    ctx = Context(spec, train, 20, rung_config(spec, 20, "progressive", 0), 0, val_data=val)
    ctx.loss_fn = spec.build_loss()
    return ctx


def test_a_run_paused_at_every_look_is_one_uninterrupted_run(tmp_path):
    ctx = context(tmp_path, "classification")
    items, val = list(ctx.train_data)[:256], SampledItems(ctx.val_data, 256)
    looked, whole = (start_run(ctx, items, val, 30, None) for _ in range(2))
    for step in (10, 20, 30):
        looked.advance(step)
    whole.advance(30)
    assert looked.steps == whole.steps == 30 and looked.finished
    assert looked.val_loss[30] == whole.val_loss[30]
    for a, b in zip(looked.trainer.model.parameters(), whole.trainer.model.parameters()):
        assert torch.equal(a, b)


@pytest.mark.parametrize("task, shape", [("classification", (3,)), ("binary", ()),
                                         ("regression", ()), ("lm", (16, 12))])
def test_constant_floor_is_the_best_constant_output(tmp_path, task, shape):
    """The closed form against a constant output (one per position for the LM) fitted by
    gradient descent on the task's own loss over the validation items."""
    ctx = context(tmp_path, task)
    run = start_run(ctx, list(ctx.train_data), SampledItems(ctx.val_data, 256), 10, None)
    floor = constant_floor(ctx, run)
    batch = next(run.trainer.eval_batches.all_batches())
    constant = torch.zeros(shape, requires_grad=True)
    optimizer = torch.optim.LBFGS([constant], max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = ctx.task.loss(constant.expand(len(batch), *shape), batch, None)
        loss.backward()
        return loss

    optimizer.step(closure)
    best = float(ctx.task.loss(constant.detach().expand(len(batch), *shape), batch, None))
    assert floor == pytest.approx(best, rel=1e-4, abs=1e-6)
    assert floor <= best + 1e-6


def test_the_floor_needs_a_loss_it_knows(tmp_path):
    assert constant_floor(*floor_of(tmp_path, "import torch.nn as nn\n"
                                   "def build_loss():\n    return nn.CrossEntropyLoss()\n")) \
        is not None
    for loss in ("nn.CrossEntropyLoss(label_smoothing=0.1)", "nn.CrossEntropyLoss(reduction='sum')",
                 "lambda outputs, targets: nn.functional.cross_entropy(outputs, targets)"):
        body = f"import torch.nn as nn\ndef build_loss():\n    return {loss}\n"
        assert constant_floor(*floor_of(tmp_path, body)) is None, loss


def test_the_language_model_floor_needs_every_token_counted_and_its_own_loss(tmp_path):
    assert constant_floor(*floor_of(tmp_path, "", "lm")) is not None
    padded = """
        def pairs(rows):
            return [(SEQ[i, :-1 - i % 3], SEQ[i, 1:T + 1 - i % 3]) for i in rows]
        """
    user_loss = """
        def build_loss():
            return lambda outputs, targets: nn.functional.cross_entropy(
                outputs.transpose(1, 2), targets)
        """
    for body in (padded, user_loss):
        assert constant_floor(*floor_of(tmp_path, body, "lm")) is None, body


def floor_of(tmp_path, extra: str, task: str = "classification"):
    ctx = context(tmp_path, task, extra)
    return ctx, start_run(ctx, list(ctx.train_data), SampledItems(ctx.val_data, 256), 10, None)


def test_a_healthy_spec_is_decided_by_the_floor_before_the_shuffled_run(tmp_path):
    runs = baseline.baseline_runs(context(tmp_path, "classification"))
    assert runs.decided_by == "floor" and runs.control is None
    assert runs.steps < baseline.BASELINE_STEPS


def test_without_a_floor_the_shuffled_run_decides_at_a_look(tmp_path):
    """A loss that recomputes the outputs of the last model built (as the Lightning
    integration's training_step loss does): the runs must not be interleaved."""
    ctx = context(tmp_path, "classification", """
        BUILT = []


        class Recording(nn.Module):
            def __init__(self, hidden_dim):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(),
                                         nn.Linear(hidden_dim, 3))

            def forward(self, x):
                self.inputs = x
                return self.net(x)


        def build_model(hidden_dim: int = 16):
            BUILT.append(Recording(hidden_dim))
            return BUILT[-1]


        def build_loss():
            return lambda outputs, targets: nn.functional.cross_entropy(
                BUILT[-1].net(BUILT[-1].inputs), targets)
        """)
    runs = baseline.baseline_runs(ctx)
    assert runs.floor is None and runs.decided_by == "control"
    assert runs.steps == baseline.BASELINE_STEPS and runs.control.steps < runs.steps
    assert 0 < runs.train_metric <= 1


def test_labels_one_row_off_run_the_full_budget_to_their_verdict(tmp_path):
    ctx = context(tmp_path, "classification", "OFF = 1\n")
    runs = baseline.baseline_runs(ctx)
    assert runs.decided_by == "" and runs.steps == baseline.BASELINE_STEPS
    assert [f.code for f in baseline.baseline_check(ctx)] == ["LABELS_NOT_LEARNABLE"]


def test_a_language_model_is_decided_by_its_floor_and_one_row_off_is_not(tmp_path):
    """Next tokens of another sequence are never better than the floor per position, so
    that bug still runs both full runs to the verdict."""
    healthy = baseline.baseline_runs(context(tmp_path, "lm"))
    assert healthy.decided_by == "floor" and healthy.control is None
    assert healthy.steps < baseline.BASELINE_STEPS
    broken = baseline.baseline_runs(context(tmp_path, "lm", "OFF = 1\n"))
    assert broken.floor is not None and broken.decided_by == ""
    assert broken.steps == broken.control.steps == baseline.BASELINE_STEPS
