"""Review tables: who may review which language, the review tasks, their outcomes per judgment,
appeals, and the counters that keep the review sample stratified."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, utcnow
from marketplace.ids import new_public_id


class ReviewReason(StrEnum):
    """Why an item (or one judgment) is in a review queue. An item may have several reasons."""

    #: Drawn by the stratified sample at the project's rate.
    SAMPLE = "sample"
    #: An annotator flagged it as an edge case.
    FLAGGED = "flagged"
    #: Still unresolved after dynamic overlap reached the project's maximum.
    UNRESOLVED = "unresolved"
    #: One judgment: a hidden-gold answer that scored below the mark.
    FAILED_GOLD = "failed_gold"
    #: An annotator reported that the item is not in the language it was routed as.
    LANGUAGE_REPORTED = "language_reported"
    #: Resolved, but the consensus confidence is below the project's low-agreement threshold.
    LOW_AGREEMENT = "low_agreement"


class ReviewTaskState(StrEnum):
    OPEN = "open"
    LEASED = "leased"
    DECIDED = "decided"
    #: The judgments it covered changed under it (an earlier pass rejected the item): nothing to do.
    CANCELLED = "cancelled"


class ReviewDecision(StrEnum):
    ACCEPT = "accept"
    #: Accept with the reviewer's corrected answer as the item's label.
    FIX = "fix"
    REJECT = "reject"


class RejectionReason(StrEnum):
    """Why judgments were rejected; a code, so each annotator reads it in their own language."""

    WRONG_LABEL = "wrong_label"
    GUIDELINES_NOT_FOLLOWED = "guidelines_not_followed"
    INCOMPLETE = "incomplete"
    LOW_EFFORT = "low_effort"
    WRONG_LANGUAGE = "wrong_language"
    OTHER = "other"


class JudgmentOutcome(StrEnum):
    ACCEPTED = "accepted"
    CORRECTED = "corrected"
    REJECTED = "rejected"


class AppealState(StrEnum):
    OPEN = "open"
    #: Ops kept the rejection.
    UPHELD = "upheld"
    #: Ops overturned it: the judgment is accepted (and paid).
    OVERTURNED = "overturned"


class ReviewerLanguage(Base):
    """A reviewer's right to review one language, granted by ops (to people qualified in it)."""

    __tablename__ = "reviewer_language"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(35), primary_key=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]


class ReviewTask(Base):
    """One review of an item (all its counted judgments), or of one judgment (failed hidden gold),
    in one pass. Claimed with a lease, like work.

    ``scope_key`` makes creation idempotent: ``item:<id>:<round>:<pass>`` or
    ``assignment:<id>:<pass>``. ``round`` counts the times the item entered review (a rejection
    sends it back to work, and it may enter review again when it completes).
    """

    __tablename__ = "review_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_public_id("rvw"))
    scope_key: Mapped[str] = mapped_column(String(80), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"))
    #: Set when the task covers one judgment only (failed hidden gold).
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(35))
    round: Mapped[int] = mapped_column(Integer, default=1)
    pass_number: Mapped[int] = mapped_column(Integer, default=1)
    #: Every reason the item is here (``ReviewReason`` values), with what triggered each.
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    state: Mapped[str] = mapped_column(String(16), default=ReviewTaskState.OPEN)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None]
    lease_expires_at: Mapped[datetime | None]
    decision: Mapped[str | None] = mapped_column(String(8))
    #: The reviewer's corrected answer (decision "fix").
    correction: Mapped[dict[str, Any] | None]
    rejection_reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    #: Public ids of the judgments a "reject" decision rejected (the rest were accepted).
    rejected_assignments: Mapped[list[Any]] = mapped_column(default=list)
    decided_at: Mapped[datetime | None]
    #: For pass 2 and later: whether this decision matches the previous pass's (reviewer agreement).
    agrees_with_previous: Mapped[bool | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        # Reviewers claim the oldest open task of their languages.
        Index("ix_review_task_state_language_id", "state", "language", "id"),
        CheckConstraint("state IN ('open', 'leased', 'decided', 'cancelled')", name="state_known"),
        CheckConstraint("decision IS NULL OR decision IN ('accept', 'fix', 'reject')", name="decision_known"),
        CheckConstraint("pass_number >= 1 AND round >= 1", name="pass_round_positive"),
    )


class ReviewOutcome(Base):
    """What a final review decision meant for one judgment: the annotator's feedback, and what an
    appeal contests."""

    __tablename__ = "review_outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_public_id("fbk"))
    review_task_id: Mapped[int] = mapped_column(ForeignKey("review_task.id", ondelete="CASCADE"))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(16))
    rejection_reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    #: The reviewer's answer when it differs from the annotator's (decision "fix").
    correction: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("review_task_id", "assignment_id"),
        Index("ix_review_outcome_annotator_created_at", "annotator_id", "created_at"),
        CheckConstraint("outcome IN ('accepted', 'corrected', 'rejected')", name="outcome_known"),
    )


class ReviewAppeal(Base):
    """An annotator's one appeal against a rejection; ops decide."""

    __tablename__ = "review_appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_public_id("apl"))
    #: Unique: one appeal per rejected judgment.
    outcome_id: Mapped[int] = mapped_column(ForeignKey("review_outcome.id", ondelete="CASCADE"), unique=True)
    annotator_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(35))
    message: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default=AppealState.OPEN)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint("state IN ('open', 'upheld', 'overturned')", name="state_known"),)


class ReviewStratum(Base):
    """Completed and sampled judgments per (project, language, annotator, class): the sample takes
    an item whenever one of its strata has fewer sampled than the rate asks, so every annotator and
    every class is seen, each at the rate."""

    __tablename__ = "review_stratum"

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(35), primary_key=True)
    annotator_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    class_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen: Mapped[int] = mapped_column(Integer, default=0)
    sampled: Mapped[int] = mapped_column(Integer, default=0)
