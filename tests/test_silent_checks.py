"""Silent-bug checks (issue 9): each code on a real small broken model, checked with
diagnose_spec (no ladder), and its healthy twin, which must get none of the silent codes.
The twins include the models these checks must never blame: BatchNorm, a hard-coded
nn.Dropout, a causal transformer, an LSTM."""

from __future__ import annotations

import textwrap

import pytest

import trainprobe as tp
from trainprobe.demos import demo_specs
from trainprobe.diagnose import api, diagnose_spec, inspect_spec

SILENT = {"CAUSAL_LEAK", "BATCH_MIXING", "TRAIN_EVAL_MISMATCH", "TRAIN_VAL_OVERLAP",
          "LABELS_NOT_LEARNABLE", "TARGET_LEAK", "LOSS_REDUCTION_SUM", "INPUT_IGNORED"}

TABULAR = """
import torch
from torch import nn
import torch.nn.functional as F

g = torch.Generator().manual_seed(0)
X = torch.randn(400, 8, generator=g)
W = torch.randn(8, 3, generator=g)
LABELS = (X @ W).argmax(1)
VALUES = X[:, 0] - 0.5 * X[:, 1] + 0.1 * torch.randn(400, generator=g)
TARGETS = LABELS if TASK == "classification" else VALUES
OUT = 3 if TASK == "classification" else 1


def pairs(rows):
    return [(X[i], TARGETS[i] if TASK == "regression" else int(TARGETS[i])) for i in rows]


def build_data():
    return pairs(range(300)), pairs(range(300, 400))


class Net(nn.Module):
    def __init__(self, hidden_dim):
        super().__init__()
        self.inp, self.out = nn.Linear(8, hidden_dim), nn.Linear(hidden_dim, OUT)

    def forward(self, x):
        y = self.out(torch.relu(self.inp(x)))
        return y if OUT > 1 else y.squeeze(-1)


def build_model(hidden_dim: int = 16):
    return Net(hidden_dim)
"""

SEQUENCES = """
import torch
from torch import nn

g = torch.Generator().manual_seed(0)
X = torch.randn(96, 6, 4, generator=g)
LABELS = (X.sum(1) @ torch.randn(4, 3, generator=g)).argmax(1)


def build_data():
    return [(X[i], int(LABELS[i])) for i in range(96)], None


class Reader(nn.Module):
    def __init__(self, hidden_dim):
        super().__init__()
        self.rnn = nn.GRU(4, hidden_dim, batch_first=True)
        self.head = nn.Linear(hidden_dim, 3)

    def forward(self, x):  # (N, T, F)
        features, _ = self.rnn(x)
        return self.head(features[:, -1])


def build_model(hidden_dim: int = 16):
    return Reader(hidden_dim)
"""

TOKENS = """
import torch
from torch import nn

V, T = 12, 8
g = torch.Generator().manual_seed(0)
SEQ = torch.randint(0, V, (80, T + 1), generator=g)


def item(i):
    return SEQ[i, :-1], SEQ[i, 1:]


def build_data():
    return [item(i) for i in range(80)], None


class TinyLM(nn.Module):
    def __init__(self, hidden_dim, causal=True):
        super().__init__()
        self.causal = causal
        self.embed = nn.Embedding(V, hidden_dim)
        self.position = nn.Parameter(0.1 * torch.randn(T, hidden_dim))
        layer = nn.TransformerEncoderLayer(hidden_dim, 2, 2 * hidden_dim, dropout=0.0,
                                           batch_first=True)
        self.blocks = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
        self.head = nn.Linear(hidden_dim, V)

    def forward(self, ids):  # (N, T) -> (N, T, V)
        mask = nn.Transformer.generate_square_subsequent_mask(ids.shape[1]) \\
            if self.causal else None
        h = self.embed(ids) + self.position[: ids.shape[1]]  # (N, T, C)
        return self.head(self.blocks(h, mask=mask, is_causal=self.causal))


def build_model(hidden_dim: int = 16):
    return TinyLM(hidden_dim)
"""


def spec_file(tmp_path, header: str, body: str, task: str, name: str = "spec") -> str:
    path = tmp_path / f"{name}.py"
    path.write_text(f'TASK = "{task}"\n' + header + textwrap.dedent(body))
    return str(path)


def silent_codes(path: str) -> list[str]:
    return [f["code"] for f in diagnose_spec(path) if f["code"] in SILENT]


def finding(path: str, code: str) -> dict:
    return next(f for f in diagnose_spec(path) if f["code"] == code)


# (code, header, task, broken body, healthy twin body)
CASES = {
    "lm_no_causal_mask": ("CAUSAL_LEAK", TOKENS, "lm", """
        def build_model(hidden_dim: int = 16):
            return TinyLM(hidden_dim, causal=False)
        """, ""),
    "lm_bidirectional_lstm": ("CAUSAL_LEAK", TOKENS, "lm", """
        class Recurrent(nn.Module):
            def __init__(self, hidden_dim, both_ways):
                super().__init__()
                self.embed = nn.Embedding(V, hidden_dim)
                self.rnn = nn.LSTM(hidden_dim, hidden_dim, batch_first=True,
                                   bidirectional=both_ways)
                self.head = nn.Linear(hidden_dim * (2 if both_ways else 1), V)

            def forward(self, ids):
                return self.head(self.rnn(self.embed(ids))[0])

        def build_model(hidden_dim: int = 16):
            return Recurrent(hidden_dim, both_ways=True)
        """, """
        class Recurrent(nn.Module):
            def __init__(self, hidden_dim):
                super().__init__()
                self.embed = nn.Embedding(V, hidden_dim)
                self.rnn = nn.LSTM(hidden_dim, hidden_dim, batch_first=True)
                self.head = nn.Linear(hidden_dim, V)

            def forward(self, ids):
                return self.head(self.rnn(self.embed(ids))[0])

        def build_model(hidden_dim: int = 16):
            return Recurrent(hidden_dim)
        """),
    "rnn_fed_batch_first": ("BATCH_MIXING", SEQUENCES, "classification", """
        class Reader(Reader):
            def __init__(self, hidden_dim):
                super().__init__(hidden_dim)
                self.rnn = nn.GRU(4, hidden_dim)  # sequence-first, fed (N, T, F)

        def build_model(hidden_dim: int = 16):
            return Reader(hidden_dim)
        """, ""),
    "reshape_instead_of_permute": ("BATCH_MIXING", SEQUENCES, "classification", """
        class Reader(Reader):
            def __init__(self, hidden_dim):
                super().__init__(hidden_dim)
                self.rnn = nn.GRU(4, hidden_dim)  # sequence-first

            def forward(self, x):
                n, t, f = x.shape
                features, _ = self.rnn(x.reshape(t, n, f))  # meant x.permute(1, 0, 2)
                return self.head(features[-1])

        def build_model(hidden_dim: int = 16):
            return Reader(hidden_dim)
        """, """
        class Reader(Reader):
            def __init__(self, hidden_dim):
                super().__init__(hidden_dim)
                self.rnn = nn.GRU(4, hidden_dim)

            def forward(self, x):
                features, _ = self.rnn(x.permute(1, 0, 2))
                return self.head(features[-1])

        def build_model(hidden_dim: int = 16):
            return Reader(hidden_dim)
        """),
    "softmax_over_batch": ("BATCH_MIXING", TABULAR, "classification", """
        class Net(Net):
            def forward(self, x):
                h = torch.relu(self.inp(x))
                return self.out(h * torch.softmax(h, dim=0))  # attention over the batch
        """, """
        class Net(Net):
            def forward(self, x):
                h = torch.relu(self.inp(x))
                return self.out(h * torch.softmax(h, dim=-1))
        """),
    "dropout_always_on": ("TRAIN_EVAL_MISMATCH", TABULAR, "classification", """
        class Net(Net):
            def forward(self, x):
                return self.out(F.dropout(torch.relu(self.inp(x)), 0.3))
        """, """
        class Net(Net):
            def forward(self, x):
                return self.out(F.dropout(torch.relu(self.inp(x)), 0.3, self.training))
        """),
    "nan_in_eval_only": ("TRAIN_EVAL_MISMATCH", TABULAR, "regression", """
        class Net(Net):
            def forward(self, x):
                h = torch.relu(self.inp(x))
                if not self.training:  # a cached normaliser that is only set in training
                    h = h / torch.zeros(())
                return self.out(h).squeeze(-1)
        """, ""),
    "sum_reduction": ("LOSS_REDUCTION_SUM", TABULAR, "regression", """
        def build_loss():
            return nn.MSELoss(reduction="sum")
        """, """
        def build_loss():
            return nn.MSELoss()
        """),
    "wrong_variable": ("INPUT_IGNORED", TABULAR, "classification", """
        class Net(Net):
            def __init__(self, hidden_dim):
                super().__init__(hidden_dim)
                self.start = nn.Parameter(torch.randn(hidden_dim))

            def forward(self, x):
                h = torch.relu(self.inp(x))
                return self.out(torch.relu(self.start).expand_as(h))  # meant h
        """, ""),
    "feature_is_target": ("TARGET_LEAK", TABULAR, "regression", """
        X[:, 3] = 2.0 * VALUES + 1.0  # the target, recorded as a feature
        """, ""),
    "feature_is_label": ("TARGET_LEAK", TABULAR, "classification", """
        X[:, 5] = LABELS.float()  # the label, left among the features
        """, ""),
    "validation_is_training": ("TRAIN_VAL_OVERLAP", TABULAR, "classification", """
        def build_data():
            return pairs(range(300)), pairs(range(0, 300, 3))
        """, ""),
    "labels_one_row_off": ("LABELS_NOT_LEARNABLE", TABULAR, "classification", """
        def pairs(rows):
            return [(X[i], int(LABELS[(i + 1) % 400])) for i in rows]
        """, ""),
    "lm_targets_are_inputs": ("TARGET_LEAK", TOKENS, "lm", """
        def item(i):
            return SEQ[i, :-1], SEQ[i, :-1]  # labels not shifted
        """, ""),
    "lm_shifted_wrong_way": ("TARGET_LEAK", TOKENS, "lm", """
        def item(i):
            return SEQ[i, 1:], SEQ[i, :-1]
        """, ""),
}


@pytest.mark.parametrize("name", CASES)
def test_silent_bug_is_named(tmp_path, name):
    code, header, task, broken, _ = CASES[name]
    found = finding(spec_file(tmp_path, header, broken, task), code)
    assert found["severity"] in ("warning", "error") and found["fix"]
    numbers = [v for v in found["evidence"].values() if isinstance(v, (int, float))]
    assert numbers, f"{code} without evidence in numbers: {found['evidence']}"


@pytest.mark.parametrize("name", CASES)
def test_healthy_twin_gets_no_silent_code(tmp_path, name):
    _, header, task, _, healthy = CASES[name]
    assert silent_codes(spec_file(tmp_path, header, healthy, task)) == []


def test_train_eval_mismatch_names_the_module_whose_dropout_drops_in_eval(tmp_path):
    """In train mode every dropout call drops, so the culprit is found in an eval pass:
    the functional call inside `block` is named, the nn.Dropout module beside it is not."""
    body = """
    class Block(nn.Module):
        def forward(self, h):
            return F.dropout(h, 0.3)  # training defaults to True, also under model.eval()

    class Net(Net):
        def __init__(self, hidden_dim):
            super().__init__(hidden_dim)
            self.block, self.drop = Block(), nn.Dropout(0.5)

        def forward(self, x):
            return self.out(self.block(self.drop(torch.relu(self.inp(x)))))
    """
    found = finding(spec_file(tmp_path, TABULAR, body, "classification"), "TRAIN_EVAL_MISMATCH")
    assert found["where"] == "block:dropout"
    assert found["evidence"]["dropping_in_eval"] == ["block:dropout"]
    assert "a dropout call in `block`.forward() drops in eval mode" in found["message"]


@pytest.mark.parametrize("body", [
    """
    class Net(Net):
        def __init__(self, hidden_dim):
            super().__init__(hidden_dim)
            self.norm = nn.BatchNorm1d(hidden_dim)

        def forward(self, x):
            return self.out(torch.relu(self.norm(self.inp(x * 30.0))))
    """,
    """
    class Net(Net):
        def __init__(self, hidden_dim):
            super().__init__(hidden_dim)
            self.drop = nn.Dropout(0.5)

        def forward(self, x):
            return self.out(self.drop(torch.relu(self.inp(x))))
    """], ids=["batchnorm_unscaled_inputs", "dropout_module"])
def test_batchnorm_and_dropout_modules_are_never_blamed(tmp_path, body):
    assert silent_codes(spec_file(tmp_path, TABULAR, body, "classification")) == []


def test_evidence_of_each_experiment(tmp_path):
    leak = finding(spec_file(tmp_path, TOKENS, CASES["lm_no_causal_mask"][3], "lm"), "CAUSAL_LEAK")
    assert leak["evidence"]["output_change"] > 1e-2 and leak["evidence"]["tokens_changed_from"] == 4
    mixing = finding(spec_file(tmp_path, SEQUENCES, CASES["rnn_fed_batch_first"][3],
                               "classification"), "BATCH_MIXING")
    assert mixing["evidence"]["gradient_share_other_items"] > 0.1
    summed = finding(spec_file(tmp_path, TABULAR, CASES["sum_reduction"][3], "regression"),
                     "LOSS_REDUCTION_SUM")
    assert summed["evidence"]["ratio"] == pytest.approx(2.0, rel=1e-3)
    overlap = finding(spec_file(tmp_path, TABULAR, CASES["validation_is_training"][3],
                                "classification"), "TRAIN_VAL_OVERLAP")
    assert overlap["severity"] == "error" and overlap["evidence"]["overlapping_items"] == 100
    assert overlap["evidence"]["examples"][1] == {"val": 1, "train": 3}
    copy = finding(spec_file(tmp_path, TOKENS, CASES["lm_targets_are_inputs"][3], "lm"),
                   "TARGET_LEAK")
    assert copy["severity"] == "error" and copy["evidence"]["share_equal"] == 1.0


def test_shuffled_label_baseline_is_skipped_with_a_note_without_validation(tmp_path):
    path = spec_file(tmp_path, SEQUENCES, "", "classification")
    result = inspect_spec(path)
    assert any("no validation set" in note for note in result.notes)
    assert not any(f["code"] == "LABELS_NOT_LEARNABLE" for f in result.findings)


def test_the_baseline_waits_for_the_ladder_when_an_error_explains_a_failed_rung(monkeypatch):
    """Labels that do not follow their inputs never stop memorization: on a failed rung
    that an error already explains, the baseline (the one check that trains) is skipped
    with a note; before any rung ran (diagnose) it runs."""
    trained = []
    monkeypatch.setattr(api, "baseline_check", lambda ctx: trained.append(ctx.n) or [])
    path = next(p for p in demo_specs() if p.stem == "digits_softmax_bug")
    run, report = tp.probe(path)
    assert report["verdict"] == "fail"
    assert report["diagnoses"][0]["code"] == "OUTPUT_ACTIVATION_MISMATCH"
    assert trained == []
    failed = report["breaking_point"]
    assert f"rung n={failed} failed and OUTPUT_ACTIVATION_MISMATCH explains it" in " ".join(run.notes)
    diagnose_spec(path)
    assert trained == [20]


def test_hugging_face_labels_equal_to_input_ids_are_not_a_copy_task(tmp_path):
    """Dict items whose `labels` equal `input_ids` are the Hugging Face convention: the task
    shifts them, so the model predicts the next token (issue 13.4 must not flag them)."""
    body = """
    def item(i):
        return {"input_ids": SEQ[i], "attention_mask": torch.ones(T + 1, dtype=torch.long),
                "labels": SEQ[i].clone()}

    class DictLM(TinyLM):
        def forward(self, input_ids, attention_mask):
            return super().forward(input_ids)

    def build_model(hidden_dim: int = 16):
        return DictLM(hidden_dim)
    """
    header = TOKENS.replace("0.1 * torch.randn(T, hidden_dim)", "0.1 * torch.randn(T + 1, hidden_dim)")
    assert silent_codes(spec_file(tmp_path, header, body, "lm")) == []
    copied = body.replace('"labels": SEQ[i].clone()', '"labels": SEQ[i].roll(1)')
    assert "TARGET_LEAK" in silent_codes(spec_file(tmp_path, header, copied, "lm", "copied"))
