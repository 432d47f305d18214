"""The data checks on specs with their own collate(items) (issue 8): the raw items are
text, class names or plain lists, so each sampled item is collated on its own and the
checks read the tensors and labels training uses (diagnose/seen_items.py)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch
from torch import nn

import trainprobe as tp
from trainprobe.diagnose import inspect_spec
from trainprobe.diagnose.seen_items import data_sample
from trainprobe.spec import load_spec

SPECS = Path(__file__).parent / "specs" / "own_collate"
DEMOS = Path(tp.__file__).parent / "demos"
DATA_CODES = {"NONFINITE", "LABEL_OUT_OF_RANGE", "INPUT_SCALE", "TARGET_SCALE",
              "CONSTANT_INPUT", "CONFLICTING_LABELS", "DATA_NOT_DETERMINISTIC"}


def diagnosed(spec: tp.Spec | Path) -> tuple[list[dict], list[str]]:
    """Findings and notes of `trainprobe diagnose`; any check that broke fails the test."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="trainprobe", category=RuntimeWarning)
        result = inspect_spec(spec)
    return result.findings, result.notes


def test_identical_token_sequences_with_different_labels_are_constant_input():
    findings, _ = diagnosed(SPECS / "duplicate_text.py")
    finding = next(f for f in findings if f["code"] == "CONSTANT_INPUT")
    assert finding["severity"] == "error" and finding["where"] == "inputs"
    assert finding["evidence"]["distinct_targets"] == 4


def test_a_sentence_repeated_under_another_topic_is_named_by_its_two_indices():
    spec = load_spec(SPECS / "relabelled_duplicates.py")
    train, _ = spec.build_data()
    findings, _ = diagnosed(spec)
    finding = next(f for f in findings if f["code"] == "CONFLICTING_LABELS")
    first, second = (train[i] for i in finding["evidence"]["indices"])
    assert first[0] == second[0] and first[1] != second[1]  # same text, two topics


def test_class_names_mapped_past_the_output_size_by_the_collate():
    spec = load_spec(SPECS / "topic_names_past_outputs.py")
    train, _ = spec.build_data()
    findings, _ = diagnosed(spec)
    finding = next(f for f in findings if f["code"] == "LABEL_OUT_OF_RANGE")
    assert finding["severity"] == "error" and finding["where"].startswith("train_dataset[")
    assert train[int(finding["where"][14:-1])][1] == "class"  # the fourth topic
    evidence = finding["evidence"]
    assert evidence["outputs"] == 3 and evidence["label_span"] == [0, 3]
    assert evidence["items_checked"] == len(train)
    assert evidence["items_out_of_range"] == sum(name == "class" for _, name in train)


def test_a_nan_in_plain_lists_the_collate_turns_into_tensors():
    findings, _ = diagnosed(SPECS / "nan_readings.py")
    finding = next(f for f in findings if f["code"] == "NONFINITE")
    assert finding["where"] == "train_dataset[137]"  # read from the data, not the batch
    assert finding["evidence"] == {"item": 137, "role": "inputs[0]", "nonfinite_values": 1}


def test_validation_sentences_that_are_training_sentences():
    spec = load_spec(SPECS / "validation_in_training.py")
    train, val = spec.build_data()
    findings, _ = diagnosed(spec)
    finding = next(f for f in findings if f["code"] == "TRAIN_VAL_OVERLAP")
    assert finding["severity"] == "error"
    assert finding["evidence"]["overlapping_items"] == len(val)
    assert all(val[pair["val"]][0] == train[pair["train"]][0]
               for pair in finding["evidence"]["examples"])


@pytest.mark.parametrize("spec", [SPECS / "one_based_labels.py", DEMOS / "own_collate.py"])
def test_healthy_specs_with_their_own_collate_get_no_data_finding(spec):
    findings, notes = diagnosed(spec)
    assert not DATA_CODES & {f["code"] for f in findings}, findings
    assert not [n for n in notes if "single-item" in n]


def test_the_checks_read_each_item_as_the_collate_returns_it():
    spec = load_spec(SPECS / "one_based_labels.py")
    train, _ = spec.build_data()
    sample = data_sample(spec, train, 8, seed=0)
    (ids, label), (text, number) = sample.items[0], sample.raw[0]
    assert sample.collated and isinstance(text, str)
    assert label.ndim == 0 and int(label) == number - 1
    assert torch.equal(ids, spec.collate_fn([(text, number)])[0][0])


def pairs_only(items):
    if len(items) < 2:
        raise ValueError("collate needs at least two items")
    return torch.stack([x for x, _ in items]), torch.tensor([y for _, y in items])


def squeezed(items):
    return torch.stack([x for x, _ in items]).squeeze(), torch.tensor([y for _, y in items])


@pytest.mark.parametrize(("collate", "problem"), [
    (pairs_only, "collated alone: collate() raised ValueError: collate needs at least two "
                 "items"),
    (squeezed, "returned inputs without a batch dimension of 1, not a batch of one"),
])
def test_a_collate_that_cannot_take_one_item_is_a_note_not_a_crash(collate, problem):
    items = [(torch.randn(4), i % 2) for i in range(30)]
    spec = tp.Spec(task="classification", build_model=lambda: nn.Linear(4, 2),
                   build_data=lambda: (items, None), collate=collate, name="pairs")
    findings, notes = diagnosed(spec)
    note = next(n for n in notes if n.startswith("single-item data checks"))
    assert "(NONFINITE, LABEL_OUT_OF_RANGE, INPUT_SCALE" in note and problem in note
    assert not DATA_CODES & {f["code"] for f in findings}


def test_unscaled_inputs_made_by_the_collate_are_confirmed_by_a_standardized_rerun():
    """The raw items are dicts of Python numbers: the confirmation standardizes the
    tensors the collate makes, on the model, and the failed rung then memorizes."""
    _, report = tp.probe(SPECS / "raw_listing_rows.py", [1, 2])
    scale = report["diagnoses"][0]
    assert scale["code"] == "INPUT_SCALE" and scale["where"] == "inputs"
    assert scale["evidence"]["confirmed_by"].startswith(
        "rerun of rung n=1 with inputs standardized per feature: memorized")
