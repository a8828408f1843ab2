"""Deliveries (numbered snapshots of a project's labels, their files and QA report) and the
client's webhook endpoints with the log of every message sent to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, utcnow
from marketplace.ids import new_public_id


class DeliveryState(StrEnum):
    #: Asked for; the build job has not finished (or crashed and will be retried by the sweeper).
    BUILDING = "building"
    READY = "ready"
    #: The build raised: ``error`` says why; a new request makes a new version.
    FAILED = "failed"


class DeliveryTrigger(StrEnum):
    REQUEST = "request"
    BATCH_COMPLETED = "batch_completed"
    CADENCE = "cadence"


class Delivery(Base):
    """One immutable version of a project's accepted labels. The version number is given when it
    is asked for (unique per project), so v2 always follows v1 even if v1's build is slower."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_public_id("dlv"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.BUILDING)
    trigger: Mapped[str] = mapped_column(String(24), default=DeliveryTrigger.REQUEST)
    #: Batches chosen (internal ids); empty: every complete item of the project.
    batch_ids: Mapped[list[Any]] = mapped_column(default=list)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Counts per language and class, ontology and guideline versions, each file's SHA-256 and size.
    manifest: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Against the previous ready version: counts of items added, changed and withdrawn.
    diff_summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The QA report as JSON (also stored as HTML and PDF files).
    qa_report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("delivery.id", ondelete="SET NULL"))
    storage_prefix: Mapped[str] = mapped_column(String(255), default="")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: When the current build attempt started: a build older than the lease is taken over.
    build_started_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class DeliveryItem(Base):
    """An item as one delivery holds it: what the next version's diff is computed against."""

    __tablename__ = "delivery_item"

    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), primary_key=True)
    label: Mapped[dict[str, Any] | None]
    #: SHA-256 of the label's canonical JSON: a changed label is a changed digest.
    label_digest: Mapped[str] = mapped_column(String(64))
    ontology_version: Mapped[int | None] = mapped_column(Integer)


class WebhookEndpoint(Base):
    """A URL of the client's that receives signed events it chose."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_public_id("whe"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    #: Signing key (shown to the client once at creation and on request to its owners).
    secret: Mapped[str] = mapped_column(String(80))
    #: The key before the last rotation: messages are signed with it too until
    #: ``previous_secret_until``, so a receiver can switch keys without refusing any message.
    previous_secret: Mapped[str | None] = mapped_column(String(80))
    previous_secret_until: Mapped[datetime | None]
    events: Mapped[list[Any]] = mapped_column(default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Why it was turned off (``repeated_failure`` or ``by_client``), shown on its page.
    disabled_reason: Mapped[str | None] = mapped_column(String(32))
    disabled_at: Mapped[datetime | None]
    #: Messages in a row that ran out of retries; reset by any success.
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookMessageState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    #: Retries exhausted (about a day); a redeliver makes it pending again.
    FAILED = "failed"


class WebhookMessage(Base):
    """One event for one endpoint, with its attempts: the delivery log a client reads."""

    __tablename__ = "webhook_message"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_message_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_public_id("whm"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("client_event.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default=WebhookMessageState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_duration_ms: Mapped[int | None] = mapped_column(BigInteger)
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
