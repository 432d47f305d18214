"""What the silent-bug checks add to `trainprobe probe`, measured side by side: the whole
probe (ladder + diagnosis) on every shipped example with the checks on and with them
switched off, interleaved, plus the time spent inside the checks in the run with them on.
Budget (issue 9): at most +20% of the probe's wall time.

    python benchmarks/silent_overhead.py [--repeats 1] [--specs digits_mlp,...]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import trainprobe as tp
from trainprobe.demos import demo_specs
from trainprobe.diagnose import api


def timed_checks(spent: list[float]):
    original = api.silent_bug_checks

    def wrapper(ctx, evidence):
        started = time.perf_counter()
        try:
            return original(ctx, evidence)
        finally:
            spent.append(time.perf_counter() - started)
    return wrapper


def probe_seconds(path, with_checks: bool, spent: list[float]) -> float:
    original = api.silent_bug_checks
    api.silent_bug_checks = timed_checks(spent) if with_checks else (lambda ctx, ev: [])
    try:
        started = time.perf_counter()
        tp.probe(path)
        return time.perf_counter() - started
    finally:
        api.silent_bug_checks = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--specs", default="", help="only names containing these")
    args = parser.parse_args()
    torch.set_num_threads(1)
    wanted = [w for w in args.specs.split(",") if w]
    paths = [p for p in demo_specs() if not wanted or any(w in p.stem for w in wanted)]
    print("| example | probe without (s) | probe with (s) | ratio | inside the checks (s) | "
          "share of the probe |")
    print("|---|---:|---:|---:|---:|---:|")
    totals = [0.0, 0.0]
    for path in paths:
        spec = tp.load_spec(path)  # imports (transformers, sklearn) are not the checks' cost
        spec.build_model()
        without, with_, inside = [], [], []
        for repeat in range(args.repeats):
            order = (False, True) if repeat % 2 == 0 else (True, False)
            for on in order:
                spent: list[float] = []
                seconds = probe_seconds(path, on, spent)
                (with_ if on else without).append(seconds)
                inside.extend(spent)
        a, b = statistics.median(without), statistics.median(with_)
        checks = statistics.median(inside) if inside else 0.0
        totals[0] += a
        totals[1] += b
        print(f"| {path.stem} | {a:.2f} | {b:.2f} | {b / a:.3f} | {checks:.2f} | "
              f"{checks / b:.1%} |", flush=True)
    print(f"| all | {totals[0]:.2f} | {totals[1]:.2f} | {totals[1] / totals[0]:.3f} | | |")


if __name__ == "__main__":
    main()
