"""Gold sets, exams and qualifications over HTTP, and the promise that gold never reaches an
annotator: every endpoint and page they can reach during an exam and during work is walked, and
no response carries a gold answer, an explanation or a gold flag."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from marketplace.db import get_session
from marketplace.qualification.models import GoldAnswer
from tests.qualification.test_exams_and_gold import SETTINGS, SPANISH
from tests.routing.test_api import login_as


def _gold_records() -> list[dict[str, Any]]:
    return [
        {
            "language": "es",
            "payload": {"text": text},
            "answer": {"label": label},
            "explanation": f"SECRET-EXPLANATION-{n}",
            "external_id": f"gold-{n}",
        }
        for n, (text, label) in enumerate(SPANISH)
    ]


def _project_with_gold(api: Callable[..., Any], run_jobs: Callable[[], int], gold: bool = True) -> str:
    created = api(
        "POST",
        "/projects",
        json={
            "name": "Support sentiment",
            "task_type": "classification",
            "source_language": "es",
            "languages": ["es", "ar"],
            "overlap": 2,
            "ontology": {
                "labels": [
                    {"name": "positive", "definition": "Happy.", "edge_cases": [], "examples": []},
                    {"name": "negative", "definition": "Unhappy.", "edge_cases": [], "examples": []},
                ]
            },
            "guidelines": {"es": "Elija el sentimiento del cliente."},
            "settings": {"qualification": SETTINGS},
        },
    )
    assert created.status_code == 201, created.json
    project_id = created.json["id"]
    assert api("POST", f"/projects/{project_id}/state", json={"state": "active"}).status_code == 200
    items = [
        {"language": "es", "payload": {"text": f"Hola, quisiera saber el estado de mi pedido número {n}."}}
        for n in range(20)
    ]
    assert api("POST", f"/projects/{project_id}/items", json={"items": items}).status_code in (201, 202)
    run_jobs()  # language detection
    if gold:
        added = api("POST", f"/projects/{project_id}/gold", json={"items": _gold_records()})
        assert added.status_code == 201, added.json
        assert added.json["added"] == len(SPANISH)
    return str(project_id)


def test_gold_upload_and_coverage_for_the_client(
    api: Callable[..., Any], client: FlaskClient, run_jobs: Callable[[], int]
) -> None:
    project_id = _project_with_gold(api, run_jobs)
    coverage = api("GET", f"/projects/{project_id}/gold/coverage").json
    spanish = next(row for row in coverage["languages"] if row["language"] == "es")
    assert spanish == {
        "language": "es",
        "total": 16,
        "by_class": {"negative": 8, "positive": 8},
        "exam_open": True,
    }
    arabic = next(row for row in coverage["languages"] if row["language"] == "ar")
    assert arabic["exam_open"] is False
    bad = api(
        "POST",
        f"/projects/{project_id}/gold",
        json={"items": [{"language": "es", "payload": {"text": "hola"}, "answer": {"label": "enfadado"}}]},
    )
    assert bad.status_code == 422 and bad.json["error"]["field"] == "items[0].answer.label"
    assert client.post(f"/api/v1/projects/{project_id}/gold", json={"items": []}).status_code == 401
    # Gold items are not the client's work items: progress counts only the 20 uploaded items.
    assert api("GET", f"/projects/{project_id}/progress").json["total"] == 20


def _walk_json(value: Any, path: str = "") -> list[str]:
    """Every key path in a JSON document, to look for gold-ish keys."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found.append(f"{path}.{key}")
            found += _walk_json(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _walk_json(inner, f"{path}[{index}]")
    return found


#: Keys that would carry a gold answer, an explanation or a gold flag.
FORBIDDEN_KEYS = {"expected", "explanation", "is_gold", "gold", "kind", "review", "batch", "language_method"}


def _assert_no_gold(response: Any, what: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code < 500, (what, response.status_code)
    assert "SECRET-EXPLANATION" not in body, what
    assert not re.search(r"gold", body, re.IGNORECASE), f"the word gold appears in {what}"
    if response.is_json:
        keys = {path.rsplit(".", 1)[-1] for path in _walk_json(response.json)}
        assert not keys & FORBIDDEN_KEYS, (what, keys & FORBIDDEN_KEYS)


def test_no_gold_answer_or_flag_reaches_an_annotator(
    app: Flask,
    api: Callable[..., Any],
    client: FlaskClient,
    annotator: Callable[..., int],
    run_jobs: Callable[[], int],
) -> None:
    project_id = _project_with_gold(api, run_jobs)
    with app.app_context():
        gold = {row.item_id: row.answer["label"] for row in get_session().scalars(select(GoldAnswer))}
    worker = annotator("es")
    browser = app.test_client()
    headers = login_as(browser, worker, app)
    seen: list[tuple[str, Any]] = []

    def visit(method: str, path: str, **kwargs: Any) -> Any:
        response = browser.open(path, method=method, headers=headers, **kwargs)
        seen.append((f"{method} {path}", response))
        return response

    # Before and during the exam.
    visit("GET", "/qualifications")
    visit("GET", "/api/v1/qualifications")
    started = visit("POST", "/api/v1/exams", json={"project": project_id, "language": "es"})
    assert started.status_code == 201
    exam_id = started.json["id"]
    assert started.json["result"] is None and len(started.json["questions"]) == SETTINGS["exam_size"]
    assert all("id" not in q["item"] for q in started.json["questions"])
    visit("GET", f"/api/v1/exams/{exam_id}")
    visit("GET", f"/exams/{exam_id}")
    visit("PUT", f"/api/v1/exams/{exam_id}/answers/0", json={"answer": {"label": "positive"}})
    visit("GET", f"/api/v1/exams/{exam_id}")
    for path, response in seen:
        _assert_no_gold(response, path)

    # Pass the exam (the test knows the answers; the annotator never could).
    texts = {q["index"]: q["item"]["payload"]["text"] for q in started.json["questions"]}
    label_of = dict(SPANISH)
    for index, text in texts.items():
        browser.put(
            f"/api/v1/exams/{exam_id}/answers/{index}",
            json={"answer": {"label": label_of[text]}},
            headers=headers,
        )
    done = browser.post(f"/api/v1/exams/{exam_id}/submit", headers=headers)
    assert done.json["result"]["passed"] is True
    # After the exam the review shows the explanations: that is the point of the review.
    assert "SECRET-EXPLANATION" in browser.get(f"/exams/{exam_id}").get_data(as_text=True)

    # During work: hidden gold comes mixed in and must look like any other item.
    seen.clear()
    gold_assignments = 0
    for _ in range(12):
        page = visit("GET", "/work")
        assert page.status_code == 200
        claimed = visit("POST", "/api/v1/work/next", json={"count": 2})
        for assignment in claimed.json["assignments"]:
            visit("GET", f"/api/v1/work/assignments/{assignment['id']}")
            item_public_id = assignment["item"]["id"]
            with app.app_context():
                from marketplace.projects.models import Item

                item_id = get_session().scalar(select(Item.id).where(Item.public_id == item_public_id))
            label = gold.get(item_id, "positive")
            gold_assignments += item_id in gold
            visit(
                "POST",
                f"/api/v1/work/assignments/{assignment['id']}/submit",
                json={"answer": {"label": label}},
            )
    visit("GET", "/api/v1/work/assignments")
    visit("GET", "/api/v1/work/assignments?state=submitted")
    visit("GET", "/qualifications")
    visit("GET", "/api/v1/qualifications")
    visit("GET", "/account")
    # Review feedback and earnings: hidden gold answered right is accepted at once, like work.
    visit("GET", "/feedback")
    visit("GET", "/api/v1/feedback")
    visit("GET", "/earnings")
    visit("GET", "/api/v1/earnings")
    assert gold_assignments > 0, "the walk must have met hidden gold to mean anything"
    for path, response in seen:
        _assert_no_gold(response, path)


def test_ops_quality_endpoints(
    app: Flask,
    api: Callable[..., Any],
    client: FlaskClient,
    annotator: Callable[..., int],
    run_jobs: Callable[[], int],
) -> None:
    project_id = _project_with_gold(api, run_jobs)
    worker = annotator("es")
    headers = login_as(client, worker, app)
    assert client.get("/api/v1/ops/qualifications", headers=headers).status_code == 403
    assert client.get("/ops/qualifications").status_code == 403
    ops_user = annotator("es", roles=("ops",))
    ops_client = app.test_client()
    ops_headers = login_as(ops_client, ops_user, app)
    granted = ops_client.post(
        "/api/v1/ops/qualifications/grant",
        headers=ops_headers,
        json={"email": "annotator0@example.org", "project": project_id, "language": "es"},
    )
    assert granted.status_code == 200 and granted.json["state"] == "qualified"
    mine = client.get("/api/v1/qualifications").json["qualifications"]
    assert mine[0]["state"] == "qualified"
    revoked = ops_client.post(f"/api/v1/ops/qualifications/{granted.json['id']}/revoke", headers=ops_headers)
    assert revoked.status_code == 200 and revoked.json["state"] == "revoked"
    assert client.post("/api/v1/work/next", headers=headers).json["assignments"] == []
    listing = ops_client.get("/api/v1/ops/qualifications").json
    assert listing["suspended"] == [] and isinstance(listing["pass_rates"], list)
    assert ops_client.get("/ops/qualifications").status_code == 200
