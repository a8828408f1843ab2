"""Delivery file writers, checked with the tools clients load the files with (pycocotools, pyarrow,
the csv module), on hand-built records whose answers pass the task types' own answer validation.

No database and no app: the writers are pure functions of records, a context and a file.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import json
import tracemalloc
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from marketplace.reports.formats import (
    CANONICAL_FORMATS,
    FormatContext,
    Stats,
    Writer,
    formats_for,
)
from marketplace.reports.formats.canonical import CSV_COLUMNS, write_csv, write_jsonl
from marketplace.reports.formats.coco import write_coco
from marketplace.reports.formats.parquet import PARQUET_SCHEMA, ROW_GROUP_SIZE, write_parquet
from marketplace.reports.formats.preferences import write_preferences
from marketplace.reports.formats.spans import write_conll, write_spans_jsonl
from marketplace.reports.formats.speech import write_rttm, write_vtt
from marketplace.tasktypes import TASK_TYPES, validate_answer, validate_config, validate_payload

#: pycocotools (2.0.x, a Cython module built for numpy 1) warns inside decode under numpy 2; the
#: masks it decodes are right, and the warning is its to fix, not ours.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

# --- building records -------------------------------------------------------------------------


def _labels(*names: str) -> list[dict[str, Any]]:
    """Ontology labels as an OntologyVersion stores them."""
    return [{"name": name, "definition": f"A {name}.", "edge_cases": [], "examples": []} for name in names]


def _context(task_type: str, labels: list[dict[str, Any]] | None = None, **config: Any) -> FormatContext:
    return FormatContext(
        task_type=task_type,
        task_config=config,
        labels=labels or [],
        project_id="prj_7Kq2",
        ontology_version=3,
    )


def _record(
    context: FormatContext,
    number: int,
    payload: dict[str, Any],
    label: dict[str, Any],
    *,
    language: str = "en",
    validate: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    """A canonical delivery record; its payload and label are validated against the task type."""
    if validate:
        filled, errors = validate_config(context.task_type, dict(context.task_config))
        assert errors == []
        assert validate_payload(context.task_type, payload) == []
        assert validate_answer(context.task_type, label, payload, context.label_names, filled) == []
    record: dict[str, Any] = {
        "item_id": f"itm_{number:05d}",
        "external_id": f"ext-{number}",
        "batch": "bat_Q1",
        "language": language,
        "payload": payload,
        "metadata": {"source": "crm", "row": number},
        "label": label,
        "label_source": "consensus",
        "confidence": 0.875,
        "agreement": 0.75,
        "review_state": "not_sampled",
        "ontology_version": 3,
        "edge_case": None,
        "judgments": [
            {
                "annotator": "ann_3f9c01",
                "language": language,
                "seconds_spent": 12,
                "outcome": "accepted",
                "answer": label,
            }
        ],
    }
    record.update(fields)
    return record


def _write(writer: Writer, records: Iterable[dict[str, Any]], context: FormatContext) -> tuple[bytes, Stats]:
    out = io.BytesIO()
    stats = writer(records, context, out)
    assert not out.closed
    return out.getvalue(), stats


def _once(records: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The records as a one-pass iterator, as deliveries pass them."""
    yield from records


def _mask_counts(mask: np.ndarray) -> list[int]:
    """Uncompressed COCO RLE of a 0/1 mask: column-major runs, background first."""
    counts, current, run = [], 0, 0
    for pixel in mask.flatten(order="F"):
        if pixel != current:
            counts.append(run)
            current, run = pixel, 0
        run += 1
    counts.append(run)
    return [int(c) for c in counts]


IMAGE = {"image_url": "https://media.example.com/street/0007.jpg", "width": 640, "height": 480}
MASK = np.zeros((6, 8), dtype=np.uint8)
MASK[1:4, 2:5] = 1
MASK[5, 7] = 1  # a lone pixel in the corner: the last run ends the mask
MASK_IMAGE = {"image_url": "s3://tiles/a%20b/0001.png", "width": 8, "height": 6}


def _samples() -> dict[str, tuple[FormatContext, list[dict[str, Any]]]]:
    """One small, valid delivery per task type."""
    samples: dict[str, tuple[FormatContext, list[dict[str, Any]]]] = {}

    def add(context: FormatContext, *items: tuple[dict[str, Any], dict[str, Any], str]) -> None:
        samples[context.task_type] = (
            context,
            [_record(context, i + 1, p, a, language=lang) for i, (p, a, lang) in enumerate(items)],
        )

    add(
        _context("classification", _labels("positive", "negative")),
        ({"text": "Très bon."}, {"label": "positive"}, "fr"),
        ({"text": "Ужасно."}, {"label": "negative"}, "ru"),
    )
    add(
        _context("multi_label_classification", _labels("billing", "shipping")),
        ({"text": "Charged twice."}, {"labels": ["billing", "shipping"]}, "en"),
    )
    add(
        _context("rating", min=-2, max=2, step=0.5),
        ({"text": "ok"}, {"rating": 1.5, "comment": "fine"}, "en"),
        ({"text": "bad"}, {"rating": -2}, "en"),
    )
    add(
        _context("pairwise_preference"),
        (_pair("A"), {"preference": "A", "ratings": {"a": 6, "b": 3}}, "en"),
        (_pair("B"), {"preference": "B"}, "de"),
        (_pair("tie"), {"preference": "tie"}, "en"),
    )
    add(
        _context("ner", _labels("PER", "LOC")),
        ({"text": "Angela Merkel besuchte Berlin."}, {"spans": _de_spans()}, "de"),
        ({"text": "東京に住む。"}, {"spans": [{"start": 0, "end": 2, "label": "LOC"}]}, "ja"),
    )
    add(
        _context("audio_transcription"),
        ({"audio_url": "https://media.example.com/a.mp3"}, _transcript(), "en"),
    )
    add(
        _context("image_bounding_box", _labels("car", "person")),
        (IMAGE, {"boxes": [{"label": "car", "x": 12, "y": 200.5, "width": 180, "height": 95.5}]}, "und"),
    )
    add(
        _context("image_polygon", _labels("car", "person")),
        (IMAGE, {"polygons": [{"label": "person", "points": [[300, 100], [340, 100], [345, 330]]}]}, "und"),
    )
    add(
        _context("image_keypoints", _labels("person"), keypoint_names=["nose", "left_eye", "right_eye"]),
        (
            IMAGE,
            {"keypoints": [{"label": "person", "points": [{"name": "nose", "x": 320, "y": 120}]}]},
            "und",
        ),
    )
    add(
        _context("segmentation_mask", _labels("car")),
        (
            MASK_IMAGE,
            {"masks": [{"label": "car", "rle": {"size": [6, 8], "counts": _mask_counts(MASK)}}]},
            "und",
        ),
    )
    return samples


def _pair(tag: str) -> dict[str, Any]:
    return {"prompt": f"Prompt {tag}", "response_a": f"Answer A {tag}", "response_b": f"Answer B {tag}"}


def _de_spans() -> list[dict[str, Any]]:
    return [
        {"start": 0, "end": 13, "label": "PER"},
        {"start": 23, "end": 29, "label": "LOC", "text": "Berlin"},
    ]


def _transcript() -> dict[str, Any]:
    return {
        "segments": [
            {"speaker": "agent", "start": 0.0, "end": 3.2, "text": "Good morning, how can I help?"},
            {
                "speaker": "the caller",
                "start": 3.0,
                "end": 9.125,
                "text": "My card <b> & -->\n\nwas declined.",
            },
        ]
    }


SAMPLES = _samples()


# --- the registry -----------------------------------------------------------------------------


def test_every_task_type_gets_the_canonical_files_and_its_native_ones() -> None:
    native = {
        "classification": [],
        "multi_label_classification": [],
        "rating": [],
        "pairwise_preference": ["preferences.jsonl"],
        "ner": ["spans.jsonl", "conll.txt"],
        "audio_transcription": ["rttm.txt", "transcripts.vtt"],
        "image_bounding_box": ["coco.json"],
        "image_polygon": ["coco.json"],
        "image_keypoints": ["coco.json"],
        "segmentation_mask": ["coco.json"],
    }
    assert set(native) == set(TASK_TYPES)
    for task_type, files in native.items():
        specs = formats_for(task_type)
        assert [spec.filename for spec in specs] == ["labels.jsonl", "labels.csv", "labels.parquet", *files]
        assert len({spec.name for spec in specs}) == len(specs)
        assert all(spec.media_type for spec in specs)
    with pytest.raises(KeyError):
        formats_for("image_boxes")


@pytest.mark.parametrize("task_type", sorted(SAMPLES))
def test_every_format_consumes_the_records_once_and_writes_the_same_bytes_twice(task_type: str) -> None:
    context, records = SAMPLES[task_type]
    for spec in formats_for(task_type):
        first, stats = _write(spec.writer, _once(records), context)
        second, _stats = _write(spec.writer, _once(records), context)
        assert first == second, spec.name
        assert first, spec.name
        assert stats["records"] == len(records), spec.name


# --- labels.jsonl -----------------------------------------------------------------------------


def test_jsonl_lines_are_the_records_compact_sorted_and_unescaped() -> None:
    context, records = SAMPLES["classification"]
    data, stats = _write(write_jsonl, _once(records), context)
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == ""
    assert [json.loads(line) for line in lines[:-1]] == records
    assert stats == {"records": 2}
    assert "Ужасно." in lines[1]  # ensure_ascii=False: readable, not \u escapes
    assert ", " not in lines[0] and ": " not in lines[0]
    first = json.loads(lines[0])
    assert list(first) == sorted(first)


# --- labels.csv -------------------------------------------------------------------------------


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(codecs.BOM_UTF8)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_a_bom_the_columns_and_a_readable_summary() -> None:
    data, _stats = _write(write_csv, _once(SAMPLES["classification"][1]), SAMPLES["classification"][0])
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert tuple(header) == CSV_COLUMNS
    assert data.count(b"\r\n") == 3
    row = _csv_rows(data)[1]
    assert row["item_id"] == "itm_00002"
    assert row["label_summary"] == "negative"
    assert json.loads(row["label"]) == {"label": "negative"}
    assert (row["confidence"], row["agreement"], row["ontology_version"]) == ("0.875", "0.75", "3")
    assert row["edge_case"] == ""

    summaries = {
        "multi_label_classification": ["billing; shipping"],
        "rating": ["1.5", "-2"],  # a negative number is a number, not a formula
        "pairwise_preference": ["A", "B", "tie"],
        "ner": ["2", "1"],
        "audio_transcription": ["2"],
        "image_bounding_box": ["1"],
        "segmentation_mask": ["1"],
    }
    for task_type, expected in summaries.items():
        context, records = SAMPLES[task_type]
        data, _stats = _write(write_csv, _once(records), context)
        assert [row["label_summary"] for row in _csv_rows(data)] == expected, task_type


def test_csv_cells_that_would_run_as_formulas_get_an_apostrophe() -> None:
    context, records = SAMPLES["classification"]
    dangerous = ['=HYPERLINK("http://x")', "+1+1", "-1+cmd|' /C calc'!A0", "@SUM(A1)", "\tTab", "\rCR"]
    rows = [
        {**records[0], "item_id": f"itm_{i}", "external_id": cell, "edge_case": cell}
        for i, cell in enumerate(dangerous)
    ]
    rows.append({**records[0], "item_id": "itm_safe", "external_id": "-42", "edge_case": "a=b"})
    data, stats = _write(write_csv, _once(rows), context)
    parsed = _csv_rows(data)
    assert stats == {"records": len(rows)}
    assert [row["external_id"] for row in parsed[:-1]] == ["'" + cell for cell in dangerous]
    assert [row["edge_case"] for row in parsed[:-1]] == ["'" + cell for cell in dangerous]
    assert (parsed[-1]["external_id"], parsed[-1]["edge_case"]) == ("-42", "a=b")


def test_csv_round_trips_non_latin_text() -> None:
    context, records = SAMPLES["classification"]
    texts = ["東京タワー", "Москва", "نص عربي", "हिन्दी", "ภาษาไทย", "🙂 emoji"]
    rows = [
        {**records[0], "item_id": f"itm_{i}", "external_id": text, "edge_case": f'{text}, "quoted"\nline'}
        for i, text in enumerate(texts)
    ]
    data, _stats = _write(write_csv, _once(rows), context)
    parsed = _csv_rows(data)
    assert [row["external_id"] for row in parsed] == texts
    assert [row["edge_case"] for row in parsed] == [f'{text}, "quoted"\nline' for text in texts]


# --- labels.parquet ---------------------------------------------------------------------------


def test_parquet_round_trips_every_field_in_row_groups(tmp_path: Path) -> None:
    context, records = SAMPLES["ner"]
    many = [
        {
            **records[i % 2],
            "item_id": f"itm_{i}",
            "confidence": None if i % 7 == 0 else records[0]["confidence"],
        }
        for i in range(2 * ROW_GROUP_SIZE + 17)
    ]
    many[3] = {
        **many[3],
        "external_id": None,
        "ontology_version": None,
        "edge_case": "sarcasm",
        "agreement": 1,
    }
    path = tmp_path / "labels.parquet"
    with path.open("wb") as out:
        stats = write_parquet(_once(many), context, out)
        assert not out.closed
    assert stats == {"records": len(many), "row_groups": 3}

    parquet = pq.ParquetFile(path)
    assert parquet.metadata.num_row_groups == 3
    assert parquet.metadata.row_group(0).num_rows == ROW_GROUP_SIZE
    assert parquet.schema_arrow.remove_metadata() == PARQUET_SCHEMA.remove_metadata()
    metadata = parquet.schema_arrow.metadata
    assert metadata[b"marketplace.task_type"] == b"ner"
    assert metadata[b"marketplace.ontology_version"] == b"3"
    assert parquet.schema_arrow.field("label").metadata == {b"encoding": b"json"}
    assert str(parquet.schema_arrow.field("ontology_version").type) == "int64"
    assert str(parquet.schema_arrow.field("confidence").type) == "double"

    rows = pq.read_table(path).to_pylist()
    for row in rows:
        for column in ("payload", "metadata", "label", "judgments"):
            row[column] = json.loads(row[column])
    assert rows == many
    assert rows[3]["agreement"] == 1.0


def test_parquet_bytes_do_not_vary_between_writes() -> None:
    context, records = SAMPLES["image_keypoints"]
    first, _ = _write(write_parquet, _once(records * 3), context)
    second, _ = _write(write_parquet, _once(records * 3), context)
    assert first == second
    empty, stats = _write(write_parquet, _once([]), context)
    assert stats == {"records": 0, "row_groups": 0}
    assert pq.read_table(io.BytesIO(empty)).num_rows == 0


# --- coco.json --------------------------------------------------------------------------------


def _coco(tmp_path: Path, records: list[dict[str, Any]], context: FormatContext) -> tuple[COCO, Stats]:
    path = tmp_path / "coco.json"
    with path.open("wb") as out:
        stats = write_coco(_once(records), context, out)
    return COCO(str(path)), stats


def _annotations(coco: COCO, image_id: int) -> list[dict[str, Any]]:
    return list(coco.loadAnns(coco.getAnnIds(imgIds=[image_id])))


def test_coco_boxes_load_with_pycocotools(tmp_path: Path) -> None:
    context = _context("image_bounding_box", _labels("car", "person"))
    second = {"image_url": "https://media.example.com/b.png?sig=1", "width": 100, "height": 50}
    boxes = [
        {"label": "person", "x": 0, "y": 0, "width": 10.5, "height": 20},
        {"label": "car", "x": 50, "y": 10, "width": 50, "height": 40},
    ]
    records = [
        _record(context, 1, IMAGE, {"boxes": []}),
        _record(context, 2, second, {"boxes": boxes}),
        _record(
            context,
            3,
            second,
            {"boxes": [{"label": "truck", "x": 1, "y": 1, "width": 2, "height": 2}]},
            validate=False,
        ),
    ]
    coco, stats = _coco(tmp_path, records, context)
    assert stats == {"records": 3, "images": 3, "annotations": 3, "unknown_labels": 1}
    assert sorted(coco.getImgIds()) == [1, 2, 3]
    image = coco.loadImgs([2])[0]
    assert (image["file_name"], image["width"], image["height"], image["item_id"]) == (
        "b.png",
        100,
        50,
        "itm_00002",
    )
    assert image["coco_url"] == second["image_url"]
    categories = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
    assert categories == {1: "car", 2: "person", 3: "truck"}
    assert _annotations(coco, 1) == []
    loaded = _annotations(coco, 2)
    assert [(categories[a["category_id"]], a["bbox"], a["area"], a["iscrowd"]) for a in loaded] == [
        ("person", [0, 0, 10.5, 20], 210.0, 0),
        ("car", [50, 10, 50, 40], 2000, 0),
    ]
    assert coco.annToMask(loaded[1]).sum() == 50 * 40
    assert coco.getAnnIds(catIds=[3]) == [3]


def test_coco_polygons_are_flat_lists_with_area_and_bbox(tmp_path: Path) -> None:
    context = _context("image_polygon", _labels("car", "person"))
    points = [[10, 10], [30, 10], [30, 40], [10, 40]]
    records = [_record(context, 1, IMAGE, {"polygons": [{"label": "car", "points": points}]})]
    coco, _stats = _coco(tmp_path, records, context)
    (annotation,) = _annotations(coco, 1)
    assert annotation["segmentation"] == [[10, 10, 30, 10, 30, 40, 10, 40]]
    assert annotation["bbox"] == [10, 10, 20, 30]
    assert annotation["area"] == 600.0
    assert annotation["category_id"] == 1
    assert coco.annToMask(annotation)[20, 20] == 1


def test_coco_keypoints_use_the_configured_names_and_skeleton(tmp_path: Path) -> None:
    names = ["nose", "left_eye", "right_eye"]
    answer = {
        "keypoints": [
            {
                "label": "person",
                "points": [
                    {"name": "right_eye", "x": 310, "y": 110, "visible": False},
                    {"name": "nose", "x": 320, "y": 120},
                ],
            }
        ]
    }
    validating = _context("image_keypoints", _labels("person"), keypoint_names=names)
    record = _record(validating, 1, IMAGE, answer)
    # A skeleton is not a task setting yet; the writer takes it when a config has one.
    context = _context(
        "image_keypoints", _labels("person"), keypoint_names=names, skeleton=[["nose", "left_eye"], [1, 3]]
    )
    coco, _stats = _coco(tmp_path, [record], context)
    (annotation,) = _annotations(coco, 1)
    assert annotation["keypoints"] == [320, 120, 2, 0, 0, 0, 310, 110, 1]
    assert annotation["num_keypoints"] == 2
    assert annotation["bbox"] == [310, 110, 10, 10]
    (category,) = coco.loadCats(coco.getCatIds())
    assert category["keypoints"] == names
    assert category["skeleton"] == [[1, 2], [1, 3]]


def test_coco_anonymous_keypoints_keep_their_order(tmp_path: Path) -> None:
    context = _context("image_keypoints", _labels("person"))
    answer = {
        "keypoints": [{"label": "person", "points": [{"x": 1, "y": 2}, {"x": 3, "y": 4, "visible": False}]}]
    }
    coco, _stats = _coco(tmp_path, [_record(context, 1, IMAGE, answer)], context)
    (annotation,) = _annotations(coco, 1)
    assert annotation["keypoints"] == [1, 2, 2, 3, 4, 1]
    assert coco.loadCats([1])[0]["keypoints"] == ["1", "2"]


def test_coco_masks_decode_to_the_original_pixels(tmp_path: Path) -> None:
    context = _context("segmentation_mask", _labels("car", "road"))
    rng = np.random.default_rng(7)
    noisy = (rng.random((6, 8)) < 0.4).astype(np.uint8)
    noisy[0, 0] = 1  # object first: the counts start with a 0-length background run
    masks = [MASK, noisy]
    answer = {
        "masks": [
            {"label": label, "rle": {"size": [6, 8], "counts": _mask_counts(mask)}}
            for label, mask in zip(["car", "road"], masks, strict=True)
        ]
    }
    assert answer["masks"][1]["rle"]["counts"][0] == 0
    coco, _stats = _coco(tmp_path, [_record(context, 1, MASK_IMAGE, answer)], context)
    assert coco.loadImgs([1])[0]["file_name"] == "0001.png"
    annotations = _annotations(coco, 1)
    assert [a["category_id"] for a in annotations] == [1, 2]
    for annotation, original in zip(annotations, masks, strict=True):
        rle = mask_utils.frPyObjects(annotation["segmentation"], 6, 8)
        assert np.array_equal(mask_utils.decode(rle), original)
        assert np.array_equal(coco.annToMask(annotation), original)
        assert annotation["area"] == int(original.sum()) == int(mask_utils.area(rle))
        assert annotation["bbox"] == mask_utils.toBbox(rle).tolist()


# --- spans.jsonl and conll.txt ----------------------------------------------------------------


def test_spans_jsonl_gives_offsets_labels_and_text() -> None:
    context, records = SAMPLES["ner"]
    data, stats = _write(write_spans_jsonl, _once(records), context)
    lines = [json.loads(line) for line in data.decode("utf-8").splitlines()]
    assert stats == {"records": 2, "spans": 3}
    assert lines[0] == {
        "item_id": "itm_00001",
        "external_id": "ext-1",
        "language": "de",
        "text": "Angela Merkel besuchte Berlin.",
        "spans": [
            {"start": 0, "end": 13, "label": "PER", "text": "Angela Merkel"},
            {"start": 23, "end": 29, "label": "LOC", "text": "Berlin"},
        ],
    }
    assert lines[1]["spans"] == [{"start": 0, "end": 2, "label": "LOC", "text": "東京"}]


def test_conll_tags_german_in_bio_and_skips_japanese() -> None:
    context, records = SAMPLES["ner"]
    data, stats = _write(write_conll, _once(records), context)
    assert data.decode("utf-8") == (
        "# item_id = itm_00001\nAngela\tB-PER\nMerkel\tI-PER\nbesuchte\tO\nBerlin\tB-LOC\n.\tO\n\n"
    )
    assert stats == {"records": 2, "written": 1, "skipped_no_spaces": 1, "nested_spans_dropped": 0}


def test_conll_keeps_outer_spans_and_starts_spans_that_begin_with_a_space() -> None:
    context = _context("ner", _labels("ORG", "LOC"), allow_overlap=True)
    text = "Universität  Wien  heute"
    spans = [
        {"start": 0, "end": 17, "label": "ORG"},
        {"start": 13, "end": 17, "label": "LOC"},
        {"start": 17, "end": 24, "label": "LOC"},
    ]
    record = _record(context, 1, {"text": text}, {"spans": spans}, language="de-AT")
    chinese = _record(context, 2, {"text": "我住在北京"}, {"spans": []}, language="zh-Hant-TW")
    data, stats = _write(write_conll, _once([record, chinese]), context)
    assert data.decode("utf-8").splitlines() == [
        "# item_id = itm_00001",
        "Universität\tB-ORG",
        "Wien\tI-ORG",
        "heute\tB-LOC",
        "",
    ]
    assert stats == {"records": 2, "written": 1, "skipped_no_spaces": 1, "nested_spans_dropped": 1}


# --- rttm.txt and transcripts.vtt -------------------------------------------------------------


def test_rttm_lines_are_exact() -> None:
    context, records = SAMPLES["audio_transcription"]
    data, stats = _write(write_rttm, _once(records), context)
    assert data.decode("utf-8") == (
        "SPEAKER itm_00001 1 0.000 3.200 <NA> <NA> agent <NA> <NA>\n"
        "SPEAKER itm_00001 1 3.000 6.125 <NA> <NA> the_caller <NA> <NA>\n"
    )
    assert stats == {"records": 1, "segments": 2}


def test_vtt_separates_items_with_notes_and_marks_voices() -> None:
    context, records = SAMPLES["audio_transcription"]
    second = {
        **records[0],
        "item_id": "itm_00002",
        "label": {"segments": [{"speaker": "Ana", "start": 3661.5, "end": 3662.0, "text": "¡Hola!"}]},
    }
    data, stats = _write(write_vtt, _once([records[0], second]), context)
    assert data.decode("utf-8") == (
        "WEBVTT\n"
        "\n"
        "NOTE item_id=itm_00001\n"
        "\n"
        "itm_00001-1\n"
        "00:00:00.000 --> 00:00:03.200\n"
        "<v agent>Good morning, how can I help?\n"
        "\n"
        "itm_00001-2\n"
        "00:00:03.000 --> 00:00:09.125\n"
        "<v the caller>My card &lt;b&gt; &amp; --&gt;\n"
        "was declined.\n"
        "\n"
        "NOTE item_id=itm_00002\n"
        "\n"
        "itm_00002-1\n"
        "01:01:01.500 --> 01:01:02.000\n"
        "<v Ana>¡Hola!\n"
        "\n"
    )
    assert stats == {"records": 2, "cues": 3}


# --- preferences.jsonl ------------------------------------------------------------------------


def test_preferences_write_chosen_and_rejected_and_skip_ties() -> None:
    context, records = SAMPLES["pairwise_preference"]
    data, stats = _write(write_preferences, _once(records), context)
    lines = [json.loads(line) for line in data.decode("utf-8").splitlines()]
    assert stats == {"records": 3, "written": 2, "ties_skipped": 1}
    assert lines == [
        {
            "item_id": "itm_00001",
            "language": "en",
            "prompt": "Prompt A",
            "context": None,
            "chosen": "Answer A A",
            "rejected": "Answer B A",
            "margin": 3.0,
        },
        {
            "item_id": "itm_00002",
            "language": "de",
            "prompt": "Prompt B",
            "context": None,
            "chosen": "Answer B B",
            "rejected": "Answer A B",
            "margin": None,
        },
    ]


# --- memory -----------------------------------------------------------------------------------


def _generated(template: Mapping[str, Any], count: int) -> Iterator[dict[str, Any]]:
    """``count`` distinct records made on demand, as a delivery's database cursor would yield them."""
    for number in range(count):
        yield {**template, "item_id": f"itm_{number:07d}", "external_id": f"ext-{number}"}


def _peak(writer: Writer, context: FormatContext, template: Mapping[str, Any], count: int, path: Path) -> int:
    """Peak Python memory while writing ``count`` records to a file."""
    gc.collect()
    tracemalloc.start()
    try:
        records = _generated(template, count)
        with path.open("wb") as out:
            stats = writer(records, context, out)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stats["records"] == count
    assert next(records, None) is None
    return peak


@pytest.mark.slow
@pytest.mark.parametrize(
    ("writer", "task_type"), [(write_parquet, "image_polygon"), (write_coco, "image_polygon")]
)
def test_memory_does_not_grow_with_the_number_of_records(
    writer: Writer, task_type: str, tmp_path: Path
) -> None:
    context, records = SAMPLES[task_type]
    # Warm up first: pyarrow's first write loads modules and codecs, tens of MB that would inflate
    # the small run's peak and let any growth pass unseen.
    writer(_generated(records[0], 10), context, io.BytesIO())
    small = _peak(writer, context, records[0], 5_000, tmp_path / "small")
    large = _peak(writer, context, records[0], 50_000, tmp_path / "large")
    assert large < 2 * small, (small, large)
    # Far below what holding the records would take (each record is about 1 KB as Python objects).
    assert large < 50_000 * 200


def test_canonical_formats_are_the_three_files() -> None:
    assert [spec.filename for spec in CANONICAL_FORMATS] == ["labels.jsonl", "labels.csv", "labels.parquet"]
