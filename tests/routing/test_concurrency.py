"""Many annotators claiming at once: no item over-assigned, nobody twice on an item, all completed.

On PostgreSQL this is the issue's case (50 annotators, 2,000 items, overlap 3), exercising
``FOR UPDATE SKIP LOCKED``; on SQLite a smaller run shows writers are serialised correctly.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace.db import get_session
from marketplace.pipeline import submit as pipeline
from marketplace.projects.models import Item, ItemState
from marketplace.routing import service as routing
from marketplace.routing.models import Assignment, AssignmentState

OVERLAP = 3


def _work(app: Flask, annotator_id: int) -> int:
    """Claim and submit until there is nothing left for this annotator; returns answers given."""
    answered = 0
    with app.app_context():
        while True:
            batch = routing.claim_next_assignments(annotator_id, 1)
            if not batch:
                return answered
            for assignment in batch:
                pipeline.submit_assignment(annotator_id, assignment.public_id, {"label": "positive"})
                answered += 1


@pytest.mark.slow
def test_parallel_annotators_never_over_assign(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    postgres = app.extensions["db_engine"].dialect.name == "postgresql"
    n_items, n_annotators = (2000, 50) if postgres else (150, 8)
    make_project([("en", f"message number {n}") for n in range(n_items)], overlap=OVERLAP)
    annotators = [annotator("en") for _ in range(n_annotators)]

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=n_annotators) as pool:
        answers = list(pool.map(lambda a: _work(app, a), annotators))
    elapsed = time.perf_counter() - started

    assert sum(answers) == n_items * OVERLAP
    with app.app_context():
        session = get_session()
        per_item = Counter(
            session.scalars(select(Assignment.item_id).where(Assignment.state == AssignmentState.SUBMITTED))
        )
        pairs = session.execute(
            select(Assignment.item_id, Assignment.annotator_id, func.count())
            .group_by(Assignment.item_id, Assignment.annotator_id)
            .having(func.count() > 1)
        ).all()
        complete = session.scalar(
            select(func.count()).select_from(Item).where(Item.state == ItemState.COMPLETE)
        )
        other_states = session.scalar(
            select(func.count()).select_from(Assignment).where(Assignment.state != AssignmentState.SUBMITTED)
        )
    assert len(per_item) == n_items
    assert max(per_item.values()) == OVERLAP == min(per_item.values()), "an item was over- or under-assigned"
    assert pairs == [], "an annotator got the same item twice"
    assert complete == n_items
    assert other_states == 0
    print(
        f"\n{n_annotators} annotators, {n_items} items x {OVERLAP}: {sum(answers)} cycles in {elapsed:.1f}s "
        f"({sum(answers) / elapsed:.0f}/s)"
    )
