"""``coco.json``: image labels in the COCO format that detection and segmentation tools load.

One image per item (ids 1, 2, ... in delivery order, carrying the item's id), one category per
ontology label (ids 1, 2, ... in ontology order, so ids are stable for an ontology version), and one
annotation per shape: boxes, polygons, keypoint sets or masks. Masks are already stored as COCO's
uncompressed run-length encoding (column-major, background first), so they pass through unchanged.

COCO is a single JSON object with the annotations after the images, but a delivery may hold 100,000
images: the writer streams the images array straight to ``out`` while spooling annotations to a
temporary file, then appends them. Categories come last, so a label missing from the ontology
(answers are validated, but a corrected answer might predate an ontology change) still gets a
category instead of a dangling id.
"""

from __future__ import annotations

import posixpath
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, Final
from urllib.parse import unquote, urlsplit

from marketplace.reports.formats.base import FormatContext, Record, Stats, answer_of, canonical_json

#: COCO keypoint visibility: 2 labelled and visible, 1 labelled but hidden, 0 not labelled.
VISIBLE, HIDDEN, NOT_LABELLED = 2, 1, 0

Annotation = dict[str, Any]


class _Categories:
    """Category ids by label name; names outside the ontology get the next free ids when first met."""

    def __init__(self, names: Sequence[str]) -> None:
        self._ids: dict[str, int] = {}
        for name in names:
            self._ids.setdefault(name, len(self._ids) + 1)
        self.known = len(self._ids)
        #: Most anonymous keypoints seen per category, to name their slots "1".."n".
        self.most_points: dict[int, int] = {}

    def id_of(self, name: str) -> int:
        return self._ids.setdefault(name, len(self._ids) + 1)

    @property
    def unknown(self) -> int:
        return len(self._ids) - self.known

    def as_coco(
        self, *, keypoints: bool, keypoint_names: Sequence[str] | None, skeleton: list[list[int]] | None
    ) -> list[dict[str, Any]]:
        """COCO ``categories``; for keypoint tasks with the point names (or "1".."n") and skeleton."""
        categories: list[dict[str, Any]] = []
        for name, category_id in self._ids.items():
            category: dict[str, Any] = {"id": category_id, "name": name, "supercategory": ""}
            if keypoints:
                if keypoint_names is not None:
                    category["keypoints"] = list(keypoint_names)
                else:
                    category["keypoints"] = [str(i + 1) for i in range(self.most_points.get(category_id, 0))]
                category["skeleton"] = skeleton or []
            categories.append(category)
        return categories


def _extent(xs: Sequence[float], ys: Sequence[float]) -> list[float]:
    """COCO ``bbox`` ``[x, y, width, height]`` around the points."""
    left, top = min(xs), min(ys)
    return [left, top, max(xs) - left, max(ys) - top]


def _polygon_area(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Area enclosed by a polygon (shoelace formula); the last point joins the first."""
    total = 0.0
    for i in range(len(xs)):
        j = (i + 1) % len(xs)
        total += xs[i] * ys[j] - xs[j] * ys[i]
    return abs(total) / 2


def _box_annotations(answer: Mapping[str, Any], categories: _Categories) -> Iterator[Annotation]:
    for box in answer.get("boxes", []):
        x, y, width, height = box["x"], box["y"], box["width"], box["height"]
        yield {
            "category_id": categories.id_of(str(box["label"])),
            "bbox": [x, y, width, height],
            "area": width * height,
            # The box as a polygon, so tools that build masks from every annotation don't trip.
            "segmentation": [[x, y, x + width, y, x + width, y + height, x, y + height]],
        }


def _polygon_annotations(answer: Mapping[str, Any], categories: _Categories) -> Iterator[Annotation]:
    for polygon in answer.get("polygons", []):
        xs = [point[0] for point in polygon["points"]]
        ys = [point[1] for point in polygon["points"]]
        flat = [coordinate for point in polygon["points"] for coordinate in (point[0], point[1])]
        yield {
            "category_id": categories.id_of(str(polygon["label"])),
            "bbox": _extent(xs, ys),
            "area": _polygon_area(xs, ys),
            "segmentation": [flat],
        }


def rle_bbox(height: int, counts: Sequence[int]) -> list[int]:
    """The ``[x, y, width, height]`` box around the object pixels of a column-major RLE, undecoded.

    A run that wraps into the next column covers the bottom of one column and the top of the next,
    so the rows then span the whole height.
    """
    left, right, top, bottom = -1, -1, height, -1
    index = 0
    for position, run in enumerate(counts):
        if position % 2 == 1 and run > 0:
            first_column, first_row = divmod(index, height)
            last_column, last_row = divmod(index + run - 1, height)
            left = first_column if left < 0 else min(left, first_column)
            right = max(right, last_column)
            if last_column > first_column:
                top, bottom = 0, height - 1
            else:
                top, bottom = min(top, first_row), max(bottom, last_row)
        index += run
    if right < 0:
        return [0, 0, 0, 0]
    return [left, top, right - left + 1, bottom - top + 1]


def _mask_annotations(answer: Mapping[str, Any], categories: _Categories) -> Iterator[Annotation]:
    for mask in answer.get("masks", []):
        height, width = (int(side) for side in mask["rle"]["size"])
        counts = [int(run) for run in mask["rle"]["counts"]]
        yield {
            "category_id": categories.id_of(str(mask["label"])),
            "bbox": rle_bbox(height, counts),
            "area": sum(counts[1::2]),
            "segmentation": {"size": [height, width], "counts": counts},
        }


def _keypoint_annotations(
    keypoint_names: Sequence[str] | None,
) -> Callable[[Mapping[str, Any], _Categories], Iterator[Annotation]]:
    """Keypoint sets as COCO ``[x, y, v] * n``: named points in their configured slots, else in order."""
    slots = {name: i for i, name in enumerate(keypoint_names or [])}

    def annotations(answer: Mapping[str, Any], categories: _Categories) -> Iterator[Annotation]:
        for instance in answer.get("keypoints", []):
            category_id = categories.id_of(str(instance["label"]))
            points = instance["points"]
            size = len(slots) if slots else len(points)
            flat: list[float] = [0] * (3 * size)
            for order, point in enumerate(points):
                slot = slots[point["name"]] if slots else order
                visibility = VISIBLE if point.get("visible", True) else HIDDEN
                flat[3 * slot : 3 * slot + 3] = [point["x"], point["y"], visibility]
            if not slots:
                most = categories.most_points
                most[category_id] = max(most.get(category_id, 0), size)
            bbox = _extent([p["x"] for p in points], [p["y"] for p in points])
            yield {
                "category_id": category_id,
                "bbox": bbox,
                "area": bbox[2] * bbox[3],
                "keypoints": flat,
                "num_keypoints": sum(1 for v in flat[2::3] if v != NOT_LABELLED),
                "segmentation": [],
            }

    return annotations


def _skeleton(config: Mapping[str, Any], keypoint_names: Sequence[str] | None) -> list[list[int]] | None:
    """COCO ``skeleton`` (1-based keypoint index pairs) from a config that lists names or indexes."""
    edges = config.get("skeleton")
    if not edges:
        return None
    slots = {name: i + 1 for i, name in enumerate(keypoint_names or [])}
    return [[end if isinstance(end, int) else slots[str(end)] for end in edge] for edge in edges]


_SHAPES: Final[dict[str, Callable[[Mapping[str, Any], _Categories], Iterator[Annotation]]]] = {
    "image_bounding_box": _box_annotations,
    "image_polygon": _polygon_annotations,
    "segmentation_mask": _mask_annotations,
}


def file_name(url: str, fallback: str) -> str:
    """The last path segment of an image URL (``.../street/0007.jpg`` → ``0007.jpg``)."""
    name = unquote(posixpath.basename(urlsplit(url).path))
    return name or fallback


def _image(record: Record, image_id: int) -> dict[str, Any]:
    payload = record.get("payload") or {}
    url = str(payload.get("image_url", ""))
    return {
        "id": image_id,
        "file_name": file_name(url, str(record["item_id"])),
        "coco_url": url,
        "width": payload.get("width"),
        "height": payload.get("height"),
        "item_id": record["item_id"],
        "external_id": record.get("external_id"),
    }


def _info(context: FormatContext) -> dict[str, Any]:
    version = "" if context.ontology_version is None else str(context.ontology_version)
    return {
        "description": f"Labels of project {context.project_id} ({context.task_type})",
        "version": version,
        "project_id": context.project_id,
        "ontology_version": context.ontology_version,
    }


def _json(value: Any) -> bytes:
    return canonical_json(value).encode("utf-8")


def write_coco(records: Iterable[Record], context: FormatContext, out: IO[bytes]) -> Stats:
    """Write the image task's records as one COCO JSON object, streaming (see the module docstring)."""
    keypoint_names: list[str] | None = None
    keypoints = context.task_type == "image_keypoints"
    if keypoints:
        names = context.task_config.get("keypoint_names")
        keypoint_names = [str(name) for name in names] if names else None
        shapes = _keypoint_annotations(keypoint_names)
    else:
        shapes = _SHAPES[context.task_type]
    categories = _Categories(context.label_names)
    images = annotations = 0
    out.write(b'{"info":' + _json(_info(context)) + b',"licenses":[],"images":[')
    with tempfile.TemporaryFile() as spool:
        for record in records:
            images += 1
            out.write((b"," if images > 1 else b"") + _json(_image(record, images)))
            for annotation in shapes(answer_of(record), categories):
                annotations += 1
                annotation.update(id=annotations, image_id=images, iscrowd=0)
                spool.write((b"," if annotations > 1 else b"") + _json(annotation))
        out.write(b'],"annotations":[')
        spool.seek(0)
        shutil.copyfileobj(spool, out)
    skeleton = _skeleton(context.task_config, keypoint_names)
    out.write(
        b'],"categories":'
        + _json(categories.as_coco(keypoints=keypoints, keypoint_names=keypoint_names, skeleton=skeleton))
        + b"}"
    )
    return {
        "records": images,
        "images": images,
        "annotations": annotations,
        "unknown_labels": categories.unknown,
    }
