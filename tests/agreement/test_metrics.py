"""Krippendorff's α, Fleiss' and Cohen's κ, per-class α and confusion: published worked examples,
and agreement with reference libraries (``krippendorff``, statsmodels, scikit-learn) on random data.

Sources of the worked examples are named in each test.
"""

from __future__ import annotations

from typing import Any

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa

from marketplace.agreement import coincidence as coincidence_module
from marketplace.agreement import metrics
from marketplace.agreement.metrics import (
    LEVELS,
    alpha_bootstrap_ci,
    alpha_from_coincidence,
    cohen_kappa,
    coincidence_matrix,
    difference_matrix,
    fleiss_category_kappas,
    fleiss_kappa,
    krippendorff_alpha,
    most_confused_pairs,
    per_class_alpha,
    percent_agreement,
)

N = None
#: Krippendorff, *Computing Krippendorff's Alpha-Reliability* (2011), §C: 4 observers × 12 units.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]
#: The same paper's published values (§E nominal, §F ordinal, §G interval, §H ratio).
KRIPPENDORFF_2011_ALPHA = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}

#: Fleiss (1971), "Measuring nominal scale agreement among many raters", Table 1: 30 patients, 6
#: psychiatric diagnoses each, categories 1 depression, 2 personality disorder, 3 schizophrenia,
#: 4 neurosis, 5 other (the ``diagnoses`` data of R's irr package).
FLEISS_1971_DIAGNOSES = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5], [2, 2, 2, 4, 4, 4],
    [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4], [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5],
    [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4], [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5],
    [3, 3, 3, 3, 3, 5], [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4], [1, 4, 4, 4, 4, 5],
    [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4], [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip


def diagnoses_counts() -> np.ndarray[Any, np.dtype[np.int64]]:
    table = np.array(FLEISS_1971_DIAGNOSES)
    return np.stack([(table == category).sum(axis=1) for category in range(1, 6)], axis=1)


def random_reliability_data(
    rng: np.random.Generator, *, positive: bool = False
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Raters × units with NaN holes; mostly agreeing raters so α is spread over [−0.5, 1]."""
    raters, units, categories = int(rng.integers(2, 8)), int(rng.integers(2, 60)), int(rng.integers(2, 8))
    truth = rng.integers(0, categories, units)
    noise = rng.random((raters, units)) < rng.random()
    data = np.where(noise, rng.integers(0, categories, (raters, units)), truth).astype(np.float64)
    data = data * float(rng.choice([1.0, 0.5, 3.0])) + (1.0 if positive else float(rng.integers(-3, 3)))
    data[rng.random(data.shape) < rng.random() * 0.6] = np.nan
    return data


def reference_alpha(data: np.ndarray[Any, np.dtype[np.float64]], level: str) -> float | None:
    """The ``krippendorff`` package's α, None where it refuses (its undefined cases) or gives NaN."""
    try:
        with np.errstate(invalid="ignore", divide="ignore"):
            value = float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
    except ValueError:
        return None
    return None if np.isnan(value) else value


# --- Krippendorff's worked example ---------------------------------------------------------------


def test_krippendorff_2011_coincidence_matrix() -> None:
    """The coincidence matrix printed in the 2011 paper (§C): 11 pairable units, n = 40."""
    coincidence = coincidence_matrix(KRIPPENDORFF_2011)
    third = 1 / 3
    expected = [
        [7, 4 * third, third, third, 0],
        [4 * third, 10, 4 * third, third, 0],
        [third, 4 * third, 8, third, 0],
        [third, third, third, 4, 0],
        [0, 0, 0, 0, 3],
    ]
    assert coincidence.values == (1, 2, 3, 4, 5)
    np.testing.assert_allclose(coincidence.matrix, expected, rtol=0, atol=1e-12)
    assert coincidence.pairable_values == 40
    assert coincidence.pairable_units == 11
    np.testing.assert_allclose(coincidence.marginals, [9, 13, 10, 5, 3])


@pytest.mark.parametrize("level", LEVELS)
def test_krippendorff_2011_published_alpha(level: str) -> None:
    alpha = krippendorff_alpha(KRIPPENDORFF_2011, level)
    assert alpha is not None
    assert round(alpha, 3) == KRIPPENDORFF_2011_ALPHA[level]


def test_krippendorff_2011_as_string_labels_and_nan() -> None:
    names = {1: "very low", 2: "low", 3: "mid", 4: "high", 5: "very high"}
    labelled = [[names[v] if v is not None else None for v in row] for row in KRIPPENDORFF_2011]
    alpha = krippendorff_alpha(labelled, "nominal")
    assert alpha is not None and round(alpha, 3) == 0.743
    as_nan = np.array([[np.nan if v is None else v for v in row] for row in KRIPPENDORFF_2011])
    assert krippendorff_alpha(as_nan, "interval") == krippendorff_alpha(KRIPPENDORFF_2011, "interval")


def test_nan_among_string_labels_is_missing() -> None:
    data = [["a", np.nan, "b", "a"], ["a", "b", None, "b"]]
    coincidence = coincidence_matrix(data)
    assert coincidence.values == ("a", "b")
    assert coincidence.pairable_units == 2
    assert krippendorff_alpha(data) == krippendorff_alpha([["a", "a"], ["a", "b"]])


def test_ordinal_difference_is_squared_mid_rank_distance() -> None:
    """Krippendorff 2011 §F: δ²_ck = (Σ_{g=c}^{k} n_g − (n_c + n_k)/2)² with the example's n_g."""
    marginals = [9, 13, 10, 5, 3]
    delta = difference_matrix([1, 2, 3, 4, 5], "ordinal", marginals)
    for c in range(5):
        for k in range(c, 5):
            by_paper = (sum(marginals[c : k + 1]) - (marginals[c] + marginals[k]) / 2) ** 2
            assert delta[c, k] == pytest.approx(by_paper)
            assert delta[k, c] == pytest.approx(by_paper)
    assert delta[0, 1] == pytest.approx(11.0**2)


# --- agreement with the krippendorff package ---------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_matches_krippendorff_package_on_random_data(level: str) -> None:
    rng = np.random.default_rng(20260501 + LEVELS.index(level))
    compared = undefined = 0
    for _ in range(300):
        data = random_reliability_data(rng, positive=level == "ratio")
        expected = reference_alpha(data, level)
        ours = krippendorff_alpha(data, level)
        if expected is None:
            undefined += 1
            assert ours is None
            continue
        assert ours is not None
        assert ours == pytest.approx(expected, abs=1e-9)
        compared += 1
    assert compared > 250


def test_alpha_matches_package_with_a_declared_value_domain() -> None:
    """Values nobody chose change nothing, except the ordinal ranks of no one."""
    rng = np.random.default_rng(7)
    for _ in range(50):
        data = random_reliability_data(rng, positive=True)
        domain = sorted({float(v) for v in data[~np.isnan(data)]} | {100.0, 0.25})
        for level in LEVELS:
            expected = float(krippendorff.alpha(data, value_domain=domain, level_of_measurement=level))
            ours = krippendorff_alpha(data, level, values=domain)
            assert ours == pytest.approx(expected, abs=1e-9)


def test_many_distinct_values_take_the_matrix_free_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Interval and ordinal α of continuous data (more values than a matrix may hold) agree with the
    package, and with the matrix path."""
    rng = np.random.default_rng(11)
    for _ in range(30):
        data = rng.normal(0, 1, (int(rng.integers(2, 6)), int(rng.integers(3, 80))))
        data[:, : data.shape[1] // 3] += rng.normal(0, 3, data.shape[1] // 3)
        data[rng.random(data.shape) < 0.3] = np.nan
        with_matrix = {level: krippendorff_alpha(data, level) for level in ("interval", "ordinal")}
        monkeypatch.setattr(metrics, "MAX_MATRIX_VALUES", 1)
        monkeypatch.setattr(coincidence_module, "MAX_MATRIX_VALUES", 1)
        for level in ("interval", "ordinal"):
            ours = krippendorff_alpha(data, level)
            assert ours == pytest.approx(reference_alpha(data, level), abs=1e-9)
            assert ours == pytest.approx(with_matrix[level], abs=1e-9)
        with pytest.raises(ValueError, match="too many"):
            krippendorff_alpha(data, "nominal")
        monkeypatch.undo()


# --- pooling and updating -----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_pooled_alpha_from_merged_batches_is_exact(seed: int) -> None:
    """Per-batch matrices, stored as JSON and merged, are the matrix of all the data: bit for bit."""
    rng = np.random.default_rng(seed)
    data = random_reliability_data(rng)
    cuts = sorted(rng.integers(0, data.shape[1], size=int(rng.integers(1, 5))).tolist())
    batches = np.split(data, cuts, axis=1)
    stored = [coincidence_matrix(batch).to_json() for batch in batches]
    pooled = metrics.Coincidence.merge(metrics.Coincidence.from_json(row) for row in stored)
    whole = coincidence_matrix(data)
    assert pooled.values == tuple(v for v in whole.values if v in pooled.values)
    assert pooled.reindexed(whole.values) == whole
    np.testing.assert_array_equal(pooled.reindexed(whole.values).matrix, whole.matrix)
    for level in LEVELS:
        if level == "ratio" and min(whole.values) < 0:
            continue
        assert alpha_from_coincidence(pooled.reindexed(whole.values), level) == alpha_from_coincidence(
            whole, level
        )
    # "+" and merge agree, whatever the order of the batches.
    reversed_sum = sum(
        (metrics.Coincidence.from_json(row) for row in reversed(stored)), metrics.Coincidence.empty()
    )
    assert reversed_sum == pooled


@pytest.mark.parametrize("seed", range(20))
def test_one_unit_update_equals_full_recompute(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    data = random_reliability_data(rng)
    unit = int(rng.integers(0, data.shape[1]))
    changed = data.copy()
    changed[:, unit] = rng.integers(0, 9, data.shape[0]).astype(np.float64)
    changed[rng.random(data.shape[0]) < 0.4, unit] = np.nan
    labels = metrics.canonical_labels(
        [*data[~np.isnan(data)].tolist(), *changed[~np.isnan(changed)].tolist()]
    )
    updated = coincidence_matrix(data, values=labels).update_unit(
        data[:, unit].tolist(), changed[:, unit].tolist()
    )
    recomputed = coincidence_matrix(changed, values=labels)
    assert updated.reindexed(labels) == recomputed
    for level in ("nominal", "ordinal", "interval"):
        assert alpha_from_coincidence(updated.reindexed(labels), level) == alpha_from_coincidence(
            recomputed, level
        )


def test_unit_coincidences_add_up_to_the_matrix() -> None:
    total = metrics.Coincidence.empty()
    for unit in zip(*KRIPPENDORFF_2011, strict=True):
        total = total + metrics.unit_coincidences(list(unit))
    assert total == coincidence_matrix(KRIPPENDORFF_2011).reindexed(total.values)
    one = metrics.unit_coincidences(["a", "b", "a", None])
    assert one.values == ("a", "b")
    np.testing.assert_array_equal(one.pairs[3], [[2, 2], [2, 0]])
    np.testing.assert_allclose(one.matrix, [[1, 1], [1, 0]])
    assert metrics.unit_coincidences(["a", None]).pairable_values == 0


def test_removing_what_was_never_added_is_an_error() -> None:
    matrix = metrics.unit_coincidences(["a", "a"])
    with pytest.raises(ValueError, match="not in the matrix"):
        matrix - metrics.unit_coincidences(["a", "b"])
    assert (matrix - matrix).pairable_values == 0


def test_coincidence_json_round_trip_and_validation() -> None:
    coincidence = coincidence_matrix([["x", "y", 3, None], ["x", "x", 3.0, 2.5], [None, "y", 1, 2.5]])
    assert coincidence.values == (1, 2.5, 3, "x", "y")
    document = coincidence.to_json()
    import json

    assert metrics.Coincidence.from_json(json.dumps(document)) == coincidence
    assert metrics.Coincidence.from_json(document) == coincidence
    with pytest.raises(ValueError, match="version"):
        metrics.Coincidence.from_json({"version": 99, "values": [], "pairs": {}})
    with pytest.raises(ValueError, match="outside"):
        metrics.Coincidence.from_json({"version": 1, "values": ["a"], "pairs": {"2": [[0, 1, 2]]}})
    with pytest.raises(ValueError, match="canonical"):
        metrics.Coincidence(("b", "a"), {})
    with pytest.raises(ValueError, match="symmetric"):
        metrics.Coincidence(("a", "b"), {2: [[0, 1], [0, 0]]})
    assert metrics.Coincidence.empty().to_json() == {"version": 1, "values": [], "pairs": {}}


# --- undefined cases ----------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_undefined_alpha_is_none(level: str) -> None:
    assert krippendorff_alpha([[3, 3, 3], [3, 3, N]], level) is None  # one value: D_e = 0
    assert krippendorff_alpha([[1, N, 2], [N, 4, N]], level) is None  # no pairable unit
    assert krippendorff_alpha([[1.0, np.nan], [np.nan, 2.0]], level) is None
    assert krippendorff_alpha([[], []], level) is None
    assert krippendorff_alpha([], level) is None
    assert alpha_from_coincidence(metrics.Coincidence.empty(), level) is None
    assert alpha_bootstrap_ci([[3, 3, 3], [3, 3, N]], level, n=20, seed=1) is None
    assert alpha_bootstrap_ci([[1, N], [N, 2]], level, n=20, seed=1) is None
    # A value only in an unpairable unit doesn't make α defined.
    assert krippendorff_alpha([[1, 1, 7], [1, 1, N]], level) is None


def test_other_undefined_cases_are_none() -> None:
    assert percent_agreement([[1, N], [N, 2]]) is None
    assert fleiss_kappa([[3, 0], [3, 0]]) is None  # one category only
    assert fleiss_kappa(np.zeros((0, 3))) is None
    assert fleiss_kappa([[1, 0], [0, 1]]) is None  # one rating per subject
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None
    assert cohen_kappa([None, "a"], ["b", None]) is None
    assert cohen_kappa([], []) is None
    coincidence = coincidence_matrix([["a", "a", "b"], ["a", "a", "b"]])
    assert per_class_alpha(coincidence) == {"a": 1.0, "b": 1.0}
    assert per_class_alpha(coincidence_matrix([["a", "a"], ["a", "a"]])) == {"a": None}
    assert most_confused_pairs(metrics.Coincidence.empty()) == []


def test_level_errors() -> None:
    with pytest.raises(ValueError, match="numeric"):
        krippendorff_alpha([["a", "b"], ["a", "a"]], "ordinal")
    with pytest.raises(ValueError, match="non-negative"):
        krippendorff_alpha([[-1, 2], [1, 2]], "ratio")
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha([[1, 2], [1, 2]], "cardinal")
    with pytest.raises(ValueError, match="not among"):
        krippendorff_alpha([[1, 2], [1, 3]], values=[1, 2])


# --- Fleiss' κ ----------------------------------------------------------------------------------


def test_fleiss_1971_diagnoses() -> None:
    """Fleiss (1971): κ = 0.430; per category 0.245, 0.245, 0.520, 0.471, 0.566 (as R's irr)."""
    counts = diagnoses_counts()
    assert counts.sum(axis=1).tolist() == [6] * 30
    kappa = fleiss_kappa(counts)
    assert kappa is not None and round(kappa, 3) == 0.430
    assert kappa == pytest.approx(statsmodels_fleiss_kappa(counts, method="fleiss"), abs=1e-12)
    per_category = fleiss_category_kappas(counts)
    assert [round(k, 3) for k in per_category if k is not None] == [0.245, 0.245, 0.520, 0.471, 0.566]


def test_fleiss_kappa_matches_statsmodels_on_random_tables() -> None:
    rng = np.random.default_rng(3)
    for _ in range(300):
        subjects, categories, raters = (
            int(rng.integers(1, 40)),
            int(rng.integers(2, 7)),
            int(rng.integers(2, 12)),
        )
        shares = rng.dirichlet(np.ones(categories) * rng.uniform(0.2, 3))
        counts = np.array([rng.multinomial(raters, shares) for _ in range(subjects)])
        ours = fleiss_kappa(counts)
        if counts.sum(axis=0).max() == counts.sum():
            assert ours is None
            continue
        assert ours == pytest.approx(statsmodels_fleiss_kappa(counts, method="fleiss"), abs=1e-9)


def test_fleiss_kappa_needs_equal_rating_counts() -> None:
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa([[2, 1], [1, 1]])


def test_percent_agreement_is_fleiss_p_bar_on_complete_data() -> None:
    counts = diagnoses_counts()
    p_bar = float(np.mean(((counts**2).sum(axis=1) - 6) / 30))
    data = np.array(FLEISS_1971_DIAGNOSES).T  # raters × units
    assert percent_agreement(data) == pytest.approx(p_bar, abs=1e-12)
    # Missing values: each pairable unit counts once.
    assert percent_agreement(
        [["a", "a", "a", "x"], ["a", "b", None, "y"], [None, "b", None, None]]
    ) == pytest.approx((1 + 1 / 3 + 0) / 3)


# --- Cohen's κ ----------------------------------------------------------------------------------


def _from_table(table: list[list[int]]) -> tuple[list[str], list[str]]:
    a: list[str] = []
    b: list[str] = []
    names = ["yes", "no"]
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [names[i]] * count
            b += [names[j]] * count
    return a, b


@pytest.mark.parametrize(
    ("table", "kappa"),
    [
        # Wikipedia, "Cohen's kappa", worked example: 50 grant proposals, p_o = 0.7, p_e = 0.5.
        ([[20, 5], [10, 15]], 0.4),
        # Same article, "same percentage agreement, different κ": p_o = 0.6 in both.
        ([[45, 15], [25, 15]], 0.06 / 0.46),
        ([[25, 35], [5, 35]], 0.14 / 0.54),
    ],
)
def test_cohen_kappa_textbook_tables(table: list[list[int]], kappa: float) -> None:
    a, b = _from_table(table)
    assert cohen_kappa(a, b) == pytest.approx(kappa, abs=1e-12)
    assert cohen_kappa(b, a) == pytest.approx(kappa, abs=1e-12)
    assert round(cohen_kappa(a, b) or 0, 4) == round(kappa, 4)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_matches_scikit_learn(weights: Any) -> None:
    rng = np.random.default_rng(5)
    compared = 0
    for _ in range(300):
        size, categories = int(rng.integers(2, 80)), int(rng.integers(2, 7))
        a = rng.integers(0, categories, size)
        b = np.where(rng.random(size) < rng.random(), a, rng.integers(0, categories, size))
        labels = list(range(categories))
        ours = cohen_kappa(a.tolist(), b.tolist(), weights=weights, labels=labels)
        if ours is None:
            assert len(set(a.tolist()) | set(b.tolist())) == 1
            continue
        reference = float(cohen_kappa_score(a, b, weights=weights, labels=labels))
        assert ours == pytest.approx(reference, abs=1e-9)
        compared += 1
    assert compared > 250


def test_weighted_cohen_kappa_follows_the_label_order() -> None:
    a = ["low", "mid", "high", "mid", "low", "high"]
    b = ["mid", "mid", "high", "low", "low", "mid"]
    order = ["low", "mid", "high"]
    expected = cohen_kappa_score(a, b, weights="linear", labels=order)
    assert cohen_kappa(a, b, weights="linear", labels=order) == pytest.approx(expected, abs=1e-12)
    with pytest.raises(ValueError, match="not among"):
        cohen_kappa(a, b, labels=["low", "mid"])


# --- per class and confusion --------------------------------------------------------------------


def test_per_class_alpha_is_alpha_of_the_binarised_data() -> None:
    rng = np.random.default_rng(9)
    for _ in range(100):
        data = random_reliability_data(rng)
        coincidence = coincidence_matrix(data)
        per_class = per_class_alpha(coincidence)
        for label, value in per_class.items():
            binary = np.where(np.isnan(data), np.nan, (data == label).astype(np.float64))
            expected = reference_alpha(binary, "nominal")
            if expected is None or value is None:
                assert value is None or krippendorff_alpha(binary) == pytest.approx(value)
                continue
            assert value == pytest.approx(expected, abs=1e-9)


def test_most_confused_pairs_normalised_by_chance() -> None:
    """Cats and dogs are confused on three units; birds never. Hand-computed from the matrix:
    o(cat, dog) + o(dog, cat) = 6, n = 24, n_cat = 9, n_dog = 9 → expected 2·81/23."""
    data = [
        ["cat", "cat", "cat", "dog", "dog", "dog", "bird", "bird", "cat", "dog", "cat", "bird"],
        ["cat", "cat", "dog", "dog", "dog", "cat", "bird", "bird", "dog", "dog", "cat", "bird"],
    ]
    coincidence = coincidence_matrix(data)
    pairs = most_confused_pairs(coincidence, limit=5)
    assert len(pairs) == 1
    top = pairs[0]
    assert (top["first"], top["second"]) == ("cat", "dog")
    assert top["observed"] == pytest.approx(6.0)
    assert top["expected"] == pytest.approx(2 * 9 * 9 / 23)
    assert top["ratio"] == pytest.approx(6.0 / (2 * 81 / 23))
    assert top["share"] == pytest.approx(1.0)
    import json

    json.dumps(pairs)  # ready for an API response


def test_most_confused_pairs_rank_by_ratio_then_count() -> None:
    data = [["a", "a", "b", "c", "a", "b", "c", "d", "d"], ["b", "b", "c", "a", "a", "b", "c", "d", "a"]]
    pairs = most_confused_pairs(coincidence_matrix(data), limit=2)
    assert len(pairs) == 2
    assert pairs[0]["ratio"] >= pairs[1]["ratio"]
    assert all(p["observed"] > 0 for p in pairs)
    assert most_confused_pairs(coincidence_matrix(data), limit=0) == []


# --- bootstrap ----------------------------------------------------------------------------------


def _naive_bootstrap(
    data: np.ndarray[Any, np.dtype[np.float64]], level: str, n: int, seed: int
) -> tuple[float, float]:
    """Resample pairable units with replacement, one α per resample, the slow obvious way."""
    pairable = data[:, (~np.isnan(data)).sum(axis=0) >= 2]
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n):
        value = krippendorff_alpha(pairable[:, rng.integers(0, pairable.shape[1], pairable.shape[1])], level)
        if value is not None:
            values.append(value)
    low, high = np.quantile(values, [0.025, 0.975])
    return float(low), float(high)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_bootstrap_interval_matches_resampling_units(level: str) -> None:
    rng = np.random.default_rng(42)
    truth = rng.integers(1, 6, 150)
    data = np.where(rng.random((4, 150)) < 0.75, truth, rng.integers(1, 6, (4, 150))).astype(np.float64)
    data[rng.random(data.shape) < 0.25] = np.nan
    alpha = krippendorff_alpha(data, level)
    interval = alpha_bootstrap_ci(data, level, n=2000, seed=1)
    assert interval is not None and alpha is not None
    assert interval.low < alpha < interval.high
    naive = _naive_bootstrap(data, level, 600, seed=2)
    assert interval.low == pytest.approx(naive[0], abs=0.03)
    assert interval.high == pytest.approx(naive[1], abs=0.03)
    assert alpha_bootstrap_ci(data, level, n=200, seed=7) == alpha_bootstrap_ci(data, level, n=200, seed=7)


def test_bootstrap_interval_narrows_with_more_units() -> None:
    rng = np.random.default_rng(8)
    widths = []
    for units in (40, 4000):
        truth = rng.integers(0, 4, units)
        data = np.where(rng.random((3, units)) < 0.7, truth, rng.integers(0, 4, (3, units))).astype(
            np.float64
        )
        interval = alpha_bootstrap_ci(data, "nominal", n=300, alpha=0.1, seed=3)
        assert interval is not None
        widths.append(interval.high - interval.low)
    assert widths[1] < widths[0] / 4


def test_bootstrap_arguments() -> None:
    with pytest.raises(ValueError):
        alpha_bootstrap_ci(KRIPPENDORFF_2011, n=0)
    with pytest.raises(ValueError):
        alpha_bootstrap_ci(KRIPPENDORFF_2011, alpha=1.5)


def test_sparse_unit_counts_give_the_dense_results(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(12)
    cases = [random_reliability_data(rng, positive=True) for _ in range(20)]
    dense = [
        (coincidence_matrix(d), percent_agreement(d), alpha_bootstrap_ci(d, n=50, seed=1)) for d in cases
    ]
    monkeypatch.setattr(coincidence_module, "MAX_DENSE_CELLS", 0)
    for data, (matrix, agreement, interval) in zip(cases, dense, strict=True):
        assert coincidence_matrix(data) == matrix
        assert percent_agreement(data) == pytest.approx(agreement, abs=1e-12)
        sparse_interval = alpha_bootstrap_ci(data, n=50, seed=1)
        if interval is None:
            assert sparse_interval is None
        else:
            assert sparse_interval is not None
            # Unit patterns are not grouped on the sparse path, so the random draws differ.
            assert sparse_interval.low <= sparse_interval.high
