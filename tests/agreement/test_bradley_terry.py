"""Davidson's Bradley–Terry model with ties: closed forms, exact recovery, convergence."""

from __future__ import annotations

import math

import numpy as np
import pytest

from marketplace.agreement.bradley_terry import (
    FALLBACK_RIDGE,
    Comparison,
    davidson_pair,
    davidson_probabilities,
    expected_scores,
    fit_davidson,
)


def _observed_scores(comparisons: list[Comparison]) -> dict[object, float]:
    scores: dict[object, float] = {}
    for comparison in comparisons:
        a, b, outcome = comparison[0], comparison[1], comparison[2]
        weight = float(comparison[3]) if len(comparison) > 3 else 1.0
        scores[a] = scores.get(a, 0.0) + weight * {"A": 1.0, "tie": 0.5, "B": 0.0}[outcome]
        scores[b] = scores.get(b, 0.0) + weight * {"A": 0.0, "tie": 0.5, "B": 1.0}[outcome]
    return scores


def test_two_systems_have_a_closed_form() -> None:
    """Two systems, 6 wins for x, 3 for y, 4 ties: the fit is saturated, so π_x/π_y = 6/3 and
    ν = 4/√(6·3); with geometric mean 1, π_x = √2 and π_y = 1/√2."""
    wins: list[Comparison] = [("x", "y", "A")] * 6
    comparisons: list[Comparison] = [*wins, *[("x", "y", "B")] * 3, *[("y", "x", "tie")] * 4]
    fit = fit_davidson(comparisons)
    assert fit.converged and fit.ridge == 0
    assert fit.strengths["x"] == pytest.approx(math.sqrt(2), rel=1e-9)
    assert fit.strengths["y"] == pytest.approx(1 / math.sqrt(2), rel=1e-9)
    assert fit.tie_parameter == pytest.approx(4 / math.sqrt(18), rel=1e-9)
    # The fitted probabilities are the observed shares.
    probabilities = fit.probabilities("x", "y")
    assert probabilities == pytest.approx({"A": 6 / 13, "B": 3 / 13, "tie": 4 / 13})
    closed = davidson_pair(6, 3, 4)
    assert closed.probabilities == pytest.approx(probabilities)
    assert closed.preference_a == pytest.approx(2 / 3)
    assert closed.tie_parameter == pytest.approx(fit.tie_parameter)


def test_data_equal_to_their_expectation_give_back_the_parameters() -> None:
    """A round-robin of three systems whose weighted outcomes are exactly the expected counts under
    π = (4, 2, 1), ν = 0.5: the expected log-likelihood is maximised at the truth (Gibbs), so the
    fit returns it exactly, ties parameter included."""
    truth, tie = {"a": 4.0, "b": 2.0, "c": 1.0}, 0.5
    comparisons: list[Comparison] = []
    for first, second in (("a", "b"), ("b", "c"), ("a", "c")):
        p = davidson_probabilities(truth[first], truth[second], tie)
        comparisons += [(first, second, outcome, 60 * p[outcome]) for outcome in ("A", "B", "tie")]
    fit = fit_davidson(comparisons)
    scale = 2.0  # geometric mean of (4, 2, 1)
    assert {s: v * scale for s, v in fit.strengths.items()} == pytest.approx(truth, rel=1e-9)
    assert fit.tie_parameter == pytest.approx(tie, rel=1e-9)


def test_the_fit_solves_the_score_equations() -> None:
    """At the maximum-likelihood fit every system's expected wins + half ties equal the observed
    ones (Davidson 1970, eq. 3.3), and the expected ties equal the observed ties."""
    comparisons: list[Comparison] = [
        ("a", "b", "A"),
        ("a", "b", "A"),
        ("a", "b", "tie"),
        ("b", "a", "A"),
        ("b", "c", "A"),
        ("c", "b", "tie"),
        ("c", "b", "A"),
        ("a", "c", "A"),
        ("c", "a", "A"),
        ("c", "a", "tie"),
    ]
    fit = fit_davidson(comparisons)
    observed, expected = _observed_scores(comparisons), expected_scores(fit, comparisons)
    for system in fit.systems:
        assert expected[system] == pytest.approx(observed[system], abs=1e-8)
    expected_ties = sum(fit.probabilities(c[0], c[1])["tie"] for c in comparisons)
    assert expected_ties == pytest.approx(3, abs=1e-8)


def test_converges_to_the_generating_strengths_on_synthetic_data() -> None:
    rng = np.random.default_rng(1970)
    n_systems, tie = 12, 0.7
    theta = rng.normal(0.0, 1.0, n_systems)
    theta -= theta.mean()
    n = 30_000
    first = rng.integers(0, n_systems, n)
    second = (first + rng.integers(1, n_systems, n)) % n_systems  # never the same system
    pi_a, pi_b = np.exp(theta[first]), np.exp(theta[second])
    tied = tie * np.sqrt(pi_a * pi_b)
    u = rng.random(n) * (pi_a + pi_b + tied)
    outcomes = np.where(u < pi_a, "A", np.where(u < pi_a + pi_b, "B", "tie"))
    comparisons: list[Comparison] = [
        (f"model-{i}", f"model-{j}", str(o)) for i, j, o in zip(first, second, outcomes, strict=True)
    ]
    fit = fit_davidson(comparisons)
    assert fit.converged and fit.iterations < 15
    estimated = np.array([math.log(fit.strengths[f"model-{i}"]) for i in range(n_systems)])
    # ~5,000 comparisons per system: log-strengths within ~3 standard errors (≈ 0.04 each).
    assert np.abs(estimated - theta).max() < 0.15
    assert fit.tie_parameter == pytest.approx(tie, abs=0.05)
    assert sorted(range(n_systems), key=lambda i: estimated[i])[-1] == int(np.argmax(theta))


def test_without_ties_it_is_plain_bradley_terry() -> None:
    """No ties: ν = 0 and the classic Zermelo/Bradley–Terry fit, 2 wins to 1 → π ratio 2."""
    fit = fit_davidson([("a", "b", "A"), ("a", "b", "A"), ("b", "a", "A")])
    assert fit.tie_parameter == 0.0
    assert fit.strengths["a"] / fit.strengths["b"] == pytest.approx(2.0, rel=1e-9)


def test_a_system_that_never_lost_gets_the_fallback_ridge() -> None:
    """ "a" beat everyone: its maximum-likelihood strength is infinite (Ford's condition fails),
    so a weak prior keeps it finite, still ordered a > b > c."""
    comparisons: list[Comparison] = [("a", "b", "A"), ("a", "c", "A"), ("b", "c", "A")]
    fit = fit_davidson([*comparisons, ("b", "c", "A"), ("c", "b", "A")])
    assert fit.ridge == FALLBACK_RIDGE and fit.converged
    strengths = fit.strengths
    assert math.isfinite(strengths["a"]) and strengths["a"] > strengths["b"] > strengths["c"]


def test_only_ties_mean_equal_strengths_and_certain_ties() -> None:
    fit = fit_davidson([("a", "b", "tie"), ("b", "c", "tie")])
    assert fit.strengths == {"a": 1.0, "b": 1.0, "c": 1.0}
    assert math.isinf(fit.tie_parameter)
    assert fit.probabilities("a", "c") == {"A": 0.0, "B": 0.0, "tie": 1.0}


def test_no_comparisons_fit_nothing() -> None:
    fit = fit_davidson([])
    assert fit.systems == () and fit.converged


@pytest.mark.parametrize(
    "comparisons",
    [[("a", "b", "better")], [("a", "a", "A")], [("a", "b", "A", -1.0)]],
)
def test_invalid_comparisons_are_refused(comparisons: list[Comparison]) -> None:
    with pytest.raises(ValueError):
        fit_davidson(comparisons)


def test_pair_estimates_of_edge_cases() -> None:
    assert davidson_pair(0, 0, 0).preference_a == 0.5
    one_sided = davidson_pair(3, 0, 1)
    assert one_sided.preference_a == 1.0 and math.isinf(one_sided.tie_parameter)
    assert davidson_pair(2, 2, 0).tie_parameter == 0.0
    with pytest.raises(ValueError):
        davidson_pair(-1, 0, 0)
