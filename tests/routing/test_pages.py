"""The annotator work page, used as a browser without JavaScript would: GET the page, post its forms."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from marketplace.db import get_session
from marketplace.projects.models import Item, Project
from marketplace.routing.models import Assignment, AssignmentState
from tests.routing.test_api import login_as

_FORM_ACTION = re.compile(r'action="(/work/[^"/]+)/submit"')
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _page(client: FlaskClient, url: str = "/work") -> tuple[str, str, str]:
    """The work page's HTML, the assignment's form path (``/work/<id>``) and its CSRF token."""
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    action, token = _FORM_ACTION.search(html), _CSRF.search(html)
    assert action and token, html
    return html, action.group(1), token.group(1)


def _assignment(app: Flask, path: str) -> Assignment:
    with app.app_context():
        assignment = get_session().scalar(
            select(Assignment).where(Assignment.public_id == path.rsplit("/", 1)[1])
        )
        assert assignment is not None
        return assignment


def _set_task_type(app: Flask, project_id: int, task_type: str) -> None:
    """Turn the fixture's classification project into another task type (same labels and items)."""
    with app.app_context():
        session = get_session()
        project = session.get(Project, project_id)
        assert project is not None
        project.task_type = task_type
        session.commit()


def test_arabic_native_gets_the_arabic_item_right_to_left_inside_an_english_page(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project([("es", "El pedido llegó roto."), ("ar", "شكرا جزيلا على المساعدة السريعة")])
    login_as(client, annotator("ar"), app)

    html, _path, _token = _page(client, "/work?lang=en")

    assert '<html lang="en" dir="ltr">' in html
    assert '<div class="work-text" lang="ar" dir="rtl">شكرا جزيلا على المساعدة السريعة</div>' in html
    assert "El pedido" not in html
    # One radio per label with its shortcut, inside a fieldset with a legend.
    assert "<fieldset" in html and "<legend>" in html
    assert re.search(r'type="radio" name="label"\s+id="label-1" value="positive"', html)
    assert 'aria-keyshortcuts="2"' in html
    # The guideline is written in Arabic (the source language here): no fallback note.
    assert 'class="guideline-text" lang="ar" dir="rtl">' in html
    assert "Guidelines are not available in your language" not in html
    # The wrong-language report offers other languages, not Arabic itself.
    report = html.split('name="reported_language"', 1)[1].split("</select>", 1)[0]
    assert 'value="fr"' in report and 'value="ar"' not in report
    assert 'type="module" src="/static/js/work.js"' in html


def test_a_guideline_in_another_language_is_shown_with_a_note(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project([("es", "El pedido llegó roto."), ("ar", "شكرا جزيلا على المساعدة السريعة")])
    login_as(client, annotator("es"), app)

    html, _path, _token = _page(client, "/work?lang=en")

    assert 'lang="es" dir="ltr">El pedido llegó roto.</div>' in html
    assert "Guidelines are not available in your language; showing Arabic." in html
    assert 'class="guideline-text" lang="ar" dir="rtl">Pick the customer' in html


def test_submit_through_the_form_records_the_answer_and_shows_the_next_item(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project(
        [("en", "Thank you, it works now."), ("en", "My order arrived broken and nobody answers my emails.")],
        overlap=1,
    )
    login_as(client, annotator("en"), app)
    html, path, token = _page(client)
    assert "Thank you, it works now." in html

    response = client.post(
        f"{path}/submit",
        data={
            "csrf_token": token,
            "label": "positive",
            "edge_case": "y",
            "comment": "Clear case.",
            "seconds_spent": "17",
        },
    )

    assert response.status_code == 303 and response.headers["Location"].endswith("/work")
    done = _assignment(app, path)
    assert done.state == AssignmentState.SUBMITTED
    assert done.answer == {"label": "positive"}
    assert done.seconds_spent == 17 and done.flagged_edge_case and done.comment == "Clear case."
    following = client.get("/work").get_data(as_text=True)
    assert (
        "My order arrived broken and nobody answers my emails." in following and "Answer saved" in following
    )


def test_a_form_post_without_its_csrf_token_is_refused(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project([("en", "Thank you, it works now.")])
    login_as(client, annotator("en"), app)
    _html, path, _token = _page(client)

    response = client.post(f"{path}/submit", data={"label": "positive"})

    assert response.status_code == 400
    assert _assignment(app, path).state == AssignmentState.LEASED


def test_an_unknown_label_is_refused_with_the_message_and_nothing_is_recorded(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project([("en", "Thank you, it works now.")])
    login_as(client, annotator("en"), app)
    _html, path, token = _page(client)

    response = client.post(
        f"{path}/submit?lang=es", data={"csrf_token": token, "label": "angry", "comment": "kept"}
    )

    # The service's status and message, as the API gives them (an unknown label breaks the ontology).
    assert response.status_code in (400, 422)
    html = response.get_data(as_text=True)
    assert 'class="error-summary" role="alert"' in html
    shown = html.split('id="label-errors"', 1)[1].split("</ul>", 1)[0]
    assert "Debe ser uno de estos valores: positive o negative." in shown
    assert "kept</textarea>" in html  # what was typed is not lost
    untouched = _assignment(app, path)
    assert untouched.state == AssignmentState.LEASED and untouched.answer is None

    missing = client.post(f"{path}/submit?lang=en", data={"csrf_token": token})
    assert missing.status_code == 400 and "Choose a label before submitting." in missing.get_data(
        as_text=True
    )


def test_skip_gives_the_item_back_and_moves_on(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project(
        [
            ("en", "The first parcel arrived on time and everything works."),
            ("en", "The second parcel never arrived and support stopped answering."),
        ]
    )
    login_as(client, annotator("en"), app)
    _html, path, token = _page(client)

    response = client.post(f"{path}/skip", data={"csrf_token": token, "label": "positive"})

    assert response.status_code == 303
    assert _assignment(app, path).state == AssignmentState.SKIPPED
    assert "The second parcel never arrived and support stopped answering." in client.get("/work").get_data(
        as_text=True
    )
    again = client.post(f"{path}/submit", data={"csrf_token": token, "label": "positive"})
    assert again.status_code == 409
    assert 'href="/work"' in again.get_data(as_text=True)  # a way on


def test_a_late_answer_whose_slot_was_taken_is_refused_with_a_way_on(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project([("en", "Thank you, it works now.")], overlap=1)
    slow, quick = app.test_client(), app.test_client()
    login_as(slow, annotator("en"), app)
    login_as(quick, annotator("en"), app)
    _html, path, token = _page(slow)
    with app.app_context():
        session = get_session()
        session.execute(
            update(Assignment)
            .where(Assignment.public_id == path.rsplit("/", 1)[1])
            .values(lease_expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        session.commit()
    _page(quick)  # the expired lease's slot goes to someone else

    response = slow.post(f"{path}/submit", data={"csrf_token": token, "label": "positive"})

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "another annotator has taken it" in html and 'href="/work"' in html
    assert _assignment(app, path).state == AssignmentState.REFUSED_LATE


def test_reporting_the_wrong_language_sends_the_item_to_triage(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project([("en", "This one is really French, they say.")])
    login_as(client, annotator("en"), app)
    _html, path, token = _page(client)

    unchosen = client.post(f"{path}/skip", data={"csrf_token": token, "report": "1", "reported_language": ""})
    assert unchosen.status_code == 400
    assert "Choose the language the text is written in." in unchosen.get_data(as_text=True)
    assert _assignment(app, path).state == AssignmentState.LEASED

    response = client.post(
        f"{path}/skip", data={"csrf_token": token, "report": "1", "reported_language": "fr"}
    )

    assert response.status_code == 303
    assignment = _assignment(app, path)
    assert assignment.state == AssignmentState.SKIPPED and assignment.reported_language == "fr"
    with app.app_context():
        item = get_session().get(Item, assignment.item_id)
        assert item is not None and item.state == "triage"


def test_no_work_says_so_and_offers_to_check_again(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project([("es", "Este texto está escrito solamente en español, nada más.")])
    login_as(client, annotator("ja"), app)

    response = client.get("/work?lang=es")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="/work"' in html and 'name="label"' not in html


def test_only_annotators_open_the_work_page(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project([("en", "Thank you, it works now.")])
    anonymous = client.get("/work")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]

    login_as(client, annotator("en", roles=("client",)), app)
    assert client.get("/work").status_code == 403


def test_someone_elses_assignment_is_not_found(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project([("en", "Thank you, it works now.")], overlap=2)
    owner, intruder = app.test_client(), app.test_client()
    login_as(owner, annotator("en"), app)
    login_as(intruder, annotator("en"), app)
    _html, path, _token = _page(owner)
    _other_html, _other_path, intruder_token = _page(intruder)

    response = intruder.post(f"{path}/submit", data={"csrf_token": intruder_token, "label": "positive"})

    assert response.status_code == 404
    assert _assignment(app, path).state == AssignmentState.LEASED


def test_multi_label_projects_get_checkboxes_and_record_every_chosen_label(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    info = make_project([("en", "Charged twice and the parcel never came.")])
    _set_task_type(app, info["id"], "multi_label_classification")
    login_as(client, annotator("en"), app)
    html, path, token = _page(client)
    assert 'type="checkbox" name="labels"' in html and "Choose every label that applies" in html

    response = client.post(f"{path}/submit", data={"csrf_token": token, "labels": ["positive", "negative"]})

    assert response.status_code == 303
    assert _assignment(app, path).answer == {"labels": ["positive", "negative"]}
