"""Measure the ladder presets: run every shipped healthy example through rungs
1..100 with (a) trainprobe's presets and (b) the practice's original table, and print
passed/steps per rung, so the choice in overfit/presets.py rests on numbers.

    python benchmarks/presets.py [--examples digits_mlp,digits_ctc]
"""

from __future__ import annotations

import argparse
import time
from unittest import mock

import torch

import trainprobe as tp
from trainprobe.demos import DEMO_DIR
from trainprobe.overfit import presets

PRACTICE_TABLE = [
    (1, {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "grad_clip": 10.0,
         "schedule": "constant"}),
    (5, {"optimizer": "adam", "lr": 1e-2, "grad_clip": 5.0, "schedule": "constant"}),
    (20, {"optimizer": "adam", "lr": 1e-2, "grad_clip": 5.0, "schedule": "cosine",
          "min_lr": 1e-4}),
    (10**12, {"optimizer": "adamw", "lr": 1e-3, "grad_clip": 1.0, "schedule": "cosine",
              "warmup_steps": 50, "min_lr": 1e-4}),
]
EXAMPLES = ["digits_mlp", "breast_cancer_binary", "diabetes_regression", "digits_ctc",
            "pydoc_char_lm", "charlm_pydoc"]


def ladder(name: str) -> str:
    started = time.perf_counter()
    run, _ = tp.probe(DEMO_DIR / f"{name}.py", keep_going=True, diagnose=False,
                      overrides={"max_seconds": 600.0})
    cells = [f"{r.n}:{'ok' if r.passed else 'FAIL'}/{r.steps}" for r in run.rungs]
    return f"{' '.join(cells)}  ({time.perf_counter() - started:.0f}s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", default=",".join(EXAMPLES))
    args = parser.parse_args()
    torch.set_num_threads(1)
    print("rung:passed/steps for each rung 1..100")
    for name in args.examples.split(","):
        print(f"{name}\n  trainprobe presets: {ladder(name)}", flush=True)
        with mock.patch.object(presets, "PRESETS", PRACTICE_TABLE):
            print(f"  practice table:     {ladder(name)}", flush=True)


if __name__ == "__main__":
    main()
