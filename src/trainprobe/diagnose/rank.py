"""Order findings most likely root cause first, one finding per code.

Base order: a cause confirmed by a passing rerun first; then severity (error, warning,
info); then weight, which each rule sets higher for causes than for symptoms; a cause
whose rerun still failed loses half its weight.

Then causes go before the symptoms they explain (EXPLAINS): zero init makes every ReLU
unit dead and the outputs uniform, so when BAD_INIT and DEAD_UNITS are both present,
BAD_INIT takes the better of the two places and DEAD_UNITS follows it.
"""

from __future__ import annotations

from .findings import (
    BAD_INIT,
    BATCH_MIXING,
    BATCHNORM_SMALL_BATCH,
    CAPACITY,
    CONFLICTING_LABELS,
    CONSTANT_INPUT,
    CTC_INFEASIBLE,
    DATA_NOT_DETERMINISTIC,
    DEAD_UNITS,
    EXPLODING_GRADIENT,
    INPUT_IGNORED,
    INPUT_SCALE,
    LABEL_OUT_OF_RANGE,
    LABELS_NOT_LEARNABLE,
    LOSS_REDUCTION_SUM,
    LOSS_TASK_MISMATCH,
    LR_TOO_HIGH,
    LR_TOO_LOW,
    NO_GRADIENT,
    NONFINITE,
    OUTPUT_ACTIVATION_MISMATCH,
    REGULARIZATION,
    SATURATED_ACTIVATIONS,
    SEVERITIES,
    TARGET_SCALE,
    TARGET_SHAPE_MISMATCH,
    TRAIN_EVAL_MISMATCH,
    UNIFORM_OUTPUT,
    USER_CODE_ERROR,
    VANISHING_GRADIENT,
    Finding,
)

__all__ = ["EXPLAINS", "rank"]

# symptoms every training problem produces: a plateau, a slow or unstable curve
_DYNAMIC = {CAPACITY, LR_TOO_LOW, LR_TOO_HIGH, LOSS_TASK_MISMATCH, UNIFORM_OUTPUT}

#: cause -> the findings it produces by itself
EXPLAINS: dict[str, set[str]] = {
    INPUT_SCALE: {BAD_INIT, EXPLODING_GRADIENT, DEAD_UNITS, SATURATED_ACTIVATIONS,
                  VANISHING_GRADIENT, NONFINITE} | _DYNAMIC,
    TARGET_SCALE: {BAD_INIT, EXPLODING_GRADIENT, NONFINITE} | _DYNAMIC,
    BAD_INIT: {DEAD_UNITS, NO_GRADIENT, EXPLODING_GRADIENT, VANISHING_GRADIENT,
               SATURATED_ACTIVATIONS} | _DYNAMIC,
    DEAD_UNITS: {NO_GRADIENT, VANISHING_GRADIENT} | _DYNAMIC,
    OUTPUT_ACTIVATION_MISMATCH: {VANISHING_GRADIENT, SATURATED_ACTIVATIONS, NONFINITE} | _DYNAMIC,
    LABEL_OUT_OF_RANGE: {USER_CODE_ERROR, NONFINITE} | _DYNAMIC,
    CTC_INFEASIBLE: {NONFINITE, USER_CODE_ERROR} | _DYNAMIC,
    TARGET_SHAPE_MISMATCH: _DYNAMIC,
    REGULARIZATION: _DYNAMIC,
    DATA_NOT_DETERMINISTIC: {CONSTANT_INPUT, CONFLICTING_LABELS, DEAD_UNITS} | _DYNAMIC,
    CONSTANT_INPUT: {DEAD_UNITS} | _DYNAMIC,
    CONFLICTING_LABELS: _DYNAMIC,
    NO_GRADIENT: {VANISHING_GRADIENT} | _DYNAMIC,
    BATCHNORM_SMALL_BATCH: {USER_CODE_ERROR} | _DYNAMIC,
    VANISHING_GRADIENT: {NO_GRADIENT} | _DYNAMIC,
    SATURATED_ACTIVATIONS: {NO_GRADIENT, VANISHING_GRADIENT} | _DYNAMIC,
    EXPLODING_GRADIENT: {NONFINITE, LR_TOO_HIGH},
    NONFINITE: {LOSS_TASK_MISMATCH, UNIFORM_OUTPUT, CAPACITY},
    LR_TOO_HIGH: {NONFINITE, DEAD_UNITS, CAPACITY, LOSS_TASK_MISMATCH},
    UNIFORM_OUTPUT: {CAPACITY},
    LR_TOO_LOW: {UNIFORM_OUTPUT, CAPACITY},
    # silent bugs (issue 9)
    BATCH_MIXING: _DYNAMIC,
    TRAIN_EVAL_MISMATCH: _DYNAMIC,
    LABELS_NOT_LEARNABLE: _DYNAMIC,
    INPUT_IGNORED: {UNIFORM_OUTPUT, NO_GRADIENT} | _DYNAMIC,
    LOSS_REDUCTION_SUM: {LR_TOO_HIGH, EXPLODING_GRADIENT, NONFINITE, BAD_INIT},
}
# a network that passes no signal (dead or saturated units, zero init, vanishing
# gradients) or inputs that are all alike make the outputs input-independent
for _cause in (DEAD_UNITS, BAD_INIT, SATURATED_ACTIVATIONS, VANISHING_GRADIENT, CONSTANT_INPUT,
               DATA_NOT_DETERMINISTIC):
    EXPLAINS[_cause] = EXPLAINS[_cause] | {INPUT_IGNORED}


def rank(findings: list[Finding]) -> list[Finding]:
    unique = _dedupe(sorted(findings, key=_base_key))
    live = [f for f in unique if f.confirmed is not False]  # refuted causes explain nothing
    explained = {id(s) for c in live for s in unique if s is not c and s.code in
                 EXPLAINS.get(c.code, ()) and not (c.code in EXPLAINS.get(s.code, ())
                                                    and _base_key(s) < _base_key(c))}

    def lifted(finding: Finding, seen: frozenset[int]) -> tuple:
        best = _base_key(finding)
        if finding.confirmed is False:
            return best
        for symptom in unique:
            if symptom.confirmed and not finding.confirmed:
                continue  # never lift an unconfirmed cause above a confirmed one
            if id(symptom) not in seen and symptom.code in EXPLAINS.get(finding.code, ()):
                best = min(best, lifted(symptom, seen | {id(symptom)}))
        return best

    return sorted(unique, key=lambda f: (lifted(f, frozenset({id(f)})), id(f) in explained,
                                         _base_key(f)))


def _base_key(finding: Finding) -> tuple:
    confirmed = finding.confirmed
    weight = finding.weight * (0.5 if confirmed is False else 1.0)
    return (0 if confirmed else 1, SEVERITIES.index(finding.severity), -weight)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Keep the best-placed finding per code (input is sorted); the places of the others
    go into its evidence as `also_at`."""
    kept: dict[str, Finding] = {}
    for finding in findings:
        first = kept.get(finding.code)
        if first is None:
            kept[finding.code] = finding
        elif finding.where and finding.where != first.where:
            also = first.evidence.setdefault("also_at", [])
            if finding.where not in also:
                also.append(finding.where)
    return list(kept.values())
