"""The review API as its three audiences call it: reviewers (session cookie + CSRF header),
annotators reading their feedback and appealing, ops appointing reviewers and deciding appeals."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from marketplace.db import get_session
from marketplace.projects.models import Item
from marketplace.routing.models import Acceptance, Assignment, AssignmentState
from tests.review import (
    ARABIC_TEXT,
    SPANISH_TEXT,
    Scenario,
    build_scenario,
    judge,
    login_as,
    logout,
)

API = "/api/v1"


@pytest.fixture
def scenario(app: Flask, make_project: Callable[..., Any], make_user: Callable[..., int]) -> Scenario:
    """Two Spanish annotators agreed on the Spanish item, which the sample (rate 1) sent to review."""
    return build_scenario(app, make_project, make_user)


def _claim(client: FlaskClient, headers: dict[str, str], **body: Any) -> list[dict[str, Any]]:
    response = client.post(f"{API}/review/claims", json=body, headers=headers)
    assert response.status_code == 200, response.json
    tasks: list[dict[str, Any]] = response.json["tasks"]
    return tasks


def _decide(client: FlaskClient, headers: dict[str, str], task_id: str, **body: Any) -> Any:
    return client.post(f"{API}/review/tasks/{task_id}/decision", json=body, headers=headers)


# --- reviewers -------------------------------------------------------------------------------------


def test_reviewer_sees_the_queue_claims_the_item_and_reads_everything_needed_to_decide(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    headers = login_as(client, scenario.reviewer_es_email)

    queue = client.get(f"{API}/review/queue")
    assert queue.status_code == 200, queue.json
    [es] = queue.json["queues"]
    assert es["language"] == "es" and es["open"] == 1 and es["leased"] == 0 and es["decided"] == 0
    assert [r["reason"] for r in es["reasons"]] == ["sample"] and es["reasons"][0]["text"]
    assert es["acceptance_rate"] is None and queue.json["held"] == []

    [task] = _claim(client, headers, count=2)
    assert task["language"] == "es" and task["direction"] == "ltr"
    assert task["project"] == {
        "id": scenario.project_public_id,
        "name": "Sentiment",
        "task_type": "classification",
    }
    assert task["item"]["payload"] == {"text": SPANISH_TEXT}
    assert task["item"]["label"] == {"label": "positive"}
    assert task["item"]["consensus"]["answer"] == {"label": "positive"}
    assert task["item"]["consensus"]["resolved"] is True
    assert task["reasons"] == [{"reason": "sample", "text": "Picked for the quality sample."}]
    assert task["state"] == "leased" and task["pass_number"] == 1 and task["round"] == 1
    assert task["lease_expires_at"].endswith("Z") and task["decision"] is None
    # Judgments under pseudonyms, in assignment order; never a name or an email.
    assert [(j["id"], j["annotator"]) for j in task["judgments"]] == [
        (scenario.es_judgments[0], "A1"),
        (scenario.es_judgments[1], "A2"),
    ]
    assert task["judgments"][0]["answer"] == {"label": "positive"}
    assert task["judgments"][0]["seconds_spent"] == 20
    assert task["judgments"][0]["flagged_edge_case"] is False
    text = str(task)
    for email in scenario.es_annotators:
        assert email not in text and email.split("@")[0] not in text
    assert [label["name"] for label in task["labels"]] == ["positive", "negative"]
    assert task["labels"][0]["definition"] == "Happy customer."
    # The project's guideline is written in Arabic (its source language): a fallback, said so.
    assert task["guideline"]["language"] == "ar" and task["guideline"]["fallback"] is True
    assert task["gold"] is None

    again = client.get(f"{API}/review/tasks/{task['id']}")
    assert again.status_code == 200 and again.json["judgments"] == task["judgments"]
    queue = client.get(f"{API}/review/queue").json
    assert queue["queues"][0]["leased"] == 1 and queue["queues"][0]["open"] == 0
    assert [t["id"] for t in queue["held"]] == [task["id"]]


def test_flagged_edge_cases_name_the_flagging_judgments_by_pseudonym(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], make_user: Callable[..., int]
) -> None:
    scenario = build_scenario(app, make_project, make_user, review={"sample_rate": 0.0}, edge_case=True)
    headers = login_as(client, scenario.reviewer_es_email)

    [task] = _claim(client, headers)

    [flagged] = task["reasons"]
    assert flagged["reason"] == "flagged" and flagged["text"] == "An annotator flagged it as an edge case."
    assert flagged["annotators"] == ["A1", "A2"] and flagged["judgments"] == scenario.es_judgments
    assert all(j["flagged_edge_case"] for j in task["judgments"])


def _item(app: Flask, public_id: str) -> Item:
    with app.app_context():
        item = get_session().scalar(select(Item).where(Item.public_id == public_id))
        assert item is not None
        return item


def _judgments(app: Flask, public_ids: list[str]) -> dict[str, Assignment]:
    with app.app_context():
        rows = get_session().scalars(select(Assignment).where(Assignment.public_id.in_(public_ids)))
        return {a.public_id: a for a in rows}


def test_accept_settles_the_judgments_and_counts_in_the_acceptance_rate(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    headers = login_as(client, scenario.reviewer_es_email)
    [task] = _claim(client, headers)

    decided = _decide(client, headers, task["id"], decision="accept")

    assert decided.status_code == 200, decided.json
    body = decided.json
    assert body["state"] == "decided" and body["decision"] == "accept" and body["decided_at"]
    # The judgments decided are still listed, under the same pseudonyms.
    assert [(j["id"], j["annotator"]) for j in body["judgments"]] == [
        (j["id"], j["annotator"]) for j in task["judgments"]
    ]
    judgments = _judgments(app, scenario.es_judgments)
    assert {a.acceptance for a in judgments.values()} == {Acceptance.ACCEPTED}
    item = _item(app, task["item"]["id"])
    assert item.label == {"label": "positive"} and item.label_source == "review"
    # A retried request changes nothing; a different decision is refused.
    assert _decide(client, headers, task["id"], decision="accept").status_code == 200
    assert _decide(client, headers, task["id"], decision="reject", reason="other").status_code == 409
    [queue] = client.get(f"{API}/review/queue").json["queues"]
    assert (queue["open"], queue["leased"], queue["decided"]) == (0, 0, 1)
    assert queue["acceptance_rate"] == 1.0 and queue["reasons"] == []


def test_fix_makes_the_correction_the_label_and_the_annotators_see_it(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    headers = login_as(client, scenario.reviewer_es_email)
    [task] = _claim(client, headers)

    fixed = _decide(
        client, headers, task["id"], decision="fix", answer={"label": "negative"}, note="Roto = negativo."
    )

    assert fixed.status_code == 200, fixed.json
    assert fixed.json["decision"] == "fix" and fixed.json["correction"] == {"label": "negative"}
    item = _item(app, task["item"]["id"])
    assert item.label == {"label": "negative"} and item.label_source == "correction"
    first_email = next(iter(scenario.es_annotators))
    login_as(client, first_email)
    feedback = client.get(f"{API}/feedback?lang=en")
    assert feedback.status_code == 200, feedback.json
    [entry] = feedback.json["feedback"]
    assert entry["outcome"] == "corrected" and entry["outcome_text"] == "Accepted with a correction"
    assert entry["your_answer"] == {"label": "positive"} and entry["correction"] == {"label": "negative"}
    assert entry["note"] == "Roto = negativo." and entry["reason"] is None
    assert entry["excerpt"] == SPANISH_TEXT and entry["language"] == "es" and entry["direction"] == "ltr"
    assert entry["project"]["id"] == scenario.project_public_id
    assert entry["can_appeal"] is False and entry["appeal"] is None
    assert feedback.json["next_cursor"] is None
    # Only their own judgment: the other annotator is invisible.
    other = list(scenario.es_annotators)[1]
    assert other not in str(feedback.json) and other.split("@")[0] not in str(feedback.json)
    assert scenario.es_judgments[1] not in str(feedback.json)


def test_reject_some_judgments_with_a_reason_the_annotator_reads_and_may_appeal_once(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    headers = login_as(client, scenario.reviewer_es_email)
    [task] = _claim(client, headers)
    first, second = scenario.es_judgments

    rejected = _decide(
        client,
        headers,
        task["id"],
        decision="reject",
        reason="guidelines_not_followed",
        note="Lee la guía.",
        reject=[first],
    )

    assert rejected.status_code == 200, rejected.json
    assert rejected.json["rejected_judgments"] == [{"id": first, "annotator": "A1"}]
    assert rejected.json["rejection_reason"] == "guidelines_not_followed"
    judgments = _judgments(app, [first, second])
    assert judgments[first].acceptance == Acceptance.REJECTED
    assert judgments[first].state == AssignmentState.REJECTED
    assert judgments[second].acceptance == Acceptance.ACCEPTED
    assert _item(app, task["item"]["id"]).label is None  # back to work, redone by someone else

    rejected_email, accepted_email = list(scenario.es_annotators)
    headers = login_as(client, rejected_email)
    [entry] = client.get(f"{API}/feedback?lang=en").json["feedback"]
    assert entry["outcome"] == "rejected" and entry["reason"] == "guidelines_not_followed"
    assert entry["reason_text"] == "The answer does not follow the guidelines."
    assert entry["note"] == "Lee la guía." and entry["can_appeal"] is True
    # The reason is a code: the same outcome reads in the annotator's interface language.
    spanish = client.get(f"{API}/feedback", headers={"Accept-Language": "es"}).json["feedback"][0]
    assert spanish["reason"] == "guidelines_not_followed" and spanish["reason_text"]

    empty = client.post(f"{API}/feedback/{entry['id']}/appeal", json={"message": "  "}, headers=headers)
    assert empty.status_code == 422 and empty.json["error"]["field"] == "message"
    appeal = client.post(
        f"{API}/feedback/{entry['id']}/appeal",
        json={"message": "Seguí la guía al pie de la letra."},
        headers=headers,
    )
    assert appeal.status_code == 201, appeal.json
    assert appeal.json["state"] == "open" and appeal.json["id"].startswith("apl")
    again = client.post(
        f"{API}/feedback/{entry['id']}/appeal", json={"message": "Otra vez."}, headers=headers
    )
    assert again.status_code == 409
    [entry] = client.get(f"{API}/feedback").json["feedback"]
    assert entry["can_appeal"] is False and entry["appeal"]["state"] == "open"

    # The accepted annotator cannot appeal an acceptance, nor anyone else's rejection.
    headers = login_as(client, accepted_email)
    [mine] = client.get(f"{API}/feedback").json["feedback"]
    assert mine["outcome"] == "accepted" and mine["can_appeal"] is False
    assert (
        client.post(f"{API}/feedback/{mine['id']}/appeal", json={"message": "x"}, headers=headers).status_code
        == 409
    )
    assert (
        client.post(
            f"{API}/feedback/{entry['id']}/appeal", json={"message": "x"}, headers=headers
        ).status_code
        == 404
    )


# --- who may do what ---------------------------------------------------------------------------------


def test_annotators_and_client_tokens_cannot_use_reviewer_endpoints(
    app: Flask, client: FlaskClient, scenario: Scenario, api: Callable[..., Any]
) -> None:
    headers = login_as(client, next(iter(scenario.es_annotators)))
    assert client.get(f"{API}/review/queue").status_code == 403
    assert client.post(f"{API}/review/claims", json={}, headers=headers).status_code == 403
    logout(client)
    for method, path in [
        ("GET", "/review/queue"),
        ("POST", "/review/claims"),
        ("GET", "/ops/reviewers"),
        ("GET", "/ops/review/queues"),
        ("GET", "/feedback"),
    ]:
        response = api(method, path, json={} if method == "POST" else None)
        assert response.status_code == 403, (path, response.json)
    assert client.get(f"{API}/review/queue").status_code == 401


def test_reviewers_stay_within_their_languages_and_their_own_tasks(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], make_user: Callable[..., int]
) -> None:
    scenario = build_scenario(app, make_project, make_user, ar_labels=("positive", "positive"))
    ar_headers = login_as(client, scenario.reviewer_ar_email)
    [ar_task] = _claim(client, ar_headers)
    assert ar_task["language"] == "ar" and ar_task["direction"] == "rtl"
    assert ar_task["item"]["payload"]["text"] == ARABIC_TEXT

    es_headers = login_as(client, scenario.reviewer_es_email)
    refused = client.post(f"{API}/review/claims?lang=es", json={"language": "ar"}, headers=es_headers)
    assert refused.status_code == 403
    assert client.get(f"{API}/review/tasks/{ar_task['id']}").status_code == 404
    assert _decide(client, es_headers, ar_task["id"], decision="accept").status_code == 404
    assert client.post(f"{API}/review/tasks/{ar_task['id']}/release", headers=es_headers).status_code == 404
    [es_task] = _claim(client, es_headers, language="es")
    assert es_task["language"] == "es"
    assert [q["language"] for q in client.get(f"{API}/review/queue").json["queues"]] == ["es"]

    # Another Spanish reviewer cannot touch the first one's task.
    other_email = "pablo.reviewer@example.org"
    from tests.review import appoint_reviewer

    appoint_reviewer(
        app, make_user(other_email, native=("es",)), scenario.project_id, ["es"], scenario.ops_id
    )
    other_headers = login_as(client, other_email)
    assert client.get(f"{API}/review/tasks/{es_task['id']}").status_code == 404
    assert _decide(client, other_headers, es_task["id"], decision="accept").status_code == 404
    assert _claim(client, other_headers) == []

    # Given back, it is free for the next reviewer and no longer the first one's.
    es_headers = login_as(client, scenario.reviewer_es_email)
    released = client.post(f"{API}/review/tasks/{es_task['id']}/release", headers=es_headers)
    assert released.status_code == 200 and released.json == {"id": es_task["id"], "state": "open"}
    assert client.get(f"{API}/review/tasks/{es_task['id']}").status_code == 404
    other_headers = login_as(client, other_email)
    assert [t["id"] for t in _claim(client, other_headers)] == [es_task["id"]]


def test_a_reviewer_never_gets_an_item_they_judged(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    from tests.review import appoint_reviewer

    judge_email, judge_id = next(iter(scenario.es_annotators.items()))
    appoint_reviewer(app, judge_id, scenario.project_id, ["es"], scenario.ops_id)
    headers = login_as(client, judge_email)

    response = client.post(f"{API}/review/claims", json={"count": 5}, headers=headers)

    assert response.status_code == 200 and response.json["tasks"] == []
    assert response.json["message"]
    assert client.get(f"{API}/review/queue").json["queues"][0]["open"] == 1


def test_a_revoked_language_closes_its_tasks_to_the_reviewer(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], make_user: Callable[..., int]
) -> None:
    scenario = build_scenario(app, make_project, make_user, ar_labels=("positive", "positive"))
    from tests.review import appoint_reviewer

    appoint_reviewer(app, scenario.reviewer_es, scenario.project_id, ["ar"], scenario.ops_id)
    headers = login_as(client, scenario.reviewer_es_email)
    tasks = _claim(client, headers, count=2)
    assert sorted(t["language"] for t in tasks) == ["ar", "es"]
    ar_task = next(t for t in tasks if t["language"] == "ar")

    login_as(client, scenario.ops_email)
    headers = login_as(client, scenario.ops_email)
    revoked = client.delete(f"{API}/ops/reviewers/{scenario.reviewer_es}/ar", headers=headers)
    assert revoked.status_code == 200 and revoked.json["revoked_at"]

    headers = login_as(client, scenario.reviewer_es_email)
    assert client.get(f"{API}/review/tasks/{ar_task['id']}").status_code == 404
    assert _decide(client, headers, ar_task["id"], decision="accept").status_code == 404


# --- bad input ---------------------------------------------------------------------------------------


def test_decisions_that_break_the_rules_are_refused_in_the_callers_language(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    headers = login_as(client, scenario.reviewer_es_email)
    [task] = _claim(client, headers)

    unknown = client.post(
        f"{API}/review/tasks/{task['id']}/decision?lang=es",
        json={"decision": "reject", "reason": "ugly"},
        headers=headers,
    )
    assert unknown.status_code == 400
    assert unknown.json["error"]["field"] == "reason"
    assert unknown.json["error"]["message"].startswith("Debe ser uno de estos valores")
    by_header = client.post(
        f"{API}/review/tasks/{task['id']}/decision",
        json={"decision": "maybe"},
        headers={**headers, "Accept-Language": "es"},
    )
    assert by_header.status_code == 400 and by_header.json["error"]["message"].startswith("Debe ser uno")
    too_many = client.post(f"{API}/review/claims", json={"count": 6}, headers=headers)
    assert too_many.status_code == 400 and too_many.json["error"]["field"] == "count"

    no_answer = _decide(client, headers, task["id"], decision="fix")
    assert no_answer.status_code == 422 and no_answer.json["error"]["field"] == "answer"
    wrong_label = _decide(client, headers, task["id"], decision="fix", answer={"label": "angry"})
    assert wrong_label.status_code == 422 and wrong_label.json["error"]["field"].startswith("answer")
    no_reason = _decide(client, headers, task["id"], decision="reject")
    assert no_reason.status_code == 422 and no_reason.json["error"]["field"] == "reason"
    strangers = _decide(client, headers, task["id"], decision="reject", reason="other", reject=["asg_nope"])
    assert strangers.status_code == 422 and strangers.json["error"]["field"] == "reject"
    assert "asg_nope" in strangers.json["error"]["message"]
    nobody = _decide(client, headers, task["id"], decision="reject", reason="other", reject=[])
    assert nobody.status_code == 422 and nobody.json["error"]["field"] == "reject"
    long_note = _decide(client, headers, task["id"], decision="accept", note="x" * 2001)
    assert long_note.status_code == 400 and long_note.json["error"]["field"] == "note"

    # Nothing was decided by the refused calls.
    still = client.get(f"{API}/review/tasks/{task['id']}").json
    assert still["state"] == "leased" and still["decision"] is None
    assert {a.acceptance for a in _judgments(app, scenario.es_judgments).values()} == {Acceptance.IN_REVIEW}


def test_feedback_pages_with_a_cursor_and_refuses_a_bad_one(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], make_user: Callable[..., int]
) -> None:
    scenario = build_scenario(
        app,
        make_project,
        make_user,
        items=[("es", SPANISH_TEXT), ("es", "Todo llegó perfecto, gracias."), ("es", "Muy mala atención.")],
    )
    headers = login_as(client, scenario.reviewer_es_email)
    for task in _claim(client, headers, count=3):
        assert _decide(client, headers, task["id"], decision="accept").status_code == 200
    login_as(client, next(iter(scenario.es_annotators)))

    first = client.get(f"{API}/feedback?limit=2").json
    second = client.get(f"{API}/feedback?limit=2&cursor={first['next_cursor']}").json

    assert len(first["feedback"]) == 2 and first["next_cursor"]
    assert len(second["feedback"]) == 1 and second["next_cursor"] is None
    ids = [e["id"] for e in first["feedback"] + second["feedback"]]
    assert len(set(ids)) == 3
    assert client.get(f"{API}/feedback?cursor=%%%").status_code == 400
    assert client.get(f"{API}/feedback?limit=0").status_code == 400


# --- hidden gold -------------------------------------------------------------------------------------


class _AlwaysGold(random.Random):
    """Routing's coin always says "hidden gold" (the real coin is random)."""

    def random(self) -> float:
        return 0.0


@pytest.fixture
def always_gold(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from marketplace.routing import service as routing

    monkeypatch.setattr(routing, "_rng", _AlwaysGold(7))
    yield


GOLD_TEXT = "Gracias, el pedido llegó antes de lo previsto."
GOLD_EXPLANATION = "Agradece una entrega rápida: positivo."


def _failed_gold(
    app: Flask, make_project: Callable[..., Any], make_user: Callable[..., int], wrong: int = 1
) -> Scenario:
    """``wrong`` annotators answer the same hidden-gold item wrongly: one review task each."""
    from marketplace.qualification import service as qualification

    scenario = build_scenario(
        app,
        make_project,
        make_user,
        es_labels=(),
        review={"sample_rate": 0.0},
        items=[("es", SPANISH_TEXT), ("es", "Otro mensaje más para que quede trabajo.")],
    )
    with app.app_context():
        qualification.add_gold_items(
            scenario.project_id,
            [
                {
                    "language": "es",
                    "payload": {"text": GOLD_TEXT},
                    "answer": {"label": "positive"},
                    "explanation": GOLD_EXPLANATION,
                }
            ],
        )
    for user_id in list(scenario.es_annotators.values())[:wrong]:
        scenario.es_judgments.append(judge(app, user_id, "negative", comment="Me parece irónico."))
    return scenario


def test_a_failed_hidden_gold_answer_shows_the_reviewer_the_gold_but_never_the_annotator(
    app: Flask,
    client: FlaskClient,
    make_project: Callable[..., Any],
    make_user: Callable[..., int],
    always_gold: None,
) -> None:
    scenario = _failed_gold(app, make_project, make_user)
    headers = login_as(client, scenario.reviewer_es_email)
    [task] = _claim(client, headers)

    assert task["item"]["payload"] == {"text": GOLD_TEXT}
    assert task["single_judgment"] is True
    assert [r["reason"] for r in task["reasons"]] == ["failed_gold"]
    assert task["gold"] == {"answer": {"label": "positive"}, "explanation": GOLD_EXPLANATION}
    assert [(j["id"], j["annotator"], j["comment"]) for j in task["judgments"]] == [
        (scenario.es_judgments[0], "A1", "Me parece irónico.")
    ]
    fix = _decide(client, headers, task["id"], decision="fix", answer={"label": "positive"})
    assert fix.status_code == 422 and fix.json["error"]["field"] == "decision"
    rejected = _decide(client, headers, task["id"], decision="reject", reason="wrong_label")
    assert rejected.status_code == 200, rejected.json

    login_as(client, next(iter(scenario.es_annotators)))
    feedback = client.get(f"{API}/feedback").json
    [entry] = feedback["feedback"]
    assert entry["outcome"] == "rejected" and entry["reason"] == "wrong_label"
    assert entry["correction"] is None and "gold" not in entry
    assert GOLD_EXPLANATION not in str(feedback)


def test_reviewer_agreement_pairs_failed_gold_passes_of_the_same_judgment_only(
    app: Flask,
    client: FlaskClient,
    make_project: Callable[..., Any],
    make_user: Callable[..., int],
    always_gold: None,
) -> None:
    from tests.review import appoint_reviewer, set_review_settings

    scenario = _failed_gold(app, make_project, make_user, wrong=2)
    set_review_settings(app, scenario.project_id, {"sample_rate": 0.0, "passes": 2})
    second_email = "pablo.reviewer@example.org"
    appoint_reviewer(
        app, make_user(second_email, native=("es",)), scenario.project_id, ["es"], scenario.ops_id
    )
    for email in (scenario.reviewer_es_email, second_email):
        headers = login_as(client, email)
        tasks = _claim(client, headers, count=2)
        assert len(tasks) == 2, email
        for task in tasks:
            assert _decide(client, headers, task["id"], decision="accept").status_code == 200

    headers = login_as(client, scenario.ops_email)
    [row] = client.get(f"{API}/ops/review/agreement").json["languages"]
    assert row["compared"] == 2 and row["agreed"] == 2


# --- ops -----------------------------------------------------------------------------------------------


def test_only_ops_call_the_ops_review_endpoints(app: Flask, client: FlaskClient, scenario: Scenario) -> None:
    for email in (scenario.reviewer_es_email, next(iter(scenario.es_annotators))):
        headers = login_as(client, email)
        for path in ("/ops/reviewers", "/ops/review/queues", "/ops/review/agreement", "/ops/review/appeals"):
            assert client.get(API + path).status_code == 403, (email, path)
        grant = client.post(f"{API}/ops/reviewers", json={"user": email, "language": "es"}, headers=headers)
        assert grant.status_code == 403
        revoke = client.delete(f"{API}/ops/reviewers/{scenario.reviewer_es}/es", headers=headers)
        assert revoke.status_code == 403
        decision = client.post(
            f"{API}/ops/review/appeals/apl_x/decision", json={"overturn": True}, headers=headers
        )
        assert decision.status_code == 403


def test_ops_grant_reviewers_only_in_languages_they_are_qualified_in_and_revoke_them(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    headers = login_as(client, scenario.ops_email)
    candidate_email = next(iter(scenario.es_annotators))
    candidate = scenario.es_annotators[candidate_email]

    unqualified = client.post(
        f"{API}/ops/reviewers", json={"user": candidate_email, "language": "es"}, headers=headers
    )
    assert unqualified.status_code == 422 and unqualified.json["error"]["code"] == "invalid_input"
    assert unqualified.json["error"]["field"] == "language"
    nobody = client.post(
        f"{API}/ops/reviewers?lang=es", json={"user": "nadie@example.org", "language": "es"}, headers=headers
    )
    assert nobody.status_code == 422 and nobody.json["error"]["field"] == "user"
    assert nobody.json["error"]["message"] == "No hay ninguna cuenta con este correo electrónico."
    not_a_language = client.post(
        f"{API}/ops/reviewers", json={"user": candidate, "language": "xx-nope-9"}, headers=headers
    )
    assert not_a_language.status_code in (400, 422)

    from marketplace.qualification.service import grant_qualification

    with app.app_context():
        grant_qualification(candidate, scenario.project_id, "es", granted_by=scenario.ops_id)
    by_email = client.post(
        f"{API}/ops/reviewers", json={"user": candidate_email, "language": "es"}, headers=headers
    )
    assert by_email.status_code == 201, by_email.json
    assert by_email.json["user"]["id"] == candidate and by_email.json["language"] == "es"
    by_id = client.post(f"{API}/ops/reviewers", json={"user": candidate, "language": "es"}, headers=headers)
    assert by_id.status_code == 201

    login_as(client, candidate_email)
    assert client.get(f"{API}/review/queue").status_code == 200

    headers = login_as(client, scenario.ops_email)
    revoked = client.delete(f"{API}/ops/reviewers/{candidate}/es", headers=headers)
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    assert client.delete(f"{API}/ops/reviewers/{candidate}/es", headers=headers).status_code == 404
    login_as(client, candidate_email)
    assert client.get(f"{API}/review/queue").status_code == 403


def test_ops_list_reviewers_per_language(app: Flask, client: FlaskClient, scenario: Scenario) -> None:
    login_as(client, scenario.ops_email)

    listed = client.get(f"{API}/ops/reviewers?language=es")
    everyone = client.get(f"{API}/ops/reviewers")

    assert listed.status_code == 200, listed.json
    assert [r["user"]["email"] for r in listed.json["reviewers"]] == [scenario.reviewer_es_email]
    assert listed.json["reviewers"][0]["user"]["name"] == "rosa.reviewer"
    assert {(r["user"]["id"], r["language"]) for r in everyone.json["reviewers"]} == {
        (scenario.reviewer_es, "es"),
        (scenario.reviewer_ar, "ar"),
    }
    assert client.get(f"{API}/ops/reviewers?language=xx-nope-9").status_code == 400


def test_ops_see_every_queue_and_the_agreement_of_two_review_passes(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], make_user: Callable[..., int]
) -> None:
    from tests.review import appoint_reviewer

    scenario = build_scenario(
        app,
        make_project,
        make_user,
        review={"sample_rate": 1.0, "passes": 2},
        ar_labels=("negative", "negative"),
    )
    second_email = "pablo.reviewer@example.org"
    appoint_reviewer(
        app, make_user(second_email, native=("es",)), scenario.project_id, ["es"], scenario.ops_id
    )

    headers = login_as(client, scenario.reviewer_es_email)
    [first_pass] = _claim(client, headers)
    assert _decide(client, headers, first_pass["id"], decision="accept").status_code == 200
    assert _claim(client, headers) == []  # the second pass needs someone else
    headers = login_as(client, second_email)
    [second_pass] = _claim(client, headers)
    assert second_pass["pass_number"] == 2 and second_pass["item"]["id"] == first_pass["item"]["id"]
    assert second_pass["decision"] is None  # the first pass's decision is not shown: independent review
    assert _decide(client, headers, second_pass["id"], decision="accept").status_code == 200

    login_as(client, scenario.ops_email)
    queues = {q["language"]: q for q in client.get(f"{API}/ops/review/queues").json["queues"]}
    assert sorted(queues) == ["ar", "es"]
    assert (queues["es"]["open"], queues["es"]["decided"]) == (0, 2)
    assert queues["es"]["acceptance_rate"] == 1.0 and queues["es"]["decisions"]["accept"] == 2
    assert queues["ar"]["open"] == 1 and queues["ar"]["direction"] == "rtl"
    assert queues["ar"]["reasons"][0]["reason"] == "sample"
    [row] = client.get(f"{API}/ops/review/agreement").json["languages"]
    assert row["language"] == "es" and row["compared"] == 1 and row["agreed"] == 1 and row["rate"] == 1.0
    assert row["reviewers"] == [{"name": "pablo.reviewer", "compared": 1, "agreed": 1, "rate": 1.0}]


def _rejected_and_appealed(app: Flask, client: FlaskClient, scenario: Scenario) -> tuple[str, str]:
    """The reviewer rejects both Spanish judgments; the first annotator appeals. Returns the
    appeal's id and the rejected assignment's id."""
    headers = login_as(client, scenario.reviewer_es_email)
    [task] = _claim(client, headers)
    assert _decide(client, headers, task["id"], decision="reject", reason="low_effort").status_code == 200
    headers = login_as(client, next(iter(scenario.es_annotators)))
    [entry] = client.get(f"{API}/feedback").json["feedback"]
    appeal = client.post(
        f"{API}/feedback/{entry['id']}/appeal", json={"message": "Lo pensé con calma."}, headers=headers
    )
    assert appeal.status_code == 201
    return appeal.json["id"], entry["assignment"]


def test_ops_overturn_an_appeal_and_the_work_is_accepted(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    appeal_id, assignment_id = _rejected_and_appealed(app, client, scenario)
    headers = login_as(client, scenario.ops_email)

    decided = client.post(
        f"{API}/ops/review/appeals/{appeal_id}/decision",
        json={"overturn": True, "note": "Tiene razón."},
        headers=headers,
    )
    assert decided.status_code == 200, decided.json
    assert decided.json["state"] == "overturned" and decided.json["decision_note"] == "Tiene razón."
    assert _judgments(app, [assignment_id])[assignment_id].acceptance == Acceptance.ACCEPTED
    again = client.post(
        f"{API}/ops/review/appeals/{appeal_id}/decision", json={"overturn": False}, headers=headers
    )
    assert again.status_code == 409
    missing = client.post(
        f"{API}/ops/review/appeals/apl_missing/decision", json={"overturn": True}, headers=headers
    )
    assert missing.status_code == 404

    login_as(client, next(iter(scenario.es_annotators)))
    [entry] = client.get(f"{API}/feedback?lang=en").json["feedback"]
    assert entry["appeal"]["state"] == "overturned" and entry["appeal"]["decision_note"] == "Tiene razón."
    assert entry["appeal"]["state_text"] == "Appeal granted: the work is accepted"


def test_ops_list_appeals_with_the_rejection_and_the_message(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    appeal_id, _assignment_id = _rejected_and_appealed(app, client, scenario)
    headers = login_as(client, scenario.ops_email)

    response = client.get(f"{API}/ops/review/appeals?state=open")

    assert response.status_code == 200, response.json
    [listed] = response.json["appeals"]
    assert listed["id"] == appeal_id and listed["message"] == "Lo pensé con calma."
    assert listed["annotator"]["email"] == next(iter(scenario.es_annotators))
    assert listed["rejection"]["reason"] == "low_effort" and listed["rejection"]["reason_text"]
    assert listed["item"]["excerpt"] == SPANISH_TEXT and listed["direction"] == "ltr"
    assert listed["assignment"]["answer"] == {"label": "positive"}
    assert client.get(f"{API}/ops/review/appeals?state=whatever").status_code == 400
    assert client.get(f"{API}/ops/review/appeals?language=ar").json["appeals"] == []
    client.post(f"{API}/ops/review/appeals/{appeal_id}/decision", json={"overturn": True}, headers=headers)
    assert client.get(f"{API}/ops/review/appeals").json["appeals"] == []
    overturned = client.get(f"{API}/ops/review/appeals?state=overturned").json["appeals"]
    assert [a["id"] for a in overturned] == [appeal_id]


def test_ops_uphold_an_appeal_and_the_rejection_stands(
    app: Flask, client: FlaskClient, scenario: Scenario
) -> None:
    appeal_id, assignment_id = _rejected_and_appealed(app, client, scenario)
    headers = login_as(client, scenario.ops_email)

    upheld = client.post(
        f"{API}/ops/review/appeals/{appeal_id}/decision", json={"overturn": False}, headers=headers
    )

    assert upheld.status_code == 200 and upheld.json["state"] == "upheld"
    assert _judgments(app, [assignment_id])[assignment_id].acceptance == Acceptance.REJECTED
    bad = client.post(
        f"{API}/ops/review/appeals/{appeal_id}/decision", json={"overturn": "yes"}, headers=headers
    )
    assert bad.status_code == 400


def test_the_review_endpoints_are_documented(client: FlaskClient) -> None:
    paths = client.get(f"{API}/openapi.json").json["paths"]
    assert set(paths["/api/v1/review/tasks/{task_id}/decision"]["post"]["responses"]) >= {"200", "409", "422"}
    schema = paths["/api/v1/review/tasks/{task_id}/decision"]["post"]["requestBody"]["content"]
    assert schema["application/json"]["schema"]["properties"]["reason"]["enum"][0] == "wrong_label"
    for path in (
        "/api/v1/review/queue",
        "/api/v1/review/claims",
        "/api/v1/review/tasks/{task_id}",
        "/api/v1/review/tasks/{task_id}/release",
        "/api/v1/feedback",
        "/api/v1/feedback/{outcome_id}/appeal",
        "/api/v1/ops/reviewers",
        "/api/v1/ops/reviewers/{user_id}/{language}",
        "/api/v1/ops/review/queues",
        "/api/v1/ops/review/agreement",
        "/api/v1/ops/review/appeals",
        "/api/v1/ops/review/appeals/{appeal_id}/decision",
    ):
        assert path in paths, path
