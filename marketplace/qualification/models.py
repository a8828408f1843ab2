"""Gold answers, qualifications per (annotator, project, language), exams and hidden-gold scores.

Gold answers live in their own table and are joined only by the scoring code: nothing an
annotator can read selects from it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
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


class QualificationState(StrEnum):
    #: Passed the exam: the annotator may work on the project in the language.
    QUALIFIED = "qualified"
    #: Failed the last exam; may retry after ``retry_at`` while attempts remain.
    FAILED = "failed"
    #: Hidden-gold accuracy fell below the threshold; ops reinstate or revoke.
    SUSPENDED = "suspended"
    #: Removed by ops for good.
    REVOKED = "revoked"


class ExamState(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    #: The time limit passed without a submission; scored with the answers saved so far.
    EXPIRED = "expired"


class GoldAnswer(Base):
    """The correct answer to a gold item, and why (shown after an exam, never during work)."""

    __tablename__ = "gold_answer"

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(35))
    answer: Mapped[dict[str, Any]]
    explanation: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_gold_answer_project_language", "project_id", "language"),)


class Qualification(Base):
    """Whether an annotator may work on a project in a language, and their exam history there."""

    __tablename__ = "qualification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(35))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_score: Mapped[float | None] = mapped_column(Float)
    retry_at: Mapped[datetime | None]
    qualified_at: Mapped[datetime | None]
    #: Why the state last changed ("exam_failed", "gold_accuracy", "ops"), shown to the annotator.
    reason: Mapped[str | None] = mapped_column(String(32))
    #: Rolling hidden-gold accuracy when the state last changed.
    accuracy_at_change: Mapped[float | None] = mapped_column(Float)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "project_id", "language"),
        CheckConstraint("state IN ('qualified', 'failed', 'suspended', 'revoked')", name="state_known"),
    )


class ExamAttempt(Base):
    """One sitting of a qualification exam: the gold items drawn for it, answers and the result."""

    __tablename__ = "exam_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_public_id("exm"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(35))
    state: Mapped[str] = mapped_column(String(16), default=ExamState.IN_PROGRESS)
    #: Gold item ids in the order shown; answers are keyed by position, never by item id.
    item_ids: Mapped[list[Any]]
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Per-question results, filled only when the exam is scored.
    results: Mapped[list[Any] | None]
    score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_exam_attempt_user_project_language", "user_id", "project_id", "language"),
        CheckConstraint("state IN ('in_progress', 'submitted', 'expired')", name="state_known"),
    )


class GoldScore(Base):
    """The score of one hidden-gold assignment; the rolling accuracy reads the latest of these."""

    __tablename__ = "gold_score"

    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignment.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(35))
    score: Mapped[float] = mapped_column(Float)
    correct: Mapped[bool] = mapped_column(Boolean)
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_gold_score_user_project_language", "user_id", "project_id", "language", "scored_at"),
    )


class GoldSeen(Base):
    """A gold item a person has seen other than as hidden gold in their own work: as a reviewer of
    a failed-gold judgment, where the expected answer is in view. Such an item is never served to
    them as hidden gold afterwards: they would know it for a check."""

    __tablename__ = "gold_seen"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
