"""Hidden gold cannot be told from real work by anything an annotator can observe: the answer to a
submit, the assignment's state, earnings and feedback move the same way after a gold answer as
after a real one, up to the acceptance time both share; and gold someone reviewed is never their
hidden gold."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from marketplace.db import get_session, utcnow
from marketplace.payments.models import RateCard
from marketplace.qualification import service as qualification
from marketplace.qualification.models import GoldAnswer, GoldSeen
from marketplace.review import acceptance
from marketplace.routing import service as routing
from marketplace.routing.models import Assignment
from tests.api.conftest import sign_in
from tests.review.test_review_flow import _fund

GOLD = [(f"Gracias, el pedido {n} llegó perfecto y a tiempo.", "positive") for n in range(6)]


@pytest.fixture(autouse=True)
def _seeded_routing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Routing draws hidden gold at random; a fixed seed makes every run serve both kinds (unseeded,
    about one run in 250 served no gold among its first eight claims and compared nothing)."""
    monkeypatch.setattr(routing, "_rng", random.Random(20261208))


def _priced_project_with_gold(
    app: Flask,
    make_project: Callable[..., Any],
    overlap: int = 1,
    items: int = 8,
    **qualification_settings: Any,
) -> int:
    info = make_project(
        [("es", f"Mensaje número {n}: quería contarles cómo fue mi compra.") for n in range(items)],
        overlap=overlap,
        qualification={"min_gold_per_language": 4, "exam_size": 4, **qualification_settings},
        review={"sample_rate": 0.0},
    )
    with app.app_context():
        qualification.add_gold_items(
            info["id"],
            [{"language": "es", "payload": {"text": t}, "answer": {"label": label}, "explanation": "x"}
             for t, label in GOLD],
        )  # fmt: skip
        session = get_session()
        session.add(RateCard(project_id=info["id"], task_type="classification", language="es",
                             currency="EUR", amount_minor=100))  # fmt: skip
        session.commit()
        _fund(info["id"], 100_000)
    return int(info["id"])


def _flatten(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flatten(item, f"{path}.{key}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _flatten(item, f"{path}[{i}]").items()}
    return {path: value}


def _delta(before: dict[str, Any], after: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """What changed between two views: numbers by how much, anything else only that it changed
    (ids and timestamps differ between any two items, gold or not)."""
    old, new = _flatten(before), _flatten(after)
    changes = []
    for path in sorted(set(old) | set(new)):
        a, b = old.get(path), new.get(path)
        if a == b:
            continue
        numeric = isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool)
        changes.append((path, b - a if numeric else "changed"))
    return tuple(changes)


def _view(client: FlaskClient) -> dict[str, Any]:
    """What the annotator can read: earnings, feedback, their assignments' visible fields."""
    earnings = client.get("/api/v1/earnings").get_json()
    feedback = client.get("/api/v1/feedback").get_json()
    listed = client.get("/api/v1/work/assignments").get_json()["assignments"]
    return {
        "earnings": earnings,
        "feedback": feedback,
        "states": sorted((a["state"], a["finished_at"] is not None) for a in listed),
    }


def test_an_annotators_view_moves_the_same_after_gold_and_real_answers(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    _priced_project_with_gold(app, make_project, hidden_gold_rate=0.5)
    worker = annotator("es")
    csrf = sign_in(app, client, worker)
    with app.app_context():
        gold = {row.item_id: row.answer for row in get_session().scalars(select(GoldAnswer))}
    seen: dict[bool, list[tuple[Any, Any]]] = {True: [], False: []}
    responses: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    while True:
        claimed = client.post(
            "/api/v1/work/next", json={"count": 1}, headers={"X-CSRFToken": csrf}
        ).get_json()
        if not claimed["assignments"]:
            break
        assignment = claimed["assignments"][0]
        with app.app_context():
            item_id = get_session().scalar(
                select(Assignment.item_id).where(Assignment.public_id == assignment["id"])
            )
        is_gold = item_id in gold
        # The claim itself carries nothing that differs: the same keys, no gold flag.
        assert "gold" not in str(sorted(assignment)) and "gold" not in str(assignment["item"]).lower()
        before = _view(client)
        answer = gold[item_id] if is_gold else {"label": "positive"}
        response = client.post(
            f"/api/v1/work/assignments/{assignment['id']}/submit",
            json={"answer": answer, "seconds_spent": 5},
            headers={"X-CSRFToken": csrf},
        )
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        responses[is_gold].append({key: body[key] for key in sorted(body) if key not in ("assignment", "id")})
        after = _view(client)
        seen[is_gold].append((before, after))
    assert seen[True] and seen[False], "both kinds were served"

    # Every answer, gold or real, changes the same readable fields by the same amounts (one more
    # pending judgment at the rate, nothing accepted, no feedback), whatever the ids and times.
    # (The first answer of all creates the project's line in the earnings: compared from then on.)
    signatures = {
        kind: {_delta(before, after) for before, after in pairs if before["earnings"]["projects"]}
        for kind, pairs in seen.items()
    }
    assert len(signatures[True]) == 1 and signatures[True] == signatures[False], signatures
    assert {str(r) for r in responses[True]} == {str(r) for r in responses[False]}

    # Both are accepted (and paid) by the same periodic job at the end of the same period.
    with app.app_context():
        judgments = list(get_session().scalars(select(Assignment).where(Assignment.annotator_id == worker)))
        waits = {a.item_id in gold: a.accept_after - a.finished_at for a in judgments}  # type: ignore[operator]
        assert abs(waits[True] - waits[False]) < timedelta(seconds=5)
        assert acceptance.auto_accept_due(utcnow() + waits[True] + timedelta(seconds=5)) == len(judgments)
    final = _flatten(client.get("/api/v1/earnings").get_json())
    assert any(value == 100 * len(judgments) for path, value in final.items() if "accepted" in path), final


def test_a_late_answer_is_late_for_gold_and_real_items_alike(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    from marketplace.pipeline import submit as pipeline

    _priced_project_with_gold(app, make_project, hidden_gold_rate=0.5)
    worker = annotator("es")
    lates: dict[bool, set[bool]] = {True: set(), False: set()}
    with app.app_context():
        gold = {row.item_id: row.answer for row in get_session().scalars(select(GoldAnswer))}
        while batch := routing.claim_next_assignments(worker, 1):
            assignment = batch[0]
            # The lease ran out before the answer came.
            assignment.lease_expires_at = utcnow() - timedelta(seconds=1)
            get_session().commit()
            is_gold = assignment.item_id in gold
            answer = gold[assignment.item_id] if is_gold else {"label": "positive"}
            outcome = pipeline.submit_assignment(worker, assignment.public_id, answer)
            lates[is_gold].add(outcome.late)
    assert lates == {True: {True}, False: {True}}


def test_gold_a_reviewer_saw_is_never_their_hidden_gold(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int], make_user: Callable[..., Any]
) -> None:
    from marketplace.accounts.models import Role
    from marketplace.pipeline import submit as pipeline
    from marketplace.review import service as review

    # Two judgments per item: real work is left for the reviewer after the worker is done.
    project_id = _priced_project_with_gold(app, make_project, overlap=2, items=16, hidden_gold_rate=0.5)
    ops = make_user("ops@example.org", roles=(Role.OPS,), native=())
    worker, reviewer = annotator("es"), annotator("es")
    with app.app_context():
        gold = {row.item_id: row.answer for row in get_session().scalars(select(GoldAnswer))}
        qualification.grant_qualification(reviewer, project_id, "es", granted_by=ops)
        review.grant_reviewer(reviewer, "es", ops)
        # The worker answers every gold item wrong: each becomes a failed-gold review task.
        while batch := routing.claim_next_assignments(worker, 5):
            for assignment in batch:
                wrong = {"label": "negative"} if assignment.item_id in gold else {"label": "positive"}
                pipeline.submit_assignment(worker, assignment.public_id, wrong)
        tasks = review.claim_review_tasks(reviewer, ["es"], count=2)
        reviewed = {task.item_id for task in tasks}
        assert reviewed and reviewed <= set(gold)
        seen = set(get_session().scalars(select(GoldSeen.item_id).where(GoldSeen.user_id == reviewer)))
        assert seen == reviewed
        for task in tasks:
            review.release_review_task(reviewer, task.public_id)
        # The reviewer now works the project: none of the gold they reviewed comes back as a check.
        served: set[int] = set()
        while batch := routing.claim_next_assignments(reviewer, 5):
            for assignment in batch:
                served.add(assignment.item_id)
                pipeline.submit_assignment(reviewer, assignment.public_id, {"label": "positive"})
        assert served & set(gold), "hidden gold was still served to them"
        assert not served & reviewed
