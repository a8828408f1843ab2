"""Coincidence matrices of reliability data, the sufficient statistic of Krippendorff's α.

Reliability data are m raters × N units; a rater may leave a unit out (``None`` or NaN). A unit
with m_u ≥ 2 values is *pairable*; each of its m_u(m_u − 1) ordered pairs of values from different
raters counts 1/(m_u − 1), so that every pairable value contributes exactly 1 in all (Krippendorff,
*Computing Krippendorff's Alpha-Reliability*, 2011, §C, "coincidences within units")::

    o_ck = Σ_u  Σ_{i ≠ j} I(v_iu = c, v_ju = k) / (m_u − 1)
         = Σ_u  (n_uc · n_uk − [c = k] · n_uc) / (m_u − 1)

with n_uc the number of raters who gave unit u the value c. Its marginals n_c = Σ_k o_ck count the
pairable values c, and n = Σ_c n_c all of them. α at every level of measurement is a function of
o alone (see :func:`marketplace.agreement.metrics.alpha_from_coincidence`).

Because o is a sum over units, matrices add: one kept per (project, language, batch) pools over
any set of batches by adding them, and a unit's answers changing is one subtraction and one
addition of that unit's own contribution, O(m_u²) cells.

Exactness. The 1/(m_u − 1) weights are not binary fractions, so sums of them would depend on the
order they were added in, and a stored matrix updated a million times would drift. So a
:class:`Coincidence` keeps, for each unit size m, the *integer* matrix of ordered pair counts
``P_m[c, k] = Σ_{u: m_u = m} (n_uc n_uk − [c = k] n_uc)``, and ``o = Σ_m P_m / (m − 1)`` is derived
in a fixed order. Integer sums are exact and order-free: pooled batches and updated units give
bit-for-bit the matrix, and the α, of computing everything at once.

Vectorised counting: the per-unit value counts form a units × values matrix N (dense, or sparse
when that would be large); for each unit size m the pair counts are one matrix product,
``P_m = N_mᵀ N_m − diag(1ᵀ N_m)`` over the rows of N with m values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, TypeAlias

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

#: A value raters assign: a category label, or a number on a scale.
Label: TypeAlias = str | int | float

#: Units × values cells up to which per-unit value counts are kept dense (32 MB of float64).
MAX_DENSE_CELLS: Final = 1 << 22
#: Most distinct values a coincidence matrix may have: V × V float64 is then 32 MB per matrix.
#: More values (continuous measurements) should be binned; ``metrics.krippendorff_alpha`` computes
#: interval and ordinal α of such data without the matrix.
MAX_MATRIX_VALUES: Final = 2048
#: Span of integer values (max − min) up to which they are encoded by counting instead of sorting.
_MAX_INTEGER_SPAN: Final = 1 << 20
#: Version of the JSON written by :meth:`Coincidence.to_json`.
JSON_VERSION: Final = 1

UnitCounts: TypeAlias = "NDArray[np.float64] | sp.csr_array"


# --- labels ---------------------------------------------------------------------------------------


def _label_key(label: Label) -> tuple[int, float | str]:
    """Canonical order: numbers ascending, then strings in code-point order."""
    if isinstance(label, str):
        return (1, label)
    return (0, float(label))


def _as_label(value: Any) -> Label:
    """A plain Python label: numpy scalars unwrapped, integral floats kept as given."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str | int | float):
        return value
    raise TypeError(f"a rating must be a string or a number, not {type(value).__name__}")


def is_missing(value: Any) -> bool:
    """``None`` or a float NaN: the rater gave the unit no value."""
    if value is None:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def canonical_labels(labels: Iterable[Any]) -> tuple[Label, ...]:
    """Distinct labels (``1`` and ``1.0`` are one) in canonical order: numbers, then strings."""
    unique = dict.fromkeys(_as_label(label) for label in labels if not is_missing(label))
    return tuple(sorted(unique, key=_label_key))


def _numeric_labels(values: NDArray[np.float64]) -> tuple[Label, ...]:
    """Sorted distinct floats as labels: ints where every value is integral (``3``, not ``3.0``)."""
    if values.size and np.all(values == np.rint(values)) and np.all(np.abs(values) < 2**53):
        return tuple(int(v) for v in values.tolist())
    return tuple(float(v) for v in values.tolist())


# --- encoding reliability data ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EncodedData:
    """Reliability data as codes: which unit each present value belongs to, and its label's index."""

    labels: tuple[Label, ...]
    units: NDArray[np.int64]
    codes: NDArray[np.int64]
    n_units: int


def _encode_floats(
    values: NDArray[np.float64], labels: tuple[Label, ...] | None
) -> tuple[tuple[Label, ...], NDArray[np.int64]]:
    if labels is not None:
        numeric = [i for i, label in enumerate(labels) if not isinstance(label, str)]
        domain = np.array([float(labels[i]) for i in numeric], dtype=np.float64)
        where = np.searchsorted(domain, values)
        found = where < len(domain)
        found[found] = domain[where[found]] == values[found]
        if not found.all():
            raise ValueError(f"value {values[~found][0]!r} is not among the given values")
        return labels, np.asarray(numeric, dtype=np.int64)[where]
    if values.size == 0:
        return (), np.zeros(0, dtype=np.int64)
    low, high = float(values.min()), float(values.max())
    if high - low <= _MAX_INTEGER_SPAN and np.all(values == np.rint(values)):
        # Integer values (category codes, ratings): distinct values by counting, in O(n).
        offsets = (values - low).astype(np.int64)
        present = np.flatnonzero(np.bincount(offsets))
        lookup = np.full(int(high - low) + 1, -1, dtype=np.int64)
        lookup[present] = np.arange(len(present))
        return _numeric_labels(present.astype(np.float64) + low), lookup[offsets]
    distinct, inverse = np.unique(values, return_inverse=True)
    return _numeric_labels(distinct), inverse.astype(np.int64).ravel()


def encode_reliability_data(data: ArrayLike, values: Sequence[Label] | None = None) -> EncodedData:
    """Raters × units reliability data → labels and, per present value, its unit and label index.

    Missing values are ``None`` or NaN. Labels are the distinct values in canonical order, or
    ``values`` (any order; returned canonical) when given, in which case a value outside them is a
    ``ValueError``. Numeric arrays take a vectorised path; others are read value by value.
    """
    labels = canonical_labels(values) if values is not None else None
    array = np.asarray(data) if not isinstance(data, np.ndarray) else data
    if array.dtype.kind in "US" and not isinstance(data, np.ndarray):
        array = np.asarray(data, dtype=object)  # numpy would have turned a NaN among strings into "nan"
    if array.ndim != 2:
        if array.size == 0:
            return EncodedData(labels or (), np.zeros(0, np.int64), np.zeros(0, np.int64), 0)
        raise ValueError("reliability data must be a raters × units table")
    n_units = array.shape[1]
    if array.dtype.kind in "biuf":
        floats = array.astype(np.float64, copy=False)
        positions = np.flatnonzero(~np.isnan(floats))
        labels, codes = _encode_floats(floats.ravel()[positions], labels)
        return EncodedData(labels, positions % max(n_units, 1), codes, n_units)
    flat = array.ravel()
    present = np.fromiter((not is_missing(v) for v in flat), dtype=bool, count=flat.size)
    positions = np.flatnonzero(present)
    kept = [_as_label(v) for v in flat[positions]]
    if all(not isinstance(v, str) for v in kept):
        labels, codes = _encode_floats(np.array(kept, dtype=np.float64), labels)
        return EncodedData(labels, positions % max(n_units, 1), codes, n_units)
    if labels is None:
        labels = canonical_labels(kept)
    index = {label: i for i, label in enumerate(labels)}
    try:
        codes = np.fromiter((index[v] for v in kept), dtype=np.int64, count=len(kept))
    except KeyError as missing:
        raise ValueError(f"value {missing.args[0]!r} is not among the given values") from None
    return EncodedData(labels, positions % max(n_units, 1), codes, n_units)


def unit_value_counts(encoded: EncodedData) -> UnitCounts:
    """n_uc: how many raters gave unit u the value c, as a units × values matrix (float64).

    Dense when it has at most :data:`MAX_DENSE_CELLS` cells, else a sparse CSR array.
    """
    n_units, n_values = encoded.n_units, len(encoded.labels)
    if n_units * n_values <= MAX_DENSE_CELLS:
        flat = np.bincount(encoded.units * n_values + encoded.codes, minlength=n_units * n_values)
        return flat.reshape(n_units, n_values).astype(np.float64)
    ones = np.ones(len(encoded.codes), dtype=np.float64)
    coo = sp.coo_array((ones, (encoded.units, encoded.codes)), shape=(n_units, n_values))
    return coo.tocsr()  # duplicates summed


def _pair_counts(counts: UnitCounts, sizes: NDArray[np.int64]) -> dict[int, NDArray[np.int64]]:
    """For each unit size m ≥ 2: P_m = N_mᵀ N_m − diag(column sums of N_m), as integers.

    ``sizes`` are the m_u. Units are ordered by size once, so each size is a contiguous block of
    rows; a block's column sums are its product's row sums over m (Σ_k n_uc n_uk = n_uc m), so one
    matrix product per size is all the arithmetic (in float64, exact for counts below 2⁵³).
    """
    # Sizes are small integers: a stable sort of int16 is a radix sort, O(units).
    narrow = sizes.astype(np.int16) if sizes.size and sizes.max() < 2**15 else sizes
    order = np.argsort(narrow, kind="stable")
    ordered_sizes = sizes[order]
    first = int(np.searchsorted(ordered_sizes, 2))
    ordered = (
        np.take(counts, order[first:], axis=0) if isinstance(counts, np.ndarray) else counts[order[first:]]
    )
    ordered_sizes = ordered_sizes[first:]
    bounds = np.flatnonzero(np.diff(ordered_sizes)) + 1
    pairs: dict[int, NDArray[np.int64]] = {}
    for start, stop in zip([0, *bounds.tolist()], [*bounds.tolist(), len(ordered_sizes)], strict=True):
        if start == stop:
            continue
        m = int(ordered_sizes[start])
        rows = ordered[start:stop]
        product = rows.T @ rows if isinstance(rows, np.ndarray) else (rows.T @ rows).toarray()
        counted: NDArray[np.int64] = np.rint(product).astype(np.int64)
        counted[np.diag_indices_from(counted)] -= counted.sum(axis=1) // m
        pairs[m] = counted
    return pairs


def unit_sizes(encoded: EncodedData) -> NDArray[np.int64]:
    """m_u: how many values each unit has."""
    return np.bincount(encoded.units, minlength=encoded.n_units).astype(np.int64)


# --- the coincidence matrix ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Coincidence:
    """The coincidence matrix of some reliability data, over ordered value labels.

    ``values`` are the labels in canonical order (numbers ascending, then strings); ``pairs`` maps each
    unit size m ≥ 2 to the integer V × V matrix of ordered value pairs in units of m values; and
    ``matrix`` is o_ck = Σ_m pairs[m] / (m − 1), a float ndarray (read-only). Add (``+``,
    :meth:`merge`) to pool, subtract (``-``) to take a contribution back out; both work over the
    union of the labels. Immutable; equal when the labels and pair counts are.
    """

    values: tuple[Label, ...]
    pairs: Mapping[int, NDArray[np.int64]]
    matrix: NDArray[np.float64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        values = tuple(_as_label(v) for v in self.values)
        if values != canonical_labels(values) or len(values) != len(self.values):
            raise ValueError("values must be distinct and in canonical order (numbers, then strings)")
        size = len(values)
        pairs: dict[int, NDArray[np.int64]] = {}
        for m, counts in sorted(self.pairs.items()):
            array = np.array(counts, dtype=np.int64).reshape(size, size)
            if int(m) < 2 or (array < 0).any() or not np.array_equal(array, array.T):
                raise ValueError("pair counts must be symmetric, non-negative, for unit sizes m ≥ 2")
            if array.any():
                array.setflags(write=False)
                pairs[int(m)] = array
        matrix = np.zeros((size, size), dtype=np.float64)
        for m, counts in pairs.items():
            matrix += counts / (m - 1)
        matrix.setflags(write=False)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "pairs", MappingProxyType(pairs))
        object.__setattr__(self, "matrix", matrix)

    # constructors

    @classmethod
    def empty(cls, values: Iterable[Label] = ()) -> Coincidence:
        """No pairable values (yet), over ``values``."""
        return cls(canonical_labels(values), {})

    @classmethod
    def merge(cls, matrices: Iterable[Coincidence]) -> Coincidence:
        """The sum of ``matrices`` over the union of their labels: pooled reliability data."""
        items = list(matrices)
        labels = canonical_labels(label for matrix in items for label in matrix.values)
        total: dict[int, NDArray[np.int64]] = {}
        for matrix in items:
            for m, counts in matrix.reindexed(labels).pairs.items():
                total[m] = total[m] + counts if m in total else counts.copy()
        return cls(labels, total)

    # arithmetic

    def reindexed(self, values: Iterable[Label]) -> Coincidence:
        """The same counts over ``values``, which must include every label of this matrix."""
        labels = canonical_labels(values)
        if labels == self.values:
            return self
        index = {label: i for i, label in enumerate(labels)}
        try:
            where = np.array([index[label] for label in self.values], dtype=np.int64)
        except KeyError as missing:
            raise ValueError(f"label {missing.args[0]!r} is not among the given values") from None
        pairs = {}
        for m, counts in self.pairs.items():
            placed = np.zeros((len(labels), len(labels)), dtype=np.int64)
            placed[np.ix_(where, where)] = counts
            pairs[m] = placed
        return Coincidence(labels, pairs)

    def __add__(self, other: Coincidence) -> Coincidence:
        return Coincidence.merge([self, other])

    def __sub__(self, other: Coincidence) -> Coincidence:
        """This matrix without ``other``'s pairs; ``ValueError`` if it takes out pairs never put in."""
        labels = canonical_labels((*self.values, *other.values))
        mine, theirs = self.reindexed(labels).pairs, other.reindexed(labels).pairs
        zero = np.zeros((len(labels), len(labels)), dtype=np.int64)
        pairs = {m: mine.get(m, zero) - theirs.get(m, zero) for m in sorted(mine.keys() | theirs.keys())}
        if any(bool((counts < 0).any()) for counts in pairs.values()):
            raise ValueError("subtracting pairs of values that are not in the matrix")
        return Coincidence(labels, pairs)

    def update_unit(self, old: Sequence[Any], new: Sequence[Any]) -> Coincidence:
        """This matrix after one unit's values changed from ``old`` to ``new`` (O(m_u²) counts)."""
        return self - unit_coincidences(old) + unit_coincidences(new)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Coincidence):
            return NotImplemented
        return (
            self.values == other.values
            and self.pairs.keys() == other.pairs.keys()
            and all(np.array_equal(counts, other.pairs[m]) for m, counts in self.pairs.items())
        )

    __hash__ = None  # type: ignore[assignment]

    # summaries

    @property
    def marginals(self) -> NDArray[np.float64]:
        """n_c = Σ_k o_ck: the number of pairable values c."""
        result: NDArray[np.float64] = self.matrix.sum(axis=1)
        return result

    @property
    def pairable_values(self) -> int:
        """n = Σ_c n_c, exactly: each size-m group's pairs sum to (m − 1) times its values."""
        return sum(int(counts.sum()) // (m - 1) for m, counts in self.pairs.items())

    @property
    def pairable_units(self) -> int:
        """Units with at least two values: each size-m unit has m(m − 1) ordered pairs."""
        return sum(int(counts.sum()) // (m * (m - 1)) for m, counts in self.pairs.items())

    @property
    def observed_agreement(self) -> float | None:
        """Σ_c o_cc / n: the share of agreeing pairs, each unit weighted by its number of values
        (1 − D_o at the nominal level); None without pairable values."""
        n = self.pairable_values
        return float(np.trace(self.matrix)) / n if n else None

    def __repr__(self) -> str:
        return f"Coincidence(values={self.values!r}, units={self.pairable_units}, n={self.pairable_values})"

    # storage

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict for a database row: the labels and, per unit size, the non-zero pair
        counts of the upper triangle (the matrices are symmetric) as ``[c, k, count]`` triples."""
        pairs = {}
        for m, counts in self.pairs.items():
            rows, cols = np.nonzero(np.triu(counts))
            pairs[str(m)] = [
                [r, c, int(counts[r, c])] for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
            ]
        return {"version": JSON_VERSION, "values": list(self.values), "pairs": pairs}

    @classmethod
    def from_json(cls, document: Mapping[str, Any] | str) -> Coincidence:
        """Read what :meth:`to_json` wrote (a dict, or its JSON text); ``ValueError`` if malformed."""
        data = json.loads(document) if isinstance(document, str) else document
        if data.get("version") != JSON_VERSION:
            raise ValueError(f"unknown coincidence format version {data.get('version')!r}")
        labels = tuple(_as_label(v) for v in data["values"])
        size = len(labels)
        pairs = {}
        for m, triples in data["pairs"].items():
            counts = np.zeros((size, size), dtype=np.int64)
            for row, col, count in triples:
                if not 0 <= int(row) <= int(col) < size:
                    raise ValueError("pair counts outside the matrix or below its diagonal")
                counts[int(row), int(col)] = int(count)
                counts[int(col), int(row)] = int(count)
            pairs[int(m)] = counts
        return cls(labels, pairs)


def coincidence_matrix(data: ArrayLike, values: Sequence[Label] | None = None) -> Coincidence:
    """The coincidence matrix of raters × units ``data`` (``None``/NaN for missing values).

    Labels are the distinct values in the data (also those only in unpairable units) or ``values``
    when given (they may include values nobody chose). Values are strings or numbers.
    """
    return coincidence_of(encode_reliability_data(data, values))


def coincidence_of(encoded: EncodedData) -> Coincidence:
    """The coincidence matrix of encoded reliability data; ``ValueError`` beyond
    :data:`MAX_MATRIX_VALUES` distinct values."""
    if len(encoded.labels) > MAX_MATRIX_VALUES:
        raise ValueError(
            f"{len(encoded.labels)} distinct values are too many for a coincidence matrix "
            f"(at most {MAX_MATRIX_VALUES}): bin them"
        )
    return Coincidence(encoded.labels, _pair_counts(unit_value_counts(encoded), unit_sizes(encoded)))


def unit_coincidences(
    values_of_one_unit: Sequence[Any], values: Sequence[Label] | None = None
) -> Coincidence:
    """The contribution of one unit with the given values (missing ones skipped): its ordered pairs
    of values from different raters, over its own distinct labels or over ``values``.

    Built from the unit's k ≤ m_u distinct values, so O(m_u²). A unit with fewer than two values
    contributes nothing. ``stats - unit_coincidences(old) + unit_coincidences(new)`` updates a
    stored matrix after the unit's answers changed.
    """
    present = [_as_label(v) for v in values_of_one_unit if not is_missing(v)]
    labels = canonical_labels(values) if values is not None else canonical_labels(present)
    if len(present) < 2:
        return Coincidence(labels, {})
    index = {label: i for i, label in enumerate(labels)}
    try:
        counts = np.bincount([index[v] for v in present], minlength=len(labels)).astype(np.int64)
    except KeyError as missing:
        raise ValueError(f"value {missing.args[0]!r} is not among the given values") from None
    pairs = np.outer(counts, counts) - np.diag(counts)
    return Coincidence(labels, {len(present): pairs})
