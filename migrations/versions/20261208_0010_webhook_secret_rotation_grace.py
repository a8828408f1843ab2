"""A rotated webhook secret keeps signing next to the new one for a grace period.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 01:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marketplace.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoint") as batch_op:
        batch_op.add_column(sa.Column("previous_secret", sa.String(length=80), nullable=True))
        batch_op.add_column(
            sa.Column("previous_secret_until", marketplace.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoint") as batch_op:
        batch_op.drop_column("previous_secret_until")
        batch_op.drop_column("previous_secret")
