"""A client uploads a file of items from the project page and watches it being sent, saved and
language-checked, in a real browser.

The file is large enough (3,000 items; the test app's SYNC_UPLOAD_MAX_ITEMS is 100) to become a
background import. Without Redis the import and language detection run inline in the upload
request; with Redis they wait in RQ, and the test runs them (``run_jobs``) while the page polls.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from marketplace.db import get_session
from marketplace.projects import service as projects
from marketplace.projects.models import Item
from tests.browser.helpers import PASSWORD, sign_in

ITEMS = 3_000
TEXTS = [
    ("en", "The parcel arrived on time and the support team was very kind."),
    ("es", "El pedido llegó roto y nadie contestó a mis mensajes."),
]


def _project(app: Flask, organisation_id: int) -> dict[str, Any]:
    with app.app_context():
        project = projects.create_project(
            organisation_id,
            {
                "name": "Support messages",
                "task_type": "classification",
                "source_language": "en",
                "languages": ["en", "es"],
                "overlap": 1,
                "max_overlap": 3,
                "ontology": {
                    "labels": [
                        {"name": "positive", "definition": "Happy.", "edge_cases": [], "examples": []},
                        {"name": "negative", "definition": "Unhappy.", "edge_cases": [], "examples": []},
                    ]
                },
                "guidelines": {"en": "Pick the customer's feeling."},
            },
        )
        return {"id": project.id, "public_id": project.public_id}


def _write_items(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for n in range(ITEMS):
            language, text = TEXTS[n % len(TEXTS)]
            record = {"external_id": f"msg-{n}", "language": language, "payload": {"text": f"{text} #{n}"}}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def test_a_client_uploads_a_file_and_watches_it_being_imported(
    app: Flask,
    page: Any,
    shoot: Callable[[Any, str], Any],
    client_org: dict[str, Any],
    run_jobs: Callable[[], int],
    tmp_path: Path,
) -> None:
    project = _project(app, client_org["organisation_id"])
    items_file = _write_items(tmp_path / "support-messages.jsonl")

    sign_in(page, "owner@client.example")

    page.goto(f"/projects/{project['public_id']}")
    form = page.locator("form[data-upload-form]")
    # Every control has its label.
    page.get_by_label("File of items").set_input_files(str(items_file))
    page.get_by_label("Batch name (optional)").fill("March messages")
    shoot(page, "01-form-filled")

    form.locator("[type=submit]").click()
    # The file has left the browser (the bytes bar is full) or the API answered already.
    page.wait_for_function(
        "['sent', 'done'].includes(document.querySelector('[data-upload-form]').dataset.uploadState)"
        " || document.querySelector('[data-upload-progress] [data-field=state]').textContent !== ''",
        timeout=120_000,
    )
    sent = form.locator("[data-bar=sent]")
    assert sent.evaluate("bar => bar.value === bar.max")
    shoot(page, "02-mid-way")  # best effort: inline jobs may have finished already

    # With Redis the import waits for a worker: run it (and the language detection it starts)
    # once the API has queued it, while the page keeps polling.
    page.wait_for_function(
        "document.querySelector('[data-upload-progress] [data-field=state]').textContent !== ''",
        timeout=120_000,
    )
    run_jobs()
    run_jobs()  # detection jobs queued by the import

    page.wait_for_function(
        "document.querySelector('[data-upload-form]').dataset.uploadState === 'done'", timeout=120_000
    )
    live = form.locator("[data-upload-live]")
    assert live.get_attribute("aria-live") == "polite"
    assert "The upload is saved" in live.inner_text()
    for bar in ("upload", "detection"):
        assert form.locator(f"[data-bar={bar}]").evaluate("bar => bar.value === bar.max"), bar
    assert form.locator("[data-field=state]").inner_text() == "saved"
    assert form.locator("[data-field=detection]").inner_text() == "3,000 / 3,000"
    assert form.locator("[data-upload-errors]").is_hidden()
    # The project's own counts catch up (progress.js, restarted by the upload).
    page.wait_for_function("document.querySelector('[data-count=items]').textContent.trim() === '3,000'")
    shoot(page, "03-done")

    with app.app_context():
        stored = get_session().scalar(
            select(func.count()).select_from(Item).where(Item.project_id == project["id"])
        )
    assert stored == ITEMS


def test_a_refused_file_shows_the_apis_messages_next_to_the_form(
    app: Flask,
    page: Any,
    shoot: Callable[[Any, str], Any],
    client_org: dict[str, Any],
    tmp_path: Path,
) -> None:
    project = _project(app, client_org["organisation_id"])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"payload": {"text": "fine"}, "language": "en"}\nnot json\n', encoding="utf-8")

    sign_in(page, "owner@client.example", PASSWORD, "/login?lang=es")
    page.goto(f"/projects/{project['public_id']}?lang=es")
    form = page.locator("form[data-upload-form]")
    form.locator("input[name=file]").set_input_files(str(bad))
    form.locator("[type=submit]").click()
    page.wait_for_function(
        "document.querySelector('[data-upload-form]').dataset.uploadState === 'refused'", timeout=30_000
    )
    errors = form.locator("[data-upload-errors]")
    assert errors.is_visible()
    assert "lines[1]" in errors.inner_text() and "La línea 2 no es JSON válido." in errors.inner_text()
    assert form.locator("[data-upload-progress]").is_hidden()  # nothing was saved: no bars
    assert form.locator("input[name=file]").get_attribute("aria-invalid") == "true"
    # The API answered in the reader's language (Spanish), and focus moved to its messages.
    assert page.evaluate("document.activeElement.id") == "upload-errors"
    assert page.url.endswith(f"/projects/{project['public_id']}?lang=es")
    shoot(page, "01-refused-es")
    with app.app_context():
        stored = get_session().scalar(
            select(func.count()).select_from(Item).where(Item.project_id == project["id"])
        )
    assert stored == 0
