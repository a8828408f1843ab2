"""IoU of boxes, polygons and RLE masks, and optimal one-to-one matching.

References: hand-worked IoUs; ``shapely`` (GEOS) exact polygon areas for the rasterised polygon IoU;
the uncompressed COCO RLE format of ``pycocotools.mask`` (column-major runs, starting with the number
of background pixels); brute-force enumeration for the Hungarian matching
(``scipy.optimize.linear_sum_assignment``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from numpy.typing import NDArray
from shapely.geometry import Polygon

from marketplace.tasktypes.comparison.geometry import (
    box_iou_matrix,
    decode_rle,
    polygon_iou,
    rasterize_polygon,
    rle_runs,
    runs_overlap,
)
from marketplace.tasktypes.comparison.matching import MatchCounts, match_pairs

# --- boxes -------------------------------------------------------------------------------------------


def test_box_iou_hand_worked() -> None:
    """Two 2×2 boxes offset by (1, 1) share a 1×1 square: IoU = 1 / (4 + 4 − 1) = 1/7."""
    gold = np.array([[0, 0, 2, 2]], dtype=float)
    answers = np.array(
        [
            [1, 1, 2, 2],  # diagonal offset: 1/7
            [1, 0, 2, 2],  # horizontal offset: 2 / 6
            [0.5, 0.5, 1, 1],  # inside: 1 / 4
            [2, 0, 2, 2],  # touching edges: 0
            [5, 5, 1, 1],  # far away: 0
            [0, 0, 2, 2],  # identical: 1
        ]
    )
    assert box_iou_matrix(gold, answers)[0] == pytest.approx([1 / 7, 1 / 3, 1 / 4, 0, 0, 1])


def test_box_iou_matrix_shape_and_symmetry() -> None:
    rng = np.random.default_rng(3)
    a = np.column_stack([rng.uniform(0, 50, (4, 2)), rng.uniform(1, 30, (4, 2))])
    b = np.column_stack([rng.uniform(0, 50, (6, 2)), rng.uniform(1, 30, (6, 2))])
    iou = box_iou_matrix(a, b)
    assert iou.shape == (4, 6)
    assert np.allclose(iou, box_iou_matrix(b, a).T)
    assert ((iou >= 0) & (iou <= 1)).all()
    assert box_iou_matrix(np.zeros((0, 4)), b).shape == (0, 6)


# --- polygons ----------------------------------------------------------------------------------------


def _shapely_iou(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    first, second = Polygon(a), Polygon(b)
    return float(first.intersection(second).area / first.union(second).area)


def _random_polygon(
    rng: np.random.Generator, centre: tuple[float, float], radius: float
) -> NDArray[np.float64]:
    """A star-shaped polygon (often concave): sorted angles, random radii."""
    count = int(rng.integers(3, 14))
    angles = np.sort(rng.uniform(0, 2 * np.pi, count))
    radii = rng.uniform(0.3 * radius, radius, count)
    return np.column_stack([centre[0] + radii * np.cos(angles), centre[1] + radii * np.sin(angles)])


def test_polygon_iou_hand_worked() -> None:
    """Squares as in the box example (1/7), and a concave L against its bounding square: 3/4."""
    square = np.array([[0, 0], [2, 0], [2, 2], [0, 2]], dtype=float)
    assert polygon_iou(square, square + 1) == pytest.approx(1 / 7)
    ell = np.array([[0, 0], [20, 0], [20, 10], [10, 10], [10, 20], [0, 20]], dtype=float)
    big = np.array([[0, 0], [20, 0], [20, 20], [0, 20]], dtype=float)
    assert polygon_iou(ell, big) == pytest.approx(0.75)
    assert polygon_iou(ell, ell) == 1.0
    assert polygon_iou(square, square + 10) == 0.0


@pytest.mark.parametrize(
    ("scale", "tolerance"),
    [
        (3.0, 0.03),  # a few pixels: the grid is subdivided
        (60.0, 0.01),  # ordinary objects on the pixel grid
        (3000.0, 0.005),  # huge objects: sampled on a coarser grid
    ],
)
def test_polygon_iou_matches_shapely(scale: float, tolerance: float) -> None:
    """Random simple (often concave) polygons: rasterised IoU within ``tolerance`` of GEOS's exact one."""
    rng = np.random.default_rng(int(scale))
    checked = 0
    while checked < 60:
        centre = (2 * scale, 2 * scale)
        first = _random_polygon(rng, centre, scale)
        shift = rng.uniform(-0.6 * scale, 0.6 * scale, 2)
        second = _random_polygon(
            rng, (centre[0] + shift[0], centre[1] + shift[1]), scale * rng.uniform(0.5, 1.2)
        )
        if not (Polygon(first).is_valid and Polygon(second).is_valid):
            continue
        checked += 1
        assert polygon_iou(first, second) == pytest.approx(_shapely_iou(first, second), abs=tolerance)


def test_rasterize_on_pixel_centres() -> None:
    """At scale 1 the cells are pixels; a pixel is inside when its centre is (even-odd rule).

    The hypotenuse x + y = 4 passes through the centres of the pixels with row + col = 3; a centre
    exactly on an edge counts as inside the shape to its left, so two shapes sharing that edge never
    both claim the pixel.
    """
    triangle = np.array([[0, 0], [4, 0], [0, 4]], dtype=float)
    mask = rasterize_polygon(triangle, (0.0, 0.0), 1.0, (4, 4))
    rows, cols = np.indices((4, 4))
    assert (mask == (rows + cols <= 3)).all()
    other_half = np.array([[4, 0], [4, 4], [0, 4]], dtype=float)
    complement = rasterize_polygon(other_half, (0.0, 0.0), 1.0, (4, 4))
    assert not (mask & complement).any()
    assert (mask | complement).all()
    # A self-intersecting bow-tie is filled by the even-odd rule: the two triangles, not the middle.
    bow_tie = np.array([[0, 0], [4, 4], [4, 0], [0, 4]], dtype=float)
    filled = rasterize_polygon(bow_tie, (0.0, 0.0), 1.0, (4, 4))
    assert filled[:, 0].sum() + filled[:, 3].sum() > 0 and not filled[0, 1:3].any()


# --- RLE masks ---------------------------------------------------------------------------------------


def test_decode_rle_column_major_from_background() -> None:
    """The task type's example: 3×4 image, counts [4, 5, 3] — four background pixels down column 0
    and into column 1, five object pixels, three background (column 3)."""
    mask = decode_rle({"size": [3, 4], "counts": [4, 5, 3]})
    expected = np.array(
        [
            [0, 0, 1, 0],
            [0, 1, 1, 0],
            [0, 1, 1, 0],
        ],
        dtype=bool,
    )
    assert (mask == expected).all()
    # A mask whose first pixel is set starts with a zero-length background run.
    first_set = decode_rle({"size": [2, 2], "counts": [0, 1, 3]})
    assert (first_set == np.array([[1, 0], [0, 0]], dtype=bool)).all()
    assert not decode_rle({"size": [2, 3], "counts": [6]}).any()
    with pytest.raises(ValueError, match="cover"):
        decode_rle({"size": [2, 2], "counts": [1, 1]})


def _encode(mask: NDArray[np.bool_]) -> dict[str, object]:
    """Column-major uncompressed RLE, starting with background (a test-side encoder)."""
    flat = mask.flatten(order="F").astype(np.int8)
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat[0]:
        counts = [0, *counts]
    return {"size": list(mask.shape), "counts": counts}


def test_runs_overlap_equals_decoded_masks() -> None:
    """Intersection and union counted run by run equal the pixel counts of the decoded bitmaps."""
    rng = np.random.default_rng(11)
    for _ in range(50):
        shape = (int(rng.integers(1, 12)), int(rng.integers(1, 12)))
        masks = [rng.random(shape) < rng.uniform(0.1, 0.9) for _ in range(4)]
        for mask in masks:
            assert (decode_rle(_encode(mask)) == mask).all()
        first = np.concatenate([rle_runs(_encode(m)) for m in masks[:2]])  # a label drawn twice
        second = rle_runs(_encode(masks[2]))
        union_first = masks[0] | masks[1]
        assert runs_overlap(first, second) == (
            int((union_first & masks[2]).sum()),
            int((union_first | masks[2]).sum()),
        )
    empty = np.zeros((0, 2), dtype=np.int64)
    assert runs_overlap(empty, empty) == (0, 0)


# --- matching ----------------------------------------------------------------------------------------


def _brute_force(similarity: NDArray[np.float64], eligible: NDArray[np.bool_]) -> tuple[int, float]:
    """Best (pairs, total similarity) over every one-to-one matching of eligible pairs."""
    n, m = similarity.shape
    best = (0, 0.0)
    for size in range(1, min(n, m) + 1):
        for rows in itertools.combinations(range(n), size):
            for cols in itertools.permutations(range(m), size):
                if all(eligible[r, c] for r, c in zip(rows, cols, strict=True)):
                    total = float(sum(similarity[r, c] for r, c in zip(rows, cols, strict=True)))
                    best = max(best, (size, total))
    return best


def test_match_pairs_is_optimal_against_brute_force() -> None:
    """Most pairs first, then most similarity — checked on small random problems."""
    rng = np.random.default_rng(5)
    for _ in range(150):
        n, m = int(rng.integers(0, 5)), int(rng.integers(0, 5))
        similarity = rng.random((n, m))
        eligible = (similarity >= 0.3) & (rng.random((n, m)) < 0.8)
        pairs = match_pairs(similarity, eligible)
        assert len({g for g, _ in pairs}) == len(pairs) == len({a for _, a in pairs})
        assert all(eligible[g, a] for g, a in pairs)
        count, total = _brute_force(similarity, eligible)
        assert len(pairs) == count
        assert sum(similarity[g, a] for g, a in pairs) == pytest.approx(total)


def test_more_matches_beat_more_similarity() -> None:
    """A greedy or sum-only matcher takes the 0.99 pair and finds one match; we find two."""
    similarity = np.array([[0.99, 0.4], [0.4, 0.0]])
    eligible = similarity >= 0.3
    assert match_pairs(similarity, eligible) == [(0, 1), (1, 0)]


def test_match_counts_conventions() -> None:
    assert MatchCounts(0, 0, 0).f1 == 1.0
    assert MatchCounts(0, 2, 0).precision == 1.0
    assert MatchCounts(0, 2, 0).f1 == 0.0
    assert MatchCounts(2, 3, 4).f1 == pytest.approx(4 / 7)
