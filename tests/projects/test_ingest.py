"""Upload parsing and the background import, below the HTTP layer."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace.db import get_session
from marketplace.errors import Conflict
from marketplace.projects import import_job, ingest, item_checks, organisations, service, upload_parsing
from marketplace.projects.models import Batch, ImportState, Item, ItemImport
from marketplace.projects.upload_parsing import Upload, coerce_cell, count_items, format_for
from marketplace.tasktypes import get_task_type
from tests.api.conftest import classification_body


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.test_request_context():
        yield app


def _lines(count: int, start: int = 0) -> bytes:
    return "\n".join(
        json.dumps({"external_id": f"e{n}", "language": "en", "payload": {"text": f"t{n}"}})
        for n in range(start, start + count)
    ).encode()


@pytest.mark.parametrize(
    ("media_type", "filename", "expected"),
    [
        ("application/json", None, "json"),
        ("application/x-ndjson; charset=utf-8", None, "jsonl"),
        ("application/jsonl", None, "jsonl"),
        ("text/csv", None, "csv"),
        ("application/octet-stream", "Items.CSV", "csv"),
        ("text/csv", "items.jsonl", "jsonl"),
        ("text/plain", None, None),
        (None, "items.txt", None),
    ],
)
def test_format_for(media_type: str | None, filename: str | None, expected: str | None) -> None:
    assert format_for(media_type, filename) == expected


@pytest.mark.parametrize(
    ("cell", "types", "expected"),
    [
        ("640", {"integer"}, 640),
        (" -3 ", {"integer"}, -3),
        ("6.5", {"integer"}, "6.5"),
        ("6.5", {"number"}, 6.5),
        ("7", {"number"}, 7),
        ("nan", {"number"}, "nan"),
        ("Yes", {"boolean"}, True),
        ("0", {"boolean"}, False),
        ('["a", "b"]', {"array"}, ["a", "b"]),
        ("[broken", {"array"}, "[broken"),
        ("12", {"string"}, "12"),
        ("12", {"integer", "null"}, 12),
        ("hello", set(), "hello"),
    ],
)
def test_coerce_cell(cell: str, types: set[str], expected: Any) -> None:
    assert coerce_cell(cell, frozenset(types)) == expected


def test_count_items() -> None:
    assert count_items(Upload("jsonl", b'{"a": 1}\n\n  \n{"b": 2}\n')) == 2
    assert count_items(Upload("csv", b'text\n"multi\nline"\n\nsecond\n')) == 2
    assert count_items(Upload("json", b'{"items": [1, 2, 3]}')) == 3
    assert count_items(Upload("json", b"[1, 2]")) == 2
    assert count_items(Upload("json", b"{broken")) == 0
    assert count_items(Upload("csv", b"\xff")) == 0
    assert count_items(Upload("csv", b"text\n" + b"x" * 200_000 + b"\n")) == 0  # past csv's field limit


def test_csv_nested_payload_and_quoted_cells() -> None:
    schema = get_task_type("pairwise_preference").payload_schema
    parsed = upload_parsing._parse_csv(
        'prompt,response_a,response_b,meta.source.name\n"Say ""hi""","a\nb",c,web\n', schema
    )
    assert parsed.errors == []
    assert parsed.records[0].value == {
        "payload": {"prompt": 'Say "hi"', "response_a": "a\nb", "response_b": "c"},
        "metadata": {"source": {"name": "web"}},
    }


def test_csv_header_problems() -> None:
    parsed = upload_parsing._parse_csv("text,text,,a,a.b\nx,y,z,1,2\n", {})
    assert [(e.field, e.code) for e in parsed.errors] == [
        ("header[1]", "duplicate"),
        ("header[2]", "required"),
        ("header[3]", "conflict"),
    ]


def test_background_import_reports_progress(
    ctx: Flask, monkeypatch: pytest.MonkeyPatch, run_jobs: Callable[[], int]
) -> None:
    organisation = organisations.create_organisation("Acme")
    project = service.create_project(organisation.id, classification_body())
    writes: list[dict[str, Any]] = []
    original = import_job._ProgressWriter.write

    def spy(self: import_job._ProgressWriter, **values: Any) -> None:
        writes.append(values)
        original(self, **values)

    monkeypatch.setattr(item_checks, "PROGRESS_EVERY", 100)
    monkeypatch.setattr(ingest, "INSERT_CHUNK_SIZE", 100)
    monkeypatch.setattr(import_job._ProgressWriter, "write", spy)
    outcome = ingest.upload_items(project.id, Upload("jsonl", _lines(450)), locale="es")
    assert outcome.queued
    get_session().rollback()  # end this context's read, so the job may write (SQLite has one writer)
    run_jobs()
    checked = [w["processed"] for w in writes if set(w) == {"processed"}]
    assert checked == [100, 200, 300, 400, 450]
    assert {"state": "storing", "total": 450, "processed": 450} in writes
    stored = [w["accepted"] for w in writes if set(w) == {"accepted"}]
    if get_session().get_bind().dialect.name == "sqlite":
        assert stored == []  # the storing transaction holds SQLite's only write lock
    else:
        assert stored == [100, 200, 300, 400, 450]
    item_import = get_session().get(ItemImport, outcome.item_import.id)
    assert item_import is not None
    get_session().refresh(item_import)
    assert item_import.state == ImportState.SUCCEEDED and item_import.content is None
    assert item_import.locale == "es"


def test_concurrent_duplicate_is_refused_whole(
    ctx: Flask, monkeypatch: pytest.MonkeyPatch, run_jobs: Callable[[], int]
) -> None:
    """If another upload stores the same external_id between our check and our insert, the unique
    constraint refuses ours, and nothing of it stays."""
    organisation = organisations.create_organisation("Acme")
    project = service.create_project(organisation.id, classification_body())
    ingest.upload_items(project.id, Upload("jsonl", _lines(1, start=5)))
    monkeypatch.setattr(item_checks, "existing_external_ids", lambda *args: set())

    with pytest.raises(Conflict):
        ingest.upload_items(project.id, Upload("jsonl", _lines(10)))
    queued = ingest.upload_items(project.id, Upload("jsonl", _lines(150)))
    get_session().rollback()
    run_jobs()
    failed = get_session().get(ItemImport, queued.item_import.id)
    assert failed is not None
    get_session().refresh(failed)
    assert failed.state == ImportState.FAILED
    assert failed.errors[0]["code"] == "duplicate"
    assert get_session().scalar(select(func.count()).select_from(Item)) == 1
    assert get_session().scalar(select(func.count()).select_from(Batch)) == 1


def test_finished_imports_are_left_alone(ctx: Flask) -> None:
    organisation = organisations.create_organisation("Acme")
    project = service.create_project(organisation.id, classification_body())
    failed = ItemImport(
        project_id=project.id,
        batch_name="b",
        format="jsonl",
        content=_lines(3),
        state=ImportState.FAILED,
        errors=[{"field": "", "code": "x", "message": "m"}],
        error_count=1,
    )
    session = get_session()
    session.add(failed)
    session.commit()
    import_job.run_import(failed.id)
    import_job.run_import(failed.id + 1000)  # a deleted import: nothing to do
    session.refresh(failed)
    assert failed.state == ImportState.FAILED
    assert session.scalar(select(func.count()).select_from(Item)) == 0


def test_an_interrupted_import_starts_over(ctx: Flask) -> None:
    organisation = organisations.create_organisation("Acme")
    project = service.create_project(organisation.id, classification_body())
    interrupted = ItemImport(
        project_id=project.id,
        batch_name="b",
        format="jsonl",
        content=_lines(3),
        state=ImportState.STORING,
        total=3,
        processed=3,
        accepted=2,
    )
    session = get_session()
    session.add(interrupted)
    session.commit()
    import_job.run_import(interrupted.id)
    session.refresh(interrupted)
    assert interrupted.state == ImportState.SUCCEEDED
    assert interrupted.accepted == 3
    assert session.scalar(select(func.count()).select_from(Item)) == 3
