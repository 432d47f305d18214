"""Calibrate the silent-bug thresholds: the raw numbers of every silent-bug experiment on
healthy models (the shipped examples and the corpus' healthy controls, all five tasks,
three seeds), beside the threshold each rule uses. The README's thresholds table is this
script's output.

    python benchmarks/calibrate_silent.py [--seeds 0,1,2] [--specs NAME,...] [--broken]

`--broken` also measures the corpus' silent-bug cases (files whose EXPECTED is one of the
silent codes), to show the margin on the other side of each threshold.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

import trainprobe as tp
from trainprobe.demos import demo_specs
from trainprobe.diagnose import baseline, leaks, silent
from trainprobe.diagnose.api import before_training
from trainprobe.diagnose.context import Context
from trainprobe.diagnose.evidence import collect
from trainprobe.diagnose.experiments import (
    Measurement,
    batch_mixing,
    causal_leak,
    eval_repeat,
    input_dependence,
    not_applicable,
    reduction_ratio,
    settle_batchnorm,
)
from trainprobe.diagnose.silent import eval_loss_measurement
from trainprobe.overfit.ladder import rung_config

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
SILENT_CODES = {"CAUSAL_LEAK", "BATCH_MIXING", "TRAIN_EVAL_MISMATCH", "TRAIN_VAL_OVERLAP",
                "LABELS_NOT_LEARNABLE", "TARGET_LEAK", "LOSS_REDUCTION_SUM", "INPUT_IGNORED"}

#: statistic -> (threshold, direction): "above" flags values above it, "below" below it
THRESHOLDS = {
    "causal_change": (silent.CAUSAL_CHANGE, "above"),
    "mixing_change": (silent.MIXING_CHANGE, "above"),
    "gradient_share": (silent.GRADIENT_SHARE, "above"),
    "eval_repeat_change": (silent.EVAL_REPEAT_CHANGE, "above"),
    "eval_train_loss_ratio": (silent.EVAL_LOSS_RATIO, "above"),
    "sum_ratio": (silent.SUM_RATIO, "above"),
    "input_change": (silent.IGNORED_CHANGE, "below"),
    "overlap_fraction": (leaks.OVERLAP_WARNING, "above"),
    "max_feature_correlation": (leaks.LEAK_CORRELATION, "above"),
    "lm_copy_share": (leaks.COPY_SHARE, "above"),
    "label_fit": (baseline.MIN_FIT, "below (then: the loss advantage decides)"),
    "label_generalization": (baseline.MIN_GENERALIZATION, "below (one label per item)"),
    "label_advantage": (baseline.MIN_ADVANTAGE, "below (lm, ctc; or: inconclusive)"),
    "label_single_advantage": (baseline.MIN_SINGLE_ADVANTAGE, "below (one label per item)"),
    "label_best_look_advantage": (baseline.MIN_SINGLE_ADVANTAGE, "above (decides at a look)"),
    "label_floor_advantage": (baseline.MIN_SINGLE_ADVANTAGE, "above (decides at a look, "
                              "without the shuffled run)"),
    "sequence_best_look_advantage": (baseline.MIN_ADVANTAGE, "above (decides at a look)"),
    "sequence_floor_advantage": (baseline.MIN_ADVANTAGE, "above (decides at a look, "
                                 "without the shuffled run)"),
    "label_steps_spent": (baseline.BASELINE_STEPS * 2, "max (both runs to the verdict)"),
}


def healthy_specs() -> list[Path]:
    """The shipped examples, the corpus' healthy controls and the healthy twins of its
    silent-bug cases (the same model with the bug fixed: BatchNorm-like running norms,
    functional dropout with training=self.training, a causal transformer, an LSTM, padded
    sequences), which sit closest to the thresholds."""
    controls = sorted(CORPUS.glob("*_healthy*.py")) + sorted(CORPUS.glob("*healthy_*.py"))
    demos = [p for p in demo_specs() if "bug" not in p.stem]
    twins = [twin for _, twin, _ in _corpus().twin_pairs()]
    return list(dict.fromkeys(demos + controls + twins))


def broken_specs() -> list[Path]:
    corpus = _corpus()
    return [p for p in corpus.corpus_specs() if corpus.load_meta(p)["EXPECTED"] in SILENT_CODES]


def _corpus():  # noqa: ANN202 - tests/corpus is not a package of trainprobe
    sys.path.insert(0, str(ROOT / "tests"))
    import corpus

    return corpus


def measure(path: Path, seed: int) -> tuple[dict[str, float], list[str], float]:
    spec = tp.load_spec(path)
    train, val = spec.build_data()
    started = time.perf_counter()
    ctx = Context(spec, train, 20, rung_config(spec, 20, "progressive", seed), seed,
                  val_data=val)
    ctx.loss_fn = spec.build_loss()
    ev = collect(ctx)
    ctx.untrained_loss = ev.untrained_loss
    numbers: dict[str, float] = {}
    if ev.model is not None and ev.error is None:
        numbers.update(one_batch_numbers(ctx, ev))
    numbers.update(data_numbers(ctx, ev.batch))
    numbers.update(baseline_numbers(ctx))
    seconds = time.perf_counter() - started
    findings, _ = before_training(Context(spec, train, 20, ctx.config, seed, val_data=val))
    codes = [f"{f.code}:{f.severity}" for f in findings if f.code in SILENT_CODES]
    return numbers, codes + ctx.notes, seconds


def one_batch_numbers(ctx: Context, ev) -> dict[str, float]:
    """The one-batch experiments' raw values, on the model and batch of the one-batch pass."""
    model, batch, loss = ev.model, ev.batch, loss_of(ctx)
    settle_batchnorm(model, batch)
    experiments = {
        "eval_repeat_change": lambda: eval_repeat(model, batch),
        "eval_train_loss_ratio": lambda: eval_loss_measurement(model, batch, loss, ev.loss),
        "mixing_change": lambda: batch_mixing(model, batch),
        "sum_ratio": lambda: reduction_ratio(model, batch, loss),
        "input_change": lambda: input_dependence(model, batch),
    }
    if ctx.task.token_level_targets:
        experiments["causal_change"] = lambda: causal_leak(model, batch)
    numbers: dict[str, float] = {}
    for key, run in experiments.items():
        measured = guarded(run)
        if measured.applicable:
            numbers[key] = measured.value
            if key == "mixing_change" and measured.extra["gradient"] is not None:
                numbers["gradient_share"] = measured.extra["gradient"]
    return numbers


def guarded(run: Callable[[], Measurement]) -> Measurement:
    """As in the diagnosis: a model that raises on an experiment's input (zeroed inputs
    that make an all-padding mask) gives no measurement."""
    try:
        return run()
    except Exception as error:  # noqa: BLE001 - user code: anything can be raised
        return not_applicable(f"{type(error).__name__}: {error}")


def loss_of(ctx: Context):
    return lambda outputs, batch: ctx.task.loss(outputs, batch, ctx.loss_fn)


def data_numbers(ctx: Context, batch) -> dict[str, float]:
    numbers: dict[str, float] = {}
    if ctx.val_data is not None:
        found = leaks.overlap(ctx)
        numbers["overlap_fraction"] = found[0].evidence["fraction"] if found else 0.0
    items = ctx.sample()
    if ctx.task.token_level_targets:
        shares = leaks.token_shares(batch)
        if shares is not None:
            numbers["lm_copy_share"] = max(shares["equal"], shares["shifted_right"])
    elif ctx.task.real_targets:
        saved = leaks.LEAK_CORRELATION
        leaks.LEAK_CORRELATION = -1.0
        try:
            found = leaks.feature_leak(ctx, items)
        finally:
            leaks.LEAK_CORRELATION = saved
        if found:
            numbers["max_feature_correlation"] = abs(found[0].evidence["correlation"])
    return numbers


def baseline_numbers(ctx: Context) -> dict[str, float]:
    """The verdict's statistics at the end of the full budget (every look run, none
    allowed to decide), and where the looks would have stopped the comparison."""
    runs = baseline.baseline_runs(ctx, early=False)
    if runs is None:
        return {}
    true, control = baseline.final_runs(ctx, runs)
    sign = 1.0 if ctx.task.higher_is_better else -1.0
    sequences = baseline.sequence_labels(ctx)
    numbers = {"label_advantage" if sequences else "label_single_advantage":
               true.advantage_over(control),
               "label_fit": sign * (true.train_metric - control.val_metric)}
    generalization = true.generalization(control.val_metric, ctx.task.higher_is_better)
    if generalization is not None:
        numbers["label_generalization"] = generalization
    looks = sorted(runs.true.val_loss)[1:]
    prefix = "sequence" if sequences else "label"
    numbers[f"{prefix}_best_look_advantage"] = max(
        (runs.control.val_loss[step] - runs.true.val_loss[step]) / true.initial_val
        for step in looks)
    if runs.floor is not None:
        numbers[f"{prefix}_floor_advantage"] = max(
            (runs.floor - runs.true.val_loss[step]) / true.initial_val for step in looks)
    numbers["label_steps_spent"] = steps_spent(runs, baseline.MIN_ADVANTAGE if sequences
                                               else baseline.MIN_SINGLE_ADVANTAGE)
    return numbers


def steps_spent(runs: baseline.Baseline, need: float) -> int:
    """Training steps of both runs together up to the first look that decides, in the
    order baseline_runs looks (the old baseline: 2 x 60 always)."""
    looks = sorted(runs.true.val_loss)[1:]
    if runs.floor is not None:
        for step in looks:
            if baseline.ahead(runs, step, runs.floor, need):
                return step
    for step in looks:  # then the shuffled run
        if baseline.ahead(runs, step, runs.control.val_loss[step], need):
            return looks[-1] + step
    return 2 * looks[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--specs", default="", help="only names containing these")
    parser.add_argument("--broken", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    seeds = [int(s) for s in args.seeds.split(",")]
    wanted = [w for w in args.specs.split(",") if w]
    groups = {"healthy": healthy_specs()}
    if args.broken:
        groups["broken"] = broken_specs()
    for group, paths in groups.items():
        paths = [p for p in paths if not wanted or any(w in p.stem for w in wanted)]
        ranges: dict[str, list[float]] = {}
        for path in paths:
            for seed in seeds:
                numbers, codes, seconds = measure(path, seed)
                for key, value in numbers.items():
                    ranges.setdefault(key, []).append(value)
                shown = " ".join(f"{k}={v:.3g}" for k, v in sorted(numbers.items()))
                print(f"{group} {path.stem} seed {seed} ({seconds:.2f}s): {shown}  "
                      f"findings: {codes or 'none'}", flush=True)
        print(f"\n{group}: statistic | range over {len(paths)} specs x {len(seeds)} seeds | "
              "threshold")
        for key, (threshold, direction) in THRESHOLDS.items():
            values = ranges.get(key, [])
            finite = [v for v in values if math.isfinite(v)]
            span = f"{min(finite):.3g} .. {max(finite):.3g}" if finite else "not applicable"
            if len(finite) < len(values):
                span += f" ({len(values) - len(finite)} not finite)"
            print(f"| {key} | {span} | {direction.split()[0]} {threshold:g} "
                  f"{' '.join(direction.split()[1:])}|")
        print()


if __name__ == "__main__":
    main()
