"""The Hugging Face callback on a real `Trainer.train` of a tiny config-built BERT (no
weights downloaded)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from trainprobe.instruments.logfile import iter_records

transformers = pytest.importorskip("transformers")
from trainprobe.integrations.hf import TrainprobeCallback  # noqa: E402

MAX_GRAD_NORM = 0.05  # clips every step: a logged norm above it was measured before clipping


def token_items(count: int, seed: int) -> list[dict[str, torch.Tensor]]:
    """Sequences of 8 tokens; the label says whether token 7 occurs (a learnable rule)."""
    generator = torch.Generator().manual_seed(seed)
    items = []
    for _ in range(count):
        ids = torch.randint(3, 30, (8,), generator=generator)
        items.append({"input_ids": ids, "attention_mask": torch.ones(8, dtype=torch.long),
                      "labels": torch.tensor(int((ids == 7).any()))})
    return items


class GradNormLog(transformers.TrainerCallback):
    """The Trainer's own pre-clipping global norm, from its logs."""

    def __init__(self):
        self.norms: dict[int, float] = {}

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "grad_norm" in logs:
            self.norms[state.global_step] = float(logs["grad_norm"])


def accuracy(prediction) -> dict[str, float]:
    return {"accuracy": float((np.argmax(prediction.predictions, -1)
                               == prediction.label_ids).mean())}


def test_train_with_the_callback_writes_the_run_and_its_dashboard(tmp_path, dashboard_browser):
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=32, hidden_size=32, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=64,
                                     max_position_embeddings=16, num_labels=2)
    model = transformers.BertForSequenceClassification(config)
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "hf"), num_train_epochs=2, per_device_train_batch_size=8,
        gradient_accumulation_steps=2, learning_rate=1e-3, max_grad_norm=MAX_GRAD_NORM,
        eval_strategy="epoch", logging_steps=1, save_strategy="no", report_to=[],
        use_cpu=True, disable_tqdm=True, seed=0)
    callback, reference = TrainprobeCallback(tmp_path / "run", stats_every=2), GradNormLog()
    trainer = transformers.Trainer(model=model, args=args, train_dataset=token_items(64, 0),
                                   eval_dataset=token_items(32, 1), compute_metrics=accuracy,
                                   callbacks=[callback, reference])
    trainer.train()

    run = tmp_path / "run"
    records = list(iter_records(run / "inspector.log.jsonl"))
    train = [r for r in records if r["kind"] == "train"]
    assert [r["step"] for r in train] == list(range(1, 9))  # 4 steps (8 batches / 2) x 2
    assert all(r["loss"] is not None and r["lr"] is not None for r in train)
    # from step 2 on, the global norm is the Trainer's own pre-clipping norm
    for record in train[1:]:
        assert record["grad_norm"] == pytest.approx(reference.norms[record["step"]], rel=2e-3)
        assert record["grad_norm"] > MAX_GRAD_NORM
    layers = records[0]["layers"]  # the per-layer norms make up the global one
    for record in train:
        assert len(record["layer_grad_norm"]) == len(layers)
        total = float(np.sqrt(np.sum(np.square(record["layer_grad_norm"]))))
        assert total == pytest.approx(record["grad_norm"], rel=1e-2)
    evals = [r for r in records if r["kind"] == "eval"]
    assert [r["step"] for r in evals] == [4, 8]
    assert all(r["metric_name"] == "accuracy" and r["val_loss"] is not None for r in evals)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["steps"] == 8 and summary["n_evals"] == 2
    assert (run / "gap-analysis.md").is_file() and callback.dashboard == run / "dashboard.html"
    page = dashboard_browser(callback.dashboard)
    assert page["errors"] == [] and page["plots"] >= 4
