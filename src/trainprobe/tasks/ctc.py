"""CTC sequence labelling: blank = 0, labels 1..V-1, greedy decoding, WER and CER."""

from __future__ import annotations

from typing import Any

import jiwer
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import SpecError
from .base import Batch, Task, TaskStats
from .structure import first_tensor

__all__ = ["CTC"]

_BLANK = 0


class CTC(Task):
    name = "ctc"
    metric_name = "wer"
    higher_is_better = False  # wer: an error rate
    default_loss_kind = "ctc_any"
    class_scores = True
    item_targets = False
    aligned_frames = True

    def label_range(self, outputs: int) -> tuple[str, int, int] | None:
        return ("label", 1, outputs - 1)  # 0 is the blank

    def check_item(self, item: Any, index: int) -> None:
        super().check_item(item, index)
        x, y = item
        if x.ndim != 2:
            raise SpecError(
                f"dataset item {index}: input has shape {tuple(x.shape)}, expected (T, F)",
                "return one utterance per item as a float tensor of shape (time, features)",
            )
        if not isinstance(y, Tensor) or y.ndim != 1 or y.is_floating_point():
            raise SpecError(
                f"dataset item {index}: labels must be a 1-d int64 tensor (L,)",
                "return labels as torch.tensor([...], dtype=torch.long), values 1..V-1",
            )
        if y.numel() and int(y.min()) < 1:
            raise SpecError(
                f"dataset item {index}: label {int(y.min())} found, but 0 is the CTC blank",
                "shift labels to 1..V-1 and keep 0 for the blank",
            )

    def collate(self, items: Any) -> Batch:
        inputs = nn.utils.rnn.pad_sequence([x for x, _ in items], batch_first=True)
        targets = nn.utils.rnn.pad_sequence([y.long() for _, y in items], batch_first=True)
        return Batch(
            inputs,  # (N, T, F)
            targets,  # (N, L_max), padded with 0
            torch.tensor([x.shape[0] for x, _ in items]),
            torch.tensor([y.shape[0] for _, y in items]),
        )

    def output_lengths(self, outputs: Tensor, batch: Batch) -> Tensor:
        """Frames per utterance after the model: the model's own rule, which the engine
        put on the batch, else the ratio T'/T."""
        assert batch.input_lengths is not None
        if batch.output_lengths is not None:
            lengths = batch.output_lengths
        else:
            ratio = outputs.shape[1] / first_tensor(batch.inputs).shape[1]
            lengths = torch.ceil(batch.input_lengths.float() * ratio)
        return lengths.long().clamp(max=outputs.shape[1]).to(outputs.device)

    def default_loss(self, outputs: Tensor, batch: Batch) -> Tensor:
        # log_softmax is idempotent on log-probabilities, so raw scores and log-probs both
        # work here; a user's own loss gets the outputs exactly as the model made them.
        log_probs = outputs.float().log_softmax(-1).transpose(0, 1)  # (T', N, V)
        return F.ctc_loss(log_probs, batch.targets, self.output_lengths(outputs, batch),
                          batch.target_lengths, blank=_BLANK, zero_infinity=False)

    def loss(self, outputs: Tensor, batch: Batch, user_loss: Any) -> Tensor:
        if user_loss is None:
            return self.default_loss(outputs, batch)
        return user_loss(outputs, batch.targets, self.output_lengths(outputs, batch),
                         batch.target_lengths)

    def decode(self, outputs: Tensor, batch: Batch) -> list[list[int]]:
        """Greedy CTC decoding: best label per frame, merge repeats, drop blanks."""
        best = outputs.argmax(dim=-1).cpu()  # (N, T')
        lengths = self.output_lengths(outputs, batch).cpu()
        decoded = []
        for row, length in zip(best, lengths):
            frames = torch.unique_consecutive(row[: int(length)])
            decoded.append([int(t) for t in frames if int(t) != _BLANK])
        return decoded

    def score(self, outputs: Tensor, batch: Batch) -> dict[str, float]:
        assert batch.target_lengths is not None
        hypotheses = self.decode(outputs, batch)
        references = [row[: int(n)].tolist() for row, n in
                      zip(batch.targets.cpu(), batch.target_lengths.cpu())]
        return {"label_errors": _edit_counts(references, hypotheses),
                "labels": sum(map(len, references)),
                "exact": sum(r == h for r, h in zip(references, hypotheses))}

    def summarize(self, counts: dict[str, float], stats: TaskStats) -> dict[str, float]:
        error_rate = counts["label_errors"] / max(counts["labels"], 1)
        return {"wer": error_rate, "cer": error_rate,
                "sequence_accuracy": counts["exact"] / max(counts.get("items", 1), 1)}

    def memorized(self, loss: float, metrics: dict[str, float], stats: TaskStats) -> bool:
        return metrics["wer"] == 0.0 and loss < self.loss_threshold

    def untrained_loss(self, outputs: Tensor, batch: Batch, stats: TaskStats) -> float | None:
        return None  # depends on alignment counts; the one-batch check uses entropy instead



def _edit_counts(references: list[list[int]], hypotheses: list[list[int]]) -> int:
    """Label edit distance summed over utterances, via jiwer. Each label id is one unit,
    so WER and CER coincide: a spec's labels carry no word boundaries."""
    missing = sum(len(h) for r, h in zip(references, hypotheses) if not r)
    pairs = [(r, h) for r, h in zip(references, hypotheses) if r]
    if not pairs:
        return missing
    result = jiwer.process_words([" ".join(map(str, r)) for r, _ in pairs],
                                [" ".join(map(str, h)) for _, h in pairs])
    return result.substitutions + result.deletions + result.insertions + missing

