"""Taking an answer back: the routing step of a submit.

It checks the answer against the task type and the ontology, decides whether a late answer still
counts, and stores it with its event, all under the locks of the assignment and item rows. It does
not conduct what follows (gold scoring, consensus, review intake, statistics): that is the submit
pipeline's (``marketplace.pipeline``), which calls this step first, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.db import get_session, utcnow
from marketplace.errors import Conflict, NotFound
from marketplace.projects.models import Item, Project
from marketplace.qualification import service as qualification
from marketplace.routing.assignment_lifecycle import can_move, move_assignment
from marketplace.routing.models import Assignment, AssignmentState, RoutingEventKind
from marketplace.routing.service import holds_slot
from marketplace.tasktypes import validate_answer
from marketplace.validation import FieldError, InvalidInput

#: Longest time an answer may claim to have taken (a day); longer values are a client bug.
MAX_SECONDS_SPENT = 24 * 3600


class LateSubmissionRefused(Conflict):
    """The lease expired and its slot went to someone else; the answer was kept but does not count."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Your time for this item ran out and another annotator has taken it. "
                "Your answer is saved, but it will not be counted."
            )
        )
        self.code = "lease_expired"


@dataclass(frozen=True)
class Submission:
    """A stored answer, with the rows the later stages need (locked in the request's session)."""

    assignment: Assignment
    item: Item
    project: Project
    late: bool
    gold: bool
    #: A retried request with the same answer: nothing was stored again.
    repeated: bool = False


def required_judgments(item: Item, project: Project) -> int:
    return item.judgments_required or project.overlap


def submitted_count(session: Session, item_id: int) -> int:
    query = (
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.item_id == item_id, Assignment.state == AssignmentState.SUBMITTED)
    )
    return session.scalar(query) or 0


def _slots_taken(session: Session, item_id: int, now: datetime, excluding: int | None = None) -> int:
    query = select(func.count()).select_from(Assignment).where(Assignment.item_id == item_id, holds_slot(now))
    if excluding is not None:
        query = query.where(Assignment.id != excluding)
    return session.scalar(query) or 0


def _check_answer(project: Project, item: Item, answer: Any) -> None:
    ontology = project.current_ontology
    labels = ontology.label_names if ontology else []
    errors = validate_answer(project.task_type, answer, item.payload, labels, project.task_config)
    if errors:
        raise InvalidInput(errors, status=max(400, _answer_status(errors)))


def _answer_status(errors: Iterable[FieldError]) -> int:
    schema_codes = {"required", "type", "unknown_field", "invalid_json"}
    return 400 if any(e.code in schema_codes for e in errors) else 422


def _check_seconds(seconds_spent: int | None, assignment: Assignment, now: datetime) -> int:
    if seconds_spent is None:
        return max(0, int((now - assignment.claimed_at).total_seconds()))
    if not 0 <= seconds_spent <= MAX_SECONDS_SPENT:
        raise InvalidInput(
            [
                FieldError(
                    "seconds_spent",
                    "invalid",
                    _("Must be a whole number from 0 to %(max)s.", max=MAX_SECONDS_SPENT),
                )
            ]
        )
    return seconds_spent


def _locked_rows(session: Session, annotator_id: int, public_id: str) -> tuple[Assignment, Item, Project]:
    # One statement locks both rows; claims lock the item too, so the two never interleave.
    # Lock order of the work path: item and assignment (FOR NO KEY UPDATE), then the project's
    # escrow account (accruals). A claim takes the escrow account first but never waits on an
    # item (SKIP LOCKED), and NO KEY UPDATE does not block the KEY SHARE lock its INSERT of an
    # assignment takes on the item row, so the two paths cannot deadlock.
    row = session.execute(
        select(Assignment, Item)
        .join(Item, Item.id == Assignment.item_id)
        .where(Assignment.public_id == public_id, Assignment.annotator_id == annotator_id)
        .with_for_update(key_share=True)
    ).first()
    if row is None:
        raise NotFound(_("No such assignment."))
    assignment, item = row
    project = session.get(Project, assignment.project_id)
    assert project is not None
    return assignment, item, project


def record_submission(
    annotator_id: int,
    public_id: str,
    answer: Any,
    *,
    seconds_spent: int | None = None,
    edge_case: bool = False,
    comment: str = "",
) -> Submission:
    """Store an answer in the current transaction (the caller commits). Valid answers on a live
    lease always count; a late answer counts if its slot is still free, and is otherwise kept as
    ``refused_late`` (committed here) and reported with ``LateSubmissionRefused``."""
    session = get_session()
    assignment, item, project = _locked_rows(session, annotator_id, public_id)
    gold = qualification.is_gold_item(item.id)
    if assignment.state == AssignmentState.SUBMITTED:
        if assignment.answer == answer:  # a retried request: same answer, same outcome
            return Submission(assignment, item, project, late=False, gold=gold, repeated=True)
        raise Conflict(_("This item was already submitted."))
    if not can_move(assignment, AssignmentState.SUBMITTED):
        raise Conflict(_("This item was given back and can no longer be submitted."))
    _check_answer(project, item, answer)
    now = utcnow()
    seconds = _check_seconds(seconds_spent, assignment, now)
    # Late is late, gold or not: the annotator is told the same either way. Hidden gold has no
    # slots to run out of, so a late gold answer counts, like a late answer whose slot is free.
    late = assignment.state == AssignmentState.EXPIRED or assignment.lease_expires_at <= now
    assignment.answer = answer
    assignment.seconds_spent = seconds
    assignment.flagged_edge_case = edge_case
    assignment.comment = comment[:2000]
    assignment.finished_at = now
    if (
        late
        and not gold
        and _slots_taken(session, item.id, now, excluding=assignment.id) >= required_judgments(item, project)
    ):
        move_assignment(session, assignment, AssignmentState.REFUSED_LATE, RoutingEventKind.REFUSED_LATE, now)
        session.commit()
        raise LateSubmissionRefused()
    move_assignment(
        session,
        assignment,
        AssignmentState.SUBMITTED,
        RoutingEventKind.SUBMITTED_LATE if late else RoutingEventKind.SUBMITTED,
        now,
        seconds_spent=seconds,
        edge_case=edge_case,
    )
    session.flush()
    return Submission(assignment, item, project, late=late, gold=gold)
