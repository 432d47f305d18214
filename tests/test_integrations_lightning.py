"""The Lightning callback on a real `Trainer.fit`, and the ladder on a LightningModule."""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from trainprobe.cli import main
from trainprobe.instruments.logfile import iter_records

L = pytest.importorskip("lightning.pytorch")
from trainprobe.integrations.lightning import TrainprobeCallback, probe  # noqa: E402

CLIP = 1e-3  # far below the gradient norms of this model: logged norms above it are pre-clip


class DigitsData(L.LightningDataModule):
    def setup(self, stage: str) -> None:
        digits = load_digits()
        x = torch.tensor(digits.data[:384], dtype=torch.float32) / 16
        y = torch.tensor(digits.target[:384])
        self.train, self.val = TensorDataset(x[:256], y[:256]), TensorDataset(x[256:], y[256:])

    def train_dataloader(self) -> DataLoader:
        return DataLoader(self.train, batch_size=32, shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return DataLoader(self.val, batch_size=64)


class Classifier(L.LightningModule):
    def __init__(self, loss_scale: float = 1.0):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
        self.loss_scale = loss_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.cross_entropy(self(x), y) * self.loss_scale
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        self.log("val_loss", nn.functional.cross_entropy(logits, y))
        self.log("val_acc", (logits.argmax(1) == y).float().mean())

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=3e-3)


def test_fit_with_the_callback_writes_the_run_and_its_dashboard(tmp_path, dashboard_browser):
    torch.manual_seed(0)
    callback = TrainprobeCallback(tmp_path / "run", stats_every=4)
    trainer = L.Trainer(max_epochs=2, accelerator="cpu", devices=1, logger=False,
                        enable_checkpointing=False, enable_progress_bar=False,
                        enable_model_summary=False, gradient_clip_val=CLIP,
                        callbacks=[callback], default_root_dir=tmp_path)
    trainer.fit(Classifier(), datamodule=DigitsData())

    run = tmp_path / "run"
    records = list(iter_records(run / "inspector.log.jsonl"))
    train = [r for r in records if r["kind"] == "train"]
    assert [r["step"] for r in train] == list(range(1, 17))  # 8 batches x 2 epochs, once each
    assert all(r["loss"] is not None and r["lr"] == pytest.approx(3e-3) for r in train)
    assert min(r["grad_norm"] for r in train) > 10 * CLIP  # measured before clipping
    evals = [r for r in records if r["kind"] == "eval"]
    assert [r["step"] for r in evals] == [8, 16]  # no record for the sanity check
    assert all(r["metric_name"] == "acc" and r["val_loss"] is not None for r in evals)
    assert any(r["kind"] == "stats" for r in records)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["steps"] == 16 and summary["n_evals"] == 2
    assert (run / "gap-analysis.md").is_file() and callback.dashboard == run / "dashboard.html"
    page = dashboard_browser(callback.dashboard)
    assert page["errors"] == [] and page["plots"] >= 4
    result = CliRunner().invoke(main, ["dashboard", str(run)])  # the CLI reads the run too
    assert result.exit_code == 0, result.output


def test_ladder_on_a_lightning_module_uses_its_own_training_step(tmp_path):
    data = DigitsData()
    run, report = probe(Classifier, data, sizes=[1, 2, 5], out_dir=tmp_path,
                        overrides={"max_steps": 300})
    assert report["verdict"] == "pass" and [r["n"] for r in report["ladder"]] == [1, 2, 5]
    assert (tmp_path / "report.json").is_file()
    # a training_step whose loss carries no gradient cannot memorize: the ladder used it
    _, broken = probe(lambda: Classifier(loss_scale=0.0), data, sizes=[1],
                      overrides={"max_steps": 60}, diagnose=False)
    assert broken["verdict"] == "fail"
