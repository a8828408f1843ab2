"""The work page's widgets for NER spans, pairwise preference and rating, used as a browser without
JavaScript would: each renders for its task type, a posted answer is parsed and stored, and an
answer the service refuses comes back on the page with its message and nothing lost."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from marketplace.db import get_session
from marketplace.routing.models import Assignment
from tests.routing.test_api import login_as
from tests.routing.test_pages import _page

NER_TEXT = "Ada Lovelace was born in London 🇬🇧 in 1815."
PAIR = {
    "prompt": "Explain photosynthesis to a ten-year-old.",
    "response_a": "Plants use sunlight to turn air and water into food.",
    "response_b": "Photosynthesis is the light-driven reduction of CO2.",
}


def make_typed_project(
    app: Flask,
    organisation: int,
    run_jobs: Callable[[], int],
    task_type: str,
    items: Sequence[tuple[str, dict[str, Any]]],
    *,
    labels: Sequence[str] = (),
    task_config: dict[str, Any] | None = None,
    name: str = "Widgets",
    priority: int = 0,
    qualification: dict[str, Any] | None = None,
    overlap: int = 1,
    review: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An active project of any task type with ``items`` = [(language, payload), ...], open to
    native speakers without an exam (unless ``qualification`` says otherwise) and with one
    judgment per item."""
    from marketplace.projects import service as projects
    from marketplace.projects.ingest import upload_items
    from marketplace.projects.models import ProjectState
    from marketplace.projects.upload_parsing import Upload

    langs = sorted({lang for lang, _ in items})
    data: dict[str, Any] = {
        "name": name,
        "task_type": task_type,
        "source_language": langs[0],
        "languages": langs,
        "overlap": overlap,
        "max_overlap": overlap,
        "priority": priority,
        "guidelines": {langs[0]: "Read the item carefully."},
        "settings": {
            "qualification": qualification or {"required": False},
            "review": review or {"sample_rate": 0.0},
        },
    }
    if labels:
        data["ontology"] = {
            "labels": [{"name": n, "definition": n, "edge_cases": [], "examples": []} for n in labels]
        }
    if task_config is not None:
        data["task_config"] = task_config
    with app.app_context():
        project = projects.create_project(organisation, data)
        projects.set_project_state(project.id, ProjectState.ACTIVE, None)
        document = {
            "batch": {"name": "b1"},
            "items": [
                {"external_id": f"{name}-{n}", "language": lang, "payload": payload}
                for n, (lang, payload) in enumerate(items)
            ],
        }
        upload_items(project.id, Upload(format="json", content=json.dumps(document).encode()))
        info = {"id": project.id, "public_id": project.public_id}
    run_jobs()
    return info


def _stored(app: Flask, path: str) -> Assignment:
    with app.app_context():
        assignment = get_session().scalar(
            select(Assignment).where(Assignment.public_id == path.rsplit("/", 1)[1])
        )
        assert assignment is not None
        return assignment


def _post(client: FlaskClient, path: str, token: str, data: dict[str, Any]) -> Any:
    return client.post(f"{path}/submit", data={"csrf_token": token, **data})


def test_ner_page_offers_labels_and_a_json_fallback_and_stores_code_point_spans(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    make_typed_project(
        app, organisation, run_jobs, "ner", [("en", {"text": NER_TEXT})], labels=["PER", "LOC", "DATE"]
    )
    login_as(client, annotator("en"), app)

    html, path, token = _page(client)
    # The exact text for the script (JSON keeps every character), the text itself with its language.
    assert 'data-ner-source data-ner-for="spans">"Ada Lovelace' in html
    assert re.search(r'class="work-text" lang="en" dir="ltr" data-ner-text', html)
    assert 'data-ner-label="LOC"' in html and 'data-shortcut="2"' in html
    assert "<legend>Mark the entities in the text</legend>" in html
    assert 'name="spans"' in html and "{&#34;spans&#34;: []}" in html
    assert 'src="/static/js/widgets/ner.js"' in html

    # "1815" comes after a flag (two code points, four UTF-16 units): offsets are in code points.
    year = NER_TEXT.index("1815")
    spans = [
        {"start": 0, "end": 12, "label": "PER"},
        {"start": 25, "end": 31, "label": "LOC", "text": "London"},
        {"start": year, "end": year + 4, "label": "DATE", "text": "1815"},
    ]
    response = _post(client, path, token, {"spans": json.dumps({"spans": spans})})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _stored(app, path).answer == {"spans": spans}


def test_ner_bad_answers_come_back_with_the_message_and_the_typed_json(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    make_typed_project(
        app, organisation, run_jobs, "ner", [("en", {"text": NER_TEXT})], labels=["PER", "LOC"]
    )
    login_as(client, annotator("en"), app)
    _html, path, token = _page(client)

    response = _post(client, path, token, {"spans": "{not json", "comment": "kept"})
    assert response.status_code in (400, 422)
    html = response.get_data(as_text=True)
    assert "The entities could not be read" in html
    assert "{not json</textarea>" in html and "kept</textarea>" in html

    # Past the end of the text: the service refuses it, the page says why and keeps the spans.
    beyond = json.dumps([{"start": 30, "end": 500, "label": "LOC"}])
    response = _post(client, path, token, {"spans": beyond})
    assert response.status_code in (400, 422)
    html = response.get_data(as_text=True)
    assert "Must not be past the end of the text" in html
    assert "&#34;end&#34;: 500" in html
    assert _stored(app, path).answer is None

    # An unknown label is refused too.
    response = _post(client, path, token, {"spans": json.dumps([{"start": 0, "end": 3, "label": "ORG"}])})
    assert response.status_code in (400, 422) and "Your answer was not saved" in response.get_data(
        as_text=True
    )

    # No entity at all is a valid answer: the text names nothing.
    response = _post(client, path, token, {"spans": ""})
    assert response.status_code == 303
    assert _stored(app, path).answer == {"spans": []}


def test_pairwise_page_shows_both_responses_and_stores_the_preference(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    make_typed_project(app, organisation, run_jobs, "pairwise_preference", [("en", PAIR), ("en", PAIR)])
    login_as(client, annotator("en"), app)

    html, path, token = _page(client)
    assert "<legend>Which response is better?</legend>" in html
    for value, digit, letter in [("A", 1, "A"), ("B", 2, "B"), ("tie", 3, "T")]:
        assert re.search(
            rf'name="preference" id="preference-{value}" value="{value}"\s+'
            rf'aria-keyshortcuts="{digit} {letter}" data-shortcut="{digit}" data-shortcut-letter="{letter}"',
            html,
        )
    assert '<div class="work-response" lang="en" dir="ltr">Plants use sunlight' in html
    assert "Response B" in html and "Explain photosynthesis" in html

    response = _post(client, path, token, {"comment": "hm"})
    assert response.status_code in (400, 422)
    html = response.get_data(as_text=True)
    assert "Choose the better response before submitting." in html and "hm</textarea>" in html

    response = _post(client, path, token, {"preference": "tie"})
    assert response.status_code == 303
    assert _stored(app, path).answer == {"preference": "tie"}


def test_pairwise_without_ties_offers_no_tie_and_refuses_one(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    make_typed_project(
        app, organisation, run_jobs, "pairwise_preference", [("en", PAIR)], task_config={"allow_tie": False}
    )
    login_as(client, annotator("en"), app)
    html, path, token = _page(client)
    assert 'value="tie"' not in html and 'value="B"' in html

    response = _post(client, path, token, {"preference": "tie"})
    assert response.status_code in (400, 422)
    assert "Your answer was not saved" in response.get_data(as_text=True)
    response = _post(client, path, token, {"preference": "B"})
    assert response.status_code == 303
    assert _stored(app, path).answer == {"preference": "B"}


def test_rating_page_offers_the_scale_and_stores_the_rating(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    make_typed_project(
        app,
        organisation,
        run_jobs,
        "rating",
        [("ar", {"text": "باريس هي عاصمة فرنسا."})],
        task_config={"min": 0, "max": 4},
    )
    login_as(client, annotator("ar"), app)

    html, path, token = _page(client, "/work?lang=en")
    assert "<legend>Rate the text from 0 to 4</legend>" in html
    assert '<div class="work-text" lang="ar" dir="rtl">باريس' in html
    # A 0-4 scale: each value is its own key.
    for value in range(5):
        assert re.search(
            rf'name="rating" id="rating-{value + 1}" value="{value}"\s+aria-keyshortcuts="{value}"', html
        )

    response = _post(client, path, token, {"rating": "9"})
    assert response.status_code in (400, 422)
    html = response.get_data(as_text=True)
    assert "Your answer was not saved" in html

    response = _post(client, path, token, {"rating": "3"})
    assert response.status_code == 303
    assert _stored(app, path).answer == {"rating": 3}


def test_half_step_ratings_are_numbered_from_one_and_stored_as_numbers(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    make_typed_project(
        app,
        organisation,
        run_jobs,
        "rating",
        [("en", {"text": "Fine."})],
        task_config={"min": 1, "max": 3, "step": 0.5},
    )
    login_as(client, annotator("en"), app)
    html, path, token = _page(client)
    assert re.search(r'value="1\.5"\s+aria-keyshortcuts="2"', html)
    assert re.search(r'value="3"\s+aria-keyshortcuts="5"', html)

    response = _post(client, path, token, {})
    assert response.status_code in (400, 422) and "Choose a rating before submitting." in response.get_data(
        as_text=True
    )
    response = _post(client, path, token, {"rating": "1.7"})
    assert response.status_code in (400, 422)
    assert "nearest allowed ratings are" in response.get_data(as_text=True)
    response = _post(client, path, token, {"rating": "2.5"})
    assert response.status_code == 303
    assert _stored(app, path).answer == {"rating": 2.5}


def test_every_widget_keeps_skip_the_edge_case_flag_and_the_language_report(
    app: Flask,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    make_typed_project(
        app, organisation, run_jobs, "ner", [("en", {"text": NER_TEXT})], labels=["PER"], name="N"
    )
    make_typed_project(app, organisation, run_jobs, "pairwise_preference", [("en", PAIR)], name="P")
    make_typed_project(app, organisation, run_jobs, "rating", [("en", {"text": "Fine."})], name="R")
    login_as(client, annotator("en"), app)
    seen = set()
    for _round in range(3):
        html, path, token = _page(client)
        assert 'name="edge_case"' in html and 'name="comment"' in html
        assert "data-skip" in html and 'name="reported_language"' in html
        assert "cannot show this kind of task" not in html
        seen.add(re.search(r"<h1><bdi>(\w)</bdi>", html).group(1))  # type: ignore[union-attr]
        response = client.post(f"{path}/skip", data={"csrf_token": token})
        assert response.status_code == 303
    assert seen == {"N", "P", "R"}
