"""Triage: the detector's top candidates on each item, and who set an item's language by hand and
when.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 22:25:07.797518
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import marketplace.db
from sqlalchemy.dialects import postgresql

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language_candidates', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('language_set_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('language_set_at', marketplace.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_item_language_set_by_id_user'), 'user', ['language_set_by_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_item_language_set_by_id_user'), type_='foreignkey')
        batch_op.drop_column('language_set_at')
        batch_op.drop_column('language_set_by_id')
        batch_op.drop_column('language_candidates')

