"""Client organisations, their projects, ontology versions, guidelines, batches, items and uploads."""

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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, utcnow
from marketplace.ids import new_public_id


class ProjectState(StrEnum):
    """Life of a project. Only ``active`` projects hand out work."""

    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    ARCHIVED = "archived"


#: Allowed project state changes; anything else is refused with 409.
PROJECT_TRANSITIONS: dict[ProjectState, frozenset[ProjectState]] = {
    ProjectState.DRAFT: frozenset({ProjectState.ACTIVE, ProjectState.ARCHIVED}),
    ProjectState.ACTIVE: frozenset({ProjectState.PAUSED, ProjectState.COMPLETED}),
    ProjectState.PAUSED: frozenset({ProjectState.ACTIVE, ProjectState.COMPLETED}),
    ProjectState.COMPLETED: frozenset({ProjectState.ARCHIVED}),
    ProjectState.ARCHIVED: frozenset(),
}


class ItemState(StrEnum):
    """Where an item is on its way to a delivery."""

    #: Waiting for the language-detection job.
    AWAITING_LANGUAGE = "awaiting_language"
    #: Language undecided, mixed or contradicting the declared one: ops decide.
    TRIAGE = "triage"
    #: Language known; may be handed out to annotators.
    READY = "ready"
    #: Enough judgments collected.
    COMPLETE = "complete"


class ImportState(StrEnum):
    QUEUED = "queued"
    VALIDATING = "validating"
    STORING = "storing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_public_id("org"))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[OrganisationMember]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )


class OrganisationMember(Base):
    """A client user's membership: what lets a signed-in person see the organisation's projects."""

    __tablename__ = "organisation_member"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="members")


class Project(Base):
    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_public_id("prj"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    task_type: Mapped[str] = mapped_column(String(48))
    #: Task-type settings (rating scale, image label sets...), validated by the task type's config schema.
    task_config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The language guidelines are written in first; the visible fallback for missing translations.
    source_language: Mapped[str] = mapped_column(String(35))
    #: Annotators per item (k), and the ceiling dynamic overlap may raise it to.
    overlap: Mapped[int] = mapped_column(Integer, default=3)
    max_overlap: Mapped[int] = mapped_column(Integer, default=5)
    lease_minutes: Mapped[int] = mapped_column(Integer, default=30)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default=ProjectState.DRAFT)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    languages: Mapped[list[ProjectLanguage]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectLanguage.language"
    )
    ontology_versions: Mapped[list[OntologyVersion]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="OntologyVersion.version"
    )

    __table_args__ = (
        CheckConstraint("overlap >= 1 AND max_overlap >= overlap", name="overlap_range"),
        CheckConstraint("lease_minutes >= 1", name="lease_positive"),
        CheckConstraint(
            "state IN ('draft', 'active', 'paused', 'completed', 'archived')", name="state_known"
        ),
    )

    @property
    def language_codes(self) -> list[str]:
        return [pl.language for pl in self.languages]

    @property
    def current_ontology(self) -> OntologyVersion | None:
        return self.ontology_versions[-1] if self.ontology_versions else None


class ProjectLanguage(Base):
    """A target language of a project: items in it are labelled by native speakers of it."""

    __tablename__ = "project_language"

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(35), primary_key=True)

    project: Mapped[Project] = relationship(back_populates="languages")


class OntologyVersion(Base):
    """An immutable version of a project's labels. Changing the labels makes a new version."""

    __tablename__ = "ontology_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    #: ``[{"name", "definition", "edge_cases": [...], "examples": [...]}]``
    labels: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="ontology_versions")
    guidelines: Mapped[list[Guideline]] = relationship(
        back_populates="ontology_version", cascade="all, delete-orphan", order_by="Guideline.language"
    )

    __table_args__ = (UniqueConstraint("project_id", "version"),)

    @property
    def label_names(self) -> list[str]:
        return [label["name"] for label in self.labels]


class Guideline(Base):
    """The annotation guidelines of one ontology version in one language."""

    __tablename__ = "guideline"

    id: Mapped[int] = mapped_column(primary_key=True)
    ontology_version_id: Mapped[int] = mapped_column(ForeignKey("ontology_version.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(35))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    ontology_version: Mapped[OntologyVersion] = relationship(back_populates="guidelines")

    __table_args__ = (UniqueConstraint("ontology_version_id", "language"),)


class Batch(Base):
    """A group of items uploaded together; the unit of delivery and of the QA report."""

    __tablename__ = "batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_public_id("bat"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: "work" batches are the client's items; a "gold" batch holds a project's gold items, which
    #: are routed only as exam questions and hidden gold and never delivered.
    kind: Mapped[str] = mapped_column(String(8), default="work", server_default="work")
    deadline: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When every item of the batch was first complete (``batch.completed`` is sent once then).
    completed_at: Mapped[datetime | None]

    __table_args__ = (CheckConstraint("kind IN ('work', 'gold')", name="kind_known"),)


class Item(Base):
    """One thing to label. ``language`` is the effective language routing uses."""

    __tablename__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_public_id("itm"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]]
    client_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict)
    declared_language: Mapped[str | None] = mapped_column(String(35))
    detected_language: Mapped[str | None] = mapped_column(String(35))
    language_confidence: Mapped[float | None] = mapped_column(Float)
    language_method: Mapped[str | None] = mapped_column(String(32))
    #: The detector's top candidates ``[[language, probability], ...]``, shown in the triage queue.
    language_candidates: Mapped[list[Any] | None]
    #: Who set the language by hand (ops, from the triage queue) and when.
    language_set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    language_set_at: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(35))
    #: Why the item waits in triage: "too_short", "uncertain", "mixed", "mismatch", "reported"...
    triage_reason: Mapped[str | None] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(24), default=ItemState.AWAITING_LANGUAGE)
    #: Judgments wanted; None means the project's overlap. Dynamic overlap raises it per item.
    judgments_required: Mapped[int | None] = mapped_column(Integer)
    consensus: Mapped[dict[str, Any] | None]
    #: Why the item needs a reviewer's eye ("unresolved", ...): review takes 100% of these.
    edge_case_reason: Mapped[str | None] = mapped_column(String(24))
    #: The item's label for delivery: the consensus answer, or a reviewer's correction.
    label: Mapped[dict[str, Any] | None]
    #: Where ``label`` came from: "consensus", "review" (a reviewer accepted it) or "correction".
    label_source: Mapped[str | None] = mapped_column(String(16))
    #: The ontology version in force when ``label`` was set: a later version marks it as older.
    label_ontology_version: Mapped[int | None] = mapped_column(Integer)
    #: When ``label`` was last set (consensus, review or correction).
    labelled_at: Mapped[datetime | None]
    #: How many times the item entered review (a rejection sends it back to work, then review again).
    review_round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("project_id", "external_id"),
        Index("ix_item_project_state_language", "project_id", "state", "language"),
        # Routing walks a batch's ready items oldest first.
        Index("ix_item_batch_state_id", "batch_id", "state", "id"),
        # The ops triage queue groups items in triage by language pair, across projects.
        Index("ix_item_state_declared_detected", "state", "declared_language", "detected_language"),
        CheckConstraint("state IN ('awaiting_language', 'triage', 'ready', 'complete')", name="state_known"),
    )


class ItemImport(Base):
    """An upload of items, with its progress. Large uploads are parsed and stored by a job.

    The raw upload is kept in the database (not on one machine's disk) so any worker can take the job.
    """

    __tablename__ = "item_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_public_id("imp"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id", ondelete="SET NULL"))
    batch_name: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(8))
    filename: Mapped[str | None] = mapped_column(String(255))
    #: Deferred: a poll of the import's progress must not read the whole upload (21 MiB for 100k items).
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    state: Mapped[str] = mapped_column(String(16), default=ImportState.QUEUED)
    total: Mapped[int | None] = mapped_column(Integer)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    #: First problems found, each ``{"field", "code", "message"}``; the upload is refused whole.
    errors: Mapped[list[Any]] = mapped_column(default=list)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Declared languages read as another code, ``{"declared", "language", "items"}`` each
    #: (``iw`` → ``he``, ``zh-CN`` → the project's ``zh-Hans``): the client learns what was stored.
    language_notes: Mapped[list[Any]] = mapped_column(default=list)
    #: The locale of the uploader, so a job's error messages speak the caller's language.
    locale: Mapped[str] = mapped_column(String(16), default="en")
    created_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id", ondelete="SET NULL"))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(
            "state IN ('queued', 'validating', 'storing', 'succeeded', 'failed')", name="state_known"
        ),
    )
