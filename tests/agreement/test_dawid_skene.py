"""Dawid–Skene EM: the paper's example reproduced, and recovery of known confusion matrices."""

from __future__ import annotations

import numpy as np
import pytest

from marketplace.agreement.dawid_skene import (
    AnswerCounts,
    dawid_skene,
    majority_vote,
)
from tests.agreement.dawid_skene_1979 import (
    PUBLISHED_OBSERVER_1,
    PUBLISHED_PATIENTS_1_TO_6,
    PUBLISHED_PRIORS,
    count_tensor,
)

# --- the paper's example ------------------------------------------------------------------------


def test_maximum_likelihood_reproduces_the_published_estimates() -> None:
    """With no smoothing (the paper's ML) and the paper's start (eq. 3.1, vote shares), every
    published number is reproduced to the two decimals the paper prints."""
    fit = dawid_skene(count_tensor(), smoothing=0.0)
    assert fit.converged
    assert np.round(fit.priors, 2).tolist() == list(PUBLISHED_PRIORS)
    assert np.round(fit.confusion[0], 2).tolist() == [list(row) for row in PUBLISHED_OBSERVER_1]
    assert np.round(fit.posteriors[:6], 2).tolist() == [list(row) for row in PUBLISHED_PATIENTS_1_TO_6]


def test_patient_2_is_class_4_although_most_ratings_say_3() -> None:
    """The paper's point: 5 of 7 ratings of patient 2 say 3, yet once the observers' error rates
    are known (observers 2 and 5 rarely say 4 wrongly) the patient is almost surely class 4."""
    counts = count_tensor()
    assert counts[1].sum(axis=0).tolist() == [0, 0, 5, 2]
    fit = dawid_skene(counts, smoothing=0.0)
    assert fit.labels[1] == 3
    assert fit.posteriors[1, 3] > 0.99


def test_default_smoothing_keeps_the_published_classifications() -> None:
    """The default α = 0.01 moves observer 1's P(rating 3 | class 4) from 0.556 to 0.554 (0.55
    where the paper prints 0.56); the priors and every patient's class stay as published."""
    counts = count_tensor()
    smoothed = dawid_skene(counts)
    exact = dawid_skene(counts, smoothing=0.0)
    assert np.round(smoothed.priors, 2).tolist() == list(PUBLISHED_PRIORS)
    assert np.abs(smoothed.confusion[0] - np.array(PUBLISHED_OBSERVER_1)).max() <= 0.01
    assert (smoothed.labels == exact.labels).all()
    assert smoothed.confusion.min() > 0  # no cell is exactly zero any more


def test_a_hard_majority_start_finds_a_worse_local_maximum() -> None:
    """Why the default start is the soft vote (eq. 3.1): one-hot majority votes converge to a
    different fixed point with a lower likelihood, where patient 2 stays in class 3."""
    counts = count_tensor()
    soft = dawid_skene(counts, smoothing=0.0, init="vote_shares")
    hard = dawid_skene(counts, smoothing=0.0, init="majority")
    assert hard.log_likelihood < soft.log_likelihood - 0.5
    assert hard.labels[1] == 2


def test_the_objective_never_decreases() -> None:
    for smoothing in (0.0, 0.01, 1.0):
        fit = dawid_skene(count_tensor(), smoothing=smoothing, tol=0.0, max_iter=60)
        assert fit.iterations > 10
        assert np.all(np.diff(fit.objectives) >= -1e-9)


def test_counts_and_triples_give_the_same_fit() -> None:
    """Observer 1's repeated ratings as a count tensor, or as one triple per rating."""
    counts = count_tensor()
    items, annotators, labels = np.nonzero(counts)
    repeats = counts[items, annotators, labels]
    triples = AnswerCounts.from_triples(
        np.repeat(items, repeats.astype(int)),
        np.repeat(annotators, repeats.astype(int)),
        np.repeat(labels, repeats.astype(int)),
    )
    assert triples.total == 45 * 7
    a, b = dawid_skene(counts), dawid_skene(triples)
    assert np.allclose(a.posteriors, b.posteriors) and np.allclose(a.confusion, b.confusion)


def test_predict_reproduces_the_posteriors_of_the_fitted_items() -> None:
    counts = AnswerCounts.from_tensor(count_tensor())
    fit = dawid_skene(counts, tol=0.0, max_iter=80)
    assert np.allclose(fit.predict(counts), fit.posteriors, atol=1e-6)


# --- synthetic data with known confusion matrices ------------------------------------------------


def _synthetic(
    rng: np.random.Generator,
    n_items: int,
    confusion: np.ndarray,
    per_item: int,
    priors: np.ndarray,
) -> tuple[AnswerCounts, np.ndarray]:
    n_annotators, n_classes, _ = confusion.shape
    truth = rng.choice(n_classes, size=n_items, p=priors)
    annotators = np.argsort(rng.random((n_items, n_annotators)), axis=1)[:, :per_item].ravel()
    items = np.repeat(np.arange(n_items), per_item)
    cumulative = np.cumsum(confusion[annotators, truth[items]], axis=1)
    labels = (rng.random(len(items))[:, None] > cumulative).sum(axis=1)
    labels = np.minimum(labels, n_classes - 1)
    counts = AnswerCounts.from_triples(
        items, annotators, labels, n_items=n_items, n_annotators=n_annotators, n_classes=n_classes
    )
    return counts, truth


def _annotator_pool(rng: np.random.Generator, n_classes: int) -> np.ndarray:
    """Three experts (90 %), six careless annotators (45 %) and three who confuse class k with
    class k + 1 systematically: the case majority vote handles worst."""
    matrices = []
    for accuracy in [0.9] * 3 + [0.45] * 6:
        matrix = np.full((n_classes, n_classes), (1 - accuracy) / (n_classes - 1))
        np.fill_diagonal(matrix, accuracy)
        matrices.append(matrix)
    for _ in range(3):
        matrix = np.full((n_classes, n_classes), 0.05 / (n_classes - 2))
        for j in range(n_classes):
            matrix[j, j] = 0.15
            matrix[j, (j + 1) % n_classes] = 0.8
        matrices.append(matrix / matrix.sum(axis=1, keepdims=True))
    order = rng.permutation(len(matrices))
    return np.array(matrices)[order]


def test_recovers_known_confusion_matrices_and_beats_majority_vote() -> None:
    rng = np.random.default_rng(20260501)
    n_classes = 4
    confusion = _annotator_pool(rng, n_classes)
    priors = np.array([0.4, 0.3, 0.2, 0.1])
    counts, truth = _synthetic(rng, 3000, confusion, per_item=5, priors=priors)
    fit = dawid_skene(counts)
    accuracy_ds = float((fit.labels == truth).mean())
    accuracy_mv = float((majority_vote(counts, np.random.default_rng(0)) == truth).mean())
    assert fit.converged
    assert accuracy_ds > accuracy_mv + 0.10, (accuracy_ds, accuracy_mv)
    assert accuracy_ds > 0.9
    assert np.abs(fit.priors - priors).max() < 0.03
    # Each annotator answered ~1,250 items, ~125 of the rarest class: rows of frequent classes are
    # estimated to within a few points, the rarest to within sampling error (±0.045 at 1 s.d.).
    error = np.abs(fit.confusion - confusion)
    assert error.mean() < 0.03
    assert error[:, :2].max() < 0.06
    assert error.max() < 0.15


def test_with_equal_annotators_it_agrees_with_majority_vote() -> None:
    """When everyone is equally good and errors are symmetric, the posterior ranks classes like
    the vote does (up to ties): no harm done."""
    rng = np.random.default_rng(7)
    n_classes = 3
    matrix = np.full((n_classes, n_classes), 0.1)
    np.fill_diagonal(matrix, 0.8)
    confusion = np.repeat(matrix[None], 6, axis=0)
    counts, _truth = _synthetic(rng, 2000, confusion, per_item=3, priors=np.full(n_classes, 1 / 3))
    fit = dawid_skene(counts)
    votes = counts.votes()
    unanimous_or_majority = votes.max(axis=1) >= 2
    assert (fit.labels[unanimous_or_majority] == votes.argmax(axis=1)[unanimous_or_majority]).all()


def test_items_without_answers_get_the_priors() -> None:
    counts = AnswerCounts.from_triples([0, 0, 1], [0, 1, 0], [1, 1, 0], n_items=3, n_classes=2)
    fit = dawid_skene(counts)
    assert np.allclose(fit.posteriors[2], fit.priors)


@pytest.mark.parametrize(
    "bad",
    [np.zeros((2, 2)), -np.ones((1, 1, 2))],
)
def test_invalid_count_tensors_are_refused(bad: np.ndarray) -> None:
    with pytest.raises(ValueError):
        AnswerCounts.from_tensor(bad)


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        dawid_skene(count_tensor(), smoothing=-1)
    with pytest.raises(ValueError):
        dawid_skene(count_tensor(), init="random")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        AnswerCounts.from_triples([0], [0], [5], n_classes=2)
