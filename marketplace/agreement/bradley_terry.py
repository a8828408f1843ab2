"""Bradley–Terry with ties, in Davidson's form, for pairwise preferences.

Davidson (1970), "On extending the Bradley–Terry model to accommodate ties in paired comparison
experiments", JASA 65(329): systems i and j with strengths ``π_i, π_j > 0`` and a tie parameter
``ν ≥ 0``::

    P(i preferred) = π_i / D        P(j preferred) = π_j / D        P(tie) = ν·√(π_i π_j) / D
    D = π_i + π_j + ν·√(π_i π_j)

Davidson rather than Rao & Kupper (1967): the tie probability is largest for equal strengths and
falls off symmetrically, the ratio P(i)/P(j) stays π_i/π_j as in plain Bradley–Terry (so strengths
read the same with or without ties), and a tie counts as half a win for each side in the score
equations. ``ν = 0`` is plain Bradley–Terry (Bradley & Terry 1952; Zermelo 1929).

Fitting. With ``θ = log π`` and ``λ = log ν``, each comparison is a three-way multinomial logit
with log-odds ``a = θ_i``, ``b = θ_j``, ``c = λ + (θ_i + θ_j)/2``. Summed over pairs, with ``w_i,
w_j, t`` the (weighted) wins and ties of a pair and ``n`` their total, the log-likelihood

    ℓ(θ, λ) = Σ_pairs [ w_i·a + w_j·b + t·c − n·log(eᵃ + eᵇ + eᶜ) ]

is concave (linear terms minus a log-sum-exp of affine functions), so Newton's method with a
backtracking line search finds the global maximum. Its gradient and Hessian come from the three
outcome probabilities ``q = softmax(a, b, c)``: per pair, ∇ℓ = Σ_o (count_o − n q_o) g_o and
∇²ℓ = −n (Σ_o q_o g_o g_oᵀ − ḡ ḡᵀ), with ``g_o`` the gradient of outcome o's log-odds and
``ḡ = Σ_o q_o g_o``. Strengths are defined up to a common factor: we report them with geometric
mean 1 (``Σ θ = 0``).

Existence (Ford 1957, with ties counting both ways as in Davidson): finite strengths exist iff the
directed graph "i beat or tied j" is strongly connected; otherwise some strength runs off to 0 or
∞. Then, and whenever ``ridge > 0``, a Gaussian prior ``−ridge/2 · Σ θ²`` keeps them finite (the
fit reports the ridge it used). With no ties ``ν = 0``; with only ties ``ν = ∞`` and equal strengths.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components
from scipy.special import logsumexp

Outcome = Literal["A", "B", "tie"]
#: ``(system_a, system_b, outcome)`` or ``(system_a, system_b, outcome, weight)``; outcome "A"
#: means system_a was preferred, "B" system_b.
Comparison = tuple[Hashable, Hashable, str] | tuple[Hashable, Hashable, str, float]

#: Ridge used when the maximum-likelihood strengths do not exist (a system never lost or never won).
FALLBACK_RIDGE: Final = 0.01
DEFAULT_TOLERANCE: Final = 1e-12
DEFAULT_MAX_ITERATIONS: Final = 100


def davidson_probabilities(strength_a: float, strength_b: float, tie: float) -> dict[str, float]:
    """``{"A": P(a preferred), "B": P(b preferred), "tie": P(tie)}`` under Davidson's model."""
    if strength_a <= 0 or strength_b <= 0 or tie < 0:
        raise ValueError("strengths must be positive and the tie parameter non-negative")
    if math.isinf(tie):
        return {"A": 0.0, "B": 0.0, "tie": 1.0}
    tied = tie * math.sqrt(strength_a * strength_b)
    total = strength_a + strength_b + tied
    return {"A": strength_a / total, "B": strength_b / total, "tie": tied / total}


@dataclass(frozen=True)
class PairEstimate:
    """Davidson's model fitted to the comparisons of one pair of responses, in closed form.

    Two systems leave three outcome probabilities with two free parameters, so the fit is
    saturated: the maximum-likelihood probabilities are the observed (weighted) shares, and::

        π_A / π_B = W_A / W_B        ν = W_tie / √(W_A · W_B)

    ``preference_a`` = π_A / (π_A + π_B) = W_A / (W_A + W_B) is the probability that A beats B in a
    comparison that is not a tie (0.5 with no decisive votes); ``tie_parameter`` is ∞ when only one
    side ever won but there were ties, 0 without ties.
    """

    probabilities: dict[str, float]
    preference_a: float
    tie_parameter: float


def davidson_pair(wins_a: float, wins_b: float, ties: float) -> PairEstimate:
    """The closed-form fit for one pair (see :class:`PairEstimate`); weights must be ≥ 0."""
    if min(wins_a, wins_b, ties) < 0:
        raise ValueError("wins and ties must be non-negative")
    total = wins_a + wins_b + ties
    if total == 0:
        return PairEstimate({"A": 1 / 3, "B": 1 / 3, "tie": 1 / 3}, 0.5, 1.0)
    decisive = wins_a + wins_b
    if ties == 0:
        tie_parameter = 0.0
    elif wins_a > 0 and wins_b > 0:
        tie_parameter = ties / math.sqrt(wins_a * wins_b)
    else:
        tie_parameter = math.inf
    return PairEstimate(
        probabilities={"A": wins_a / total, "B": wins_b / total, "tie": ties / total},
        preference_a=wins_a / decisive if decisive > 0 else 0.5,
        tie_parameter=tie_parameter,
    )


@dataclass(frozen=True, eq=False)  # holds arrays: compare fields, not objects
class DavidsonFit:
    """Strengths of every system compared, and the tie parameter.

    ``log_strengths`` (θ) sum to 0; ``strengths`` maps each system to π = e^θ (geometric mean 1).
    ``log_likelihood`` is ℓ at the fit without the ridge term; ``ridge`` is the one used (0 for
    the plain maximum-likelihood fit).
    """

    systems: tuple[Hashable, ...]
    log_strengths: NDArray[np.float64]
    tie_parameter: float
    log_likelihood: float
    iterations: int
    converged: bool
    ridge: float

    @property
    def strengths(self) -> dict[Hashable, float]:
        return {s: float(math.exp(t)) for s, t in zip(self.systems, self.log_strengths, strict=True)}

    def probabilities(self, system_a: Hashable, system_b: Hashable) -> dict[str, float]:
        """Outcome probabilities of a new comparison of ``system_a`` (A) with ``system_b`` (B)."""
        strengths = self.strengths
        return davidson_probabilities(strengths[system_a], strengths[system_b], self.tie_parameter)


@dataclass(frozen=True, eq=False)  # holds arrays: compare fields, not objects
class _Pairs:
    """Comparisons summed per unordered pair: indexes and weighted outcome counts."""

    first: NDArray[np.int64]
    second: NDArray[np.int64]
    wins_first: NDArray[np.float64]
    wins_second: NDArray[np.float64]
    ties: NDArray[np.float64]

    @property
    def totals(self) -> NDArray[np.float64]:
        return self.wins_first + self.wins_second + self.ties


def _tally(comparisons: Iterable[Comparison]) -> tuple[tuple[Hashable, ...], _Pairs]:
    index: dict[Hashable, int] = {}
    sums: dict[tuple[int, int], list[float]] = {}
    for comparison in comparisons:
        system_a, system_b, outcome = comparison[0], comparison[1], comparison[2]
        weight = float(comparison[3]) if len(comparison) > 3 else 1.0
        if outcome not in ("A", "B", "tie"):
            raise ValueError(f"outcome must be 'A', 'B' or 'tie', not {outcome!r}")
        if system_a == system_b:
            raise ValueError(f"a system cannot be compared with itself ({system_a!r})")
        if not weight >= 0 or math.isinf(weight):
            raise ValueError("comparison weights must be finite and non-negative")
        i, j = index.setdefault(system_a, len(index)), index.setdefault(system_b, len(index))
        key, flipped = ((i, j), False) if i < j else ((j, i), True)
        row = sums.setdefault(key, [0.0, 0.0, 0.0])
        if outcome == "tie":
            row[2] += weight
        else:
            row[int((outcome == "A") == flipped)] += weight
    keys = sorted(sums)
    values = np.array([sums[key] for key in keys], dtype=np.float64).reshape(-1, 3)
    pairs = _Pairs(
        first=np.array([key[0] for key in keys], dtype=np.int64),
        second=np.array([key[1] for key in keys], dtype=np.int64),
        wins_first=values[:, 0],
        wins_second=values[:, 1],
        ties=values[:, 2],
    )
    return tuple(index), pairs


def _strongly_connected(n_systems: int, pairs: _Pairs) -> bool:
    """Ford's condition: every system reaches every other along "beat or tied" edges."""
    forward = (pairs.wins_first > 0) | (pairs.ties > 0)
    backward = (pairs.wins_second > 0) | (pairs.ties > 0)
    rows = np.concatenate([pairs.first[forward], pairs.second[backward]])
    cols = np.concatenate([pairs.second[forward], pairs.first[backward]])
    graph = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n_systems, n_systems))
    count, _ = connected_components(graph, directed=True, connection="strong")
    return int(count) == 1


class _Objective:
    """ℓ(x) − ridge/2·Σθ², with its gradient and Hessian; x = (θ, λ) or θ alone without ties."""

    def __init__(self, n_systems: int, pairs: _Pairs, with_ties: bool, ridge: float) -> None:
        self.n = n_systems
        self.pairs = pairs
        self.with_ties = with_ties
        self.ridge = ridge
        self.size = n_systems + (1 if with_ties else 0)

    def _log_odds(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        theta_i, theta_j = x[self.pairs.first], x[self.pairs.second]
        if not self.with_ties:
            return np.stack([theta_i, theta_j], axis=1)
        return np.stack([theta_i, theta_j, x[self.n] + (theta_i + theta_j) / 2], axis=1)

    def log_likelihood(self, x: NDArray[np.float64]) -> float:
        odds = self._log_odds(x)
        counts = np.stack([self.pairs.wins_first, self.pairs.wins_second, self.pairs.ties], axis=1)
        counts = counts[:, : odds.shape[1]]
        return float((counts * odds).sum() - (self.pairs.totals * logsumexp(odds, axis=1)).sum())

    def value(self, x: NDArray[np.float64]) -> float:
        theta = x[: self.n]
        return self.log_likelihood(x) - self.ridge / 2 * float(theta @ theta)

    def derivatives(self, x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        p, n = self.pairs, self.n
        odds = self._log_odds(x)
        q = np.exp(odds - logsumexp(odds, axis=1, keepdims=True))
        q_tie = q[:, 2] if self.with_ties else np.zeros(len(q))
        u_i, u_j = q[:, 0] + q_tie / 2, q[:, 1] + q_tie / 2  # expected share credited to i and j
        total = p.totals
        gradient = np.zeros(self.size)
        np.add.at(gradient, p.first, p.wins_first + p.ties / 2 - total * u_i)
        np.add.at(gradient, p.second, p.wins_second + p.ties / 2 - total * u_j)
        # −Hessian = Σ_pairs n·Cov_q(g), entries on the (i, j, λ) block of each pair.
        cov_ii = q[:, 0] + q_tie / 4 - u_i * u_i
        cov_jj = q[:, 1] + q_tie / 4 - u_j * u_j
        cov_ij = q_tie / 4 - u_i * u_j
        negative_hessian = np.zeros((self.size, self.size))
        np.add.at(negative_hessian, (p.first, p.first), total * cov_ii)
        np.add.at(negative_hessian, (p.second, p.second), total * cov_jj)
        np.add.at(negative_hessian, (p.first, p.second), total * cov_ij)
        np.add.at(negative_hessian, (p.second, p.first), total * cov_ij)
        if self.with_ties:
            gradient[n] = float((p.ties - total * q_tie).sum())
            # Covariances with λ: each pair adds to row/column n, summed per system by bincount.
            cov_il = total * (q_tie / 2 - u_i * q_tie)
            cov_jl = total * (q_tie / 2 - u_j * q_tie)
            column = np.bincount(p.first, cov_il, minlength=n) + np.bincount(p.second, cov_jl, minlength=n)
            negative_hessian[:n, n] += column
            negative_hessian[n, :n] += column
            negative_hessian[n, n] = float((total * (q_tie - q_tie * q_tie)).sum())
        theta = x[:n]
        gradient[:n] -= self.ridge * theta
        negative_hessian[np.arange(n), np.arange(n)] += self.ridge
        return gradient, negative_hessian


def _newton(
    objective: _Objective, start: NDArray[np.float64], tol: float, max_iter: int
) -> tuple[NDArray[np.float64], int, bool]:
    """Maximise a concave objective: Newton steps, backtracking until Armijo's condition holds.

    The likelihood does not change when every θ moves together, so the Newton system is solved
    on the subspace Σθ = 0 (adding ``1·1ᵀ`` on the θ block, which only fixes that direction).
    """
    x = start.copy()
    n = objective.n
    gauge = np.zeros((objective.size, objective.size))
    gauge[:n, :n] = 1.0
    value = objective.value(x)
    for iteration in range(1, max_iter + 1):
        gradient, negative_hessian = objective.derivatives(x)
        try:
            step = np.linalg.solve(negative_hessian + gauge, gradient)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(negative_hessian + gauge, gradient, rcond=None)[0]
        decrement = float(gradient @ step)
        if decrement <= 0:  # already at the top (to rounding)
            return x, iteration, True
        size = 1.0
        while size > 1e-12:
            candidate = x + size * step
            candidate_value = objective.value(candidate)
            if candidate_value >= value + 1e-4 * size * decrement:
                break
            size /= 2
        else:
            # No step gains any more: the objective is flat to rounding, so we are at the top if
            # the predicted gain is negligible next to the objective itself.
            return x, iteration, decrement / 2 <= 1e-9 * max(1.0, abs(value))
        x, value = candidate, candidate_value
        x[:n] -= x[:n].mean()
        # Near the top Newton converges quadratically: the step just taken leaves an error of
        # the order of the square of the one it corrected, so stop once the gain it predicted
        # was below the tolerance.
        if decrement / 2 <= tol:
            return x, iteration, True
    return x, max_iter, False


def fit_davidson(
    comparisons: Iterable[Comparison],
    *,
    ridge: float = 0.0,
    tol: float = DEFAULT_TOLERANCE,
    max_iter: int = DEFAULT_MAX_ITERATIONS,
) -> DavidsonFit:
    """Strengths of the systems and the tie parameter from ``(system_a, system_b, outcome[,
    weight])`` comparisons, by Newton's method on Davidson's log-likelihood (module docstring).

    Stops when half the Newton decrement (the predicted gain) is under ``tol``. When the
    maximum-likelihood strengths do not exist and ``ridge`` is 0, :data:`FALLBACK_RIDGE` is used.
    """
    if ridge < 0:
        raise ValueError("ridge must be ≥ 0")
    systems, pairs = _tally(comparisons)
    n = len(systems)
    total_ties, total = float(pairs.ties.sum()), float(pairs.totals.sum())
    if n == 0 or total == 0:
        return DavidsonFit(systems, np.zeros(n), 0.0, 0.0, 0, True, ridge)
    if total_ties == total:  # nothing but ties: equal strengths, ν → ∞, every outcome certain
        return DavidsonFit(systems, np.zeros(n), math.inf, 0.0, 0, True, ridge)
    if ridge == 0 and not _strongly_connected(n, pairs):
        ridge = FALLBACK_RIDGE
    with_ties = total_ties > 0
    objective = _Objective(n, pairs, with_ties, ridge)
    start = np.zeros(objective.size)
    if with_ties:
        # At equal strengths P(tie) = ν / (2 + ν): start from the observed tie rate.
        rate = total_ties / total
        start[n] = math.log(2 * rate / (1 - rate))
    x, iterations, converged = _newton(objective, start, tol, max_iter)
    return DavidsonFit(
        systems=systems,
        log_strengths=x[:n].copy(),
        tie_parameter=float(math.exp(x[n])) if with_ties else 0.0,
        log_likelihood=objective.log_likelihood(x),
        iterations=iterations,
        converged=converged,
        ridge=ridge,
    )


def expected_scores(fit: DavidsonFit, comparisons: Sequence[Comparison]) -> dict[Hashable, float]:
    """Expected wins + half ties of each system in ``comparisons`` under ``fit``.

    At the maximum-likelihood fit (ridge 0) they equal the observed wins + half ties: Davidson's
    score equations, the usual check of a fit.
    """
    expected = dict.fromkeys(fit.systems, 0.0)
    for comparison in comparisons:
        system_a, system_b = comparison[0], comparison[1]
        weight = float(comparison[3]) if len(comparison) > 3 else 1.0
        probabilities = fit.probabilities(system_a, system_b)
        expected[system_a] += weight * (probabilities["A"] + probabilities["tie"] / 2)
        expected[system_b] += weight * (probabilities["B"] + probabilities["tie"] / 2)
    return expected
