"""An assignment's acceptance table and the moves built on it: each allowed move passes, every
other is refused, and a rejection moves the lease state with its event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from marketplace.routing import assignment_lifecycle as lifecycle
from marketplace.routing.assignment_lifecycle import ACCEPTANCE_TRANSITIONS, IllegalAssignmentMove
from marketplace.routing.models import Acceptance, Assignment, AssignmentState, RoutingEvent

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

ALLOWED = {
    (None, Acceptance.PENDING),
    (None, Acceptance.IN_REVIEW),
    (None, Acceptance.ACCEPTED),
    (Acceptance.PENDING, Acceptance.ACCEPTED),
    (Acceptance.PENDING, Acceptance.IN_REVIEW),
    (Acceptance.PENDING, Acceptance.REJECTED),
    (Acceptance.IN_REVIEW, Acceptance.ACCEPTED),
    (Acceptance.IN_REVIEW, Acceptance.REJECTED),
    (Acceptance.REJECTED, Acceptance.ACCEPTED),
}


class _Session:
    """Collects what a move adds (the routing event) without a database."""

    def __init__(self) -> None:
        self.added: list[object] = []

    def add(self, row: object) -> None:
        self.added.append(row)


def test_the_acceptance_table_is_exactly_the_documented_moves() -> None:
    table = {(source, target) for source, targets in ACCEPTANCE_TRANSITIONS.items() for target in targets}
    assert table == ALLOWED


@pytest.mark.parametrize("source", [None, *Acceptance])
def test_accepting_follows_the_table(app: Flask, source: Acceptance | None) -> None:
    target = Acceptance.ACCEPTED
    assignment = Assignment(acceptance=source, accept_after=NOW, accepted_at=None)
    with app.test_request_context():
        if (source, target) in ALLOWED:
            lifecycle.mark_accepted(assignment, NOW)
            assert (assignment.acceptance, assignment.accepted_at, assignment.accept_after) == (
                target,
                NOW,
                None,
            )
        else:
            with pytest.raises(IllegalAssignmentMove):
                lifecycle.mark_accepted(assignment, NOW)
            assert assignment.acceptance == source


def test_review_holds_and_schedules_only_fresh_judgments(app: Flask) -> None:
    fresh, pending = Assignment(acceptance=None), Assignment(acceptance=None)
    lifecycle.schedule_auto_accept([pending], NOW, 72)
    assert (pending.acceptance, pending.accept_after) == (Acceptance.PENDING, NOW + timedelta(hours=72))
    lifecycle.hold_for_review([fresh, pending])
    assert [(a.acceptance, a.accept_after) for a in (fresh, pending)] == [(Acceptance.IN_REVIEW, None)] * 2
    accepted = Assignment(acceptance=Acceptance.ACCEPTED)
    with app.test_request_context(), pytest.raises(IllegalAssignmentMove):
        lifecycle.hold_for_review([accepted])


def test_a_rejection_moves_the_lease_state_and_records_who(app: Flask) -> None:
    session = _Session()
    assignment = Assignment(
        id=7, project_id=3, annotator_id=5, state=AssignmentState.SUBMITTED, acceptance=Acceptance.IN_REVIEW
    )
    with app.test_request_context():
        lifecycle.mark_rejected(session, assignment, NOW, by=11)  # type: ignore[arg-type]
    assert (assignment.state, assignment.acceptance, assignment.accept_after) == (
        AssignmentState.REJECTED,
        Acceptance.REJECTED,
        None,
    )
    (event,) = session.added
    assert isinstance(event, RoutingEvent)
    assert (
        event.assignment_id,
        event.project_id,
        event.annotator_id,
        event.kind,
        event.at,
        event.detail,
    ) == (
        7,
        3,
        5,
        "rejected",
        NOW,
        {"by": 11},
    )
    # Rejected twice is a bug or a race: refused, nothing added.
    with app.test_request_context(), pytest.raises(IllegalAssignmentMove):
        lifecycle.mark_rejected(session, assignment, NOW, by=11)  # type: ignore[arg-type]
    assert len(session.added) == 1
