"""The review pages, used as a browser without JavaScript would: GET a page, post its forms."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from marketplace.db import get_session
from marketplace.projects.models import Item, Project
from marketplace.review.models import ReviewAppeal, ReviewTask
from marketplace.routing.models import Acceptance, Assignment
from tests.conftest import csrf_token, post_form
from tests.review import (
    ARABIC_TEXT,
    SPANISH_TEXT,
    Scenario,
    build_scenario,
    login_as,
)

_TASK_URL = re.compile(r"/review/tasks/(rvw_[a-z0-9]+)$")


@pytest.fixture
def scenario(app: Flask, make_project: Callable[..., Any], make_user: Callable[..., int]) -> Scenario:
    """Two Spanish annotators agreed on the Spanish item, which the sample (rate 1) sent to review."""
    return build_scenario(app, make_project, make_user)


def _review_next(client: FlaskClient, lang: str = "en") -> str:
    """Press "Review next item"; returns the task page's path."""
    response = post_form(client, f"/review?lang={lang}", {})
    assert response.status_code == 303, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert _TASK_URL.search(location), location
    return location.split("?")[0]


def _html(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _task(app: Flask, path: str) -> ReviewTask:
    match = _TASK_URL.search(path)
    assert match
    with app.app_context():
        task = get_session().scalar(select(ReviewTask).where(ReviewTask.public_id == match.group(1)))
        assert task is not None
        return task


def _item(app: Flask, item_id: int) -> Item:
    with app.app_context():
        item = get_session().get(Item, item_id)
        assert item is not None
        return item


def _set_task_type(app: Flask, project_id: int, task_type: str) -> None:
    """Turn the fixture's classification project into another task type (same labels and items)."""
    with app.app_context():
        session = get_session()
        project = session.get(Project, project_id)
        assert project is not None
        project.task_type = task_type
        session.commit()


# --- the reviewer's pages ----------------------------------------------------------------------------


def test_the_queue_page_shows_counts_and_reasons_and_leads_to_the_next_item(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    login_as(client, scenario.reviewer_es_email)

    html = _html(client, "/review?lang=en")

    assert "Review next item" in html and 'action="/review"' in html
    assert "Picked for the quality sample." in html
    assert re.search(r"Spanish <code>es</code></th>\s*<td>1</td>\s*<td>0</td>\s*<td>0</td>", html)
    path = _review_next(client)
    again = _html(client, "/review?lang=en")
    assert path in again  # the item in hand can be continued
    assert re.search(r"<td>0</td>\s*<td>1</td>\s*<td>0</td>", again)


def test_the_task_page_shows_everything_needed_to_decide_and_no_names(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    login_as(client, scenario.reviewer_es_email)
    path = _review_next(client)

    html = _html(client, path + "?lang=en")

    assert f'<div class="work-text" lang="es" dir="ltr">{SPANISH_TEXT}</div>' in html
    assert "Picked for the quality sample." in html
    # The judgments under pseudonyms, never the annotators' names or emails.
    assert '<th scope="row">A1</th>' in html and '<th scope="row">A2</th>' in html
    for email in scenario.es_annotators:
        assert email not in html and email.split("@")[0] not in html
    # A guideline in another language is shown with a note, in its own direction.
    assert "Guidelines are not available in the item's language; showing Arabic." in html
    assert 'class="guideline-text" lang="ar" dir="rtl">Pick the customer' in html
    # The decision form: a fieldset with a legend, radios with labels, the label select for a fix,
    # the reason select and one checkbox per judgment (all ticked), and "Give back".
    assert "<legend>Your decision</legend>" in html
    for value in ("accept", "fix", "reject"):
        assert f'<input type="radio" name="decision" id="decision-{value}" value="{value}">' in html
        assert f'<label for="decision-{value}">' in html
    assert '<select id="fix-label" name="label">' in html and '<label for="fix-label">' in html
    assert '<option value="negative">negative</option>' in html
    assert '<select id="reject-reason" name="reason"' in html and '<label for="reject-reason">' in html
    assert '<option value="wrong_label">The answer does not match the item.</option>' in html
    for n, judgment in enumerate(scenario.es_judgments, start=1):
        assert f'name="reject" id="reject-{n}" value="{judgment}" checked' in html
    assert '<label for="note">' in html and f'action="{path}/release"' in html
    assert "No hay ninguna" not in html


def test_an_arabic_item_is_shown_right_to_left_inside_a_spanish_page(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], make_user: Callable[..., int]
) -> None:
    scenario = build_scenario(app, make_project, make_user, ar_labels=("positive", "positive"))
    login_as(client, scenario.reviewer_ar_email)
    path = _review_next(client, "es")

    html = _html(client, path)

    assert '<html lang="es" dir="ltr">' in html
    assert "Cerrar sesión" in html and "Pautas" in html
    assert f'<div class="work-text" lang="ar" dir="rtl">{ARABIC_TEXT}</div>' in html
    assert 'class="guideline-text" lang="ar" dir="rtl">' in html
    assert "<fieldset" in html and "<legend>" in html


def test_a_refused_decision_shows_the_form_again_with_the_message_and_nothing_lost(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    login_as(client, scenario.reviewer_es_email)
    path = _review_next(client)

    response = post_form(client, path + "?lang=en", {"decision": "fix", "note": "Mira la guía, por favor."})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary" role="alert"' in html and "Your decision was not saved" in html
    assert "Give the corrected answer." in html
    assert 'id="decision-fix" value="fix" checked' in html
    assert ">Mira la guía, por favor.</textarea>" in html
    assert _task(app, path).state == "leased"

    # No decision at all is refused by the page itself.
    response = post_form(client, path + "?lang=en", {"note": "Sin decidir."})
    assert response.status_code == 400 and "Choose a decision." in response.get_data(as_text=True)
    # Unticking every answer of a rejection is refused, and the boxes stay unticked.
    response = post_form(client, path + "?lang=en", {"decision": "reject", "reason": "low_effort"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Name at least one judgment to reject." in html
    assert '<option value="low_effort" selected>' in html
    assert f'value="{scenario.es_judgments[0]}" checked' not in html


def test_a_fix_through_the_form_relabels_the_item_and_goes_on(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    login_as(client, scenario.reviewer_es_email)
    path = _review_next(client)

    response = post_form(client, path, {"decision": "fix", "label": "negative", "note": "Está roto."})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/review")  # nothing else to review
    task = _task(app, path)
    assert task.state == "decided" and task.decision == "fix" and task.correction == {"label": "negative"}
    assert _item(app, task.item_id).label == {"label": "negative"}
    html = _html(client, "/review?lang=en")
    assert "Decision saved." in html
    # The decided task still opens, read-only, with the decision.
    decided = _html(client, path + "?lang=en")
    assert "Correct and accept" in decided and 'name="decision"' not in decided


def test_after_a_decision_the_next_item_opens(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], make_user: Callable[..., int]
) -> None:
    scenario = build_scenario(
        app, make_project, make_user, items=[("es", SPANISH_TEXT), ("es", "Todo llegó perfecto, gracias.")]
    )
    login_as(client, scenario.reviewer_es_email)
    first = _review_next(client)

    response = post_form(client, first, {"decision": "accept"})

    assert response.status_code == 303
    following = response.headers["Location"]
    assert _TASK_URL.search(following) and not following.endswith(first)


def test_a_rejection_through_the_form_names_the_judgments_and_a_reason(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    login_as(client, scenario.reviewer_es_email)
    path = _review_next(client)
    first, second = scenario.es_judgments

    response = post_form(
        client, path, {"decision": "reject", "reason": "wrong_label", "reject": [first], "note": "No."}
    )

    assert response.status_code == 303
    task = _task(app, path)
    assert task.decision == "reject" and task.rejected_assignments == [first]
    with app.app_context():
        rows = {
            a.public_id: a.acceptance
            for a in get_session().scalars(
                select(Assignment).where(Assignment.public_id.in_([first, second]))
            )
        }
    assert rows == {first: Acceptance.REJECTED, second: Acceptance.ACCEPTED}


def test_give_back_returns_the_item_to_the_queue(app: Flask, client: FlaskClient, scenario: Scenario) -> None:
    login_as(client, scenario.reviewer_es_email)
    path = _review_next(client)

    response = client.post(path + "/release", data={"csrf_token": csrf_token(client, path)})

    assert response.status_code == 303 and response.headers["Location"].endswith("/review")
    assert _task(app, path).state == "open"
    assert _html(client, path, 404)


def test_an_empty_queue_is_said_kindly(app: Flask, client: FlaskClient, scenario: Scenario) -> None:
    login_as(client, scenario.reviewer_ar_email)

    response = post_form(client, "/review?lang=en", {})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Nothing to review</h1>" in html and 'href="/review"' in html


def test_multi_label_and_other_task_types_get_their_own_correction_controls(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    login_as(client, scenario.reviewer_es_email)
    path = _review_next(client)
    _set_task_type(app, scenario.project_id, "multi_label_classification")

    html = _html(client, path + "?lang=en")
    assert 'type="checkbox" name="labels" id="fix-labels-1" value="positive"' in html
    assert '<label for="fix-labels-2">' in html and 'name="label"' not in html

    # Other task types correct with the work page's widget, posted under answer_json.
    _set_task_type(app, scenario.project_id, "rating")
    html = _html(client, path + "?lang=en")
    assert 'type="radio" name="answer_json" id="answer_json-4" value="4"' in html
    refused = post_form(client, path + "?lang=es", {"decision": "fix", "answer_json": "cuatro"})
    assert refused.status_code == 400 and "La valoración debe ser un número." in refused.get_data(
        as_text=True
    )

    _set_task_type(app, scenario.project_id, "ner")
    html = _html(client, path + "?lang=en")
    assert 'data-ner="answer_json"' in html and 'data-ner-text data-ner-for="answer_json"' in html
    refused = post_form(client, path + "?lang=es", {"decision": "fix", "answer_json": "{spans: 4"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "No se pudieron leer las entidades" in page
    assert "{spans: 4</textarea>" in page

    _set_task_type(app, scenario.project_id, "rating")
    accepted = post_form(client, path, {"decision": "fix", "answer_json": "4"})
    assert accepted.status_code == 303
    assert _task(app, path).correction == {"rating": 4}


def test_review_pages_are_for_reviewers_in_their_languages(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], make_user: Callable[..., int]
) -> None:
    scenario = build_scenario(app, make_project, make_user, ar_labels=("positive", "positive"))
    assert client.get("/review").status_code == 302  # to the log-in page
    login_as(client, next(iter(scenario.es_annotators)))
    assert client.get("/review").status_code == 403
    assert client.get("/ops/review").status_code == 403
    login_as(client, scenario.reviewer_ar_email)
    ar_path = _review_next(client)
    login_as(client, scenario.reviewer_es_email)
    assert client.get(ar_path).status_code == 404
    assert client.get("/ops/review").status_code == 403
    assert post_form(client, "/review", {"language": "ar"}).status_code == 403
    # Ops without a review language see why instead of an error.
    login_as(client, scenario.ops_email)
    html = _html(client, "/review?lang=en")
    assert '<p class="notice" role="note">Only reviewers can do this.</p>' in html
    assert "Review next item" not in html


# --- the annotator's feedback ---------------------------------------------------------------------------


def _rejected(app: Flask, client: FlaskClient, scenario: Scenario) -> None:
    login_as(client, scenario.reviewer_es_email)
    path = _review_next(client)
    response = post_form(
        client,
        path,
        {
            "decision": "reject",
            "reason": "wrong_label",
            "note": "Está roto.",
            "reject": scenario.es_judgments,
        },
    )
    assert response.status_code == 303


def test_the_annotator_reads_the_rejection_and_appeals_it_once(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    _rejected(app, client, scenario)
    email = next(iter(scenario.es_annotators))
    login_as(client, email)

    html = _html(client, "/feedback?lang=en")

    assert f'<blockquote lang="es" dir="ltr">{SPANISH_TEXT}</blockquote>' in html
    assert "Rejected" in html and "The answer does not match the item." in html and "Está roto." in html
    assert '<bdi class="label-name">positive</bdi>' in html
    other = list(scenario.es_annotators)[1]
    assert other not in html and other.split("@")[0] not in html
    match = re.search(r'action="(/feedback/(fbk_[a-z0-9]+)/appeal)"', html)
    assert match
    action, outcome_id = match.groups()
    assert (
        f'<label for="appeal-{outcome_id}">' in html
        and f'<textarea id="appeal-{outcome_id}" name="message"' in html
    )
    token = csrf_token(client, "/feedback")

    empty = client.post(action + "?lang=en", data={"csrf_token": token, "message": "   "})
    assert empty.status_code == 422
    refused = empty.get_data(as_text=True)
    assert (
        'class="error-summary" role="alert"' in refused
        and "Explain why the decision should change." in refused
    )

    sent = client.post(action, data={"csrf_token": token, "message": "La respuesta era correcta."})
    assert sent.status_code == 303
    html = _html(client, "/feedback?lang=en")
    assert "Your appeal is sent." in html and "Appeal waiting for a decision" in html
    assert 'name="message"' not in html
    again = client.post(action, data={"csrf_token": token, "message": "Otra vez."})
    assert again.status_code == 303
    assert "You have already appealed this decision." in _html(client, "/feedback?lang=en")
    with app.app_context():
        assert len(list(get_session().scalars(select(ReviewAppeal)))) == 1


def test_the_feedback_page_is_for_annotators(
    app: Flask, client: FlaskClient, scenario: Scenario, make_user: Callable[..., int]
) -> None:
    from marketplace.accounts.models import Role

    assert client.get("/feedback").status_code == 302
    make_user("client.person@example.org", roles=(Role.CLIENT,), native=())
    login_as(client, "client.person@example.org")
    assert client.get("/feedback").status_code == 403
    login_as(client, next(iter(scenario.es_annotators)))
    html = _html(client, "/feedback?lang=es")
    assert '<html lang="es" dir="ltr">' in html and "Cerrar sesión" in html
    assert "<article" not in html  # no result yet: the page says so


# --- ops ---------------------------------------------------------------------------------------------------


def _meta_csrf(client: FlaskClient) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', client.get("/").get_data(as_text=True))
    assert match
    return match.group(1)


def test_ops_revoke_a_reviewer_and_decide_an_appeal_through_the_forms(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    _rejected(app, client, scenario)
    login_as(client, next(iter(scenario.es_annotators)))
    html = _html(client, "/feedback")
    action = re.search(r'action="(/feedback/fbk_[a-z0-9]+/appeal)"', html)
    assert action
    client.post(action.group(1), data={"csrf_token": _meta_csrf(client), "message": "Era positivo."})
    with app.app_context():
        appeal = get_session().scalar(select(ReviewAppeal))
        assert appeal is not None
        appeal_id = appeal.public_id

    login_as(client, scenario.ops_email)
    token = _meta_csrf(client)
    decided = client.post(
        f"/ops/review/appeals/{appeal_id}/decision",
        data={"csrf_token": token, "overturn": "1", "note": "Vale."},
    )
    assert decided.status_code == 303 and decided.headers["Location"].endswith("/ops/review")
    with app.app_context():
        appeal = get_session().scalar(select(ReviewAppeal))
        assert appeal is not None and appeal.state == "overturned" and appeal.decision_note == "Vale."
    assert (
        client.post(f"/ops/review/appeals/{appeal_id}/decision", data={"csrf_token": token}).status_code
        == 400
    )

    revoked = client.post(
        f"/ops/review/reviewers/{scenario.reviewer_es}/es/revoke", data={"csrf_token": token}
    )
    assert revoked.status_code == 303
    login_as(client, scenario.reviewer_es_email)
    assert client.get("/review").status_code == 200  # still a reviewer, without a language now
    assert "You have not been given a language to review yet." in _html(client, "/review?lang=en")


def test_the_ops_page_shows_queues_agreement_reviewers_and_appeals(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    _rejected(app, client, scenario)
    login_as(client, next(iter(scenario.es_annotators)))
    html = _html(client, "/feedback")
    action = re.search(r'action="(/feedback/fbk_[a-z0-9]+/appeal)"', html)
    assert action
    client.post(action.group(1), data={"csrf_token": _meta_csrf(client), "message": "Era positivo, lo juro."})
    login_as(client, scenario.ops_email)

    html = _html(client, "/ops/review?lang=en")

    assert re.search(r"Spanish <code>es</code></th>\s*<td>0</td>\s*<td>0</td>\s*<td>1</td>", html)
    assert "No item has had two review passes yet." in html
    assert "rosa.reviewer" in html and "karim.reviewer" in html
    assert f'action="/ops/review/reviewers/{scenario.reviewer_es}/es/revoke"' in html
    assert '<label for="grant-email">' in html and '<label for="grant-language">' in html
    assert "<legend>Add a reviewer</legend>" in html
    assert "Era positivo, lo juro." in html and "The answer does not match the item." in html
    assert 'name="overturn" value="1"' in html and 'name="overturn" value="0"' in html
    assert re.search(r'<label for="appeal-note-apl_[a-z0-9]+">', html)


def test_ops_grant_a_reviewer_through_the_form_and_see_refusals_in_place(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    candidate_email = next(iter(scenario.es_annotators))
    login_as(client, scenario.ops_email)

    token = csrf_token(client, "/ops/review")
    refused = client.post(
        "/ops/review/reviewers?lang=en",
        data={"csrf_token": token, "email": candidate_email, "language": "es"},
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert (
        'class="error-summary" role="alert"' in html and "Only people qualified in es can review it." in html
    )
    assert f'value="{candidate_email}"' in html

    from marketplace.qualification.service import grant_qualification

    with app.app_context():
        grant_qualification(
            scenario.es_annotators[candidate_email], scenario.project_id, "es", scenario.ops_id
        )
    granted = client.post(
        "/ops/review/reviewers", data={"csrf_token": token, "email": candidate_email, "language": "es"}
    )
    assert granted.status_code == 303
    assert f"/ops/review/reviewers/{scenario.es_annotators[candidate_email]}/es/revoke" in _html(
        client, "/ops/review"
    )
