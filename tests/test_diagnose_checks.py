"""Before-training and one-batch rules on real small broken models: each spec below is a
file written to tmp_path, checked with diagnose_spec (no training), and must be named by
its exact code; the healthy spec must get no finding at all."""

from __future__ import annotations

import textwrap

import pytest

from trainprobe.diagnose import CODES, Finding, diagnose_spec

HEADER = """
import torch
from torch import nn
import torch.nn.functional as F

g = torch.Generator().manual_seed(0)
X = torch.randn(64, 8, generator=g)
LABELS = torch.randint(0, 3, (64,), generator=g)
TARGETS = X[:, 0] - 0.5 * X[:, 1]


def build_data():
    return [(X[i], int(LABELS[i])) for i in range(64)], None


def build_model(hidden_dim: int = 16):
    return nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 3))
"""



def spec_file(tmp_path, body: str, task: str = "classification") -> str:
    path = tmp_path / "spec.py"
    path.write_text(f'TASK = "{task}"\n' + HEADER + textwrap.dedent(body))
    return str(path)


def codes(findings: list[dict]) -> list[str]:
    return [f["code"] for f in findings]


def test_healthy_spec_has_no_findings(tmp_path):
    assert diagnose_spec(spec_file(tmp_path, "")) == []


def test_findings_have_exactly_the_report_keys(tmp_path):
    findings = diagnose_spec(spec_file(tmp_path, """
        def build_model(hidden_dim: int = 16):
            return nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 3),
                                 nn.Softmax(dim=-1))
    """))
    assert findings and all(set(f) == {"code", "severity", "message", "where", "evidence", "fix"}
                            for f in findings)
    assert all(f["code"] in CODES for f in findings)


CASES = [
    # softmax before cross-entropy: loss floor log(1 + 2/e) > 0.1
    ("""
     def build_model(hidden_dim: int = 16):
         return nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 3),
                              nn.Softmax(dim=-1))
     """, "classification", "OUTPUT_ACTIVATION_MISMATCH", "error"),
    # NLLLoss on raw logits (log_softmax missing)
    ("""
     def build_loss():
         return nn.NLLLoss()
     """, "classification", "OUTPUT_ACTIVATION_MISMATCH", "error"),
    # functional sigmoid before BCEWithLogits
    ("""
     def build_data():
         return [(X[i], float(LABELS[i] > 0)) for i in range(64)], None

     class Net(nn.Module):
         def __init__(self):
             super().__init__()
             self.body = nn.Linear(8, 1)

         def forward(self, x):
             return torch.sigmoid(self.body(x)).squeeze(-1)

     def build_model():
         return Net()
     """, "binary", "OUTPUT_ACTIVATION_MISMATCH", "error"),
    # labels 1..3 with 3 outputs
    ("""
     def build_data():
         return [(X[i], int(LABELS[i]) + 1) for i in range(64)], None
     """, "classification", "LABEL_OUT_OF_RANGE", "error"),
    # NaN in the inputs
    ("""
     def build_data():
         x = X.clone()
         x[5, 2] = float("nan")
         return [(x[i], int(LABELS[i])) for i in range(64)], None
     """, "classification", "NONFINITE", "error"),
    # every hidden bias -5: all ReLU units dead
    ("""
     def build_model(hidden_dim: int = 16):
         first = nn.Linear(8, hidden_dim)
         nn.init.constant_(first.bias, -50.0)
         return nn.Sequential(first, nn.ReLU(), nn.Linear(hidden_dim, 3))
     """, "classification", "DEAD_UNITS", "error"),
    # zero init: identical rows
    ("""
     def build_model(hidden_dim: int = 16):
         model = nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 3))
         for p in model.parameters():
             nn.init.zeros_(p)
         return model
     """, "classification", "BAD_INIT", "warning"),
    # a frozen first layer
    ("""
     def build_model(hidden_dim: int = 16):
         model = nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 3))
         model[0].requires_grad_(False)
         return model
     """, "classification", "NO_GRADIENT", "info"),
    # a detached body
    ("""
     class Net(nn.Module):
         def __init__(self):
             super().__init__()
             self.body = nn.Linear(8, 16)
             self.head = nn.Linear(16, 3)

         def forward(self, x):
             return self.head(torch.relu(self.body(x)).detach())

     def build_model():
         return Net()
     """, "classification", "NO_GRADIENT", "warning"),
    # inputs in the thousands
    ("""
     def build_data():
         return [(X[i] * 1000, int(LABELS[i])) for i in range(64)], None
     """, "classification", "INPUT_SCALE", "warning"),
    # regression targets around 5000
    ("""
     def build_data():
         return [(X[i], 5000 + 100 * TARGETS[i]) for i in range(64)], None

     def build_model(hidden_dim: int = 16):
         return nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 1),
                              nn.Flatten(0))
     """, "regression", "TARGET_SCALE", "warning"),
    # regression (N, 1) output against (N,) targets
    ("""
     def build_data():
         return [(X[i], TARGETS[i]) for i in range(64)], None

     def build_model(hidden_dim: int = 16):
         return nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 1))
     """, "regression", "TARGET_SHAPE_MISMATCH", "error"),
    # regression through a ReLU output with negative targets
    ("""
     def build_data():
         return [(X[i], TARGETS[i]) for i in range(64)], None

     def build_model(hidden_dim: int = 16):
         return nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 1),
                              nn.Flatten(0), nn.ReLU())
     """, "regression", "OUTPUT_ACTIVATION_MISMATCH", "error"),
    # CONFIG leaves dropout 0.5 on
    ("""
     CONFIG = {"dropout": 0.5}

     def build_model(hidden_dim: int = 16, dropout: float = 0.0):
         return nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Dropout(dropout),
                              nn.Linear(hidden_dim, 3))
     """, "classification", "REGULARIZATION", "warning"),
    # label smoothing caps how low cross-entropy can go
    ("""
     def build_loss():
         return nn.CrossEntropyLoss(label_smoothing=0.2)
     """, "classification", "REGULARIZATION", "warning"),
    # BatchNorm1d on one sample raises
    ("""
     def build_model(hidden_dim: int = 16):
         return nn.Sequential(nn.Linear(8, hidden_dim), nn.BatchNorm1d(hidden_dim), nn.ReLU(),
                              nn.Linear(hidden_dim, 3))
     """, "classification", "BATCHNORM_SMALL_BATCH", "error"),
    # random noise drawn in __getitem__
    ("""
     class Noisy(torch.utils.data.Dataset):
         def __len__(self):
             return 64

         def __getitem__(self, index):
             return X[index] + torch.randn(8), int(LABELS[index])

     def build_data():
         return Noisy(), None
     """, "classification", "DATA_NOT_DETERMINISTIC", "warning"),
    # every input the same, labels differ
    ("""
     def build_data():
         return [(X[0], int(LABELS[i])) for i in range(64)], None
     """, "classification", "CONSTANT_INPUT", "error"),
    # logits divided by 1e4: uniform predictions
    ("""
     class Cold(nn.Module):
         def __init__(self):
             super().__init__()
             self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))

         def forward(self, x):
             return self.net(x) / 1e4

     def build_model():
         return Cold()
     """, "classification", "UNIFORM_OUTPUT", "warning"),
    # weights with std 3 in a deep tanh net: saturated
    ("""
     def build_model(hidden_dim: int = 16):
         model = nn.Sequential(nn.Linear(8, hidden_dim), nn.Tanh(),
                               nn.Linear(hidden_dim, hidden_dim), nn.Tanh(),
                               nn.Linear(hidden_dim, 3))
         for layer in model:
             if isinstance(layer, nn.Linear):
                 nn.init.normal_(layer.weight, std=3.0)
         return model
     """, "classification", "SATURATED_ACTIVATIONS", "warning"),
    # twelve sigmoid layers
    ("""
     def build_model(hidden_dim: int = 16):
         layers = [nn.Linear(8, hidden_dim), nn.Sigmoid()]
         for _ in range(11):
             layers += [nn.Linear(hidden_dim, hidden_dim), nn.Sigmoid()]
         return nn.Sequential(*layers, nn.Linear(hidden_dim, 3))
     """, "classification", "VANISHING_GRADIENT", "warning"),
    # a layer scaled by 1000 at init: loss at init far above log 3
    ("""
     def build_model(hidden_dim: int = 16):
         model = nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 3))
         with torch.no_grad():
             model[2].weight.mul_(1000)
         return model
     """, "classification", "BAD_INIT", "warning"),
    # a width-2 bottleneck before a 3-way head (narrower than its 8 inputs / 4)
    ("""
     def build_model(hidden_dim: int = 16):
         return nn.Sequential(nn.Linear(8, 2), nn.ReLU(), nn.Linear(2, 3))
     """, "classification", "CAPACITY", "info"),
]


@pytest.mark.parametrize(("body", "task", "expected", "severity"), CASES,
                         ids=[f"{case[2]}-{i}" for i, case in enumerate(CASES)])
def test_rule_names_the_fault(tmp_path, body, task, expected, severity):
    findings = diagnose_spec(spec_file(tmp_path, body, task))
    found = {f["code"]: f for f in findings}
    assert expected in found, codes(findings)
    assert found[expected]["severity"] == severity
    assert found[expected]["fix"]


def test_ctc_output_too_short_for_labels(tmp_path):
    path = tmp_path / "ctc.py"
    path.write_text(textwrap.dedent("""
        import torch
        from torch import nn

        TASK = "ctc"

        def build_data():
            g = torch.Generator().manual_seed(0)
            return [(torch.randn(12, 4, generator=g), torch.tensor([1, 2, 3, 4, 1, 2]))
                    for _ in range(16)], None

        class Pooled(nn.Module):
            def __init__(self):
                super().__init__()
                self.pool = nn.MaxPool1d(4)  # 12 frames -> 3, fewer than 6 labels
                self.out = nn.Linear(4, 6)

            def forward(self, x):
                return self.out(self.pool(x.transpose(1, 2)).transpose(1, 2)).log_softmax(-1)

        def build_model():
            return Pooled()
    """))
    found = {f["code"]: f for f in diagnose_spec(str(path))}
    assert found["CTC_INFEASIBLE"]["evidence"]["frames"] == 3
    assert found["CTC_INFEASIBLE"]["evidence"]["frames_needed"] == 6


def test_ctc_user_loss_on_raw_scores(tmp_path):
    path = tmp_path / "ctc.py"
    path.write_text(textwrap.dedent("""
        import torch
        from torch import nn

        TASK = "ctc"

        def build_data():
            g = torch.Generator().manual_seed(0)
            return [(torch.randn(12, 4, generator=g), torch.tensor([1, 2])) for _ in range(16)], None

        def build_model():
            return nn.Linear(4, 5)  # raw scores, no log_softmax

        def build_loss():
            ctc = nn.CTCLoss()
            def loss(outputs, targets, output_lengths, target_lengths):
                return ctc(outputs.transpose(0, 1), targets, output_lengths, target_lengths)
            return loss
    """))
    found = {f["code"]: f for f in diagnose_spec(str(path))}
    assert found["OUTPUT_ACTIVATION_MISMATCH"]["evidence"]["loss"] == "ctc_logprobs"


def test_user_exception_points_at_the_spec_line(tmp_path):
    path = spec_file(tmp_path, """
        class Broken(nn.Module):
            def __init__(self):
                super().__init__()
                self.first = nn.Linear(7, 3)  # wrong in_features

            def forward(self, x):
                return self.first(x)

        def build_model():
            return Broken()
    """)
    findings = diagnose_spec(path)
    assert findings[0]["code"] == "TARGET_SHAPE_MISMATCH"
    assert findings[0]["where"].startswith(path + ":")
    line = int(findings[0]["where"].rsplit(":", 1)[1])
    assert "self.first(x)" in (tmp_path / "spec.py").read_text().splitlines()[line - 1]


def test_finding_rejects_unknown_codes_and_cleans_evidence():
    with pytest.raises(ValueError):
        Finding("NOT_A_CODE", "error", "m", "f")
    finding = Finding("NONFINITE", "error", "m", "f", evidence={"x": float("nan"), "y": 1 / 3})
    assert finding.to_dict()["evidence"] == {"x": None, "y": 0.3333}


def test_attention_query_key_gradients_are_not_vanishing():
    """BERT at init: query/key relative gradients ~1e-5 of the classifier's by design (the
    scores are q.k of two small projections); every other layer is within 1e-3. Issue 13
    item 5: no VANISHING_GRADIENT, while a real vanishing stack is still named."""
    pytest.importorskip("transformers")
    from pathlib import Path

    from trainprobe.diagnose.api import inspect_spec

    corpus = Path(__file__).parent / "corpus"
    result = inspect_spec(corpus / "classification_bert_healthy.py", n=64)
    relative = {g["layer"].split(" (")[0]: g["relative"] for g in result.gradient_flow}
    query = relative["bert.encoder.layer.0.attention.self.query"]
    assert query < 1e-4 * relative["classifier"]  # the pattern the rule must not flag
    assert "VANISHING_GRADIENT" not in [f["code"] for f in result.findings]
    assert [f["code"] for f in result.findings if f["severity"] == "error"] == []
    deep = diagnose_spec(corpus / "classification_deep_sigmoid.py", n=64)
    assert "VANISHING_GRADIENT" in [f["code"] for f in deep]
