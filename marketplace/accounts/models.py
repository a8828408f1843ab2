"""Users, their roles, their language profiles and the organisations' API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, utcnow


class Role(StrEnum):
    """What a person may do. One person may hold several roles."""

    ANNOTATOR = "annotator"
    CLIENT = "client"
    REVIEWER = "reviewer"
    OPS = "ops"


class CefrLevel(StrEnum):
    """Common European Framework levels for languages that are not native."""

    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"


class User(Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120))
    ui_locale: Mapped[str | None] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="joined", foreign_keys="UserRole.user_id"
    )
    language_skills: Mapped[list[LanguageSkill]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="LanguageSkill.language"
    )

    def has_role(self, role: Role) -> bool:
        return any(r.role == role for r in self.roles)

    @property
    def role_names(self) -> list[str]:
        return sorted(r.role for r in self.roles)

    # Flask-Login's user protocol, written out so nothing depends on a mixin's defaults.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class UserRole(Base):
    """A role held by a user, with who granted it and when (reviewer grants must be traceable)."""

    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])

    __table_args__ = (
        CheckConstraint("role IN ('annotator', 'client', 'reviewer', 'ops')", name="role_known"),
    )


class LanguageSkill(Base):
    """One language a person speaks: native, or with a CEFR level. Routing reads native languages."""

    __tablename__ = "language_skill"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(35))
    is_native: Mapped[bool] = mapped_column(Boolean)
    cefr_level: Mapped[str | None] = mapped_column(String(2))

    user: Mapped[User] = relationship(back_populates="language_skills")

    __table_args__ = (
        UniqueConstraint("user_id", "language"),
        CheckConstraint(
            "(is_native AND cefr_level IS NULL) OR "
            "(NOT is_native AND cefr_level IN ('A1', 'A2', 'B1', 'B2', 'C1', 'C2'))",
            name="native_or_level",
        ),
    )


class ApiToken(Base):
    """A client organisation's API credential. Only a hash is stored; the prefix identifies it in lists."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
