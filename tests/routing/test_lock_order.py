"""The work path's lock order on PostgreSQL: the interleaving that used to deadlock, forced.

A submit holds its item and assignment locked (``routing.submission``) and then books pay from the
project's escrow account; a claim on the same priced project holds the escrow account
(``payments.pricing.affordable``) and then inserts an assignment referencing an item, which takes a
KEY SHARE lock on that item's row. With the item locked FOR UPDATE the two waited on each other.
Items are now locked FOR NO KEY UPDATE, which KEY SHARE does not conflict with.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace.db import get_session, utcnow
from marketplace.payments.ledger import AccountRef, account
from marketplace.payments.models import LedgerAccount, RateCard
from marketplace.payments.pricing import Price, affordable
from marketplace.projects.models import Item
from marketplace.routing.models import Assignment, AssignmentState
from marketplace.routing.submission import _locked_rows
from tests.review.test_review_flow import _fund


@pytest.fixture
def postgres(app: Flask) -> None:
    if app.extensions["db_engine"].dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers")


def test_a_submit_holding_an_item_and_a_claim_holding_escrow_do_not_deadlock(
    app: Flask, postgres: None, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    from marketplace.routing import service as routing

    info = make_project([("es", f"Mensaje número {n} sobre mi pedido.") for n in range(4)], overlap=2)
    worker, other = annotator("es"), annotator("es")
    with app.app_context():
        session = get_session()
        session.add(RateCard(project_id=info["id"], task_type="classification", language="es",
                             currency="EUR", amount_minor=100))  # fmt: skip
        session.commit()
        _fund(info["id"], 100_000)
        (held,) = routing.claim_next_assignments(worker, 1)
        held_id, item_id = held.public_id, held.item_id
        escrow_id = account(session, AccountRef.escrow(info["id"], "EUR")).id
        session.commit()

    submit_has_item = threading.Event()
    claim_has_escrow = threading.Event()
    outcome: dict[str, Any] = {}

    def submit_side() -> None:
        with app.app_context():
            session = get_session()
            _locked_rows(session, worker, held_id)  # the submit's locks: item and assignment
            submit_has_item.set()
            claim_has_escrow.wait(10)
            # ... then it books pay: the escrow account, which the claim holds until it commits.
            session.execute(select(LedgerAccount.id).where(LedgerAccount.id == escrow_id).with_for_update())
            session.commit()
            outcome["submit"] = "committed"

    def claim_side() -> None:
        with app.app_context():
            session = get_session()
            submit_has_item.wait(10)
            affordable(session, info["id"], Price(100, 20, "EUR"), 1, utcnow())  # locks escrow
            claim_has_escrow.set()
            # ... then inserts an assignment on the item the submit holds (KEY SHARE on it).
            session.add(
                Assignment(
                    item_id=item_id,
                    project_id=info["id"],
                    annotator_id=other,
                    language="es",
                    state=AssignmentState.LEASED,
                    lease_expires_at=utcnow() + timedelta(minutes=30),
                )
            )
            session.commit()
            outcome["claim"] = "committed"

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(submit_side), pool.submit(claim_side)]
        for future in futures:
            future.result(timeout=60)  # a DeadlockDetected would be raised here
    assert outcome == {"submit": "committed", "claim": "committed"}
    with app.app_context():
        count = get_session().scalar(
            select(func.count()).select_from(Assignment).where(Assignment.item_id == item_id)
        )
        assert count == 2
        assert get_session().get(Item, item_id) is not None


def test_many_annotators_on_a_priced_project_with_gold_get_no_5xx_and_lose_nothing(
    app: Flask, postgres: None, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    """Claims and gold and real submits from many threads through the API at once."""
    from marketplace.qualification import service as qualification
    from marketplace.qualification.models import GoldAnswer
    from tests.api.conftest import sign_in

    info = make_project(
        [("es", f"Mensaje número {n}: quería contarles cómo fue mi compra.") for n in range(60)],
        overlap=2,
        qualification={"hidden_gold_rate": 0.3, "min_gold_per_language": 4, "exam_size": 4},
        review={"sample_rate": 0.0},
    )
    with app.app_context():
        qualification.add_gold_items(
            info["id"],
            [{"language": "es", "payload": {"text": f"Todo perfecto con el pedido {n}."},
              "answer": {"label": "positive"}, "explanation": "x"} for n in range(8)],
        )  # fmt: skip
        session = get_session()
        session.add(RateCard(project_id=info["id"], task_type="classification", language="es",
                             currency="EUR", amount_minor=100))  # fmt: skip
        session.commit()
        _fund(info["id"], 1_000_000)
        gold = set(get_session().scalars(select(GoldAnswer.item_id)))
    workers = [annotator("es") for _ in range(10)]
    statuses: list[int] = []
    submitted: list[str] = []
    lock = threading.Lock()

    def work(annotator_id: int) -> None:
        client = app.test_client()
        csrf = sign_in(app, client, annotator_id)
        headers = {"X-CSRFToken": csrf}
        while True:
            claimed = client.post("/api/v1/work/next", json={"count": 2}, headers=headers)
            with lock:
                statuses.append(claimed.status_code)
            assignments = claimed.get_json().get("assignments", [])
            if not assignments:
                return
            for assignment in assignments:
                response = client.post(
                    f"/api/v1/work/assignments/{assignment['id']}/submit",
                    json={"answer": {"label": "positive"}},
                    headers=headers,
                )
                with lock:
                    statuses.append(response.status_code)
                    if response.status_code == 200:
                        submitted.append(assignment["id"])

    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        list(pool.map(work, workers))
    assert statuses and all(status < 500 for status in statuses), sorted(set(statuses))
    with app.app_context():
        session = get_session()
        rows = session.execute(
            select(Assignment.public_id, Assignment.item_id, Assignment.annotator_id, Assignment.state)
        ).all()
        stored = {public_id for public_id, _item, _who, state in rows if state == AssignmentState.SUBMITTED}
        assert stored == set(submitted)  # none lost, none doubled
        pairs = [(item, who) for _p, item, who, _s in rows]
        assert len(pairs) == len(set(pairs))  # never the same item twice to one person
        real_counts: dict[int, int] = {}
        for _p, item, _who, state in rows:
            if item not in gold and state == AssignmentState.SUBMITTED:
                real_counts[item] = real_counts.get(item, 0) + 1
        assert len(real_counts) == 60 and set(real_counts.values()) == {2}
        assert any(item in gold for _p, item, _w, _s in rows), "hidden gold was mixed in"
