"""What annotators learn from review (accepted, corrected with the correction, rejected with the
reason in their own language), their one appeal per rejection, and ops' decision on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.db import get_session, utcnow
from marketplace.errors import Conflict, NotFound
from marketplace.projects.models import Item, Project
from marketplace.projects.presenters import timestamp
from marketplace.review.acceptance import overturn_rejection
from marketplace.review.models import (
    AppealState,
    JudgmentOutcome,
    RejectionReason,
    ReviewAppeal,
    ReviewOutcome,
)
from marketplace.routing.models import Assignment
from marketplace.validation import FieldError, InvalidInput

#: Longest appeal message kept.
MAX_APPEAL = 2000

#: The rejection reasons as the annotator reads them, in their language.
REJECTION_REASON_TEXT = {
    RejectionReason.WRONG_LABEL: _l("The answer does not match the item."),
    RejectionReason.GUIDELINES_NOT_FOLLOWED: _l("The answer does not follow the guidelines."),
    RejectionReason.INCOMPLETE: _l("The answer is incomplete."),
    RejectionReason.LOW_EFFORT: _l("The answer looks rushed or careless."),
    RejectionReason.WRONG_LANGUAGE: _l("The item is not in the language it was given to you in."),
    RejectionReason.OTHER: _l("See the reviewer's note."),
}

OUTCOME_TEXT = {
    JudgmentOutcome.ACCEPTED: _l("Accepted"),
    JudgmentOutcome.CORRECTED: _l("Accepted with a correction"),
    JudgmentOutcome.REJECTED: _l("Rejected"),
}

APPEAL_STATE_TEXT = {
    AppealState.OPEN: _l("Appeal waiting for a decision"),
    AppealState.UPHELD: _l("Appeal turned down"),
    AppealState.OVERTURNED: _l("Appeal granted: the work is accepted"),
}


def reason_text(code: str | None) -> str:
    if code is None:
        return ""
    try:
        return str(REJECTION_REASON_TEXT[RejectionReason(code)])
    except ValueError:
        return code


@dataclass(frozen=True)
class FeedbackEntry:
    outcome: ReviewOutcome
    assignment: Assignment
    item: Item
    project: Project
    appeal: ReviewAppeal | None

    @property
    def can_appeal(self) -> bool:
        return self.outcome.outcome == JudgmentOutcome.REJECTED and self.appeal is None


def annotator_feedback(user_id: int, limit: int = 50, before_id: int | None = None) -> list[FeedbackEntry]:
    """The annotator's review outcomes, newest first (only their own)."""
    query = (
        select(ReviewOutcome, Assignment, Item, Project, ReviewAppeal)
        .join(Assignment, Assignment.id == ReviewOutcome.assignment_id)
        .join(Item, Item.id == Assignment.item_id)
        .join(Project, Project.id == Assignment.project_id)
        .outerjoin(ReviewAppeal, ReviewAppeal.outcome_id == ReviewOutcome.id)
        .where(ReviewOutcome.annotator_id == user_id)
        .order_by(ReviewOutcome.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(ReviewOutcome.id < before_id)
    return [FeedbackEntry(*row) for row in get_session().execute(query)]


def appeal(user_id: int, outcome_public_id: str, message: str) -> ReviewAppeal:
    """Appeal a rejection of one's own judgment, once."""
    session = get_session()
    outcome = session.scalar(
        select(ReviewOutcome)
        .where(ReviewOutcome.public_id == outcome_public_id, ReviewOutcome.annotator_id == user_id)
        .with_for_update()
    )
    if outcome is None:
        raise NotFound(_("No such review result."))
    if outcome.outcome != JudgmentOutcome.REJECTED:
        raise Conflict(_("Only rejected work can be appealed."))
    if session.scalar(select(ReviewAppeal.id).where(ReviewAppeal.outcome_id == outcome.id)) is not None:
        raise Conflict(_("You have already appealed this decision."))
    text = message.strip()
    if not text:
        raise InvalidInput(
            [FieldError("message", "required", _("Explain why the decision should change."))], status=422
        )
    assignment = session.get(Assignment, outcome.assignment_id)
    assert assignment is not None
    row = ReviewAppeal(
        outcome_id=outcome.id, annotator_id=user_id, language=assignment.language, message=text[:MAX_APPEAL]
    )
    session.add(row)
    session.commit()
    return row


@dataclass(frozen=True)
class AppealView:
    appeal: ReviewAppeal
    outcome: ReviewOutcome
    assignment: Assignment
    item: Item
    annotator: User


def list_appeals(
    states: Sequence[str] = (AppealState.OPEN,), language: str | None = None
) -> list[AppealView]:
    query = (
        select(ReviewAppeal, ReviewOutcome, Assignment, Item, User)
        .join(ReviewOutcome, ReviewOutcome.id == ReviewAppeal.outcome_id)
        .join(Assignment, Assignment.id == ReviewOutcome.assignment_id)
        .join(Item, Item.id == Assignment.item_id)
        .join(User, User.id == ReviewAppeal.annotator_id)
        .where(ReviewAppeal.state.in_(list(states)))
        .order_by(ReviewAppeal.id)
    )
    if language:
        query = query.where(ReviewAppeal.language == language)
    return [AppealView(*row) for row in get_session().execute(query).unique()]


def decide_appeal(ops_user_id: int, appeal_public_id: str, *, overturn: bool, note: str = "") -> ReviewAppeal:
    """Ops decide an appeal. Overturned: the judgment is accepted and paid (it does not return to
    its item, which was redone meanwhile)."""
    session = get_session()
    row = session.scalar(
        select(ReviewAppeal).where(ReviewAppeal.public_id == appeal_public_id).with_for_update()
    )
    if row is None:
        raise NotFound(_("No such appeal."))
    if row.state != AppealState.OPEN:
        raise Conflict(_("This appeal has already been decided."))
    now = utcnow()
    row.state = AppealState.OVERTURNED if overturn else AppealState.UPHELD
    row.decided_by_id = ops_user_id
    row.decided_at = now
    row.decision_note = note.strip()[:MAX_APPEAL]
    if overturn:
        outcome = session.get(ReviewOutcome, row.outcome_id)
        assert outcome is not None
        assignment = session.get(Assignment, outcome.assignment_id, with_for_update=True)
        assert assignment is not None
        overturn_rejection(session, assignment, now, by=ops_user_id)
    session.commit()
    return row


def feedback_json(entry: FeedbackEntry, excerpt: str | None) -> dict[str, Any]:
    """The annotator's view of one outcome (shared by the API and the page)."""
    outcome = entry.outcome
    return {
        "id": outcome.public_id,
        "assignment": entry.assignment.public_id,
        "project": {"id": entry.project.public_id, "name": entry.project.name},
        "language": entry.assignment.language,
        "excerpt": excerpt,
        "outcome": outcome.outcome,
        "outcome_text": str(OUTCOME_TEXT[JudgmentOutcome(outcome.outcome)]),
        "your_answer": entry.assignment.answer,
        "correction": outcome.correction,
        "reason": outcome.rejection_reason,
        "reason_text": reason_text(outcome.rejection_reason),
        "note": outcome.note,
        "decided_at": _iso(outcome.created_at),
        "appeal": None
        if entry.appeal is None
        else {
            "id": entry.appeal.public_id,
            "state": entry.appeal.state,
            "state_text": str(APPEAL_STATE_TEXT[AppealState(entry.appeal.state)]),
            "decision_note": entry.appeal.decision_note,
        },
        "can_appeal": entry.can_appeal,
    }


def _iso(value: datetime) -> str | None:
    return timestamp(value)
