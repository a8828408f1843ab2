"""Dawid–Skene: the true class of each item and a confusion matrix per annotator, by EM.

Model (Dawid & Skene, "Maximum likelihood estimation of observer error-rates using the EM
algorithm", JRSS C 28(1), 1979, §2). Item i has a hidden true class j with prior ``p_j``. Annotator
k, given an item of class j, answers l with probability ``π⁽ᵏ⁾_jl`` (row j of k's confusion
matrix), independently of the other annotators once the class is known. With ``n⁽ᵏ⁾_il`` the number
of times k answered l on item i (repeated ratings are allowed: the paper's observer 1 rated every
patient three times), the likelihood is (D&S eq. 2.7)::

    L = Π_i Σ_j p_j Π_k Π_l (π⁽ᵏ⁾_jl)^n⁽ᵏ⁾_il

EM alternates (D&S eqs. 2.5, 2.3, 2.4)::

    E:  T_ij = p_j Π_k Π_l (π⁽ᵏ⁾_jl)^n⁽ᵏ⁾_il / Σ_q p_q Π_k Π_l (π⁽ᵏ⁾_ql)^n⁽ᵏ⁾_il
    M:  π⁽ᵏ⁾_jl = (Σ_i T_ij n⁽ᵏ⁾_il + α) / (Σ_l Σ_i T_ij n⁽ᵏ⁾_il + K·α)
        p_j     = (Σ_i T_ij + α) / (I + K·α)

``α`` is a symmetric Dirichlet smoothing (MAP-EM with a Dirichlet(1 + α) prior on every row and on
the priors): a cell an annotator never used does not become exactly 0, so one unusual answer later
cannot veto a class outright. ``α = 0`` is the paper's maximum likelihood.

Initialisation (D&S eq. 3.1): ``T_ij`` = the share of item i's answers that say j — the *soft*
majority vote. On the paper's data this reaches the published estimates; a *hard* majority vote
(one-hot on the most voted class, ``init="majority"``) converges to a different local maximum with
a lower likelihood (patient 2 then stays in class 3, where the paper finds class 4), so the soft
vote is the default.

Convergence: EM never decreases the objective (the log-likelihood, plus the log Dirichlet prior when
``α > 0``); it stops when the objective's gain per answer falls under ``tol``.

Vectorised layout: the counts are a sparse ``I × (A·K)`` matrix ``X`` with ``X[i, k·K + l] =
n⁽ᵏ⁾_il``, and ``Λ`` is the ``(A·K) × K`` matrix ``Λ[k·K + l, j] = log π⁽ᵏ⁾_jl``. Then the E-step's
log numerators are ``log p + X Λ`` and the M-step's counts are ``Xᵀ T``: two sparse × dense
products per iteration, whatever the number of annotators (a dense items × annotators × classes
tensor of 200,000 items and 500 annotators would not fit in memory; its non-zeros do).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

#: Dirichlet pseudo-count added to every confusion-matrix cell and class prior.
DEFAULT_SMOOTHING: Final = 0.01
#: EM stops when the objective gains less than this per answer in one iteration.
DEFAULT_TOLERANCE: Final = 1e-8
DEFAULT_MAX_ITERATIONS: Final = 200
#: Floor under probabilities before taking logs, so α = 0 gives log(0) ≈ −690, never −inf or NaN.
_TINY: Final = 1e-300

Initialisation = Literal["vote_shares", "majority"]


@dataclass(frozen=True, eq=False)  # holds arrays: compare fields, not objects
class AnswerCounts:
    """How often each annotator gave each class on each item, as a sparse ``I × (A·K)`` matrix.

    Column ``k·K + l`` holds annotator k's count of class l. Build it with :meth:`from_tensor`
    (a dense items × annotators × classes array, e.g. the paper's table) or :meth:`from_triples`.
    """

    matrix: sp.csr_array
    n_items: int
    n_annotators: int
    n_classes: int

    @classmethod
    def from_tensor(cls, counts: ArrayLike) -> AnswerCounts:
        """From a dense ``items × annotators × classes`` array of non-negative counts."""
        tensor = np.asarray(counts, dtype=np.float64)
        if tensor.ndim != 3:
            raise ValueError("counts must be items × annotators × classes")
        if (tensor < 0).any() or not np.isfinite(tensor).all():
            raise ValueError("counts must be finite and non-negative")
        n_items, n_annotators, n_classes = tensor.shape
        matrix = sp.csr_array(tensor.reshape(n_items, n_annotators * n_classes))
        return cls(matrix, n_items, n_annotators, n_classes)

    @classmethod
    def from_triples(
        cls,
        items: ArrayLike,
        annotators: ArrayLike,
        labels: ArrayLike,
        *,
        n_items: int | None = None,
        n_annotators: int | None = None,
        n_classes: int | None = None,
        counts: ArrayLike | None = None,
    ) -> AnswerCounts:
        """From parallel arrays of 0-based item, annotator and class indexes, one entry per answer
        (``counts`` weights each entry; repeated triples add up). Sizes default to the largest
        index + 1."""
        item = np.asarray(items, dtype=np.int64).ravel()
        annotator = np.asarray(annotators, dtype=np.int64).ravel()
        label = np.asarray(labels, dtype=np.int64).ravel()
        if not item.shape == annotator.shape == label.shape:
            raise ValueError("items, annotators and labels must have the same length")
        weight = (
            np.ones(item.shape, dtype=np.float64)
            if counts is None
            else np.asarray(counts, dtype=np.float64).ravel()
        )
        if weight.shape != item.shape or (weight < 0).any():
            raise ValueError("counts must be non-negative, one per answer")
        if len(item) and min(int(item.min()), int(annotator.min()), int(label.min())) < 0:
            raise ValueError("indexes must be non-negative")
        sizes = [
            given if given is not None else (int(values.max()) + 1 if len(values) else 0)
            for given, values in ((n_items, item), (n_annotators, annotator), (n_classes, label))
        ]
        i_size, a_size, k_size = sizes
        if len(item) and (item.max() >= i_size or annotator.max() >= a_size or label.max() >= k_size):
            raise ValueError("an index is out of range for the given sizes")
        matrix = sp.csr_array((weight, (item, annotator * k_size + label)), shape=(i_size, a_size * k_size))
        matrix.sum_duplicates()
        return cls(matrix, i_size, a_size, k_size)

    @property
    def total(self) -> float:
        """Number of answers (the sum of all counts)."""
        return float(self.matrix.sum())

    def votes(self) -> NDArray[np.float64]:
        """``I × K``: how many answers each item got for each class, over all annotators."""
        coo = self.matrix.tocoo()
        flat = coo.row.astype(np.int64) * self.n_classes + coo.col.astype(np.int64) % self.n_classes
        tallies = np.bincount(flat, weights=coo.data, minlength=self.n_items * self.n_classes)
        votes: NDArray[np.float64] = tallies.astype(np.float64).reshape(self.n_items, self.n_classes)
        return votes


def majority_vote(counts: AnswerCounts, rng: np.random.Generator | None = None) -> NDArray[np.int64]:
    """The most voted class of each item; ties go to the lowest class, or at random with ``rng``
    (so a baseline is not biased towards class 0). Items without answers get class 0."""
    votes = counts.votes()
    if rng is not None:
        # A random jitter smaller than any difference between vote counts only reorders ties.
        votes = votes + rng.random(votes.shape) * 1e-3
    labels: NDArray[np.int64] = np.argmax(votes, axis=1).astype(np.int64)
    return labels


@dataclass(frozen=True, eq=False)  # holds arrays: compare fields, not objects
class DawidSkeneResult:
    """A fitted Dawid–Skene model.

    * ``posteriors`` — ``I × K``, ``T_ij = P(item i is class j | answers)``;
    * ``priors`` — ``K``, the class proportions ``p_j``;
    * ``confusion`` — ``A × K × K``, ``confusion[k, j, l] = π⁽ᵏ⁾_jl`` = P(k answers l | true class j),
      rows summing to 1;
    * ``log_likelihood`` — ``log L`` of the data at the fitted parameters (without the prior);
    * ``objectives`` — the objective after each iteration (non-decreasing);
    * ``iterations`` — EM iterations run; ``converged`` — whether the tolerance was met.
    """

    posteriors: NDArray[np.float64]
    priors: NDArray[np.float64]
    confusion: NDArray[np.float64]
    log_likelihood: float
    objectives: tuple[float, ...]
    iterations: int
    converged: bool

    @property
    def labels(self) -> NDArray[np.int64]:
        """The most probable class of each item."""
        labels: NDArray[np.int64] = np.argmax(self.posteriors, axis=1).astype(np.int64)
        return labels

    def predict(self, counts: AnswerCounts) -> NDArray[np.float64]:
        """Posteriors of other items answered by the same annotators (same indexes), with the
        fitted priors and confusion matrices held fixed: one E-step."""
        if (counts.n_annotators, counts.n_classes) != self.confusion.shape[:2]:
            raise ValueError("counts must use the fitted model's annotators and classes")
        posteriors, _ = _e_step(counts.matrix, self.priors, self.confusion)
        return posteriors


def _initial_posteriors(counts: AnswerCounts, init: Initialisation) -> NDArray[np.float64]:
    votes = counts.votes()
    if init == "majority":
        votes = (votes == votes.max(axis=1, keepdims=True)).astype(np.float64)
    elif init != "vote_shares":
        raise ValueError(f"init must be 'vote_shares' or 'majority', not {init!r}")
    totals = votes.sum(axis=1, keepdims=True)
    uniform = np.full_like(votes, 1.0 / counts.n_classes)
    shares: NDArray[np.float64] = np.divide(votes, totals, out=uniform, where=totals > 0)
    return shares


def _m_step(
    matrix: sp.csr_array, posteriors: NDArray[np.float64], n_annotators: int, smoothing: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    n_items, n_classes = posteriors.shape
    priors = (posteriors.sum(axis=0) + smoothing) / (n_items + n_classes * smoothing)
    # (Xᵀ T)[k·K + l, j] = Σ_i n⁽ᵏ⁾_il T_ij  →  counts[k, j, l]
    expected = np.asarray(matrix.T @ posteriors).reshape(n_annotators, n_classes, n_classes)
    expected = expected.transpose(0, 2, 1) + smoothing
    totals = expected.sum(axis=2, keepdims=True)
    # A row with no evidence and no smoothing (k never met class j) is left uniform.
    uniform = np.full_like(expected, 1.0 / n_classes)
    confusion: NDArray[np.float64] = np.divide(expected, totals, out=uniform, where=totals > 0)
    return priors, confusion


def _e_step(
    matrix: sp.csr_array, priors: NDArray[np.float64], confusion: NDArray[np.float64]
) -> tuple[NDArray[np.float64], float]:
    """Posteriors and the log-likelihood ``Σ_i log Σ_j p_j Π π^n``."""
    n_annotators, n_classes, _ = confusion.shape
    log_confusion = np.log(np.maximum(confusion, _TINY))
    # Λ[k·K + l, j] = log π⁽ᵏ⁾_jl
    log_rates = log_confusion.transpose(0, 2, 1).reshape(n_annotators * n_classes, n_classes)
    joint = np.asarray(matrix @ log_rates)
    joint += np.log(np.maximum(priors, _TINY))[None, :]
    # Log-sum-exp by rows, in place: the posteriors are the normalised exponentials themselves.
    peak = joint.max(axis=1, keepdims=True)
    joint -= peak
    np.exp(joint, out=joint)
    total = joint.sum(axis=1, keepdims=True)
    joint /= total
    posteriors: NDArray[np.float64] = joint
    return posteriors, float(peak.sum() + np.log(total).sum())


def _log_prior(priors: NDArray[np.float64], confusion: NDArray[np.float64], smoothing: float) -> float:
    """log of the Dirichlet(1 + α) densities, up to a constant: α Σ log π + α Σ log p."""
    if smoothing == 0:
        return 0.0
    return smoothing * float(np.log(confusion).sum() + np.log(priors).sum())


def dawid_skene(
    counts: AnswerCounts | ArrayLike,
    *,
    smoothing: float = DEFAULT_SMOOTHING,
    tol: float = DEFAULT_TOLERANCE,
    max_iter: int = DEFAULT_MAX_ITERATIONS,
    init: Initialisation = "vote_shares",
) -> DawidSkeneResult:
    """Fit the Dawid–Skene model by EM (see the module docstring for the equations).

    ``counts`` is an :class:`AnswerCounts` or a dense ``items × annotators × classes`` count array.
    Each iteration is an M-step from the current posteriors, then an E-step; the first M-step
    starts from ``init`` (soft vote shares, D&S eq. 3.1, by default). Stops when the objective
    (log-likelihood + log Dirichlet prior) gains less than ``tol`` per answer, or after
    ``max_iter`` iterations.
    """
    data = counts if isinstance(counts, AnswerCounts) else AnswerCounts.from_tensor(counts)
    if smoothing < 0 or not np.isfinite(smoothing):
        raise ValueError("smoothing must be a finite number ≥ 0")
    if data.n_classes < 1:
        raise ValueError("there must be at least one class")
    answers = max(data.total, 1.0)
    posteriors = _initial_posteriors(data, init)
    objectives: list[float] = []
    log_likelihood = -np.inf
    converged = False
    for _ in range(max_iter):
        priors, confusion = _m_step(data.matrix, posteriors, data.n_annotators, smoothing)
        posteriors, log_likelihood = _e_step(data.matrix, priors, confusion)
        objectives.append(log_likelihood + _log_prior(priors, confusion, smoothing))
        if len(objectives) > 1 and objectives[-1] - objectives[-2] < tol * answers:
            converged = True
            break
    if not objectives:  # max_iter = 0: the initial estimates, scored
        priors, confusion = _m_step(data.matrix, posteriors, data.n_annotators, smoothing)
    return DawidSkeneResult(
        posteriors=posteriors,
        priors=priors,
        confusion=confusion,
        log_likelihood=float(log_likelihood),
        objectives=tuple(objectives),
        iterations=len(objectives),
        converged=converged,
    )
