"""Concurrent reviewers and annotators on the money and review paths: no review task handed to two
reviewers, and a priced project's budget never over-committed, whatever the interleaving.

On PostgreSQL this exercises ``FOR UPDATE SKIP LOCKED`` on review tasks and the lock on the
project's escrow account; on SQLite it shows that serialised writers give the same guarantees.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from marketplace.db import get_session
from marketplace.payments import ledger
from marketplace.payments.ledger import AccountRef
from marketplace.payments.models import RateCard, TransactionKind
from marketplace.pipeline import submit as pipeline
from marketplace.qualification import service as qualification
from marketplace.review import service as review
from marketplace.review.models import ReviewDecision, ReviewTask, ReviewTaskState
from marketplace.routing import service as routing
from marketplace.routing.models import Assignment


def _review_everything(app: Flask, reviewer: int) -> list[int]:
    decided: list[int] = []
    with app.app_context():
        while True:
            tasks = review.claim_review_tasks(reviewer, ["es"], count=2)
            if not tasks:
                return decided
            for task in tasks:
                review.decide(reviewer, task.public_id, review.Decision(ReviewDecision.ACCEPT))
                decided.append(task.id)


def test_parallel_reviewers_never_share_a_task(
    app: Flask,
    make_project: Callable[..., Any],
    annotator: Callable[..., int],
    make_user: Callable[..., Any],
) -> None:
    from marketplace.accounts.models import Role

    postgres = app.extensions["db_engine"].dialect.name == "postgresql"
    n_items, n_reviewers = (300, 8) if postgres else (60, 4)
    info = make_project(
        [("es", f"Mensaje número {n} sobre el pedido.") for n in range(n_items)],
        overlap=1,
        review={"sample_rate": 1.0},
    )
    ops = make_user("ops@example.org", roles=(Role.OPS,), native=())
    worker = annotator("es")
    reviewers = [annotator("es") for _ in range(n_reviewers)]
    with app.app_context():
        while batch := routing.claim_next_assignments(worker, 5):
            for assignment in batch:
                pipeline.submit_assignment(worker, assignment.public_id, {"label": "positive"})
        for reviewer in reviewers:
            qualification.grant_qualification(reviewer, info["id"], "es", granted_by=ops)
            review.grant_reviewer(reviewer, "es", ops)
    with ThreadPoolExecutor(max_workers=n_reviewers) as pool:
        results = list(pool.map(lambda r: _review_everything(app, r), reviewers))
    decided = Counter(task_id for result in results for task_id in result)
    assert len(decided) == n_items and max(decided.values()) == 1
    with app.app_context():
        states = Counter(get_session().scalars(select(ReviewTask.state)))
    assert states == {ReviewTaskState.DECIDED: n_items}


def _claim_all(app: Flask, worker: int) -> int:
    taken = 0
    with app.app_context():
        while batch := routing.claim_next_assignments(worker, 3):
            for assignment in batch:
                pipeline.submit_assignment(worker, assignment.public_id, {"label": "positive"})
                taken += 1
    return taken


def test_parallel_claims_never_spend_more_than_the_budget(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    postgres = app.extensions["db_engine"].dialect.name == "postgresql"
    n_workers = 12 if postgres else 4
    info = make_project(
        [("es", f"Reseña {n}: todo bien.") for n in range(200)], overlap=2, review={"sample_rate": 0.0}
    )
    workers = [annotator("es") for _ in range(n_workers)]
    affordable = 37
    with app.app_context():
        session = get_session()
        session.add(
            RateCard(project_id=info["id"], task_type="classification", language="es", currency="USD",
                     amount_minor=250)
        )  # fmt: skip
        session.commit()
        amount = affordable * 300 + 299  # 250 + 50 fee per judgment; not quite one more
        ledger.post_transaction(
            session,
            idempotency_key="funding",
            kind=TransactionKind.FUNDING,
            postings=[(AccountRef.cash("USD"), amount), (AccountRef.escrow(info["id"], "USD"), -amount)],
        )
        session.commit()
    with ThreadPoolExecutor(max_workers=n_workers) as pool:
        taken = sum(pool.map(lambda w: _claim_all(app, w), workers))
    assert taken == affordable
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Assignment)) == affordable
