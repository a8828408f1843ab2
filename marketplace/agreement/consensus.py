"""Consensus of an item's answers: one answer, how sure we are, and how far each annotator agrees.

Every method returns a :class:`Consensus`. Per task type (:func:`consensus_for`), the method, the
consensus answer, and the raw agreement ``r`` its confidence comes from:

* classification — ``majority_vote`` (or ``weighted_vote`` with weights): the label with the most
  weight; ``r`` = its share of the weight.
* multi_label_classification — ``multi_label_majority``: every label chosen by more than half the
  weight; ``r`` = mean decisiveness over the labels anyone chose.
* ner — ``span_majority``: every (start, end, label) marked by at least half the weight; ``r`` =
  mean decisiveness over the spans anyone marked.
* rating — ``weighted_median``: the weighted median rating; ``r`` = 1 − IQR / scale width.
* pairwise_preference — ``davidson``: A, B or tie, the likeliest under Davidson's model; ``r`` = its
  probability.
* audio_transcription — ``transcript_medoid``: the transcript nearest all the others (normalised
  edit distance); ``r`` = 1 − its mean distance.
* image_bounding_box — ``box_clustering``: fused boxes of the IoU clusters a majority drew; ``r`` =
  mean decisiveness over clusters.
* image_polygon, image_keypoints, segmentation_mask — ``medoid``: the answer most similar to all
  the others, similarity being the task type's answer comparison; ``r`` = its mean similarity.
* Across a batch of classification items, :func:`dawid_skene_consensus`: the label with the highest
  posterior under Dawid–Skene; confidence = that posterior.

*Decisiveness* of a candidate (a label, a span, a box cluster) with weight share ``s`` is
``max(s, 1 − s)``: 1 when everyone agrees it is in or out, ½ when the annotators split evenly.

**Weights.** ``weights`` maps annotator ids to non-negative weights, usually the qualification
trust score (``qualification.service.trust_score``, the posterior mean accuracy on hidden gold).
None means one vote each; an annotator missing from a given mapping gets :data:`NEUTRAL_WEIGHT`,
a newcomer's trust. :func:`log_odds_weight` turns an accuracy into the weight that makes a weighted
vote optimal for independent annotators (Nitzan & Paroush 1982), if the caller prefers it.

**Confidence** is in [0, 1]: the raw agreement ``r`` above shrunk by one pseudo-answer that agrees
with nothing::

    confidence = r · n / (n + 1)            n = number of answers

so it reflects how many answers it rests on: a single answer gets ½ (whatever it says), two that
agree ⅔, three that agree ¾, a 2–1 vote ½ (⅔ · ¾). Dawid–Skene reports its posterior probability
instead, which accounts for n by itself.

**Resolved** means the service may stop asking (dynamic overlap): at least ``min_answers`` answers
(default 2: one judgment is never a consensus), the method's majority condition (a unique winner
with more than half the weight; no label, span or box cluster split exactly in half; NER spans that
fit together), and ``confidence ≥ min_confidence``. With the defaults a strict majority of two or
more answers resolves; raise ``min_confidence`` to demand more (0.6: 2–0, 3–0, 3–1 or 4–1).

**Ties and undefined cases** never raise for valid answers. No answers: ``answer=None``,
confidence 0. A tie for the top (two labels, A against B): ``answer=None``, ``resolved=False``,
confidence the tied candidates' share, the tied candidates in ``support["tied"]``. A plurality
without a majority: the plurality winner as ``answer`` (the best candidate), ``resolved=False``.

**Agreement** maps every annotator to the comparison of their answer with the consensus answer,
by the task type's answer comparison, the one gold scoring uses (``tasktypes.comparison.answers``:
exact match, Jaccard, span F1, rating tolerance, 1 − WER, box F1...); Dawid–Skene gives the
posterior probability of the label
each annotator chose. Empty when there is no consensus answer: a tie says nothing about who was
right.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Generic, Protocol, TypeVar

import numpy as np

from marketplace.agreement.boxes import DEFAULT_CLUSTER_IOU, cluster_boxes
from marketplace.agreement.bradley_terry import davidson_pair
from marketplace.agreement.dawid_skene import (
    DEFAULT_SMOOTHING,
    AnswerCounts,
    DawidSkeneResult,
    Initialisation,
    dawid_skene,
)
from marketplace.agreement.medoid import weighted_medoid
from marketplace.agreement.transcripts import joined_transcript, transcript_distances
from marketplace.agreement.weighted import weighted_median, weighted_quantile
from marketplace.tasktypes.comparison.answers import compare_answers, transcript_unit_setting

#: Answers of one item by annotator id, each valid for the item's task type.
Answers = Mapping[int, Mapping[str, Any]]

#: Confidence a consensus needs to be resolved, unless the caller says otherwise.
DEFAULT_MIN_CONFIDENCE: Final = 0.5
#: Fewest answers that can resolve an item: one judgment is never a consensus.
MIN_ANSWERS: Final = 2
#: Pseudo-answers that agree with nothing, shrinking the confidence of small samples.
PSEUDO_ANSWERS: Final = 1.0
#: Weight of an annotator the caller gave no weight for: the trust score of a newcomer (the mean
#: of the Beta(2, 2) prior of ``qualification.service``).
NEUTRAL_WEIGHT: Final = 0.5
#: Slack when comparing weights and shares (sums of floats).
_EPSILON: Final = 1e-9


@dataclass(frozen=True)
class Consensus:
    """The consensus of one item's answers.

    * ``answer`` — a valid answer of the task type, or None when there is none (no answers, a tie);
    * ``confidence`` — in [0, 1] (see the module docstring for what it is per method);
    * ``resolved`` — whether it is settled enough to stop asking for judgments;
    * ``method`` — how it was reached (``"majority_vote"``, ``"dawid_skene"``...);
    * ``support`` — the method's numbers (plain JSON values): weights, shares, clusters...;
    * ``agreement`` — annotator id → agreement of their answer with ``answer``, in [0, 1].
    """

    answer: dict[str, Any] | None
    confidence: float
    resolved: bool
    method: str
    support: dict[str, Any]
    agreement: dict[int, float]


class ConsensusMethod(Protocol):
    """The shape of every per-type consensus function."""

    def __call__(
        self,
        answers: Answers,
        weights: Mapping[int, float] | None = None,
        *,
        payload: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        language: str | None = None,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        min_answers: int = MIN_ANSWERS,
    ) -> Consensus: ...


# --- shared pieces ---------------------------------------------------------------------------------


def answer_weights(answers: Answers, weights: Mapping[int, float] | None) -> dict[int, float]:
    """The weight of every annotator who answered: 1 each without ``weights``, ``NEUTRAL_WEIGHT``
    for one the mapping lacks. All-zero weights count as equal (nobody is trusted more).
    ``ValueError`` for a negative, infinite or NaN weight."""
    if weights is None:
        return dict.fromkeys(answers, 1.0)
    chosen = {annotator: float(weights.get(annotator, NEUTRAL_WEIGHT)) for annotator in answers}
    for annotator, weight in chosen.items():
        if not (weight >= 0 and math.isfinite(weight)):
            raise ValueError(f"weight of annotator {annotator} must be finite and ≥ 0, not {weight}")
    if chosen and sum(chosen.values()) <= 0:
        return dict.fromkeys(answers, 1.0)
    return chosen


def log_odds_weight(accuracy: float, n_classes: int) -> float:
    """``max(0, log((K − 1)·a / (1 − a)))``: the vote weight that maximises the probability that a
    weighted vote is right when each annotator is right with probability ``a`` and otherwise picks
    one of the K − 1 wrong classes at random, independently (Nitzan & Paroush 1982; Shapley &
    Grofman 1984). No better than chance (a ≤ 1/K) weighs 0; ``a`` is clipped to [0, 1 − 1e-6]."""
    if n_classes < 2:
        raise ValueError("n_classes must be at least 2")
    a = min(max(float(accuracy), 0.0), 1.0 - 1e-6)
    if a <= 0:
        return 0.0
    return max(0.0, math.log((n_classes - 1) * a / (1 - a)))


def shrunk_confidence(agreement: float, n_answers: int) -> float:
    """``agreement · n / (n + PSEUDO_ANSWERS)``, clipped to [0, 1]."""
    value = agreement * n_answers / (n_answers + PSEUDO_ANSWERS) if n_answers > 0 else 0.0
    return min(1.0, max(0.0, value))


def _resolved(
    settled: bool, confidence: float, n_answers: int, min_confidence: float, min_answers: int
) -> bool:
    return settled and n_answers >= min_answers and confidence >= min_confidence - _EPSILON


def _agreement(
    task_type: str,
    answers: Answers,
    answer: Mapping[str, Any] | None,
    payload: Mapping[str, Any] | None,
    config: Mapping[str, Any] | None,
    language: str | None,
) -> dict[int, float]:
    if answer is None:
        return {}
    return {
        annotator: compare_answers(task_type, given, answer, payload, config, language).value
        for annotator, given in answers.items()
    }


def _no_answers(method: str) -> Consensus:
    return Consensus(None, 0.0, False, method, {"answers": 0}, {})


def _decisiveness(shares: Sequence[float]) -> float:
    """Mean of ``max(s, 1 − s)`` over candidates; 1 when there are none (all agree on nothing)."""
    return float(np.mean([max(s, 1.0 - s) for s in shares])) if shares else 1.0


def _tally(values: Mapping[int, str], weights: Mapping[int, float]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for annotator, value in values.items():
        totals[value] = totals.get(value, 0.0) + weights[annotator]
    return totals


def _top(totals: Mapping[str, float]) -> tuple[list[str], float]:
    """The candidates with the most weight (several when tied) and that weight."""
    best = max(totals.values())
    return [value for value, weight in totals.items() if weight >= best - _EPSILON], best


def _check_threshold(min_confidence: float) -> None:
    if not 0.0 <= min_confidence <= 1.0:
        raise ValueError("min_confidence must be in [0, 1]")


# --- labels ------------------------------------------------------------------------------------


def classification_consensus(
    answers: Answers,
    weights: Mapping[int, float] | None = None,
    *,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    min_answers: int = MIN_ANSWERS,
) -> Consensus:
    """Majority vote over ``{"label"}`` answers, or the trust-weighted vote when ``weights`` are
    given (one annotator with more weight than two others together outvotes them)::

        winner = argmax_l Σ_{k: label_k = l} w_k,       r = W_winner / Σ_k w_k

    Settled when the winner is unique and has more than half the weight.
    """
    method = "majority_vote" if weights is None else "weighted_vote"
    if not answers:
        return _no_answers(method)
    w = answer_weights(answers, weights)
    totals = _tally({annotator: str(answer["label"]) for annotator, answer in answers.items()}, w)
    leaders, best = _top(totals)
    total = sum(w.values())
    share = best / total
    answer = {"label": leaders[0]} if len(leaders) == 1 else None
    confidence = shrunk_confidence(share, len(answers))
    support: dict[str, Any] = {"answers": len(answers), "weights": {str(k): v for k, v in totals.items()}}
    support["share"] = share
    if answer is None:
        support["tied"] = sorted(str(label) for label in leaders)
    settled = answer is not None and share > 0.5 + _EPSILON
    return Consensus(
        answer=answer,
        confidence=confidence,
        resolved=_resolved(settled, confidence, len(answers), min_confidence, min_answers),
        method=method,
        support=support,
        agreement=_agreement("classification", answers, answer, payload, config, language),
    )


def multi_label_consensus(
    answers: Answers,
    weights: Mapping[int, float] | None = None,
    *,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    min_answers: int = MIN_ANSWERS,
) -> Consensus:
    """Per-label majority over ``{"labels"}`` answers: a label is in the consensus when the
    annotators who chose it carry more than half the weight (a strict majority, so two annotators
    disagreeing on a label leave it out, and the item unsettled).

    The project's ``min_labels`` / ``max_labels`` still hold: too few labels are topped up with the
    next best supported ones, too many cut to the best supported; either way the item is unsettled.
    ``r`` is the mean decisiveness over every label anyone chose.
    """
    method = "multi_label_majority"
    if not answers:
        return _no_answers(method)
    settings = config or {}
    w = answer_weights(answers, weights)
    total = sum(w.values())
    chosen: dict[str, float] = {}
    for annotator, answer in answers.items():
        for label in set(map(str, answer.get("labels", []))):
            chosen[label] = chosen.get(label, 0.0) + w[annotator]
    shares = {label: weight / total for label, weight in chosen.items()}
    ranked = sorted(shares, key=lambda label: (-shares[label], label))
    kept = [label for label in ranked if shares[label] > 0.5 + _EPSILON]
    undecided = sorted(label for label in ranked if abs(shares[label] - 0.5) <= _EPSILON)
    fewest, most = int(settings.get("min_labels", 1)), settings.get("max_labels")
    adjusted = False
    if len(kept) < fewest:
        kept = ranked[: max(fewest, len(kept))]
        adjusted = True
    if most is not None and len(kept) > int(most):
        kept = kept[: int(most)]
        adjusted = True
    answer = {"labels": kept}
    confidence = shrunk_confidence(_decisiveness(list(shares.values())), len(answers))
    settled = not undecided and not adjusted
    return Consensus(
        answer=answer,
        confidence=confidence,
        resolved=_resolved(settled, confidence, len(answers), min_confidence, min_answers),
        method=method,
        support={"answers": len(answers), "shares": shares, "undecided": undecided, "adjusted": adjusted},
        agreement=_agreement("multi_label_classification", answers, answer, payload, config, language),
    )


def ner_consensus(
    answers: Answers,
    weights: Mapping[int, float] | None = None,
    *,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    min_answers: int = MIN_ANSWERS,
) -> Consensus:
    """Span-level majority over ``{"spans"}`` answers: a span ``(start, end, label)`` is kept when
    the annotators who marked exactly it carry at least half the weight.

    Kept spans that may not overlap (any two without ``allow_overlap``, two of the same label with
    it) are settled by support: the better supported span stays (then the earlier, then the
    shorter), the other goes, and the item is unsettled. So is an item with a span marked by
    exactly half the weight: kept, but disputed. ``r`` is the mean decisiveness over all spans
    anyone marked.
    """
    method = "span_majority"
    if not answers:
        return _no_answers(method)
    allow_overlap = bool((config or {}).get("allow_overlap", False))
    w = answer_weights(answers, weights)
    total = sum(w.values())
    marked: dict[tuple[int, int, str], float] = {}
    for annotator, answer in answers.items():
        spans = {(int(s["start"]), int(s["end"]), str(s["label"])) for s in answer.get("spans", [])}
        for span in spans:
            marked[span] = marked.get(span, 0.0) + w[annotator]
    shares = {span: weight / total for span, weight in marked.items()}
    candidates = sorted(
        (span for span, share in shares.items() if share >= 0.5 - _EPSILON),
        key=lambda span: (-shares[span], span[0], span[1] - span[0], span[2]),
    )
    kept: list[tuple[int, int, str]] = []
    dropped: list[tuple[int, int, str]] = []
    for start, end, label in candidates:
        clash = any(
            start < other_end and other_start < end and (not allow_overlap or label == other_label)
            for other_start, other_end, other_label in kept
        )
        (dropped if clash else kept).append((start, end, label))
    kept.sort()
    answer = {"spans": [{"start": s, "end": e, "label": label} for s, e, label in kept]}
    disputed = any(abs(shares[span] - 0.5) <= _EPSILON for span in kept)
    confidence = shrunk_confidence(_decisiveness(list(shares.values())), len(answers))
    support = {
        "answers": len(answers),
        "spans": [
            {"start": s, "end": e, "label": label, "share": shares[(s, e, label)]}
            for s, e, label in sorted(shares)
        ],
        "conflicts": [{"start": s, "end": e, "label": label} for s, e, label in dropped],
    }
    return Consensus(
        answer=answer,
        confidence=confidence,
        resolved=_resolved(
            not dropped and not disputed, confidence, len(answers), min_confidence, min_answers
        ),
        method=method,
        support=support,
        agreement=_agreement("ner", answers, answer, payload, config, language),
    )


# --- scales and choices ----------------------------------------------------------------------------


def rating_consensus(
    answers: Answers,
    weights: Mapping[int, float] | None = None,
    *,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    min_answers: int = MIN_ANSWERS,
) -> Consensus:
    """The weighted median of ``{"rating"}`` answers (one of the ratings given, so it stays on the
    scale's steps; see ``weighted.weighted_median``), with an IQR-based agreement::

        r = 1 − min(1, (Q₃ − Q₁) / (max − min))

    over the project's scale (config ``min``/``max``, default 1–5), quartiles weighted as in
    ``weighted.weighted_quantile``. Ratings all equal give r = 1; split between the ends, 0.
    """
    method = "weighted_median"
    if not answers:
        return _no_answers(method)
    settings = config or {}
    w = answer_weights(answers, weights)
    annotators = sorted(answers)
    ratings = [float(answers[a]["rating"]) for a in annotators]
    weight_list = [w[a] for a in annotators]
    if sum(weight_list) <= 0:
        weight_list = [1.0] * len(annotators)
    median = weighted_median(ratings, weight_list)
    # Keep the rating as it was given (an int stays an int).
    original = next(answers[a]["rating"] for a, r in zip(annotators, ratings, strict=True) if r == median)
    q1, q3 = weighted_quantile(ratings, weight_list, 0.25), weighted_quantile(ratings, weight_list, 0.75)
    width = float(settings.get("max", 5)) - float(settings.get("min", 1))
    spread = min(1.0, (q3 - q1) / width) if width > 0 else 0.0
    confidence = shrunk_confidence(1.0 - spread, len(answers))
    answer = {"rating": original}
    mean = float(np.average(ratings, weights=weight_list))
    return Consensus(
        answer=answer,
        confidence=confidence,
        resolved=_resolved(True, confidence, len(answers), min_confidence, min_answers),
        method=method,
        support={"answers": len(answers), "median": median, "q1": q1, "q3": q3, "iqr": q3 - q1, "mean": mean},
        agreement=_agreement("rating", answers, answer, payload, config, language),
    )


def pairwise_consensus(
    answers: Answers,
    weights: Mapping[int, float] | None = None,
    *,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    min_answers: int = MIN_ANSWERS,
) -> Consensus:
    """One response pair: Davidson's model fitted to the (weighted) ``{"preference"}`` votes, in
    closed form (``bradley_terry.davidson_pair``): P(A), P(B) and P(tie) are the vote shares,
    π_A/π_B = W_A/W_B and ν = W_tie/√(W_A·W_B). The consensus is the likeliest outcome, settled
    when its probability is above ½; A and B equally likely (and ahead of a tie) is a tie for the
    top, not a "tie" answer.

    When the project collects ratings of each response (``rating_scale`` not null) and at least
    half the answers carry them, the consensus also has ``ratings``: the weighted median of each.
    """
    method = "davidson"
    if not answers:
        return _no_answers(method)
    settings = config or {}
    w = answer_weights(answers, weights)
    totals = {"A": 0.0, "B": 0.0, "tie": 0.0}
    for annotator, given in answers.items():
        totals[str(given["preference"])] += w[annotator]
    fit = davidson_pair(totals["A"], totals["B"], totals["tie"])
    leaders, best = _top(fit.probabilities)
    answer: dict[str, Any] | None = {"preference": leaders[0]} if len(leaders) == 1 else None
    rated = [a for a, given in answers.items() if isinstance(given.get("ratings"), Mapping)]
    if (
        answer is not None
        and settings.get("rating_scale", {}) is not None
        and rated
        and 2 * len(rated) >= len(answers)
    ):
        rated_weights = [w[a] if w[a] > 0 else 1.0 for a in rated]
        answer["ratings"] = {
            side: weighted_median([float(answers[a]["ratings"][side]) for a in rated], rated_weights)
            for side in ("a", "b")
        }
    confidence = shrunk_confidence(best, len(answers))
    support: dict[str, Any] = {
        "answers": len(answers),
        "weights": totals,
        "probabilities": fit.probabilities,
        "preference_a": fit.preference_a,
        "tie_parameter": fit.tie_parameter if math.isfinite(fit.tie_parameter) else None,
    }
    if answer is None:
        support["tied"] = sorted(str(outcome) for outcome in leaders)
    settled = answer is not None and best > 0.5 + _EPSILON
    return Consensus(
        answer=answer,
        confidence=confidence,
        resolved=_resolved(settled, confidence, len(answers), min_confidence, min_answers),
        method=method,
        support=support,
        agreement=_agreement("pairwise_preference", answers, answer, payload, config, language),
    )


# --- transcripts and shapes -----------------------------------------------------------------------


def _medoid_consensus(
    task_type: str,
    method: str,
    answers: Answers,
    distances: np.ndarray,
    annotators: list[int],
    w: Mapping[int, float],
    *,
    payload: Mapping[str, Any] | None,
    config: Mapping[str, Any] | None,
    language: str | None,
    min_confidence: float,
    min_answers: int,
) -> Consensus:
    index, mean_distance = weighted_medoid(distances, [w[a] for a in annotators])
    chosen = annotators[index]
    answer = dict(answers[chosen])
    confidence = shrunk_confidence(1.0 - mean_distance, len(answers))
    support = {
        "answers": len(answers),
        "medoid": chosen,
        "mean_distance": mean_distance,
        "distances": {str(a): float(distances[index, i]) for i, a in enumerate(annotators)},
    }
    return Consensus(
        answer=answer,
        confidence=confidence,
        resolved=_resolved(True, confidence, len(answers), min_confidence, min_answers),
        method=method,
        support=support,
        agreement=_agreement(task_type, answers, answer, payload, config, language),
    )


def transcript_consensus(
    answers: Answers,
    weights: Mapping[int, float] | None = None,
    *,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    min_answers: int = MIN_ANSWERS,
) -> Consensus:
    """The medoid transcript (``transcripts``): least weighted normalised edit distance to the
    others, after the per-language normalisation; words, or characters for languages without
    spaces (``transcript_metric`` forces ``"wer"`` or ``"cer"``). ``r`` = 1 − its weighted mean
    distance to the others. Ties go to the heavier annotator, then the lower id."""
    method = "transcript_medoid"
    if not answers:
        return _no_answers(method)
    w = answer_weights(answers, weights)
    unit = transcript_unit_setting(config)
    annotators = sorted(answers)
    texts = [joined_transcript(answers[a]) for a in annotators]
    distances = transcript_distances(texts, language, unit)
    return _medoid_consensus(
        "audio_transcription",
        method,
        answers,
        distances,
        annotators,
        w,
        payload=payload,
        config=config,
        language=language,
        min_confidence=min_confidence,
        min_answers=min_answers,
    )


def _comparison_medoid(task_type: str) -> ConsensusMethod:
    def consensus(
        answers: Answers,
        weights: Mapping[int, float] | None = None,
        *,
        payload: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        language: str | None = None,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        min_answers: int = MIN_ANSWERS,
    ) -> Consensus:
        """The answer most similar to the others, similarity being the task type's answer
        comparison averaged both ways (``(s(a, b) + s(b, a)) / 2``: polygon F1 at IoU ≥ 0.5, keypoint F1 at
        OKS ≥ 0.5, mean mask IoU); ``r`` = its weighted mean similarity to the others."""
        if not answers:
            return _no_answers("medoid")
        w = answer_weights(answers, weights)
        annotators = sorted(answers)
        n = len(annotators)
        distances = np.zeros((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                first, second = answers[annotators[i]], answers[annotators[j]]
                there = compare_answers(task_type, first, second, payload, config, language).value
                back = compare_answers(task_type, second, first, payload, config, language).value
                distances[i, j] = distances[j, i] = 1.0 - (there + back) / 2
        return _medoid_consensus(
            task_type,
            "medoid",
            answers,
            distances,
            annotators,
            w,
            payload=payload,
            config=config,
            language=language,
            min_confidence=min_confidence,
            min_answers=min_answers,
        )

    return consensus


def box_consensus(
    answers: Answers,
    weights: Mapping[int, float] | None = None,
    *,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    min_answers: int = MIN_ANSWERS,
) -> Consensus:
    """IoU clustering of ``{"boxes"}`` answers (``boxes.cluster_boxes``): same-label boxes of
    different annotators with IoU ≥ ``iou_threshold`` (config, default 0.5) form a cluster, at most
    one box per annotator; clusters drawn by more than half the weight become weight-averaged
    boxes. ``r`` is the mean decisiveness over clusters; a cluster drawn by exactly half the weight
    leaves the item unsettled."""
    method = "box_clustering"
    if not answers:
        return _no_answers(method)
    threshold = float((config or {}).get("iou_threshold", DEFAULT_CLUSTER_IOU))
    w = answer_weights(answers, weights)
    clusters = cluster_boxes(answers, w, threshold)
    answer = {
        "boxes": [
            {"label": c.label, "x": c.box[0], "y": c.box[1], "width": c.box[2], "height": c.box[3]}
            for c in clusters
            if c.kept
        ]
    }
    undecided = any(abs(c.support - 0.5) <= _EPSILON for c in clusters)
    confidence = shrunk_confidence(_decisiveness([c.support for c in clusters]), len(answers))
    support = {
        "answers": len(answers),
        "iou_threshold": threshold,
        "clusters": [
            {
                "label": c.label,
                "box": list(c.box),
                "annotators": sorted(c.members),
                "support": c.support,
                "mean_iou": c.mean_iou,
                "kept": c.kept,
            }
            for c in clusters
        ],
    }
    return Consensus(
        answer=answer,
        confidence=confidence,
        resolved=_resolved(not undecided, confidence, len(answers), min_confidence, min_answers),
        method=method,
        support=support,
        agreement=_agreement("image_bounding_box", answers, answer, payload, config, language),
    )


# --- Dawid–Skene over a batch ---------------------------------------------------------------------

ItemKey = TypeVar("ItemKey", bound=Hashable)


@dataclass(frozen=True)
class BatchConsensus(Generic[ItemKey]):
    """Dawid–Skene consensus of a batch of classification items.

    ``items`` has a :class:`Consensus` per item; ``fit`` the model, whose annotator axis follows
    ``annotators`` and class axis ``labels`` (``fit.confusion[k]`` is annotator ``annotators[k]``'s
    confusion matrix, rows = true label).
    """

    items: dict[ItemKey, Consensus]
    fit: DawidSkeneResult
    annotators: tuple[int, ...]
    labels: tuple[str, ...]


def dawid_skene_consensus(
    answers_by_item: Mapping[ItemKey, Answers],
    labels: Sequence[str] | None = None,
    *,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    min_answers: int = MIN_ANSWERS,
    smoothing: float = DEFAULT_SMOOTHING,
    init: Initialisation = "vote_shares",
) -> BatchConsensus[ItemKey]:
    """Fit Dawid–Skene (``dawid_skene``) to the ``{"label"}`` answers of many items at once, and
    give each item its consensus: the label with the highest posterior, confidence = that
    posterior, resolved when it is ≥ ``min_confidence`` and the item has ``min_answers`` answers.
    Agreement of an annotator = the posterior probability of the label they chose.

    ``labels`` fixes the class order (the ontology's labels); labels found only in answers follow.
    Trust weights are not used: the model estimates each annotator's reliability from the data.
    """
    _check_threshold(min_confidence)
    found = sorted({str(a["label"]) for answers in answers_by_item.values() for a in answers.values()})
    classes = list(dict.fromkeys([*(labels or []), *found]))
    class_index = {label: j for j, label in enumerate(classes)}
    annotators = sorted({annotator for answers in answers_by_item.values() for annotator in answers})
    annotator_index = {annotator: k for k, annotator in enumerate(annotators)}
    keys = list(answers_by_item)
    rows, cols, values = [], [], []
    for i, key in enumerate(keys):
        for annotator, answer in answers_by_item[key].items():
            rows.append(i)
            cols.append(annotator_index[annotator])
            values.append(class_index[str(answer["label"])])
    counts = AnswerCounts.from_triples(
        rows, cols, values, n_items=len(keys), n_annotators=len(annotators), n_classes=len(classes)
    )
    fit = dawid_skene(counts, smoothing=smoothing, init=init)
    items: dict[ItemKey, Consensus] = {}
    for i, key in enumerate(keys):
        answers = answers_by_item[key]
        if not answers or not classes:
            items[key] = _no_answers("dawid_skene")
            continue
        posterior = fit.posteriors[i]
        best = int(np.argmax(posterior))
        confidence = float(posterior[best])
        items[key] = Consensus(
            answer={"label": classes[best]},
            confidence=confidence,
            resolved=_resolved(True, confidence, len(answers), min_confidence, min_answers),
            method="dawid_skene",
            support={
                "answers": len(answers),
                "posterior": {label: float(p) for label, p in zip(classes, posterior, strict=True)},
            },
            agreement={
                annotator: float(posterior[class_index[str(answer["label"])]])
                for annotator, answer in answers.items()
            },
        )
    return BatchConsensus(items=items, fit=fit, annotators=tuple(annotators), labels=tuple(classes))


# --- dispatch --------------------------------------------------------------------------------------

#: The consensus method of each task type, by the task type's stable name.
CONSENSUS_METHODS: Final[Mapping[str, ConsensusMethod]] = MappingProxyType(
    {
        "classification": classification_consensus,
        "multi_label_classification": multi_label_consensus,
        "ner": ner_consensus,
        "rating": rating_consensus,
        "pairwise_preference": pairwise_consensus,
        "audio_transcription": transcript_consensus,
        "image_bounding_box": box_consensus,
        "image_polygon": _comparison_medoid("image_polygon"),
        "image_keypoints": _comparison_medoid("image_keypoints"),
        "segmentation_mask": _comparison_medoid("segmentation_mask"),
    }
)


def consensus_for(
    task_type: str,
    answers: Answers,
    payload: Mapping[str, Any] | None,
    config: Mapping[str, Any] | None,
    language: str | None,
    weights: Mapping[int, float] | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    *,
    min_answers: int = MIN_ANSWERS,
) -> Consensus:
    """The consensus of one item's ``answers`` (annotator id → answer) with the method of
    ``task_type`` (table in the module docstring).

    ``payload`` is the item's, ``config`` the project's task config, ``language`` the item's BCP 47
    language (transcripts are normalised and tokenised for it), ``weights`` annotator id → trust.
    ``ValueError`` for an unknown task type, a bad weight or threshold — never for valid answers.
    """
    method = CONSENSUS_METHODS.get(task_type)
    if method is None:
        raise ValueError(f"no consensus method for task type {task_type!r}")
    _check_threshold(min_confidence)
    return method(
        answers,
        weights,
        payload=payload,
        config=config,
        language=language,
        min_confidence=min_confidence,
        min_answers=min_answers,
    )
