"""What the silent-bug checks add to `trainprobe probe`, measured side by side: the whole
probe (ladder + diagnosis) on every shipped example with the checks on and with them
switched off, in interleaved pairs (on/off, then off/on, ...), plus the time spent inside
the checks in the runs with them on. Budget (issue 9): at most +20% of the probe's time.

"added" is the time inside the checks over the time of the probe without them (medians
over the runs). It is the steady figure: one probe's own time swings by +-10% from run to
run even on an idle machine with the same steps (allocation, caches), which is as much as
the checks cost, so the ratio of one pair (also printed, median and range) swings with
it. Both are given in wall time and in CPU time of this process (one torch thread); on a
machine shared with other jobs only the CPU time stays meaningful.

    python benchmarks/silent_overhead.py [--repeats 5] [--specs digits_mlp,...] [--noise]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

import trainprobe as tp
from trainprobe.demos import demo_specs
from trainprobe.diagnose import api


@dataclass
class Clock:
    """Wall and CPU seconds of one stretch of code."""

    wall: float = 0.0
    cpu: float = 0.0

    @classmethod
    def of(cls, run: Callable[[], object]) -> Clock:
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        return cls(time.perf_counter() - wall, time.process_time() - cpu)


@dataclass
class Pairs:
    """One example's interleaved pairs."""

    without: list[Clock] = field(default_factory=list)
    with_: list[Clock] = field(default_factory=list)
    inside: list[Clock] = field(default_factory=list)  # per probe with the checks

    def ratios(self, kind: str) -> list[float]:
        return [getattr(b, kind) / getattr(a, kind) for a, b in zip(self.without, self.with_)]


def probe(path, with_checks: bool, inside: list[Clock]) -> Clock:
    original = api.silent_bug_checks

    def timed(ctx, evidence, found=None):
        result: list = []
        inside.append(Clock.of(lambda: result.extend(original(ctx, evidence, found))))
        return result

    api.silent_bug_checks = timed if with_checks else (lambda ctx, evidence, found=None: [])
    try:
        return Clock.of(lambda: tp.probe(path))
    finally:
        api.silent_bug_checks = original


def measure(path, repeats: int, noise: bool = False) -> Pairs:
    """`noise`: both probes of each pair without the checks (the ratio's spread when
    nothing differs)."""
    probe(path, True, [])  # warm-up: imports, data caches and first calls are no one's cost
    pairs = Pairs()
    for repeat in range(repeats):
        for on in ((False, True) if repeat % 2 == 0 else (True, False)):
            spent: list[Clock] = []
            clock = probe(path, on and not noise, spent)
            (pairs.with_ if on else pairs.without).append(clock)
            if on:
                pairs.inside.append(Clock(sum(c.wall for c in spent), sum(c.cpu for c in spent)))
    return pairs


def spread(values: list[float]) -> str:
    return f"{statistics.median(values) - 1:+.1%} ({min(values) - 1:+.1%} .. {max(values) - 1:+.1%})"


def added(pairs: Pairs, kind: str) -> str:
    inside = statistics.median(getattr(c, kind) for c in pairs.inside)
    return f"{inside / statistics.median(getattr(c, kind) for c in pairs.without):+.1%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--specs", default="", help="only names containing these")
    parser.add_argument("--noise", action="store_true",
                        help="pairs of the same probe without the checks: the pairs' spread")
    args = parser.parse_args()
    torch.set_num_threads(1)
    wanted = [w for w in args.specs.split(",") if w]
    paths = [p for p in demo_specs() if not wanted or any(w in p.stem for w in wanted)]
    if args.noise:
        print(f"{args.repeats} pairs of the same probe (checks off): second / first - 1")
        print("| example | probe (s) | one pair, wall | one pair, CPU |\n|---|---:|---:|---:|")
        for path in paths:
            pairs = measure(path, args.repeats, noise=True)
            print(f"| {path.stem} | {statistics.median(c.wall for c in pairs.without):.2f} | "
                  f"{spread(pairs.ratios('wall'))} | {spread(pairs.ratios('cpu'))} |", flush=True)
        return
    print(f"{args.repeats} interleaved pairs per example; medians over the runs")
    print("| example | probe without (s) | inside the checks (s) | added, wall | added, CPU | "
          "one pair, wall: median (min .. max) |")
    print("|---|---:|---:|---:|---:|---:|")
    for path in paths:
        pairs = measure(path, args.repeats)
        without = statistics.median(c.wall for c in pairs.without)
        inside = statistics.median(c.wall for c in pairs.inside)
        print(f"| {path.stem} | {without:.2f} | {inside:.3f} | {added(pairs, 'wall')} | "
              f"{added(pairs, 'cpu')} | {spread(pairs.ratios('wall'))} |", flush=True)


if __name__ == "__main__":
    main()
