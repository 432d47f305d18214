"""Inputs of any structure (issue 8): the shipped examples of each form through probe,
diagnose and a short train; broken variants named with their code and confirmed through
their input form; batching, padding, label shift and one-line structure errors."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import torch
from torch import nn

import trainprobe as tp
from trainprobe.api import train
from trainprobe.diagnose import diagnose_spec
from trainprobe.errors import SpecError
from trainprobe.spec import load_spec

DEMOS = Path(tp.__file__).parent / "demos"
BROKEN = Path(__file__).parent / "specs" / "inputs"
QUICK = {"max_seconds": 600.0}
SHORT_TRAIN = {"max_steps": 6, "eval_every": 3, "ckpt_every": 6, "batch_size": 8}
HF = ("bert_dict_items", "gpt2_lm_items")


def demo_spec(name: str) -> tp.Spec:
    if name in HF:
        pytest.importorskip("transformers")
    if name == "in_memory_spec":
        return importlib.import_module("trainprobe.demos.in_memory_spec").make_spec()
    return load_spec(DEMOS / f"{name}.py")


FORMS = ["two_input_pageflip", "bert_dict_items", "gpt2_lm_items", "varlen_token_ids",
         "own_collate", "in_memory_spec"]


@pytest.mark.filterwarnings("error:trainprobe:RuntimeWarning")  # every check ran
@pytest.mark.parametrize("name", FORMS)
def test_each_input_form_probes_diagnoses_and_trains(name, tmp_path):
    spec = demo_spec(name)
    run, report = tp.probe(spec, [1, 2, 5], overrides=QUICK)
    assert run.verdict == "pass", [r.stop_reason for r in run.rungs]
    assert not [f for f in report["diagnoses"] if f["severity"] == "error"]
    assert not [f for f in diagnose_spec(spec) if f["severity"] == "error"]
    result = train(spec, SHORT_TRAIN, tmp_path / "run")
    assert result.status == "finished" and result.steps == 6
    assert (tmp_path / "run" / "summary.json").exists()


@pytest.mark.parametrize(("name", "code", "where"), [
    ("pageflip_softmax", "OUTPUT_ACTIVATION_MISMATCH", "squash (Softmax)"),
    ("bert_labels_past_outputs", "LABEL_OUT_OF_RANGE", "train_dataset["),
])
def test_broken_variants_are_named_in_the_top_three(name, code, where):
    if name.startswith("bert"):
        pytest.importorskip("transformers")
    run, report = tp.probe(BROKEN / f"{name}.py", [1, 2], overrides=QUICK)
    top = report["diagnoses"][:3]
    assert run.verdict == "fail"
    assert code in [f["code"] for f in top], [f["code"] for f in top]
    finding = next(f for f in top if f["code"] == code)
    assert finding["severity"] == "error" and finding["where"].startswith(where)


def test_the_softmax_rerun_goes_through_the_two_input_forward():
    _, report = tp.probe(BROKEN / "pageflip_softmax.py", [1], overrides=QUICK)
    finding = next(f for f in report["diagnoses"] if f["code"] == "OUTPUT_ACTIVATION_MISMATCH")
    assert finding["evidence"]["rung_passed"] is True
    assert "output softmax removed" in finding["evidence"]["confirmed_by"]


def test_input_scale_judges_each_floating_input_and_never_ids():
    findings = diagnose_spec(BROKEN / "pageflip_unscaled_motion.py")
    scale = [f for f in findings if f["code"] == "INPUT_SCALE"]
    assert len(scale) == 1 and scale[0]["where"] == "inputs[1]"  # the images are fine
    assert not [f for f in diagnose_spec(DEMOS / "varlen_token_ids.py")
                if f["code"] == "INPUT_SCALE"]


def test_standardizing_inputs_leaves_integer_ids_alone():
    """The confirmation's fix standardizes on the model, so it also reaches inputs that a
    spec's own collate makes; the ids beside them pass unchanged."""
    from trainprobe.diagnose.data_checks import flat_inputs
    from trainprobe.diagnose.fixes import standardized_inputs
    from trainprobe.tasks.structure import call_model

    items = [({"ids": torch.tensor([3, 4]), "x": torch.tensor([100.0 + i, 5.0])}, 0)
             for i in range(4)]
    values = flat_inputs(items)
    assert list(values) == ['inputs["x"]']
    seen = {}

    class Recorder(torch.nn.Module):
        def forward(self, ids, x):
            seen.update(ids=ids, x=x)
            return x

    batch = {"ids": torch.tensor([[3, 4]]), "x": torch.tensor([[101.0, 5.0]])}
    call_model(standardized_inputs(values)(Recorder()), batch)
    assert torch.equal(seen["ids"], torch.tensor([[3, 4]]))
    assert seen["x"][0, 0] == pytest.approx((101 - 101.5) / (1.25 ** 0.5))
    assert seen["x"][0, 1] == pytest.approx(0.0)  # a constant feature: centred, not inflated


# --- batching ------------------------------------------------------------------------
def test_default_collate_pads_inputs_with_zero_and_token_targets_with_minus_100():
    lm = tp.load_spec(Path(__file__).parent / "specs" / "tiny_lm.py").task
    items = [(torch.tensor([5, 6, 7]), torch.tensor([6, 7, 8])), (torch.tensor([9]), torch.tensor([4]))]
    batch = lm.collate(items)
    assert batch.inputs.tolist() == [[5, 6, 7], [9, 0, 0]]
    assert batch.targets.tolist() == [[6, 7, 8], [4, -100, -100]]
    assert batch.padded


def test_padded_positions_count_nowhere_in_the_lm_loss_metric_or_achievable_accuracy():
    from trainprobe.tasks import TaskStats, make_task

    lm = make_task("lm")
    long_item = (torch.tensor([1, 2, 3, 1]), torch.tensor([2, 3, 1, 2]))
    short_item = (torch.tensor([2]), torch.tensor([3]))
    outputs = torch.randn(2, 4, 5)
    padded = lm.collate([long_item, short_item])
    alone = [lm.collate([item]) for item in (long_item, short_item)]
    token_losses = torch.cat([nn.functional.cross_entropy(outputs[i, : len(b.targets[0])],
                                                          b.targets[0], reduction="none")
                              for i, b in enumerate(alone)])
    assert float(lm.loss(outputs, padded, None)) == pytest.approx(float(token_losses.mean()))
    assert lm.score(outputs, padded)["total"] == 5
    counts = {**lm.reference_counts([padded]), **lm.score(outputs, padded), "loss_sum": 0,
              "items": 2}
    assert lm.summarize(counts, TaskStats())["achievable_accuracy"] == 1.0


def test_hugging_face_lm_labels_are_shifted_and_the_last_position_dropped():
    from trainprobe.tasks import make_task

    lm = make_task("lm")
    ids = torch.tensor([4, 5, 6])
    batch = lm.collate([({"input_ids": ids}, ids.clone())])
    assert batch.targets.tolist() == [[5, 6]]
    perfect = nn.functional.one_hot(torch.tensor([[5, 6, 0]]), 8).float() * 20
    assert float(lm.loss(perfect, batch, None)) < 1e-6
    pairs = lm.collate([(ids[:-1], ids[1:])])  # the (tokens, next_tokens) form: unchanged
    assert pairs.targets.tolist() == [[5, 6]] and pairs.inputs.tolist() == [[4, 5]]


def test_dict_items_with_a_renamed_target_key_and_a_dataloader(write_spec):
    path = write_spec('''
import torch
from torch import nn
from torch.utils.data import DataLoader
TASK = "classification"
TARGET_KEY = "y"
def build_data():
    items = [{"x": torch.randn(4), "y": i % 3} for i in range(30)]
    return DataLoader(items, batch_size=8), None
def build_model(hidden_dim: int = 16):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = nn.Linear(4, 3)
        def forward(self, x):
            return self.layer(x)
    return Net()
''')
    spec = load_spec(path)
    train_data, _ = spec.build_data()
    inputs, target = train_data[4]
    assert set(inputs) == {"x"} and target == 1
    batch = spec.collate_items([train_data[i] for i in range(3)])
    assert batch.inputs["x"].shape == (3, 4) and batch.targets.tolist() == [0, 1, 2]


def test_a_dataloaders_collate_fn_is_used(write_spec):
    path = write_spec('''
import torch
from torch import nn
from torch.utils.data import DataLoader
TASK = "classification"
CALLS = []
def pad(items):
    CALLS.append(len(items))
    xs = torch.nn.utils.rnn.pad_sequence([x for x, _ in items], batch_first=True)
    return xs.sum(1), torch.tensor([y for _, y in items])
def build_data():
    items = [(torch.randn(2 + i % 3, 4), i % 2) for i in range(20)]
    return DataLoader(items, batch_size=4, collate_fn=pad), None
def build_model(hidden_dim: int = 16):
    return nn.Linear(4, 2)
''')
    spec = load_spec(path)
    run, _ = tp.probe(spec, [1, 2], diagnose=False, overrides=QUICK)
    assert run.verdict == "pass"
    assert spec.module.CALLS  # the ladder batched through it


@pytest.mark.parametrize(("items", "message"), [
    ([{"input_ids": torch.ones(14, dtype=torch.long), "labels": 1}] * 3 +
     [{"input_ids": torch.ones(14, dtype=torch.long),
       "attention_mask": torch.ones(12, dtype=torch.long), "labels": 1}],
     'item 3: inputs["attention_mask"] has length 12 but inputs["input_ids"] has 14'),
    ([{"input_ids": torch.ones(4, dtype=torch.long),
       "attention_mask": torch.ones(4, dtype=torch.long)}],
     'item 0: "labels" missing from the dict (keys: input_ids, attention_mask); set TARGET_KEY'),
    ([((torch.ones(3), [1, 2]), 0)], "item 0: inputs[1][0] is int, not a torch.Tensor"),
])
def test_structure_errors_name_the_item_and_the_path(items, message):
    spec = tp.Spec(task="classification", build_model=lambda: nn.Linear(3, 2),
                   build_data=lambda: (items, None))
    with pytest.raises(SpecError) as raised:
        spec.build_data()
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


class Net(nn.Module):
    """forward(x): a dict item's "x" reaches it by keyword."""

    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(4, 2)

    def forward(self, x):
        return self.layer(x)


class Features(Net):
    def forward(self, features):
        return self.layer(features)


def test_a_forward_that_rejects_the_dict_keys_gets_keys_and_signature_in_one_line():
    items = [{"x": torch.randn(4), "labels": i % 2} for i in range(8)]
    spec = tp.Spec(task="classification", build_model=Features, build_data=lambda: (items, None))
    with pytest.raises(SpecError) as raised:
        tp.probe(spec, [1], diagnose=False)
    text = str(raised.value)
    assert "Features.forward(features) does not accept the inputs (keys x)" in text
    assert "\n" not in text


def test_a_user_collate_returning_a_dict_with_labels():
    def collate(items):
        return {"x": torch.stack([x for x, _ in items]), "labels": torch.tensor([y for _, y in items])}

    items = [(torch.randn(4), i % 2) for i in range(10)]
    spec = tp.Spec(task="classification", build_model=Net, build_data=lambda: (items, None),
                   collate=collate, name="dict_collate")
    run, report = tp.probe(spec, [1, 2], overrides=QUICK)
    assert run.verdict == "pass" and run.spec.title == "dict_collate"
    assert not [f for f in report["diagnoses"] if f["severity"] == "error"]


def test_an_in_memory_spec_goes_through_the_sweeps():
    from trainprobe.api import choose_lr

    spec = demo_spec("in_memory_spec")
    outcome = choose_lr(spec, rung=2, method="sweep", lrs=[1e-2], steps=10, seeds=1,
                        verify=False)
    assert outcome.report["spec"] == "wine_in_memory"


def test_the_in_memory_example_runs_as_a_script(capsys, monkeypatch):
    import runpy

    monkeypatch.setattr(tp, "probe", lambda spec, sizes: (
        type("Run", (), {"breaking_point": None})(), {"verdict": "pass", "diagnoses": []}))
    runpy.run_path(str(DEMOS / "in_memory_spec.py"), run_name="__main__")
    assert "verdict: pass" in capsys.readouterr().out


# --- held-out specs: written in another style, never used while building the above -----
HELDOUT = Path(__file__).parent / "specs" / "heldout_inputs"


@pytest.mark.filterwarnings("error:trainprobe:RuntimeWarning")  # every check ran
@pytest.mark.parametrize("name", ["tabular_dict_target", "sequence_loader",
                                  "split_features_binary"])
def test_heldout_specs_pass_and_diagnose_clean(name):
    spec = load_spec(HELDOUT / f"{name}.py")
    run, report = tp.probe(spec, [1, 2, 5], overrides=QUICK)
    assert run.verdict == "pass", [r.stop_reason for r in run.rungs]
    assert not [f for f in report["diagnoses"] if f["severity"] == "error"]
    assert not [f for f in diagnose_spec(spec) if f["code"] == "INPUT_SCALE"]  # ids unjudged


def squashed(spec: tp.Spec) -> tp.Spec:
    """The same spec with a sigmoid on the model's output (BCE-with-logits then cannot
    memorize), whatever structure forward takes."""
    from trainprobe.diagnose.fixes import _Fixed

    return spec.replaced(model_factory=lambda hidden_dim=32: _Fixed(
        spec.model_factory(hidden_dim=hidden_dim), on_output=torch.sigmoid))


@pytest.mark.parametrize("name", ["sequence_loader", "split_features_binary"])
def test_heldout_broken_variants_are_named_and_confirmed(name):
    spec = squashed(load_spec(HELDOUT / f"{name}.py"))
    run, report = tp.probe(spec, [1, 2], overrides=QUICK)
    top = report["diagnoses"][:3]
    assert run.verdict == "fail"
    assert "OUTPUT_ACTIVATION_MISMATCH" in [f["code"] for f in top], [f["code"] for f in top]
    finding = next(f for f in top if f["code"] == "OUTPUT_ACTIVATION_MISMATCH")
    assert finding["evidence"].get("rung_passed") is True, finding["evidence"]
