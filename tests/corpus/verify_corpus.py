"""Run every corpus spec through the overfitting ladder and check it behaves as labelled:
each fault must FAIL (a rung not memorized, or a user-code error recorded in a rung), each
healthy control must PASS every rung in its SIZES. A silent-bug case (one with a TWIN) need
not fail the ladder (that is what makes it silent); instead its witness (witness.py) must
show the bug in the case and not in its twin.

    python tests/corpus/verify_corpus.py [NAME_SUBSTRING ...]

Prints one row per spec and exits 1 if a fault passes, a control fails, a spec cannot
run, or a diagnosis code of the vocabulary has no fault in the corpus.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus import corpus_specs, load_meta  # noqa: E402
from corpus.witness import witness  # noqa: E402
from trainprobe.errors import TrainprobeError  # noqa: E402
from trainprobe.overfit import run_ladder  # noqa: E402
from trainprobe.spec import load_spec  # noqa: E402

VOCABULARY = (
    "NONFINITE", "LABEL_OUT_OF_RANGE", "TARGET_SHAPE_MISMATCH", "OUTPUT_ACTIVATION_MISMATCH",
    "LOSS_TASK_MISMATCH", "NO_GRADIENT", "VANISHING_GRADIENT", "EXPLODING_GRADIENT",
    "DEAD_UNITS", "SATURATED_ACTIVATIONS", "UNIFORM_OUTPUT", "BAD_INIT", "INPUT_SCALE",
    "TARGET_SCALE", "BATCHNORM_SMALL_BATCH", "CTC_INFEASIBLE", "DATA_NOT_DETERMINISTIC",
    "LR_TOO_HIGH", "LR_TOO_LOW", "CAPACITY", "REGULARIZATION", "OUT_OF_MEMORY",
    # silent bugs (issue 9): the ladder may pass, a witness proves the bug
    "CAUSAL_LEAK", "BATCH_MIXING", "TRAIN_EVAL_MISMATCH", "TRAIN_VAL_OVERLAP",
    "LABELS_NOT_LEARNABLE", "TARGET_LEAK", "LOSS_REDUCTION_SUM", "INPUT_IGNORED",
)


@dataclass
class Row:
    name: str
    expected: str | None
    verdict: str  # "pass" | "fail" | "crash"
    breaking_point: int | None
    seconds: float
    why: str
    witnessed: bool | None = None  # silent cases: bug in the case and not in its twin

    @property
    def ok(self) -> bool:
        if self.witnessed is not None:
            return self.witnessed and self.verdict != "crash"
        wanted = "pass" if self.expected is None else "fail"
        return self.verdict == wanted


def verify(path: Path) -> Row:
    meta = load_meta(path)
    started = time.perf_counter()
    try:
        run = run_ladder(load_spec(path), meta["SIZES"], keep_going=False)
    except TrainprobeError as error:  # a spec must fail inside a rung, not before it
        return Row(path.stem, meta["EXPECTED"], "crash", None,
                   time.perf_counter() - started, str(error)[:70])
    failed = next((r for r in run.rungs if not r.passed), None)
    why = failed.stop_reason if failed else f"memorized {meta['SIZES']}"
    # a rung that cannot run by construction (BatchNorm on one sample) is the fault's
    # signature too, though the verdict, rightly, no longer counts it as a failure
    verdict = "fail" if failed is not None and meta["EXPECTED"] is not None else run.verdict
    witnessed = None
    if meta["TWIN"] is not None:
        (value, shown), (twin_value, twin_shown) = (
            witness(path, meta["EXPECTED"]),
            witness(path.with_name(f"{meta['TWIN']}.py"), meta["EXPECTED"]))
        witnessed = shown and not twin_shown
        why = f"witness {value:.3g} (twin {twin_value:.3g}); ladder: {why}"
    return Row(path.stem, meta["EXPECTED"], verdict, run.breaking_point,
               time.perf_counter() - started, why[:70], witnessed)


def format_table(rows: list[Row]) -> str:
    lines = [f"{'file':38} {'expected':28} {'verdict':7} {'break':>5} {'sec':>6}  ok  why",
             "-" * 120]
    for r in rows:
        lines.append(f"{r.name:38} {r.expected or '(control)':28} {r.verdict:7} "
                     f"{'-' if r.breaking_point is None else r.breaking_point:>5} "
                     f"{r.seconds:6.2f}  {'ok' if r.ok else 'BAD':3} {r.why}")
    return "\n".join(lines)


def uncovered_codes(paths: list[Path]) -> list[str]:
    covered = {load_meta(p)["EXPECTED"] for p in paths}
    return [code for code in VOCABULARY if code not in covered]


def warm_up() -> float:
    """The first optimizer built in a process imports torch._dynamo (seconds on a busy
    machine); pay it once up front so the per-spec column measures the spec."""
    started = time.perf_counter()
    torch.optim.Adam(torch.nn.Linear(1, 1).parameters())
    return time.perf_counter() - started


def main(filters: list[str]) -> int:
    # Tiny models: intra-op threads only add synchronisation, and thrash on a busy machine.
    torch.set_num_threads(1)
    paths = [p for p in corpus_specs() if not filters or any(f in p.name for f in filters)]
    started = time.perf_counter()
    warm = warm_up()
    rows = [verify(p) for p in paths]
    total = time.perf_counter() - started
    print(format_table(rows))
    bad = [r.name for r in rows if not r.ok]
    faults = sum(r.expected is not None for r in rows)
    print(f"\n{len(rows)} specs ({faults} faults, {len(rows) - faults} controls) in {total:.1f} s "
          f"(incl. {warm:.1f} s one-time torch.optim import); {len(bad)} not as labelled"
          f"{': ' + ', '.join(bad) if bad else ''}")
    missing = [] if filters else uncovered_codes(paths)
    if missing:
        print(f"codes with no fault in the corpus: {', '.join(missing)}")
    return 1 if bad or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
