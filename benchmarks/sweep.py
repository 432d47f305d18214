"""Time the LR sweep and the range test on the digits demo, side by side in one run.

    python benchmarks/sweep.py [--rung 100] [--seeds 3] [--threads N]

Both methods run with their CLI defaults (sweep: 7 rates 1e-5..1e-2, 200 steps each;
range test: 100 steps over 1e-6..1) at the rung `trainprobe lr-sweep` picks for the
healthy demo (every rung passes, so the largest: 100). Prints seconds, trainings, steps,
the rate each chose, and the ratio sweep / range test. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch
from rich.console import Console
from rich.table import Table

from trainprobe.demos import HEALTHY_DEMO
from trainprobe.overfit.ladder import rung_config, train_rung
from trainprobe.spec import load_spec
from trainprobe.sweep.lr_sweep import run_lr_sweep
from trainprobe.sweep.range_test import run_range_tests
from trainprobe.sweep.rung import prepare_task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rung", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch intra-op threads (default: torch's own choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    spec = load_spec(HEALTHY_DEMO)
    train, _ = spec.build_data()
    prepare_task(spec, train, 0)
    seeds = list(range(args.seeds))
    # warm-up: first-use imports (torch's optimizer machinery) are not the methods' cost
    train_rung(spec, train, 2, rung_config(spec, 2, "progressive", 0, {"max_steps": 5}))

    started = time.perf_counter()
    sweep = run_lr_sweep(spec, train, args.rung, seeds=seeds)
    sweep_seconds = time.perf_counter() - started
    started = time.perf_counter()
    ranges = run_range_tests(spec, train, args.rung, seeds=seeds)
    range_seconds = time.perf_counter() - started

    sweep_steps = sum(run.steps for run in sweep.runs)
    range_steps = sum(len(test["lr"]) for test in ranges["tests"])
    table = Table(title=f"digits demo, rung {args.rung}, {len(seeds)} seed(s); "
                        f"{platform.processor() or platform.machine()}, {os.cpu_count()} "
                        f"CPUs, torch threads {torch.get_num_threads()}, load average "
                        f"{os.getloadavg()[0]:.1f}", title_justify="left")
    for header in ("method", "seconds", "trainings", "steps", "ms/step", "chosen lr", "spread"):
        table.add_column(header, justify="right" if header != "method" else "left")
    table.add_row("LR sweep", f"{sweep_seconds:.2f}", str(len(sweep.runs)), str(sweep_steps),
                  f"{1000 * sweep_seconds / sweep_steps:.2f}", fmt(sweep.chosen),
                  fmt(sweep.spread))
    table.add_row("range test", f"{range_seconds:.2f}", str(len(ranges["tests"])),
                  str(range_steps), f"{1000 * range_seconds / range_steps:.2f}",
                  fmt(ranges["suggestion"]), fmt(ranges["spread"]))
    console = Console()
    console.print(table)
    console.print(f"ratio sweep / range test: {sweep_seconds / range_seconds:.2f}x")


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3g}"


if __name__ == "__main__":
    main()
