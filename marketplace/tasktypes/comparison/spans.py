"""Entity-level span scoring for NER: exact and partial (overlap) matching with MUC-style counts.

Each gold span and each answer span ends up in exactly one class (MUC: Chinchor & Sundheim,
"MUC-5 Evaluation Metrics", 1993; SemEval-2013 Task 9.1: Segura-Bedmar et al. 2013, §4):

* COR  correct — paired and credited in full;
* PAR  partial — paired and credited by half (overlap mode only);
* INC  incorrect — paired with an overlapping span but not credited (wrong label, or in exact mode
  wrong boundaries);
* MIS  missing — a gold span left unpaired; SPU spurious — an answer span left unpaired.

::

    POS = COR + INC + PAR + MIS      (gold spans)        ACT = COR + INC + PAR + SPU  (answer spans)
    P = (COR + w·PAR) / ACT          R = (COR + w·PAR) / POS          F1 = 2PR / (P + R)

Modes (w is the partial credit):

* ``exact`` — SemEval's *strict* schema, the CoNLL-2003 entity F1: COR = same start, end and label;
  w = 0.
* ``overlap`` — same label and at least one character in common. Exact boundaries are COR, other
  overlaps PAR with w = 0.5 (MUC's half credit, SemEval's *partial* formula, but — unlike SemEval's
  partial schema — the label must match: a wrong label earns nothing).

Pairs are chosen optimally, not greedily: first the one-to-one pairing with the most credit (ties
broken by the characters' Jaccard overlap), then among the spans left, as many overlapping pairs as
possible become INC. INC versus MIS + SPU changes no score (both add one to POS and one to ACT);
it only says which mistakes were made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
from numpy.typing import NDArray

from marketplace.tasktypes.comparison.matching import match_pairs, max_weight_matching

SpanMode = Literal["exact", "overlap"]

#: Credit of a PAR pair in overlap mode (MUC).
PARTIAL_CREDIT: Final = 0.5


@dataclass(frozen=True, slots=True)
class SpanCounts:
    """COR/PAR/INC/MIS/SPU of one answer against its gold, and the partial credit they earn."""

    correct: int
    partial: int
    incorrect: int
    missing: int
    spurious: int
    partial_credit: float

    @property
    def possible(self) -> int:
        return self.correct + self.incorrect + self.partial + self.missing

    @property
    def actual(self) -> int:
        return self.correct + self.incorrect + self.partial + self.spurious

    @property
    def credit(self) -> float:
        return self.correct + self.partial_credit * self.partial

    @property
    def precision(self) -> float:
        """Credit / ACT; 1 when the answer has no spans (nothing wrongly claimed)."""
        return self.credit / self.actual if self.actual else 1.0

    @property
    def recall(self) -> float:
        """Credit / POS; 1 when the gold has no spans."""
        return self.credit / self.possible if self.possible else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall; 1 for no spans against no spans."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_detail(self) -> dict[str, float | int]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "correct": self.correct,
            "partial": self.partial,
            "incorrect": self.incorrect,
            "missing": self.missing,
            "spurious": self.spurious,
        }


def _columns(spans: Sequence[Mapping[str, Any]]) -> tuple[NDArray[np.int64], NDArray[np.int64], list[str]]:
    starts = np.array([int(s["start"]) for s in spans], dtype=np.int64)
    ends = np.array([int(s["end"]) for s in spans], dtype=np.int64)
    return starts, ends, [str(s["label"]) for s in spans]


def span_counts(
    gold: Sequence[Mapping[str, Any]], answer: Sequence[Mapping[str, Any]], mode: SpanMode
) -> SpanCounts:
    """Classify ``answer`` spans ``{start, end, label}`` against ``gold`` spans in ``mode``."""
    g_start, g_end, g_label = _columns(gold)
    a_start, a_end, a_label = _columns(answer)
    common = np.clip(
        np.minimum(g_end[:, None], a_end[None, :]) - np.maximum(g_start[:, None], a_start[None, :]), 0, None
    )
    covered = np.maximum(g_end[:, None], a_end[None, :]) - np.minimum(g_start[:, None], a_start[None, :])
    jaccard = np.divide(common, covered, out=np.zeros(common.shape), where=covered > 0)
    overlaps = common > 0
    same_label = np.array(g_label, dtype=object)[:, None] == np.array(a_label, dtype=object)[None, :]
    same_label = same_label.reshape(common.shape).astype(bool)
    exact = same_label & (g_start[:, None] == a_start[None, :]) & (g_end[:, None] == a_end[None, :])
    partial_credit = PARTIAL_CREDIT if mode == "overlap" else 0.0
    credited = exact | (same_label & overlaps) if mode == "overlap" else exact
    credit = np.where(exact, 1.0, partial_credit)
    bonus = float(min(common.shape) + 1)
    # Most credit first; the Jaccard tie-break adds less than one half-credit step can.
    pairs = max_weight_matching(credit * 2 * bonus + jaccard, credited)
    correct = sum(1 for g, a in pairs if exact[g, a])
    partial = len(pairs) - correct
    left_gold = np.setdiff1d(np.arange(len(gold)), np.array([g for g, _ in pairs], dtype=np.int64))
    left_answer = np.setdiff1d(np.arange(len(answer)), np.array([a for _, a in pairs], dtype=np.int64))
    incorrect = len(
        match_pairs(jaccard[np.ix_(left_gold, left_answer)], overlaps[np.ix_(left_gold, left_answer)])
    )
    return SpanCounts(
        correct=correct,
        partial=partial,
        incorrect=incorrect,
        missing=len(left_gold) - incorrect,
        spurious=len(left_answer) - incorrect,
        partial_credit=partial_credit,
    )
