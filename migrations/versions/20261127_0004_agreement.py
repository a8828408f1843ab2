"""Agreement: coincidence matrices per (project, language, batch), per-item agreement and consensus
bookkeeping, and the edge-case reason of items.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 21:52:30.970597
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import marketplace.db
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agreement_stats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('coincidence', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('updated_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_agreement_stats_batch_id_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_agreement_stats_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_stats')),
    sa.UniqueConstraint('project_id', 'language', 'batch_id', name=op.f('uq_agreement_stats_project_id_language_batch_id'))
    )
    op.create_table('item_agreement',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('values', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('agreement', sa.Float(), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('method', sa.String(length=32), nullable=True),
    sa.Column('annotators', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_item_agreement_item_id_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_item_agreement_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_item_agreement'))
    )
    with op.batch_alter_table('item_agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_agreement_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edge_case_reason', sa.String(length=24), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_column('edge_case_reason')

    with op.batch_alter_table('item_agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_agreement_project_id'))

    op.drop_table('item_agreement')
    op.drop_table('agreement_stats')
