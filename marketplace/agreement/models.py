"""Agreement statistics kept up to date as answers arrive.

Why coincidence matrices are stored: Krippendorff's α is a function of the coincidence matrix, and
matrices add. Keeping one per (project, language, batch) makes pooled α over any set of batches
exact, and an item's new answer updates its batch's matrix by removing the item's old contribution
and adding the new one, without reading the other items.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, utcnow


class AgreementStats(Base):
    """The nominal coincidence matrix of one (project, language, batch), and its counts."""

    __tablename__ = "agreement_stats"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(35))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"))
    #: The matrix as ``Coincidence.to_json`` writes it: integer pair counts per unit size, so sums
    #: and one-unit updates stay exact however many times they are applied.
    coincidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Items with at least two answers (pairable units) counted in the matrix.
    units: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("project_id", "language", "batch_id"),)


class ItemAgreement(Base):
    """What an item last contributed to its batch's matrix, its consensus and its agreement."""

    __tablename__ = "item_agreement"

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    #: The nominal values counted for this item (one per answer), in the matrix now.
    values: Mapped[list[Any]] = mapped_column(default=list)
    #: Mean pairwise agreement of the item's answers (task-type metric), None when undefined.
    agreement: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float | None] = mapped_column(Float)
    method: Mapped[str | None] = mapped_column(String(32))
    #: Annotator id → agreement of their answer with the consensus.
    annotators: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
