"""Inter-annotator agreement: Krippendorff's α, Fleiss' and Cohen's κ, per-class α, confusion.

Everything here is a pure function of its arguments (numpy and scipy; no database, no Flask).
Undefined agreement — no pairable units, or only one value among them, so that chance agreement is
already perfect — is ``None``, never 0 and never an exception.

Krippendorff's α (Krippendorff, *Computing Krippendorff's Alpha-Reliability*, 2011; *Content
Analysis*, 3rd ed., 2013, ch. 12) from the coincidence matrix o (see
:mod:`marketplace.agreement.coincidence`) with marginals n_c = Σ_k o_ck and n = Σ_c n_c::

    α = 1 − D_o / D_e = 1 − (n − 1) · Σ_c Σ_k o_ck δ²_ck  /  Σ_c Σ_k n_c n_k δ²_ck

    D_o = (1/n) Σ_ck o_ck δ²_ck           observed disagreement
    D_e = 1/(n(n − 1)) Σ_ck n_c n_k δ²_ck   expected disagreement (values paired by chance)

with the difference function δ² of the level of measurement (2011, §E–H):

=========  =================================================================================
nominal    δ²_ck = 0 if c = k, else 1
ordinal    δ²_ck = (Σ_{g=c}^{k} n_g − (n_c + n_k)/2)²  (values ranked by the marginals n_g)
interval   δ²_ck = (c − k)²
ratio      δ²_ck = ((c − k) / (c + k))²
=========  =================================================================================

The ordinal difference is the squared distance between the two values' mid-ranks
r_c = Σ_{g<c} n_g + n_c/2 among the n pairable values (r_k − r_c is the sum above for c ≤ k), which
is how it is computed here. Ordinal, interval and ratio need numeric values (the order of the
scale is the order of the numbers); ratio needs them non-negative.

The task-type agreement of two answers lives in :mod:`marketplace.agreement.task_metrics`; its
:func:`pair_agreement` and :func:`item_agreement` are re-exported here, as are the coincidence types.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal, NamedTuple, TypedDict, get_args

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from marketplace.agreement.coincidence import (
    MAX_MATRIX_VALUES,
    Coincidence,
    EncodedData,
    Label,
    canonical_labels,
    coincidence_matrix,
    coincidence_of,
    encode_reliability_data,
    is_missing,
    unit_coincidences,
    unit_value_counts,
)
from marketplace.agreement.task_metrics import (
    PAIRWISE_AGREEMENT,
    agreement_pairs,
    annotator_agreement,
    item_agreement,
    pair_agreement,
)

__all__ = [
    "LEVELS",
    "PAIRWISE_AGREEMENT",
    "Coincidence",
    "ConfidenceInterval",
    "ConfusedPair",
    "Label",
    "Level",
    "agreement_pairs",
    "alpha_bootstrap_ci",
    "alpha_from_coincidence",
    "annotator_agreement",
    "cohen_kappa",
    "coincidence_matrix",
    "difference_matrix",
    "fleiss_category_kappas",
    "fleiss_kappa",
    "item_agreement",
    "krippendorff_alpha",
    "most_confused_pairs",
    "pair_agreement",
    "per_class_alpha",
    "percent_agreement",
    "unit_coincidences",
]

Level = Literal["nominal", "ordinal", "interval", "ratio"]
#: The levels of measurement α knows, from the weakest scale to the strongest.
LEVELS: Final[tuple[Level, ...]] = get_args(Level)

#: Cells (resamples × values²) of bootstrap coincidence matrices built at once.
_BOOTSTRAP_CHUNK_CELLS: Final = 1 << 22


# --- Krippendorff's α ---------------------------------------------------------------------------


def _check_level(level: str) -> Level:
    if level in LEVELS:
        return level
    raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")


def _scale(values: Sequence[Label], level: Level) -> NDArray[np.float64]:
    if any(isinstance(v, str) for v in values):
        raise ValueError(f"{level} α needs numeric values, not labels such as {values[-1]!r}")
    scale = np.array([float(v) for v in values], dtype=np.float64)
    if level == "ratio" and (scale < 0).any():
        raise ValueError("ratio α needs non-negative values")
    return scale


def difference_matrix(
    values: Sequence[Label], level: str, marginals: ArrayLike | None = None
) -> NDArray[np.float64]:
    """δ²_ck between the ``values`` at ``level`` (Krippendorff 2011, §E–H); V × V.

    ``marginals`` are n_c, needed by the ordinal level only; a stack of them (B × V) gives a
    B × V × V stack of ordinal differences.
    """
    level = _check_level(level)
    size = len(values)
    if level == "nominal":
        return 1.0 - np.eye(size)
    scale = _scale(values, level)
    if level == "interval":
        return (scale[:, None] - scale[None, :]) ** 2
    if level == "ratio":
        total = scale[:, None] + scale[None, :]
        diff = scale[:, None] - scale[None, :]
        ratio = np.divide(diff, total, out=np.zeros_like(diff), where=total != 0)
        return ratio**2
    if marginals is None:
        raise ValueError("the ordinal difference needs the marginals n_c")
    counts = np.asarray(marginals, dtype=np.float64)
    ranks = np.cumsum(counts, axis=-1) - counts / 2.0  # mid-ranks r_c
    return (ranks[..., None, :] - ranks[..., :, None]) ** 2


def _alpha_stack(matrices: NDArray[np.float64], values: Sequence[Label], level: Level) -> NDArray[np.float64]:
    """α of each coincidence matrix in a B × V × V stack; NaN where undefined (D_e = 0)."""
    counts = matrices.sum(axis=2)
    n = counts.sum(axis=1)
    delta = difference_matrix(values, level, counts if level == "ordinal" else None)
    delta = np.broadcast_to(delta, matrices.shape)
    observed = (matrices * delta).sum(axis=(1, 2))
    expected = np.einsum("bc,bck,bk->b", counts, delta, counts)
    defined = expected > 0
    alphas = np.full(len(matrices), np.nan)
    alphas[defined] = 1.0 - (n[defined] - 1.0) * observed[defined] / expected[defined]
    return alphas


def alpha_from_coincidence(coincidence: Coincidence, level: str = "nominal") -> float | None:
    """Krippendorff's α of a coincidence matrix at ``level`` (nominal, ordinal, interval, ratio).

    None when undefined: no pairable values, or every pairable value the same (D_e = 0).
    """
    level = _check_level(level)
    if coincidence.pairable_values < 2:
        return None
    alpha = float(_alpha_stack(coincidence.matrix[None], coincidence.values, level)[0])
    return None if np.isnan(alpha) else alpha


def _squared_difference_alpha(encoded: EncodedData, level: Level) -> float | None:
    """Interval or ordinal α without the coincidence matrix, for data with many distinct values.

    Both differences are squared differences of a score x (the value, or its mid-rank among the
    pairable values), and such sums separate (Krippendorff 2011's interval shortcut)::

        Σ_ck o_ck (x_c − x_k)² = Σ_u 2 (m_u Σ_i x_iu² − (Σ_i x_iu)²) / (m_u − 1)
        Σ_ck n_c n_k (x_c − x_k)² = 2 (n Σ x² − (Σ x)²)            (sums over pairable values)

    so α is O(values) in time and memory. Scores are centred first, against cancellation.
    """
    sizes = np.bincount(encoded.units, minlength=encoded.n_units)
    pairable = sizes[encoded.units] >= 2
    units, codes = encoded.units[pairable], encoded.codes[pairable]
    n = len(codes)
    if n < 2:
        return None
    if level == "ordinal":
        counts = np.bincount(codes, minlength=len(encoded.labels)).astype(np.float64)
        scores = (np.cumsum(counts) - counts / 2.0)[codes]
    else:
        scores = _scale(encoded.labels, level)[codes]
    scores = scores - scores.mean()
    m = sizes.astype(np.float64)
    linear = np.bincount(units, weights=scores, minlength=encoded.n_units)
    square = np.bincount(units, weights=scores * scores, minlength=encoded.n_units)
    within = m >= 2
    observed = float(np.sum(2.0 * (m[within] * square[within] - linear[within] ** 2) / (m[within] - 1.0)))
    expected = 2.0 * (n * float(np.sum(scores * scores)) - float(np.sum(scores)) ** 2)
    return 1.0 - (n - 1.0) * observed / expected if expected > 0 else None


def krippendorff_alpha(
    data: ArrayLike, level: str = "nominal", values: Sequence[Label] | None = None
) -> float | None:
    """Krippendorff's α of raters × units ``data`` (``None``/NaN missing) at ``level``.

    ``alpha_from_coincidence(coincidence_matrix(data, values), level)``: see the module docstring.
    Values may be labels (nominal only) or numbers. Reproduces Krippendorff's (2011) worked
    example: nominal 0.743, ordinal 0.815, interval 0.849, ratio 0.797. Interval and ordinal data
    with more distinct values than a coincidence matrix may hold (continuous measurements) are
    computed without one; nominal and ratio α of such data are a ``ValueError``.
    """
    level = _check_level(level)
    encoded = encode_reliability_data(data, values)
    if len(encoded.labels) > MAX_MATRIX_VALUES and level in ("interval", "ordinal"):
        return _squared_difference_alpha(encoded, level)
    return alpha_from_coincidence(coincidence_of(encoded), level)


class ConfidenceInterval(NamedTuple):
    """A two-sided interval [low, high]."""

    low: float
    high: float


def _unit_contributions(counts: NDArray[np.float64] | sp.csr_array, n_values: int) -> sp.csr_array:
    """Each unit's coincidences (n_u n_uᵀ − diag n_u)/(m_u − 1), flattened: units × V² (sparse).

    Built from the non-zero counts of each row: a row with k distinct values has k² cells.
    """
    csr = sp.csr_array(counts)
    sizes = np.diff(csr.indptr)
    totals = np.asarray(csr.sum(axis=1)).ravel()
    cells = sizes**2
    row = np.repeat(np.arange(len(sizes)), cells)
    offset = np.arange(int(cells.sum())) - np.repeat(np.cumsum(cells) - cells, cells)
    width = np.repeat(sizes, cells)
    first = csr.indptr[row] + offset // np.maximum(width, 1)
    second = csr.indptr[row] + offset % np.maximum(width, 1)
    c, k = csr.indices[first], csr.indices[second]
    pairs = csr.data[first] * csr.data[second] - np.where(c == k, csr.data[first], 0.0)
    weights = pairs / (totals[row] - 1.0)
    shape = (len(sizes), n_values * n_values)
    return sp.csr_array((weights, (row, c * n_values + k)), shape=shape)


def alpha_bootstrap_ci(
    data: ArrayLike,
    level: str = "nominal",
    n: int = 1000,
    alpha: float = 0.05,
    seed: int | np.random.Generator | None = None,
) -> ConfidenceInterval | None:
    """A (1 − ``alpha``) percentile bootstrap interval for Krippendorff's α, resampling units.

    A plain nonparametric bootstrap over the *pairable units* (Efron & Tibshirani, *An Introduction
    to the Bootstrap*, 1993, ch. 6 and 13): each of ``n`` resamples draws as many units as there are,
    with replacement, and α is recomputed on the drawn units' coincidences; the interval is the
    ``alpha``/2 and 1 − ``alpha``/2 quantiles of the resampled α (``alpha`` = 0.05: a 95 %
    interval). It is *not* Hayes & Krippendorff's (2007) KALPHA bootstrap, which resamples pairs of
    values as if they were independent; units are what is sampled here (items), and the values
    within a unit are not independent.

    A draw of N units with replacement gives each unit a Multinomial(N, 1/N) weight, and units with
    the same value counts contribute the same coincidences, so resamples are drawn as multinomial
    weights over the distinct unit patterns, and each resample's matrix is one sparse product.
    Resamples where α is undefined are left out. None when α itself is undefined.
    """
    level = _check_level(level)
    if n < 1 or not 0.0 < alpha < 1.0:
        raise ValueError("need n ≥ 1 resamples and 0 < alpha < 1")
    encoded = encode_reliability_data(data)
    if len(encoded.labels) > MAX_MATRIX_VALUES:
        raise ValueError(f"too many distinct values for a bootstrap of α (at most {MAX_MATRIX_VALUES})")
    counts = unit_value_counts(encoded)
    totals = np.asarray(counts.sum(axis=1)).ravel()
    pairable = counts[totals >= 2]
    units = pairable.shape[0]
    size = len(encoded.labels)
    if units == 0:
        return None
    if isinstance(pairable, np.ndarray):
        patterns, frequency = np.unique(pairable, axis=0, return_counts=True)
        contributions = _unit_contributions(patterns, size)
    else:  # many values: no grouping, each unit its own pattern
        frequency = np.ones(units, dtype=np.int64)
        contributions = _unit_contributions(pairable, size)
    point = np.asarray(contributions.T @ frequency.astype(np.float64)).reshape(1, size, size)
    if np.isnan(_alpha_stack(point, encoded.labels, level)[0]):
        return None
    rng = np.random.default_rng(seed)
    probabilities = frequency / units
    chunk = max(1, _BOOTSTRAP_CHUNK_CELLS // max(size * size, len(frequency)))
    alphas = []
    for start in range(0, n, chunk):
        weights = rng.multinomial(units, probabilities, size=min(chunk, n - start)).astype(np.float64)
        matrices = np.asarray((contributions.T @ weights.T).T).reshape(-1, size, size)
        alphas.append(_alpha_stack(matrices, encoded.labels, level))
    resampled = np.concatenate(alphas)
    resampled = resampled[~np.isnan(resampled)]
    if resampled.size == 0:
        return None
    low, high = np.quantile(resampled, [alpha / 2.0, 1.0 - alpha / 2.0])
    return ConfidenceInterval(float(low), float(high))


# --- classes: per-class α and confusion ---------------------------------------------------------


def per_class_alpha(coincidence: Coincidence) -> dict[Label, float | None]:
    """Nominal α of each class against all the others (one-vs-rest), from the coincidence matrix.

    Binarising the data to "c" / "not c" merges the other rows and columns of o, so with
    n_c = Σ_k o_ck and the pairs that mix c with another value n_c − o_cc::

        α_c = 1 − (n − 1) (n_c − o_cc) / (n_c (n − n_c))

    which is Krippendorff's nominal α of the binarised data (not a κ). Pooled matrices give pooled
    per-class α. None for a class nobody or everybody chose among the pairable values.
    """
    n = float(coincidence.pairable_values)
    marginals = coincidence.marginals
    diagonal = np.diag(coincidence.matrix)
    result: dict[Label, float | None] = {}
    for label, n_c, o_cc in zip(coincidence.values, marginals.tolist(), diagonal.tolist(), strict=True):
        spread = n_c * (n - n_c)
        result[label] = 1.0 - (n - 1.0) * (n_c - o_cc) / spread if spread > 0 else None
    return result


class ConfusedPair(TypedDict):
    """Two classes raters put on the same units, and how much more often than chance.

    ``observed`` is o_ck + o_kc, the pairable values where one rater said ``first`` and another
    ``second``; ``expected`` the same count under chance pairing, e_ck + e_kc with
    e_ck = n_c n_k / (n − 1); ``ratio`` = observed / expected; ``share`` the part of all
    disagreeing pairs (Σ_{c≠k} o_ck) this pair makes up.
    """

    first: Label
    second: Label
    observed: float
    expected: float
    ratio: float
    share: float


def most_confused_pairs(
    coincidence: Coincidence, limit: int = 10, min_observed: float = 0.0
) -> list[ConfusedPair]:
    """The class pairs most often confused, from a nominal coincidence matrix, worst first.

    Ranked by observed / expected confusion (see :class:`ConfusedPair`): the expected count is what
    random pairing of the same pairable values would give (Krippendorff 2011's expected coincidences
    e_ck = n_c n_k / (n − 1)), so frequent classes are not listed merely for being frequent. A ratio
    above 1 means the two are confused more often than chance; ties go to the larger observed count.
    Only pairs with observed > ``min_observed`` (at least one confusion by default) are listed.
    """
    n = float(coincidence.pairable_values)
    if n < 2 or limit <= 0:
        return []
    matrix = coincidence.matrix
    marginals = coincidence.marginals
    disagreeing = float(matrix.sum() - np.trace(matrix))
    first, second = np.triu_indices(len(coincidence.values), k=1)
    observed = matrix[first, second] + matrix[second, first]
    expected = 2.0 * marginals[first] * marginals[second] / (n - 1.0)
    keep = (observed > min_observed) & (expected > 0)
    first, second, observed, expected = first[keep], second[keep], observed[keep], expected[keep]
    ratio = observed / expected
    order = np.lexsort((-observed, -ratio))[:limit]
    return [
        ConfusedPair(
            first=coincidence.values[int(first[i])],
            second=coincidence.values[int(second[i])],
            observed=float(observed[i]),
            expected=float(expected[i]),
            ratio=float(ratio[i]),
            share=float(observed[i]) / disagreeing if disagreeing else 0.0,
        )
        for i in order.tolist()
    ]


# --- raw agreement ------------------------------------------------------------------------------


def percent_agreement(data: ArrayLike) -> float | None:
    """Raw pairwise agreement: over the pairable units (m_u ≥ 2 values), the share of pairs of
    values from different raters that are equal, averaged with every unit counting once::

        A_u = Σ_c n_uc (n_uc − 1) / (m_u (m_u − 1)),      A = mean over pairable units of A_u

    (Fleiss 1971's P̄, for any number of raters per unit). No chance correction. None without
    pairable units. :attr:`Coincidence.observed_agreement` instead weights units by m_u.
    """
    counts = unit_value_counts(encode_reliability_data(data))
    totals = np.asarray(counts.sum(axis=1)).ravel()
    squares = counts * counts if isinstance(counts, np.ndarray) else counts.multiply(counts)
    same = np.asarray(squares.sum(axis=1)).ravel() - totals
    pairable = totals >= 2
    if not pairable.any():
        return None
    m = totals[pairable]
    return float(np.mean(same[pairable] / (m * (m - 1.0))))


# --- κ ------------------------------------------------------------------------------------------


def _rating_table(counts: ArrayLike) -> tuple[NDArray[np.float64], int]:
    table = np.asarray(counts, dtype=np.float64)
    if table.ndim != 2 or (table < 0).any():
        raise ValueError("counts must be a subjects × categories table of non-negative counts")
    totals = table.sum(axis=1)
    if len(totals) and not np.all(totals == totals[0]):
        raise ValueError("Fleiss' κ needs the same number of ratings for every subject (α does not)")
    return table, int(totals[0]) if len(totals) else 0


def fleiss_kappa(counts: ArrayLike) -> float | None:
    """Fleiss' κ of a subjects × categories table of counts, m ratings per subject (Fleiss 1971)::

        P_i = (Σ_j n_ij² − m) / (m (m − 1))      P̄ = mean_i P_i
        p_j = Σ_i n_ij / (N m)                    P̄_e = Σ_j p_j²
        κ = (P̄ − P̄_e) / (1 − P̄_e)

    Reproduces Fleiss' (1971) psychiatric diagnoses example (30 subjects, 6 ratings each, 5
    categories): κ = 0.430. None when undefined (no subjects, fewer than two ratings each, or one
    category only); ``ValueError`` when subjects have different numbers of ratings (use α).
    """
    table, m = _rating_table(counts)
    if len(table) == 0 or m < 2:
        return None
    agreement = float(np.mean(((table**2).sum(axis=1) - m) / (m * (m - 1.0))))
    shares = table.sum(axis=0) / (len(table) * m)
    chance = float((shares**2).sum())
    return (agreement - chance) / (1.0 - chance) if chance < 1.0 else None


def fleiss_category_kappas(counts: ArrayLike) -> list[float | None]:
    """Fleiss' (1971) κ of each category, in column order::

        κ_j = 1 − Σ_i n_ij (m − n_ij) / (N m (m − 1) p_j (1 − p_j))

    (0.245, 0.245, 0.520, 0.471, 0.566 on Fleiss' diagnoses). None for a category with p_j ∈ {0, 1}.
    """
    table, m = _rating_table(counts)
    if len(table) == 0 or m < 2:
        return [None] * table.shape[1]
    shares = table.sum(axis=0) / (len(table) * m)
    spread = (table * (m - table)).sum(axis=0)
    denominator = len(table) * m * (m - 1.0) * shares * (1.0 - shares)
    return [
        1.0 - s / d if d > 0 else None for s, d in zip(spread.tolist(), denominator.tolist(), strict=True)
    ]


def cohen_kappa(
    a: Sequence[Any],
    b: Sequence[Any],
    weights: Literal["linear", "quadratic"] | None = None,
    labels: Sequence[Label] | None = None,
) -> float | None:
    """Cohen's κ of two raters' labels on the same units (Cohen 1960), optionally weighted
    (Cohen 1968)::

        κ_w = 1 − Σ_ij w_ij p_ij / Σ_ij w_ij e_ij,     e_ij = p_i· p_·j

    with p the table of joint proportions and w_ij = [i ≠ j] (unweighted, where κ = (p_o − p_e) /
    (1 − p_e)), |i − j| (``"linear"``) or (i − j)² (``"quadratic"``) over the positions of the labels in
    ``labels`` (default: the values in canonical order, numbers ascending). Units either rater left
    out (``None``/NaN) are skipped. None when undefined (no units, or chance disagreement 0);
    ``ValueError`` for a value not in ``labels``.
    """
    if len(a) != len(b):
        raise ValueError("both raters must rate the same units")
    both = [(x, y) for x, y in zip(a, b, strict=True) if not is_missing(x) and not is_missing(y)]
    if not both:
        return None
    order = tuple(labels) if labels is not None else canonical_labels(v for pair in both for v in pair)
    index = {label: i for i, label in enumerate(order)}
    try:
        rows = np.array([index[x] for x, _ in both], dtype=np.int64)
        cols = np.array([index[y] for _, y in both], dtype=np.int64)
    except KeyError as missing:
        raise ValueError(f"value {missing.args[0]!r} is not among the labels") from None
    size = len(order)
    table = np.bincount(rows * size + cols, minlength=size * size).reshape(size, size) / len(both)
    chance = np.outer(table.sum(axis=1), table.sum(axis=0))
    positions = np.arange(size, dtype=np.float64)
    distance = np.abs(positions[:, None] - positions[None, :])
    if weights is None:
        weight = (distance > 0).astype(np.float64)
    elif weights == "linear":
        weight = distance
    elif weights == "quadratic":
        weight = distance**2
    else:
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', not {weights!r}")
    expected = float((weight * chance).sum())
    return 1.0 - float((weight * table).sum()) / expected if expected > 0 else None
