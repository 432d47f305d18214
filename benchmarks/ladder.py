"""Probe vs a plain hand-written PyTorch loop on the digits demo, measured side by side.

Both do the same work per rung: a fresh seeded model, the rung's preset optimizer and
schedule, full-rung batches, a memorization check (accuracy 1.0 and loss < 0.1 on the
whole rung, in eval mode) every `eval_every` steps, stop when memorized. Runs are
interleaved and repeated; medians are reported.

    python benchmarks/ladder.py [--repeats 3] [--diagnose]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import torch
from torch import nn

import trainprobe as tp
from trainprobe.demos import HEALTHY_DEMO
from trainprobe.overfit.ladder import DEFAULT_SIZES, rung_subset
from trainprobe.overfit.presets import preset_for


def hand_written_ladder(spec: tp.Spec, train) -> list[int]:
    steps_per_rung = []
    for n in DEFAULT_SIZES:
        preset = preset_for(n)
        subset = rung_subset(train, n, seed=0)
        x = torch.stack([subset[i][0] for i in range(n)])
        y = torch.stack([torch.as_tensor(subset[i][1]) for i in range(n)])
        torch.manual_seed(0)
        model = spec.build_model(hidden_dim=None, dropout=0.0)
        if preset["optimizer"] == "adamw":
            optimizer = torch.optim.AdamW(model.parameters(), lr=preset["lr"], weight_decay=0.0)
        else:
            optimizer = torch.optim.Adam(model.parameters(), lr=preset["lr"])
        step = 0
        while step < preset["max_steps"]:
            lr = schedule(step, preset)
            for group in optimizer.param_groups:
                group["lr"] = lr
            loss = nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), preset["grad_clip"])
            optimizer.step()
            step += 1
            if step % preset["eval_every"] == 0 and memorized(model, x, y):
                break
        steps_per_rung.append(step)
    return steps_per_rung


def schedule(step: int, preset: dict) -> float:
    warmup = preset.get("warmup_steps", 0)
    if step < warmup:
        return preset["lr"] * (step + 1) / warmup
    if preset["schedule"] != "cosine":
        return preset["lr"]
    progress = min(1.0, (step - warmup) / max(1, preset["max_steps"] - warmup))
    return preset["min_lr"] + 0.5 * (1 + math.cos(math.pi * progress)) * (
        preset["lr"] - preset["min_lr"])


@torch.no_grad()
def memorized(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> bool:
    model.eval()
    logits = model(x)
    model.train()
    return bool((logits.argmax(-1) == y).all()) and float(nn.functional.cross_entropy(logits, y)) < 0.1


def timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--diagnose", action="store_true", help="also time the probe with diagnosis")
    args = parser.parse_args()
    spec = tp.load_spec(HEALTHY_DEMO)
    train, _ = spec.build_data()
    hand_written_ladder(spec, train)  # warm up: first optimizer import, allocator, caches
    tp.probe(spec, diagnose=False)
    times: dict[str, list[float]] = {"hand-written loop": [], "trainprobe probe": []}
    if args.diagnose:
        times["probe + diagnosis"] = []
    steps = {}
    for _ in range(args.repeats):
        seconds, steps["hand"] = timed(lambda: hand_written_ladder(spec, train))
        times["hand-written loop"].append(seconds)
        seconds, (run, _) = timed(lambda: tp.probe(spec, diagnose=False))
        steps["probe"] = [r.steps for r in run.rungs]
        times["trainprobe probe"].append(seconds)
        if args.diagnose:
            seconds, _ = timed(lambda: tp.probe(spec, diagnose=True))
            times["probe + diagnosis"].append(seconds)
    base = statistics.median(times["hand-written loop"])
    print(f"digits demo, rungs {list(DEFAULT_SIZES)}, {args.repeats} interleaved repeats, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"steps per rung: hand-written {steps['hand']}, probe {steps['probe']}")
    print(f"{'':22}{'median s':>10}{'ratio':>8}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:22}{median:10.3f}{median / base:8.2f}x")


if __name__ == "__main__":
    main()
