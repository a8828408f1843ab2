"""Assignments (an annotator's lease on one item) and the log of routing events."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, utcnow
from marketplace.ids import new_public_id


class AssignmentState(StrEnum):
    """Where an assignment is. Only ``leased`` (while unexpired) and ``submitted`` hold a slot."""

    LEASED = "leased"
    SUBMITTED = "submitted"
    RELEASED = "released"
    SKIPPED = "skipped"
    EXPIRED = "expired"
    #: Submitted after the lease expired when the slot had been taken: kept, not counted.
    REFUSED_LATE = "refused_late"
    #: Submitted, then rejected in review: it no longer counts, and the item is redone by someone else.
    REJECTED = "rejected"


class Acceptance(StrEnum):
    """Whether a submitted judgment is accepted work (and paid). Separate from the lease state."""

    #: Not sampled for review: accepted automatically at ``accept_after``.
    PENDING = "pending"
    #: Waiting for a review decision.
    IN_REVIEW = "in_review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


#: Allowed changes; anything else is refused with 409.
ASSIGNMENT_TRANSITIONS: dict[AssignmentState, frozenset[AssignmentState]] = {
    AssignmentState.LEASED: frozenset(
        {
            AssignmentState.SUBMITTED,
            AssignmentState.RELEASED,
            AssignmentState.SKIPPED,
            AssignmentState.EXPIRED,
            AssignmentState.REFUSED_LATE,
        }
    ),
    AssignmentState.EXPIRED: frozenset({AssignmentState.SUBMITTED, AssignmentState.REFUSED_LATE}),
    AssignmentState.SUBMITTED: frozenset({AssignmentState.REJECTED}),
    AssignmentState.REJECTED: frozenset(),
    AssignmentState.RELEASED: frozenset(),
    AssignmentState.SKIPPED: frozenset(),
    AssignmentState.REFUSED_LATE: frozenset(),
}


class RoutingEventKind(StrEnum):
    CLAIMED = "claimed"
    SUBMITTED = "submitted"
    SUBMITTED_LATE = "submitted_late"
    REFUSED_LATE = "refused_late"
    RELEASED = "released"
    SKIPPED = "skipped"
    EXPIRED = "expired"
    REJECTED = "rejected"


class Assignment(Base):
    """One annotator's judgment of one item: a lease until it is submitted, released or expires.

    ``(item_id, annotator_id)`` is unique: an annotator never gets the same item twice, whatever
    happened to their earlier assignment.
    """

    __tablename__ = "assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_public_id("asg"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    annotator_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(35))
    state: Mapped[str] = mapped_column(String(16), default=AssignmentState.LEASED)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_expires_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    answer: Mapped[dict[str, Any] | None]
    seconds_spent: Mapped[int | None] = mapped_column(Integer)
    flagged_edge_case: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The language the annotator says the item is really in, when they report a wrong language.
    reported_language: Mapped[str | None] = mapped_column(String(35))
    comment: Mapped[str] = mapped_column(Text, default="")
    #: ``Acceptance`` once submitted; only accepted judgments are paid.
    acceptance: Mapped[str | None] = mapped_column(String(16))
    #: When a pending (unsampled) judgment is accepted automatically: the review period's end.
    accept_after: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    #: The rate card in force when the item was claimed (None: the project pays nothing for it).
    rate_minor: Mapped[int | None] = mapped_column(BigInteger)
    #: The platform's fee on top of the rate, fixed at the same moment.
    fee_minor: Mapped[int | None] = mapped_column(BigInteger)
    rate_currency: Mapped[str | None] = mapped_column(String(3))

    __table_args__ = (
        UniqueConstraint("item_id", "annotator_id"),
        CheckConstraint(
            "state IN ('leased', 'submitted', 'released', 'skipped', 'expired', 'refused_late', 'rejected')",
            name="state_known",
        ),
        CheckConstraint(
            "acceptance IS NULL OR acceptance IN ('pending', 'in_review', 'accepted', 'rejected')",
            name="acceptance_known",
        ),
        Index("ix_assignment_acceptance_accept_after", "acceptance", "accept_after"),
        Index("ix_assignment_annotator_state", "annotator_id", "state"),
        Index("ix_assignment_state_lease_expires_at", "state", "lease_expires_at"),
    )


class RoutingEvent(Base):
    """What happened to an assignment and when: the audit trail of routing."""

    __tablename__ = "routing_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (Index("ix_routing_event_project_at", "project_id", "at"),)
