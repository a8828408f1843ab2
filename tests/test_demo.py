"""The demo behind ``make run``: idempotent, and usable with the logins it prints."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from marketplace.db import get_session
from marketplace.demo import seed_demo
from marketplace.demo_data import DEMO_PASSWORD, DEMO_TOKEN, ITEMS, LANGUAGES, PROJECT, TRIAGE_ITEMS
from marketplace.models import Base
from tests.conftest import post_form


def _row_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        session = get_session()
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def test_demo_is_idempotent_and_usable(app: Flask, client: FlaskClient, run_jobs: Callable[[], int]) -> None:
    with app.app_context():
        lines = list(seed_demo())
    run_jobs()  # language detection of the demo items
    assert any(DEMO_TOKEN in line for line in lines)
    first = _row_counts(app)
    with app.app_context():
        list(seed_demo())
    run_jobs()
    assert _row_counts(app) == first
    assert len(LANGUAGES) >= 8

    projects = client.get("/api/v1/projects", headers={"Authorization": f"Bearer {DEMO_TOKEN}"})
    assert projects.status_code == 200
    listed = {p["name"]: p for p in projects.json["projects"]}
    project = listed[PROJECT["name"]]
    # One project per media task type, so every widget of the work page can be tried.
    media = {p["task_type"] for name, p in listed.items() if name.startswith("Demo: ")}
    assert media == {
        "audio_transcription", "image_bounding_box", "image_polygon", "image_keypoints", "segmentation_mask"
    }  # fmt: skip
    progress = client.get(
        f"/api/v1/projects/{project['id']}/progress", headers={"Authorization": f"Bearer {DEMO_TOKEN}"}
    ).json
    assert progress["total"] == len(ITEMS) + len(TRIAGE_ITEMS)
    assert progress["language_detection"]["triage"] == len(TRIAGE_ITEMS)
    assert {row["language"] for row in progress["by_language"]} >= set(LANGUAGES) - {None}

    # A pre-qualified Spanish annotator gets Spanish work at once.
    assert (
        post_form(client, "/login", {"email": "carlos@demo.example", "password": DEMO_PASSWORD}).status_code
        == 302
    )
    page = client.get("/work")
    assert page.status_code == 200
    assert 'lang="es"' in page.get_data(as_text=True)
    # An Arabic annotator sees the Arabic exam open.
    other = app.test_client()
    assert (
        post_form(other, "/login", {"email": "amina@demo.example", "password": DEMO_PASSWORD}).status_code
        == 302
    )
    exams = other.get("/api/v1/qualifications").json["available_exams"]
    assert any(e["language"] == "ar" and e["open"] for e in exams)
    # The home page speaks English, Spanish and Arabic.
    assert 'dir="rtl"' in client.get("/?lang=ar").get_data(as_text=True)

    # Review and money have something to show: the reviewer's queue, an annotator's earnings.
    reviewer = app.test_client()
    assert (
        post_form(reviewer, "/login", {"email": "rosa@demo.example", "password": DEMO_PASSWORD}).status_code
        == 302
    )
    queue = reviewer.get("/api/v1/review/queue").json
    spanish = next(row for row in queue["queues"] if row["language"] == "es")
    assert spanish["open"] >= 1 and spanish["decided"] == 1
    worker = app.test_client()
    assert (
        post_form(worker, "/login", {"email": "diego@demo.example", "password": DEMO_PASSWORD}).status_code
        == 302
    )
    earnings = worker.get("/api/v1/earnings").json
    assert earnings["totals"][0]["accepted"]["amount_minor"] > 0
    assert worker.get("/earnings").status_code == 200

    # The client has a first delivery of the completed Spanish work, with its files and report.
    listed_deliveries = client.get(
        f"/api/v1/projects/{project['id']}/deliveries", headers={"Authorization": f"Bearer {DEMO_TOKEN}"}
    ).json["deliveries"]
    assert [(d["version"], d["state"]) for d in listed_deliveries] == [(1, "ready")]
    assert listed_deliveries[0]["item_count"] >= 1
    assert {"labels.jsonl", "qa_report.pdf"} <= {f["name"] for f in listed_deliveries[0]["files"]}
