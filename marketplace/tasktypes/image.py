"""Task types on an image: bounding boxes, polygons, keypoints and segmentation masks.

Coordinates are in pixels of the image as given by the payload's ``width`` and ``height``, origin
at the top-left corner, x to the right and y down. A shape may touch the far edge (``x == width``)
but not cross it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from flask_babel import gettext as _  # type: ignore[import-untyped, unused-ignore]
from flask_babel import (  # type: ignore[import-untyped, unused-ignore]
    lazy_gettext,
)
from numpy.typing import NDArray

from marketplace.tasktypes.base import (
    MAX_SHAPES,
    JSONSchema,
    TaskType,
    label_schema,
    media_url_schema,
    number_schema,
    object_schema,
    payload_schema,
)
from marketplace.validation import FieldError, format_number, join_path

#: Tolerance for float coordinates, so 640.0000000001 still counts as the edge of a 640-pixel image.
_EPSILON = 1e-6
#: Largest image side we accept; beyond it the annotation UI can't render the image anyway.
MAX_IMAGE_SIDE = 100_000

IMAGE_PAYLOAD_SCHEMA: JSONSchema = payload_schema(
    {
        "image_url": media_url_schema("Where the image is: http(s)://, s3:// or gs:// URL."),
        "width": {"type": "integer", "minimum": 1, "maximum": MAX_IMAGE_SIDE, "description": "Pixels."},
        "height": {"type": "integer", "minimum": 1, "maximum": MAX_IMAGE_SIDE, "description": "Pixels."},
    },
    ["image_url", "width", "height"],
    title="Image item",
)

_EXAMPLE_IMAGE: dict[str, Any] = {
    "image_url": "https://media.example.com/street/0007.jpg",
    "width": 640,
    "height": 480,
}


def _size(payload: Mapping[str, Any]) -> tuple[float, float] | None:
    """(width, height) of the item's image; None if the payload doesn't say (then bounds aren't checked)."""
    width, height = payload.get("width"), payload.get("height")
    if isinstance(width, int | float) and isinstance(height, int | float):
        return float(width), float(height)
    return None


def _outside(path: str, limit: float, axis: str) -> FieldError:
    if axis == "x":
        # i18n: %(width)s is the image's width in pixels
        message = _("Is outside the image (width %(width)s px).", width=format_number(limit))
    else:
        # i18n: %(height)s is the image's height in pixels
        message = _("Is outside the image (height %(height)s px).", height=format_number(limit))
    return FieldError(path, "out_of_bounds", message)


def _shapes_answer(key: str, shape: JSONSchema, title: str) -> JSONSchema:
    shapes = {"type": "array", "items": shape, "maxItems": MAX_SHAPES}
    return object_schema({key: shapes}, [key], title=title, root=True)


def _coordinate(description: str) -> JSONSchema:
    return number_schema(description, minimum=0)


class _ImageTaskType(TaskType):
    """Shared by the image task types: the same payload, no language to detect."""

    payload_schema: ClassVar[JSONSchema] = IMAGE_PAYLOAD_SCHEMA
    example_labels: ClassVar[tuple[str, ...]] = ("car", "person")
    example_payload: ClassVar[dict[str, Any]] = _EXAMPLE_IMAGE

    def language_text(self, payload: Mapping[str, Any]) -> str | None:
        return None


class BoundingBoxType(_ImageTaskType):
    """Axis-aligned boxes ``{label, x, y, width, height}``, (x, y) being the top-left corner."""

    name: ClassVar[str] = "image_bounding_box"
    title = lazy_gettext("Image bounding boxes")
    description = lazy_gettext("Draw a box around each object and label it.")
    example_answer: ClassVar[dict[str, Any]] = {
        "boxes": [{"label": "car", "x": 12, "y": 200.5, "width": 180, "height": 95.5}]
    }

    def answer_schema(self, labels: Sequence[str] | None, config: Mapping[str, Any]) -> JSONSchema:
        box = object_schema(
            {
                "label": label_schema(labels),
                "x": _coordinate("Left edge."),
                "y": _coordinate("Top edge."),
                "width": number_schema("Width in pixels.", exclusiveMinimum=0),
                "height": number_schema("Height in pixels.", exclusiveMinimum=0),
            },
            ["label", "x", "y", "width", "height"],
        )
        return _shapes_answer("boxes", box, "Bounding box answer")

    def check_answer(
        self,
        answer: Mapping[str, Any],
        payload: Mapping[str, Any],
        labels: Sequence[str],
        config: Mapping[str, Any],
        *,
        prefix: str = "answer",
    ) -> list[FieldError]:
        size = _size(payload)
        if size is None:
            return []
        errors: list[FieldError] = []
        for i, box in enumerate(answer.get("boxes", [])):
            path = join_path(prefix, "boxes", i)
            for start_key, extent_key, limit, axis in (
                ("x", "width", size[0], "x"),
                ("y", "height", size[1], "y"),
            ):
                start, extent = float(box[start_key]), float(box[extent_key])
                if start >= limit:
                    errors.append(_outside(join_path(path, start_key), limit, axis))
                elif start + extent > limit + _EPSILON:
                    errors.append(_outside(join_path(path, extent_key), limit, axis))
        return errors


class PolygonType(_ImageTaskType):
    """Closed polygons ``{label, points: [[x, y], ...]}``; the last point joins the first."""

    name: ClassVar[str] = "image_polygon"
    title = lazy_gettext("Image polygons")
    description = lazy_gettext("Outline each object with a polygon and label it.")
    example_answer: ClassVar[dict[str, Any]] = {
        "polygons": [{"label": "person", "points": [[300, 100], [340, 100], [345, 330], [295, 330]]}]
    }

    def answer_schema(self, labels: Sequence[str] | None, config: Mapping[str, Any]) -> JSONSchema:
        point = {
            "type": "array",
            "prefixItems": [_coordinate("x"), _coordinate("y")],
            "minItems": 2,
            "maxItems": 2,
            "description": "[x, y]",
        }
        polygon = object_schema(
            {
                "label": label_schema(labels),
                "points": {"type": "array", "items": point, "minItems": 3, "maxItems": MAX_SHAPES},
            },
            ["label", "points"],
        )
        return _shapes_answer("polygons", polygon, "Polygon answer")

    def check_answer(
        self,
        answer: Mapping[str, Any],
        payload: Mapping[str, Any],
        labels: Sequence[str],
        config: Mapping[str, Any],
        *,
        prefix: str = "answer",
    ) -> list[FieldError]:
        size = _size(payload)
        errors: list[FieldError] = []
        for i, polygon in enumerate(answer.get("polygons", [])):
            path = join_path(prefix, "polygons", i, "points")
            points = [(float(p[0]), float(p[1])) for p in polygon["points"]]
            if size is not None:
                for j, (x, y) in enumerate(points):
                    if x > size[0] + _EPSILON:
                        errors.append(_outside(join_path(path, j, 0), size[0], "x"))
                    if y > size[1] + _EPSILON:
                        errors.append(_outside(join_path(path, j, 1), size[1], "y"))
            if abs(_area(points)) <= _EPSILON:
                # i18n: a polygon whose points all lie on one line
                errors.append(FieldError(path, "degenerate_polygon", _("The points must enclose an area.")))
            elif _crosses_itself(points):
                message = _("The outline must not cross itself: go round the object in order.")
                errors.append(FieldError(path, "self_intersecting", message))
        return errors


#: Up to this many corners every pair of edges is tested in one numpy broadcast (fastest for the
#: outlines people draw); beyond it, one edge at a time against the later ones (bounded memory).
_BROADCAST_CORNERS = 256


def _side(a: NDArray[np.float64], b: NDArray[np.float64], c: NDArray[np.float64]) -> NDArray[np.int64]:
    """Which side of the line a→b the point c lies on: 1, -1, or 0 within _EPSILON (broadcasts)."""
    ab, ac = b - a, c - a
    cross = ab[..., 0] * ac[..., 1] - ab[..., 1] * ac[..., 0]
    return np.where(np.abs(cross) <= _EPSILON, 0, np.sign(cross)).astype(np.int64)


def _crossing(
    a: NDArray[np.float64], b: NDArray[np.float64], c: NDArray[np.float64], d: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Whether segments a–b and c–d cross at a point inside both (touching does not count)."""
    return (_side(a, b, c) * _side(a, b, d) < 0) & (_side(c, d, a) * _side(c, d, b) < 0)


def _crosses_itself(points: Sequence[tuple[float, float]]) -> bool:
    """Whether two edges that share no corner cross (a bow tie): its area and IoU mean nothing.

    Every pair of edges is tested (benchmarks/answer_checks.py: about 0.3 ms for 60 corners,
    1 s for the 10,000 the schema allows); edges that only touch are let through.
    """
    corners = np.asarray(points, dtype=np.float64)
    count = len(corners)
    if count < 4:
        return False
    starts, ends = corners, np.roll(corners, -1, axis=0)
    if count <= _BROADCAST_CORNERS:
        index = np.arange(count)
        # Pairs (i, j) with j ≥ i + 2, except the first and last edges, which share a corner.
        pairs = (index[None, :] >= index[:, None] + 2) & ~(
            (index[:, None] == 0) & (index[None, :] == count - 1)
        )
        crossing = _crossing(starts[:, None], ends[:, None], starts[None, :], ends[None, :])
        return bool(np.any(crossing & pairs))
    for i in range(count - 2):
        last = count - 1 if i == 0 else count  # the first and the last edge share the first corner
        if np.any(_crossing(starts[i], ends[i], starts[i + 2 : last], ends[i + 2 : last])):
            return True
    return False


def _area(points: Sequence[tuple[float, float]]) -> float:
    """Signed area by the shoelace formula; zero when all points lie on a line."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(points, [*points[1:], points[0]], strict=True):
        total += x1 * y2 - x2 * y1
    return total / 2


class KeypointsType(_ImageTaskType):
    """Named points per object (pose, landmarks): ``{label, points: [{name?, x, y, visible?}]}``.

    With ``keypoint_names`` configured every point must carry one of those names, each at most once
    per object; without it points are anonymous. ``visible: false`` marks an occluded point whose
    position is guessed.
    """

    name: ClassVar[str] = "image_keypoints"
    title = lazy_gettext("Image keypoints")
    description = lazy_gettext("Place the named points of each object and label the object.")
    config_schema: ClassVar[JSONSchema] = object_schema(
        {
            "keypoint_names": {
                "type": ["array", "null"],
                "items": {"type": "string", "minLength": 1, "maxLength": 100},
                "minItems": 1,
                "uniqueItems": True,
                "default": None,
                "description": "Names points must use (e.g. nose); null (default) for unnamed points.",
            },
        },
        title="Keypoint settings",
        root=True,
    )
    example_labels: ClassVar[tuple[str, ...]] = ("person",)
    example_answer: ClassVar[dict[str, Any]] = {
        "keypoints": [
            {
                "label": "person",
                "points": [{"name": "nose", "x": 320, "y": 120}, {"name": "left_eye", "x": 330, "y": 110}],
            }
        ]
    }

    def answer_schema(self, labels: Sequence[str] | None, config: Mapping[str, Any]) -> JSONSchema:
        names = config.get("keypoint_names")
        name: JSONSchema = {"type": "string", "minLength": 1, "maxLength": 100}
        if names:
            name["enum"] = list(names)
        point = object_schema(
            {
                "name": name,
                "x": _coordinate("x"),
                "y": _coordinate("y"),
                "visible": {
                    "type": "boolean",
                    "description": "False when the point is hidden. Default true.",
                },
            },
            ["name", "x", "y"] if names else ["x", "y"],
        )
        instance = object_schema(
            {
                "label": label_schema(labels),
                "points": {"type": "array", "items": point, "minItems": 1, "maxItems": MAX_SHAPES},
            },
            ["label", "points"],
        )
        return _shapes_answer("keypoints", instance, "Keypoints answer")

    def check_answer(
        self,
        answer: Mapping[str, Any],
        payload: Mapping[str, Any],
        labels: Sequence[str],
        config: Mapping[str, Any],
        *,
        prefix: str = "answer",
    ) -> list[FieldError]:
        size = _size(payload)
        named = bool(config.get("keypoint_names"))
        errors: list[FieldError] = []
        for i, instance in enumerate(answer.get("keypoints", [])):
            seen: set[str] = set()
            for j, point in enumerate(instance["points"]):
                path = join_path(prefix, "keypoints", i, "points", j)
                if named:
                    if point["name"] in seen:
                        message = _("Each keypoint name may appear only once per object.")
                        errors.append(FieldError(join_path(path, "name"), "not_unique", message))
                    seen.add(point["name"])
                if size is not None:
                    if float(point["x"]) > size[0] + _EPSILON:
                        errors.append(_outside(join_path(path, "x"), size[0], "x"))
                    if float(point["y"]) > size[1] + _EPSILON:
                        errors.append(_outside(join_path(path, "y"), size[1], "y"))
        return errors


class SegmentationMaskType(_ImageTaskType):
    """Pixel masks as uncompressed COCO run-length encoding.

    ``rle.size`` is ``[height, width]``; ``rle.counts`` alternates runs of background and object
    pixels, starting with background (a leading 0 when the first pixel is the object), reading the
    image column by column (column-major, as COCO does). The runs must cover every pixel exactly.
    """

    name: ClassVar[str] = "segmentation_mask"
    title = lazy_gettext("Image segmentation masks")
    description = lazy_gettext("Paint the pixels of each object and label it.")
    example_payload: ClassVar[dict[str, Any]] = {
        "image_url": "https://media.example.com/tiles/0001.png",
        "width": 4,
        "height": 3,
    }
    example_answer: ClassVar[dict[str, Any]] = {
        "masks": [{"label": "car", "rle": {"size": [3, 4], "counts": [4, 5, 3]}}]
    }

    def answer_schema(self, labels: Sequence[str] | None, config: Mapping[str, Any]) -> JSONSchema:
        side = {"type": "integer", "minimum": 1}
        rle = object_schema(
            {
                "size": {
                    "type": "array",
                    "prefixItems": [side, side],
                    "minItems": 2,
                    "maxItems": 2,
                    "description": "[height, width] of the image.",
                },
                "counts": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 0},
                    "minItems": 1,
                    "description": "Run lengths, column-major, starting with background.",
                },
            },
            ["size", "counts"],
        )
        mask = object_schema({"label": label_schema(labels), "rle": rle}, ["label", "rle"])
        return _shapes_answer("masks", mask, "Segmentation mask answer")

    def check_answer(
        self,
        answer: Mapping[str, Any],
        payload: Mapping[str, Any],
        labels: Sequence[str],
        config: Mapping[str, Any],
        *,
        prefix: str = "answer",
    ) -> list[FieldError]:
        size = _size(payload)
        errors: list[FieldError] = []
        for i, mask in enumerate(answer.get("masks", [])):
            path = join_path(prefix, "masks", i, "rle")
            height, width = (int(v) for v in mask["rle"]["size"])
            if size is not None and (width, height) != (int(size[0]), int(size[1])):
                message = _(
                    "Must be [%(height)s, %(width)s], the image's height and width.",
                    height=int(size[1]),
                    width=int(size[0]),
                )
                errors.append(FieldError(join_path(path, "size"), "bad_rle", message))
            total = sum(int(c) for c in mask["rle"]["counts"])
            if total != height * width:
                # i18n: run-length encoded mask; the runs' lengths must add up to the number of pixels
                message = _(
                    "The runs cover %(total)s pixels but the mask has %(expected)s (height × width).",
                    total=format_number(total),
                    expected=format_number(height * width),
                )
                errors.append(FieldError(join_path(path, "counts"), "bad_rle", message))
        return errors
