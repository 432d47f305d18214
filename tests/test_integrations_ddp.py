"""The callbacks under their framework's own data-parallel training, 2 CPU processes
(gloo): Lightning's `strategy="ddp"` and the HF `Trainer` under torchrun. Only the main
process writes: one log, every optimizer step once, one dashboard."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import trainprobe as tp
from trainprobe.instruments.logfile import iter_records

TESTS = Path(__file__).parent

LIGHTNING = """
import sys
sys.path.insert(0, {tests!r})
import torch
import lightning.pytorch as L
from test_integrations_lightning import Classifier, DigitsData
from trainprobe.integrations.lightning import TrainprobeCallback

if __name__ == "__main__":
    torch.manual_seed(0)
    trainer = L.Trainer(max_epochs=2, accelerator="cpu", devices=2, strategy="ddp",
                        logger=False, enable_checkpointing=False, enable_progress_bar=False,
                        enable_model_summary=False, callbacks=[TrainprobeCallback({run!r})],
                        default_root_dir={root!r})
    trainer.fit(Classifier(), datamodule=DigitsData())
"""

HF = """
import sys
sys.path.insert(0, {tests!r})
import torch
import transformers
from test_integrations_hf import accuracy, token_items
from trainprobe.integrations.hf import TrainprobeCallback

torch.manual_seed(0)
config = transformers.BertConfig(vocab_size=32, hidden_size=32, num_hidden_layers=2,
                                 num_attention_heads=2, intermediate_size=64,
                                 max_position_embeddings=16, num_labels=2)
args = transformers.TrainingArguments(
    output_dir={root!r}, num_train_epochs=2, per_device_train_batch_size=8,
    eval_strategy="epoch", logging_steps=1, save_strategy="no", report_to=[], use_cpu=True,
    disable_tqdm=True, seed=0)
assert args.world_size == 2
transformers.Trainer(model=transformers.BertForSequenceClassification(config), args=args,
                     train_dataset=token_items(64, 0), eval_dataset=token_items(32, 1),
                     compute_metrics=accuracy, callbacks=[TrainprobeCallback({run!r})]).train()
torch.distributed.destroy_process_group()  # as PyTorch asks: else gloo may abort at exit
"""


@pytest.mark.parametrize("framework", ["lightning", "hf"])
def test_under_ddp_only_the_main_process_writes(tmp_path, framework):
    pytest.importorskip("lightning.pytorch" if framework == "lightning" else "transformers")
    run, root = tmp_path / "run", tmp_path / "root"
    script = tmp_path / "train.py"
    script.write_text((LIGHTNING if framework == "lightning" else HF).format(
        tests=str(TESTS), run=str(run), root=str(root)))
    launch = [str(script)] if framework == "lightning" else \
        ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", str(script)]
    env = {**os.environ, "PYTHONPATH": str(Path(tp.__file__).parents[1]), "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, *launch], env=env, capture_output=True, text=True,
                            timeout=400)
    assert result.returncode == 0, result.stderr[-3000:]
    assert [p.name for p in tmp_path.rglob("*.jsonl")] == ["inspector.log.jsonl"]
    records = list(iter_records(run / "inspector.log.jsonl"))
    # 2 epochs of 4 steps: each of the 2 processes takes a batch of 8 (hf) or 32 (lightning)
    # of the 64 (hf) or 256 (lightning) training items per step
    assert [r["step"] for r in records if r["kind"] == "train"] == list(range(1, 9))
    assert len([r for r in records if r["kind"] == "eval"]) == 2
    assert (run / "dashboard.html").is_file() and (run / "summary.json").is_file()
