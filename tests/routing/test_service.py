"""Routing rules through the service layer: languages, overlap, never twice, leases, order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from marketplace.db import get_session
from marketplace.errors import Conflict
from marketplace.languages.tags import served_targets
from marketplace.pipeline import submit as pipeline
from marketplace.projects import service as projects
from marketplace.projects.models import Item, ItemState, ProjectState
from marketplace.routing import service as routing
from marketplace.routing.models import Assignment, AssignmentState, RoutingEvent
from marketplace.validation import InvalidInput

ANSWER = {"label": "positive"}


def claim(app: Flask, annotator_id: int, count: int = 1, project: str | None = None) -> list[dict[str, Any]]:
    with app.app_context():
        return [
            {"id": a.public_id, "item_id": a.item_id, "language": a.language, "project_id": a.project_id}
            for a in routing.claim_next_assignments(annotator_id, count, project)
        ]


def submit(app: Flask, annotator_id: int, assignment_id: str, answer: Any = ANSWER) -> pipeline.SubmitOutcome:
    with app.app_context():
        return pipeline.submit_assignment(annotator_id, assignment_id, answer)


def age_lease(app: Flask, assignment_id: str, minutes: int = 31) -> None:
    """Move a lease's clock back, as if ``minutes`` had passed."""
    with app.app_context():
        session = get_session()
        session.execute(
            update(Assignment)
            .where(Assignment.public_id == assignment_id)
            .values(
                claimed_at=datetime.now(UTC) - timedelta(minutes=minutes),
                lease_expires_at=datetime.now(UTC) - timedelta(minutes=minutes - 30),
            )
        )
        session.commit()


def test_served_targets() -> None:
    targets = ["es", "es-MX", "zh-Hans", "zh-Hant", "pt", "pt-BR", "pt-PT", "de"]
    assert served_targets(["es-MX"], targets) == ["es", "es-MX"]
    assert served_targets(["zh-Hans"], targets) == ["zh-Hans"]
    assert served_targets(["pt-BR", "de"], targets) == ["de", "pt", "pt-BR", "pt-PT"]
    assert served_targets(["pt-BR", "de"], targets, region_required=True) == ["de", "pt", "pt-BR"]


def test_items_only_reach_native_speakers_of_their_language(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project([("es", "Hola, gracias por todo")] * 5 + [("ar", "شكرا جزيلا على المساعدة")] * 5)
    spanish = annotator("es")
    nobody = annotator("ja")
    got = claim(app, spanish, 5)
    assert len(got) == 5 and {a["language"] for a in got} == {"es"}
    assert claim(app, spanish, 5) and {a["language"] for a in claim(app, spanish, 5)} == {"es"}
    assert claim(app, nobody) == []


def test_overlap_is_never_exceeded_and_nobody_gets_an_item_twice(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project([("en", "Fine, thanks")], overlap=2)
    first, second, third = annotator("en"), annotator("en"), annotator("en")
    a1 = claim(app, first)
    a2 = claim(app, second)
    assert len(a1) == len(a2) == 1
    assert claim(app, third) == []  # both slots leased
    submit(app, first, a1[0]["id"])
    assert claim(app, first) == []  # never twice, even after submitting
    outcome = submit(app, second, a2[0]["id"])
    assert outcome.item_complete
    assert claim(app, third) == []
    with app.app_context():
        assert get_session().scalar(select(Item.state)) == ItemState.COMPLETE


def test_skip_and_release_free_the_slot_but_never_come_back(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project([("en", "one")], overlap=1)
    first, second = annotator("en"), annotator("en")
    a = claim(app, first)[0]
    assert claim(app, second) == []
    with app.app_context():
        routing.give_back_assignment(first, a["id"], skip=True)
    assert claim(app, first) == []
    b = claim(app, second)[0]
    with app.app_context():
        routing.give_back_assignment(second, b["id"], skip=False)
        with pytest.raises(Conflict):
            routing.give_back_assignment(second, b["id"], skip=False)
        with pytest.raises(Conflict):
            pipeline.submit_assignment(second, b["id"], ANSWER)


def test_expired_lease_returns_its_slot_and_late_answers(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project([("en", "one"), ("en", "two")], overlap=1)
    slow, fast = annotator("en"), annotator("en")
    leases = claim(app, slow, 2)
    assert claim(app, fast) == []
    age_lease(app, leases[0]["id"])
    age_lease(app, leases[1]["id"])
    # Lazily: the expired slot is free before any sweep ran.
    taken = claim(app, fast)
    assert len(taken) == 1 and taken[0]["item_id"] == leases[0]["item_id"]
    with app.app_context():
        assert routing.expire_leases() == 2
        assert routing.expire_leases() == 0  # idempotent
    # The slot of item one went to `fast`: the late answer is kept but refused.
    with pytest.raises(Conflict) as refused:
        submit(app, slow, leases[0]["id"])
    assert "ran out" in refused.value.message
    # Item two's slot is still free: the late answer counts.
    late = submit(app, slow, leases[1]["id"])
    assert late.late and late.item_complete
    with app.app_context():
        session = get_session()
        states = dict(session.execute(select(Assignment.public_id, Assignment.state)).all())
        assert states[leases[0]["id"]] == AssignmentState.REFUSED_LATE
        refused_answer = session.scalar(
            select(Assignment.answer).where(Assignment.public_id == leases[0]["id"])
        )
        assert refused_answer == ANSWER
        kinds = Counter(session.scalars(select(RoutingEvent.kind)))
    assert kinds == Counter({"claimed": 3, "expired": 2, "refused_late": 1, "submitted_late": 1})


def test_answers_are_checked_against_the_ontology(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project([("en", "one")])
    worker = annotator("en")
    a = claim(app, worker)[0]
    with pytest.raises(InvalidInput) as bad_label:
        submit(app, worker, a["id"], {"label": "furious"})
    assert bad_label.value.errors[0].field == "answer.label"
    with pytest.raises(InvalidInput) as missing:
        submit(app, worker, a["id"], {})
    assert missing.value.errors[0].field == "answer.label" and missing.value.status == 400
    assert submit(app, worker, a["id"]).item_complete is False
    # The same answer again is a retried request, not an error; a different one is a conflict.
    assert submit(app, worker, a["id"]).repeated
    with pytest.raises(Conflict):
        submit(app, worker, a["id"], {"label": "negative"})


def test_priority_then_deadline(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    low = make_project([("en", "low")] * 3, name="low", priority=0)
    high = make_project([("en", "high")] * 3, name="high", priority=5)
    soon = datetime.now(UTC) + timedelta(days=1)
    later = make_project(
        [("en", "later")] * 3,
        name="later",
        priority=1,
        batch={"name": "x", "deadline": (soon + timedelta(days=9)).isoformat()},
    )
    sooner = make_project(
        [("en", "sooner")] * 3, name="sooner", priority=1, batch={"name": "y", "deadline": soon.isoformat()}
    )
    worker = annotator("en")
    order = [a["project_id"] for a in claim(app, worker, 5)]
    assert order[:3] == [high["id"]] * 3
    assert order[3:] == [sooner["id"]] * 2
    assert low["id"] not in order and later["id"] not in order


def test_equal_projects_share_the_workforce(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    one = make_project([("en", "a")] * 30, name="one", overlap=1)
    two = make_project([("en", "b")] * 30, name="two", overlap=1)
    counts: Counter[int] = Counter()
    for _ in range(30):
        worker = annotator("en")
        counts.update(a["project_id"] for a in claim(app, worker))
    assert counts[one["id"]] >= 5 and counts[two["id"]] >= 5


def test_paused_projects_hand_out_no_work(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    project = make_project([("en", "a")] * 3)
    draft = make_project([("en", "b")] * 3, name="draft", activate=False)
    with app.app_context():
        projects.set_project_state(project["id"], ProjectState.PAUSED, None)
    assert claim(app, annotator("en")) == []
    assert draft


def test_prefetch_returns_held_leases_first_and_caps_them(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project([("en", f"t{n}") for n in range(20)])
    worker = annotator("en")
    first = claim(app, worker, 2)
    again = claim(app, worker, 3)
    assert [a["id"] for a in again[:2]] == [a["id"] for a in first]
    assert len(again) == 3
    assert len(claim(app, worker, 5)) == routing.MAX_LEASES_PER_ANNOTATOR
    with app.app_context(), pytest.raises(InvalidInput):
        routing.claim_next_assignments(worker, 6)


def test_wrong_language_report_sends_the_item_to_triage(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    # Too short for detection to contradict the declaration, so it is routed as Spanish.
    make_project([("es", "Obrigado!")], overlap=3)
    worker, other = annotator("es"), annotator("es")
    a = claim(app, worker)[0]
    with app.app_context():
        routing.give_back_assignment(worker, a["id"], skip=True, reported_language="pt")
        item = get_session().scalar(select(Item))
        assert item is not None and item.state == ItemState.TRIAGE and item.triage_reason == "reported"
        reported = get_session().scalar(select(Assignment.reported_language))
        assert reported == "pt"
    assert claim(app, other) == []


def test_a_late_answer_after_a_wrong_language_report_still_completes_the_item(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    # A's lease expires, B and C take the two slots, B answers, C reports another language (the
    # item goes to triage, C's slot is free), then A's late answer takes that free slot: it counts
    # as before, and completes the item straight from triage (triage -> complete).
    make_project([("es", "Obrigado!")], overlap=2)
    late, answering, reporting = annotator("es"), annotator("es"), annotator("es")
    a = claim(app, late)[0]
    age_lease(app, a["id"])
    b, c = claim(app, answering)[0], claim(app, reporting)[0]
    assert submit(app, answering, b["id"]).item_complete is False
    with app.app_context():
        routing.give_back_assignment(reporting, c["id"], skip=True, reported_language="pt")
        assert get_session().scalar(select(Item.state)) == ItemState.TRIAGE
    outcome = submit(app, late, a["id"])
    assert (outcome.late, outcome.item_complete) == (True, True)
    with app.app_context():
        item = get_session().scalar(select(Item))
        assert item is not None and item.state == ItemState.COMPLETE
        assert item.consensus is not None and item.consensus["answer"] == ANSWER


def test_every_item_is_completed_exactly_k_times_by_one_worker_pool(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project([("en", f"text {n}") for n in range(12)], overlap=3)
    workers = [annotator("en") for _ in range(4)]
    for _round in range(20):
        for worker in workers:
            for a in claim(app, worker, 2):
                submit(app, worker, a["id"])
    with app.app_context():
        session = get_session()
        per_item = Counter(
            session.scalars(select(Assignment.item_id).where(Assignment.state == AssignmentState.SUBMITTED))
        )
        assert set(per_item.values()) == {3} and len(per_item) == 12
        complete = session.scalar(
            select(func.count()).select_from(Item).where(Item.state == ItemState.COMPLETE)
        )
        assert complete == 12
