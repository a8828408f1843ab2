"""Item languages: the decision rules (pure), the detection job on real uploads, its progress."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from marketplace.db import get_session
from marketplace.languages import DetectionResult
from marketplace.languages.tags import compatible_tags
from marketplace.projects import ingest, organisations, service, upload_parsing
from marketplace.projects import items as project_items
from marketplace.projects.language_decision import (
    METHOD_DECLARED,
    Decision,
    decide_item_language,
    decide_without_text,
)
from marketplace.projects.language_detection_job import detect_batch_languages, detect_next_chunk
from marketplace.projects.models import Item, ItemState, ProjectState
from tests.api.conftest import classification_body

TARGETS = ("en", "es", "hi", "pt-BR")


def confident(language: str, method: str = "model") -> DetectionResult:
    return DetectionResult(language, 0.98, method, needs_triage=False)


def undecided(reason: str, language: str | None = None) -> DetectionResult:
    return DetectionResult(language, 0.2, "model", needs_triage=True, reason=reason)


def ready(language: str, method: str | None = "model") -> Decision:
    return Decision(ItemState.READY, language, method)


def triage(reason: str, method: str | None = "model") -> Decision:
    return Decision(ItemState.TRIAGE, None, method, reason)


# --- the decision, branch by branch ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "declared", "targets", "expected"),
    [
        # Confident and agreeing with the declaration: the client's more specific tag is kept.
        (confident("es"), "es", TARGETS, ready("es")),
        (confident("pt"), "pt-BR", TARGETS, ready("pt-BR")),
        (confident("zh-Hant"), "zh", ("zh", "zh-Hant"), ready("zh-Hant")),
        (confident("zh-Hant"), "zh", ("zh",), ready("zh")),  # only target languages are routed on
        # Confident, nothing declared: the detected language, mapped onto the project's tag.
        (confident("es"), None, TARGETS, ready("es")),
        (confident("pt"), None, TARGETS, ready("pt-BR")),
        (confident("pt"), None, ("pt-BR", "pt-PT"), triage("ambiguous")),
        (confident("de"), None, TARGETS, triage("not_in_project")),
        # Tagalog detected is Filipino to a project that targets it, declared or not.
        (confident("tl"), None, ("fil",), ready("fil")),
        (confident("tl"), "fil", ("fil",), ready("fil")),
        # A detected bare tag is text in the language's usual script: Gurmukhi is not Shahmukhi.
        (confident("pa"), None, ("pa-Arab",), triage("not_in_project")),
        (confident("pa"), None, ("pa", "pa-Arab"), ready("pa")),
        (confident("pa-Arab"), None, ("pa", "pa-Arab"), ready("pa-Arab")),
        (confident("zh-Hans"), "zh-TW", ("zh-Hans", "zh-Hant"), triage("mismatch")),  # zh-TW is Traditional
        (confident("zh-Hans"), "zh-CN", ("zh-Hans", "zh-Hant"), ready("zh-Hans")),
        # Confidently contradicting the declaration, whoever noticed it.
        (confident("en"), "es", TARGETS, triage("mismatch")),
        (DetectionResult("pt", 0.99, "model", True, "mismatch"), "es", TARGETS, triage("mismatch")),
        (confident("zh-Hans"), "zh-Hant", ("zh-Hans", "zh-Hant"), triage("mismatch")),
        # Code-mixed text waits for a person, declared or not.
        (DetectionResult(None, 0.6, "none", True, "mixed"), "hi", TARGETS, triage("mixed", "none")),
        (DetectionResult(None, 0.6, "none", True, "mixed"), None, TARGETS, triage("mixed", "none")),
        # Undecided: the client's declaration is trusted; without one, ops decide.
        (undecided("too_short"), "en", TARGETS, ready("en", METHOD_DECLARED)),
        (undecided("uncertain", "en"), "es", TARGETS, ready("es", METHOD_DECLARED)),
        (undecided("ambiguous"), "pt-BR", TARGETS, ready("pt-BR", METHOD_DECLARED)),
        (undecided("too_short"), None, TARGETS, triage("too_short")),
        (undecided("uncertain"), None, TARGETS, triage("uncertain")),
        (undecided("empty"), None, TARGETS, triage("empty")),
    ],
)
def test_decide_item_language(
    result: DetectionResult, declared: str | None, targets: tuple[str, ...], expected: Decision
) -> None:
    assert decide_item_language(result, declared, targets) == expected


def test_items_without_text_take_the_declared_language() -> None:
    assert decide_without_text("es") == ready("es", METHOD_DECLARED)
    assert decide_without_text(None) == triage("no_language", None)


@pytest.mark.parametrize(
    ("first", "second", "compatible"),
    [
        ("pt", "pt-BR", True),
        ("pt-BR", "pt-PT", False),
        ("zh", "zh-Hant", True),
        ("zh-Hans", "zh-Hant", False),
        ("sr-Latn", "sr-Latn-RS", True),
        ("nb", "no", True),
        ("fil", "tl", True),
        ("en", "es", False),
    ],
)
def test_compatible_tags(first: str, second: str, compatible: bool) -> None:
    assert compatible_tags(first, second) is compatible
    assert compatible_tags(second, first) is compatible


# --- the job on real uploads -------------------------------------------------------------------------

ENGLISH = "The delivery arrived two days late and the box was damaged."
SPANISH = "El pedido llegó tarde, pero el producto es excelente."
PORTUGUESE = "O produto chegou rápido e funciona muito bem."
GERMAN = "Der Kunde war mit der Lieferung sehr zufrieden und bestellt bald wieder."
HINDI = "यह फिल्म बहुत अच्छी थी, मैं इसे फिर से देखूंगा।"
HINGLISH = "मुझे यह फिल्म बहुत पसंद आई and I would definitely recommend it to everyone"


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.test_request_context():
        yield app


def _project(languages: list[str], **changes: Any) -> int:
    organisation = organisations.create_organisation("Acme")
    body = classification_body(languages=languages, source_language=languages[0], **changes)
    body["guidelines"] = {languages[0]: "Pick the feeling."}
    project = service.create_project(organisation.id, body)
    service.set_project_state(project.id, ProjectState.ACTIVE, None)
    return project.id


def _upload(project_id: int, records: list[dict[str, Any]], name: str = "b") -> ingest.UploadOutcome:
    content = "\n".join(json.dumps(record, ensure_ascii=False) for record in records).encode()
    return ingest.upload_items(project_id, upload_parsing.Upload("jsonl", content, batch_name=name))


def _items() -> dict[str, tuple[str, str | None, str | None, str | None, str | None]]:
    """external id → (state, language, detected, reason, method), read fresh."""
    session = get_session()
    session.rollback()
    rows = session.execute(
        select(
            Item.external_id,
            Item.state,
            Item.language,
            Item.detected_language,
            Item.triage_reason,
            Item.language_method,
        )
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def test_an_upload_ends_with_every_item_decided(ctx: Flask, run_jobs: Callable[[], int]) -> None:
    project_id = _project(["en", "es", "hi", "pt-BR"])
    records = [
        ("clean", "en", ENGLISH),
        ("undeclared", None, SPANISH),
        ("regional", "pt-BR", PORTUGUESE),
        ("hindi", "hi", HINDI),
        ("mismatch", "es", ENGLISH),
        ("mixed", "hi", HINGLISH),
        ("short-undeclared", None, "ok"),
        ("short-declared", "en", "ok"),
        ("foreign", None, GERMAN),
    ]
    outcome = _upload(
        project_id,
        [
            {"external_id": key, "payload": {"text": text}, **({"language": lang} if lang else {})}
            for key, lang, text in records
        ],
    )
    assert outcome.batch is not None
    batch_id = outcome.batch.id
    run_jobs()
    items = _items()
    assert items["clean"] == ("ready", "en", "en", None, "model")
    assert items["undeclared"] == ("ready", "es", "es", None, "model")
    assert items["regional"][:3] == ("ready", "pt-BR", "pt-BR")
    assert items["hindi"][:3] == ("ready", "hi", "hi")
    assert items["mismatch"] == ("triage", None, "en", "mismatch", "model")
    assert items["mixed"][:2] == ("triage", None) and items["mixed"][3] == "mixed"
    assert items["short-undeclared"][:2] == ("triage", None) and items["short-undeclared"][3] == "too_short"
    assert items["short-declared"] == ("ready", "en", None, None, METHOD_DECLARED)
    assert items["foreign"] == ("triage", None, "de", "not_in_project", "model")
    confidence = get_session().scalar(select(Item.language_confidence).where(Item.external_id == "clean"))
    assert confidence is not None and confidence > 0.9

    # Running the job again changes nothing: every item already left "awaiting_language".
    get_session().rollback()  # end this context's read: SQLite has one writer
    assert detect_batch_languages(batch_id) == 0
    assert _items() == items
    get_session().rollback()
    assert detect_batch_languages(batch_id + 1000) == 0  # a batch that does not exist


def test_non_text_items_take_the_declared_language(ctx: Flask, run_jobs: Callable[[], int]) -> None:
    project_id = _project(
        ["en", "ar"], task_type="image_bounding_box", ontology={"labels": [{"name": "car"}]}
    )
    image = {"image_url": "https://img.example/1.jpg", "width": 640, "height": 480}
    _upload(
        project_id,
        [
            {"external_id": "ar", "language": "ar", "payload": image},
            {"external_id": "en", "language": "en", "payload": image},
            {"external_id": "none", "payload": image},
        ],
    )
    items = _items()  # decided at upload: nothing to detect, no job needed
    assert items["ar"] == ("ready", "ar", None, None, METHOD_DECLARED)
    assert items["en"] == ("ready", "en", None, None, METHOD_DECLARED)
    assert items["none"] == ("triage", None, None, "no_language", None)
    run_jobs()
    assert _items() == items


SENTENCES = (
    ("en", ENGLISH),
    ("es", SPANISH),
    ("pt-BR", PORTUGUESE),
    ("hi", HINDI),
    (None, SPANISH),
    ("en", "Thanks!"),
)


def test_twenty_thousand_items_progress_chunk_by_chunk(
    app: Flask,
    api: Callable[..., Any],
    client_org: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    run_jobs: Callable[[], int],
) -> None:
    """The import stores the items; detection then advances one committed chunk at a time, and the
    progress endpoint and the import resource show it."""
    stored: list[int] = []
    monkeypatch.setattr(project_items, "after_items_stored", lambda _project, batch: stored.append(batch))
    records = [
        {"external_id": f"e{n}", "payload": {"text": text}, **({"language": language} if language else {})}
        for n, (language, text) in enumerate(SENTENCES[n % len(SENTENCES)] for n in range(20_000))
    ]
    with app.test_request_context():
        body = classification_body(languages=["en", "es", "hi", "pt-BR"], source_language="en")
        body["guidelines"] = {"en": "Pick the feeling."}
        project = service.create_project(client_org["organisation_id"], body)
        outcome = _upload(project.id, records, name="big")
        assert outcome.queued
        base = f"/projects/{project.public_id}"
        import_id = outcome.item_import.public_id
    run_jobs()
    assert len(stored) == 1
    batch_id = stored[0]

    def pending() -> tuple[int, int, int]:
        progress = api("GET", f"{base}/progress").get_json()
        upload = api("GET", f"{base}/imports/{import_id}").get_json()
        assert progress["batches"][0]["language_pending"] == upload["detection"]["pending"]
        detection = progress["language_detection"]
        assert sum(detection.values()) == progress["total"] == upload["detection"]["total"] == 20_000
        return detection["pending"], detection["done"], detection["triage"]

    def chunk(size: int) -> int:
        with app.app_context():
            return detect_next_chunk(batch_id, size)

    assert pending() == (20_000, 0, 0)
    assert chunk(5_000) == 5_000
    assert pending() == (15_000, 5_000, 0)
    assert chunk(5_000) == 5_000
    assert pending() == (10_000, 10_000, 0)

    with app.app_context():  # as a worker would: a context of its own
        assert detect_batch_languages(batch_id) == 10_000
    assert pending() == (0, 20_000, 0)
    assert chunk(1_000) == 0


def test_the_project_page_shows_detection_progress(
    app: Flask,
    client: Any,
    api: Callable[..., Any],
    login: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A static <progress> bar that progress.js refreshes from the JSON API until nothing waits."""
    stored: list[int] = []
    monkeypatch.setattr(project_items, "after_items_stored", lambda _project, batch: stored.append(batch))
    body = classification_body(languages=["en", "es"], source_language="en")
    project = api("POST", "/projects", json=body).get_json()["id"]
    items = [{"payload": {"text": text}} for text in (ENGLISH, SPANISH, ENGLISH)]
    assert api("POST", f"/projects/{project}/items", json={"items": items}).status_code == 201
    login("owner@client.example")

    html = client.get(f"/projects/{project}?lang=en").get_data(as_text=True)
    assert 'data-poll="true"' in html
    assert f'data-progress-url="/api/v1/projects/{project}/progress"' in html
    assert re.search(r'<progress class="progress" data-bar="detection" max="3"\s+value="0"', html)
    assert 'data-import-url="/api/v1/projects/' in html and ">0 / 3<" in html
    assert "/static/js/progress.js" in html
    script = client.get("/static/js/progress.js")
    assert script.status_code == 200 and b"setTimeout(poll, POLL_MS)" in script.data
    script.close()
    # The script polls with the session cookie: GETs need no CSRF token.
    assert client.get(f"/api/v1/projects/{project}/progress").get_json()["language_detection"]["pending"] == 3

    with app.app_context():
        detect_batch_languages(stored[0])
    html = client.get(f"/projects/{project}").get_data(as_text=True)
    assert 'data-poll="false"' in html and "data-import-url" not in html
    assert re.search(r'data-bar="detection" max="3"\s+value="3"', html)
