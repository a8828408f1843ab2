"""Exams of every task type use the work page's widgets: pairwise questions are radio buttons,
NER questions the span widget (its JSON field without JavaScript). Answers are saved per
question, a refused one comes back with its message and with what was typed, and the exam is
scored on what the widgets posted."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from marketplace.qualification import service as qualification
from tests.routing.test_api import login_as
from tests.routing.test_widgets import PAIR, make_typed_project

EXAM = {
    "required": True,
    "exam_size": 2,
    "min_gold_per_language": 2,
    "hidden_gold_rate": 0.0,
    "pass_mark": 1.0,
}


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _start(client: FlaskClient, project_public_id: str) -> tuple[str, str]:
    page = client.get("/qualifications").get_data(as_text=True)
    response = client.post(
        "/exams/start", data={"csrf_token": _csrf(page), "project": project_public_id, "language": "en"}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    path = response.headers["Location"]
    return path, client.get(path).get_data(as_text=True)


def _gold_project(
    app: Flask, organisation: int, run_jobs: Callable[[], int], task_type: str, gold: list[tuple[dict[str, Any], dict[str, Any]]],
    **options: Any,
) -> dict[str, Any]:  # fmt: skip
    project = make_typed_project(
        app, organisation, run_jobs, task_type, [("en", gold[0][0])], qualification=EXAM, **options
    )
    with app.app_context():
        qualification.add_gold_items(
            project["id"],
            [{"language": "en", "payload": p, "answer": a, "explanation": "Because."} for p, a in gold],
        )
    return project


def test_a_pairwise_exam_is_answered_with_the_pairwise_widget(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    other = {**PAIR, "prompt": "Explain rain to a child."}
    project = _gold_project(
        app,
        organisation,
        run_jobs,
        "pairwise_preference",
        [(PAIR, {"preference": "A"}), (other, {"preference": "B"})],
    )
    login_as(client, annotator("en"), app)
    path, html = _start(client, project["public_id"])

    # Both questions show the prompt and the two responses, with a radio per choice.
    assert html.count('class="work-text work-prompt" lang="en" dir="ltr"') == 2
    assert re.search(r'type="radio" name="q0" id="q0-A" value="A"', html)
    assert 'name="q1" id="q1-B" value="B"' in html
    prompts = re.findall(r'work-prompt" lang="en" dir="ltr">([^<]+)<', html)
    expected = {PAIR["prompt"]: "A", other["prompt"]: "B"}

    # Save the first answer only: it is kept and shown checked again.
    first = {"csrf_token": _csrf(html), "action": "save", "q0": expected[prompts[0]]}
    assert client.post(path, data=first).status_code == 303
    html = client.get(path).get_data(as_text=True)
    assert re.search(
        rf'name="q0" id="q0-{expected[prompts[0]]}" value="{expected[prompts[0]]}" checked', html
    )

    answers = {
        "csrf_token": _csrf(html),
        "action": "submit",
        "q0": expected[prompts[0]],
        "q1": expected[prompts[1]],
    }
    assert client.post(path, data=answers).status_code == 303
    result = client.get(path).get_data(as_text=True)
    assert "Passed" in result and "100%" in result


def test_a_ner_exam_keeps_refused_json_and_scores_the_spans(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    gold = [
        ({"text": "Ada lived in London."}, {"spans": [{"start": 0, "end": 3, "label": "PER"}]}),
        ({"text": "Paris is big."}, {"spans": [{"start": 0, "end": 5, "label": "LOC"}]}),
    ]
    project = _gold_project(app, organisation, run_jobs, "ner", gold, labels=["PER", "LOC"])
    login_as(client, annotator("en"), app)
    path, html = _start(client, project["public_id"])

    # The span widget, tied to its question's text; its JSON field is the answer without JavaScript.
    assert 'data-ner="q0"' in html and 'data-ner-source data-ner-for="q1"' in html
    assert re.search(r'<textarea name="q0" id="q0"[^>]*data-ner-answer', html)
    assert 'src="/static/js/widgets/ner.js"' in html
    texts = re.findall(r'data-ner-text data-ner-for="q\d"\s+aria-describedby="q\d-help">([^<]+)<', html)
    by_text = {payload["text"]: answer for payload, answer in gold}

    # Unreadable JSON: 400, the message, and the typed text still there; the other answer is saved.
    good = json.dumps(by_text[texts[1]])
    response = client.post(
        path, data={"csrf_token": _csrf(html), "action": "save", "q0": "{oops", "q1": good}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "could not be read" in page and ">{oops</textarea>" in page

    # A span past the end of the text: the service's message, per question.
    too_long = json.dumps({"spans": [{"start": 0, "end": 99, "label": "PER"}]})
    response = client.post(
        path, data={"csrf_token": _csrf(page), "action": "save", "q0": too_long, "q1": good}
    )
    assert response.status_code == 400 and 'id="q0-errors"' in response.get_data(as_text=True)

    right = {"csrf_token": _csrf(page), "action": "submit", "q0": json.dumps(by_text[texts[0]]), "q1": good}
    assert client.post(path, data=right).status_code == 303
    assert "Passed" in client.get(path).get_data(as_text=True)
