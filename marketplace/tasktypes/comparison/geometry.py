"""Intersection over union of boxes, polygons and run-length-encoded masks.

IoU (the Jaccard index of two regions, Jaccard 1912; PASCAL VOC's overlap criterion, Everingham et
al. 2010, eq. 1)::

    IoU(A, B) = area(A ∩ B) / area(A ∪ B)

Coordinates are image pixels, origin top-left, x right and y down, as in the task types.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

#: Polygons whose union's bounding box is smaller than this many pixels on its longer side are
#: rasterised on a finer grid (an integer subdivision of the pixels), so small shapes keep precision.
MIN_RASTER_SIDE: Final = 128
#: Most grid cells per rasterised pair; larger unions are sampled on a coarser grid. 1 M cells keep
#: the IoU error far below what annotators can see (about one cell width along the outline).
MAX_RASTER_CELLS: Final = 1_000_000
#: Largest subdivision of one pixel for small polygons.
MAX_SUPERSAMPLING: Final = 32


def box_iou_matrix(gold: NDArray[np.float64], answer: NDArray[np.float64]) -> NDArray[np.float64]:
    """IoU of every gold box (rows) with every answer box (columns).

    Boxes are ``[x, y, width, height]`` rows. Intersection width is
    ``max(0, min(x1 + w1, x2 + w2) − max(x1, x2))``, likewise for height; union is
    ``w1·h1 + w2·h2 − intersection``. Boxes of zero area give IoU 0.
    """
    gold = np.asarray(gold, dtype=np.float64).reshape(-1, 4)
    answer = np.asarray(answer, dtype=np.float64).reshape(-1, 4)
    g_x, g_y, g_w, g_h = (gold[:, i, None] for i in range(4))
    a_x, a_y, a_w, a_h = (answer[None, :, i] for i in range(4))
    overlap_w = np.clip(np.minimum(g_x + g_w, a_x + a_w) - np.maximum(g_x, a_x), 0.0, None)
    overlap_h = np.clip(np.minimum(g_y + g_h, a_y + a_h) - np.maximum(g_y, a_y), 0.0, None)
    intersection = overlap_w * overlap_h
    union = g_w * g_h + a_w * a_h - intersection
    result: NDArray[np.float64] = np.divide(
        intersection, union, out=np.zeros_like(intersection), where=union > 0
    )
    return result


def boxes_array(boxes: Sequence[Mapping[str, Any]]) -> NDArray[np.float64]:
    """``[{"x", "y", "width", "height", ...}]`` → an n × 4 array."""
    return np.array(
        [[float(b["x"]), float(b["y"]), float(b["width"]), float(b["height"])] for b in boxes],
        dtype=np.float64,
    ).reshape(-1, 4)


# --- polygons ------------------------------------------------------------------------------------


def rasterize_polygon(
    points: NDArray[np.float64], origin: tuple[float, float], scale: float, shape: tuple[int, int]
) -> NDArray[np.bool_]:
    """Which cells of a grid have their centre inside the polygon, by the even-odd rule.

    The grid has ``shape = (rows, cols)`` cells of side ``1 / scale`` pixels, its top-left corner at
    ``origin`` (x, y). The polygon is closed (last point joins the first) and may be concave or even
    self-intersecting. Scan-line fill (Foley et al., *Computer Graphics*, §3.6): each edge crosses
    the centre line of the rows it spans (half-open in y, so a vertex is counted once); a crossing at
    ``u`` toggles every cell whose centre lies right of it. Toggles are counted with one ``bincount``
    and turned into parity with a cumulative sum along each row, so the cost is O(edges·rows +
    rows·cols) in numpy, whatever the shape.
    """
    rows, cols = shape
    u = (points[:, 0] - origin[0]) * scale
    v = (points[:, 1] - origin[1]) * scale
    u0, v0, u1, v1 = u, v, np.roll(u, -1), np.roll(v, -1)
    sloped = v0 != v1  # horizontal edges cross no centre line
    u0, v0, u1, v1 = u0[sloped], v0[sloped], u1[sloped], v1[sloped]
    low, high = np.minimum(v0, v1), np.maximum(v0, v1)
    # Rows r whose centre r + 0.5 is in [low, high): r from ceil(low - 0.5) to ceil(high - 0.5) - 1.
    first = np.clip(np.ceil(low - 0.5), 0, rows).astype(np.int64)
    stop = np.clip(np.ceil(high - 0.5), 0, rows).astype(np.int64)
    spans = np.maximum(stop - first, 0)
    edge = np.repeat(np.arange(len(spans)), spans)
    row = np.repeat(first, spans) + (np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans))
    centre = row + 0.5
    crossing = u0[edge] + (centre - v0[edge]) * (u1[edge] - u0[edge]) / (v1[edge] - v0[edge])
    # Cells c with centre c + 0.5 > crossing: c >= floor(crossing - 0.5) + 1.
    start = np.clip(np.floor(crossing - 0.5) + 1, 0, cols).astype(np.int64)
    toggles = np.bincount(row * (cols + 1) + start, minlength=rows * (cols + 1)).reshape(rows, cols + 1)
    inside: NDArray[np.bool_] = (np.cumsum(toggles[:, :cols], axis=1) % 2).astype(bool)
    return inside


def _grid_for(points: Sequence[NDArray[np.float64]]) -> tuple[tuple[float, float], float, tuple[int, int]]:
    """Origin, scale and shape of a grid covering ``points``, aligned on whole pixels.

    At scale 1 the cells are the image's pixels (as COCO scores polygons: rasterised to masks at
    image resolution). Small unions are subdivided (an integer number of cells per pixel, at most
    ``MAX_SUPERSAMPLING``) until the longer side has ``MIN_RASTER_SIDE`` cells; large ones are
    sampled more coarsely so the grid has at most ``MAX_RASTER_CELLS`` cells.
    """
    stacked = np.concatenate(points)
    x0, y0 = math.floor(stacked[:, 0].min()), math.floor(stacked[:, 1].min())
    width = max(math.ceil(stacked[:, 0].max()) - x0, 1)
    height = max(math.ceil(stacked[:, 1].max()) - y0, 1)
    scale = float(min(MAX_SUPERSAMPLING, max(1, math.ceil(MIN_RASTER_SIDE / max(width, height)))))
    if width * height * scale * scale > MAX_RASTER_CELLS:
        scale = math.sqrt(MAX_RASTER_CELLS / (width * height))
    shape = (max(1, math.ceil(height * scale)), max(1, math.ceil(width * scale)))
    return (float(x0), float(y0)), scale, shape


def polygon_iou(first: NDArray[np.float64], second: NDArray[np.float64]) -> float:
    """IoU of two polygons (k × 2 arrays of x, y), rasterised together on one grid.

    Rasterising is exact for any simple polygon, convex or not (clipping algorithms such as
    Sutherland–Hodgman need a convex clip polygon); its error is at most the cells the outlines cross.
    Identical polygons score 1 even if too thin to cover a cell centre; disjoint bounding boxes 0.
    """
    if first.shape == second.shape and np.array_equal(first, second):
        return 1.0
    if (
        first[:, 0].max() <= second[:, 0].min()
        or second[:, 0].max() <= first[:, 0].min()
        or first[:, 1].max() <= second[:, 1].min()
        or second[:, 1].max() <= first[:, 1].min()
    ):
        return 0.0
    origin, scale, shape = _grid_for([first, second])
    a = rasterize_polygon(first, origin, scale, shape)
    b = rasterize_polygon(second, origin, scale, shape)
    union = int(np.count_nonzero(a | b))
    return int(np.count_nonzero(a & b)) / union if union else 0.0


def points_array(points: Sequence[Sequence[float]]) -> NDArray[np.float64]:
    """``[[x, y], ...]`` → a k × 2 array."""
    return np.array([[float(p[0]), float(p[1])] for p in points], dtype=np.float64).reshape(-1, 2)


# --- run-length-encoded masks ----------------------------------------------------------------------


def _rle_parts(rle: Mapping[str, Any]) -> tuple[int, int, NDArray[np.int64]]:
    height, width = (int(side) for side in rle["size"])
    counts = np.asarray(rle["counts"], dtype=np.int64)
    if counts.ndim != 1 or (counts < 0).any() or int(counts.sum()) != height * width:
        raise ValueError(f"RLE runs must be non-negative and cover {height}×{width} pixels exactly")
    return height, width, counts


def decode_rle(rle: Mapping[str, Any]) -> NDArray[np.bool_]:
    """Uncompressed COCO RLE ``{"size": [h, w], "counts": [...]}`` → an h × w boolean mask.

    Runs alternate background and object, starting with background (so a mask whose first pixel is
    set starts with a 0 run), and read the image column by column (column-major / Fortran order), as
    in ``pycocotools.mask`` (Lin et al., COCO, 2014; ``maskApi.c``). ``ValueError`` when the runs do
    not cover the image exactly.
    """
    height, width, counts = _rle_parts(rle)
    values = (np.arange(len(counts)) % 2).astype(bool)
    return np.repeat(values, counts).reshape((height, width), order="F")


def rle_runs(rle: Mapping[str, Any]) -> NDArray[np.int64]:
    """The object runs of an RLE as an r × 2 array of ``[start, end)`` column-major pixel indexes."""
    _height, _width, counts = _rle_parts(rle)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    runs = np.stack([bounds[1:-1:2], bounds[2::2]], axis=1)
    return runs[runs[:, 1] > runs[:, 0]].astype(np.int64)


def runs_overlap(first: NDArray[np.int64], second: NDArray[np.int64]) -> tuple[int, int]:
    """(intersection, union) pixel counts of two unions of runs, without decoding the masks.

    Each side may hold overlapping runs (several masks of one label). All run ends are swept in
    order with one coverage counter per side: a stretch between two consecutive ends is in the
    intersection when both counters are positive and in the union when either is. O(r log r) in the
    number of runs, whatever the image size.
    """
    events = np.concatenate([first[:, 0], first[:, 1], second[:, 0], second[:, 1]])
    ones_first, ones_second = np.ones(len(first), np.int64), np.ones(len(second), np.int64)
    zeros_first, zeros_second = np.zeros(len(first), np.int64), np.zeros(len(second), np.int64)
    delta_first = np.concatenate([ones_first, -ones_first, zeros_second, zeros_second])
    delta_second = np.concatenate([zeros_first, zeros_first, ones_second, -ones_second])
    order = np.argsort(events, kind="stable")
    events, delta_first, delta_second = events[order], delta_first[order], delta_second[order]
    in_first = np.cumsum(delta_first)[:-1] > 0
    in_second = np.cumsum(delta_second)[:-1] > 0
    lengths = np.diff(events)
    return int(lengths[in_first & in_second].sum()), int(lengths[in_first | in_second].sum())
