"""An assignment's two state machines, and the one place that moves each.

``state`` is the lease's life (leased → submitted / released / skipped / expired / refused late,
submitted → rejected) and every move of it leaves a ``RoutingEvent``; ``acceptance`` is whether a
submitted judgment is accepted work (and so paid). The ``assignment`` and ``routing_event`` tables
belong to ``routing``: review, payments and the submit pipeline change them only through these
functions, which refuse a move their transition table does not allow.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from marketplace.errors import Conflict
from marketplace.routing.models import (
    ASSIGNMENT_TRANSITIONS,
    Acceptance,
    Assignment,
    AssignmentState,
    RoutingEvent,
    RoutingEventKind,
)

#: Allowed changes of ``acceptance``; ``None`` is a judgment not through review intake yet.
ACCEPTANCE_TRANSITIONS: dict[Acceptance | None, frozenset[Acceptance]] = {
    # Intake: sampled (in review) or scheduled for automatic acceptance; a correct hidden-gold
    # answer is accepted at once.
    None: frozenset({Acceptance.PENDING, Acceptance.IN_REVIEW, Acceptance.ACCEPTED}),
    Acceptance.PENDING: frozenset({Acceptance.ACCEPTED, Acceptance.IN_REVIEW, Acceptance.REJECTED}),
    Acceptance.IN_REVIEW: frozenset({Acceptance.ACCEPTED, Acceptance.REJECTED}),
    # An appeal won: the rejected judgment is accepted and paid after all.
    Acceptance.REJECTED: frozenset({Acceptance.ACCEPTED}),
    Acceptance.ACCEPTED: frozenset(),
}


class IllegalAssignmentMove(Conflict):
    """A move a transition table does not allow (a bug or a race, never a user's mistake)."""

    def __init__(self, source: str | None, target: str) -> None:
        super().__init__(
            _("This judgment cannot go from %(source)s to %(target)s.", source=source or "-", target=target)
        )
        self.code = "illegal_transition"


def record_event(
    session: Session, assignment: Assignment, kind: RoutingEventKind, at: datetime, **detail: Any
) -> None:
    """Add the audit-trail row of something that happened to ``assignment``."""
    session.add(
        RoutingEvent(
            assignment_id=assignment.id,
            project_id=assignment.project_id,
            annotator_id=assignment.annotator_id,
            kind=kind,
            at=at,
            detail=detail,
        )
    )


def move_assignment(
    session: Session,
    assignment: Assignment,
    target: AssignmentState,
    kind: RoutingEventKind,
    now: datetime,
    **detail: Any,
) -> None:
    """Move the lease state (in the caller's transaction) and record the event of the move."""
    source = AssignmentState(assignment.state)
    if target not in ASSIGNMENT_TRANSITIONS[source]:
        raise IllegalAssignmentMove(source.value, target.value)
    assignment.state = target
    record_event(session, assignment, kind, now, **detail)


def can_move(assignment: Assignment, target: AssignmentState) -> bool:
    return target in ASSIGNMENT_TRANSITIONS[AssignmentState(assignment.state)]


def _move_acceptance(assignment: Assignment, target: Acceptance) -> None:
    source = Acceptance(assignment.acceptance) if assignment.acceptance is not None else None
    if target not in ACCEPTANCE_TRANSITIONS[source]:
        raise IllegalAssignmentMove(source.value if source else None, target.value)
    assignment.acceptance = target


def is_decided(assignment: Assignment) -> bool:
    """Accepted or rejected already: a second decision changes nothing."""
    return assignment.acceptance in (Acceptance.ACCEPTED, Acceptance.REJECTED)


def mark_accepted(assignment: Assignment, now: datetime) -> None:
    """The judgment is accepted work from ``now`` (the caller books its pay in the same unit)."""
    _move_acceptance(assignment, Acceptance.ACCEPTED)
    assignment.accepted_at = now
    assignment.accept_after = None


def mark_rejected(session: Session, assignment: Assignment, now: datetime, *, by: int) -> None:
    """The judgment is rejected: unpaid, and it stops counting towards its item's judgments."""
    _move_acceptance(assignment, Acceptance.REJECTED)
    assignment.accept_after = None
    if assignment.state == AssignmentState.SUBMITTED:
        move_assignment(session, assignment, AssignmentState.REJECTED, RoutingEventKind.REJECTED, now, by=by)


def hold_for_review(judgments: Iterable[Assignment]) -> None:
    """Sampled or an edge case: the judgments wait for a reviewer's decision."""
    for assignment in judgments:
        _move_acceptance(assignment, Acceptance.IN_REVIEW)
        assignment.accept_after = None


def schedule_auto_accept(judgments: Iterable[Assignment], now: datetime, hours: float) -> None:
    """Unsampled work: accepted when the review period ends, unless something intervenes."""
    due = now + timedelta(hours=hours)
    for assignment in judgments:
        _move_acceptance(assignment, Acceptance.PENDING)
        assignment.accept_after = due
