"""Routing: assignments (leases with a unique (item, annotator)), routing events, and per-item
judgment counts and triage reasons.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 20:47:21.526088
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import marketplace.db
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('annotator_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('claimed_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_expires_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', marketplace.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('seconds_spent', sa.Integer(), nullable=True),
    sa.Column('flagged_edge_case', sa.Boolean(), nullable=False),
    sa.Column('reported_language', sa.String(length=35), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['annotator_id'], ['user.id'], name=op.f('fk_assignment_annotator_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_assignment_item_id_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_assignment_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment')),
    sa.CheckConstraint("state IN ('leased', 'submitted', 'released', 'skipped', 'expired', 'refused_late')", name=op.f('ck_assignment_state_known')),
    sa.UniqueConstraint('item_id', 'annotator_id', name=op.f('uq_assignment_item_id_annotator_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_assignment_public_id'))
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index('ix_assignment_annotator_state', ['annotator_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_project_id'), ['project_id'], unique=False)
        batch_op.create_index('ix_assignment_state_lease_expires_at', ['state', 'lease_expires_at'], unique=False)

    op.create_table('routing_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('annotator_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['annotator_id'], ['user.id'], name=op.f('fk_routing_event_annotator_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_routing_event_assignment_id_assignment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_routing_event_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_event'))
    )
    with op.batch_alter_table('routing_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routing_event_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index('ix_routing_event_project_at', ['project_id', 'at'], unique=False)

    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('triage_reason', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('judgments_required', sa.Integer(), nullable=True))
        batch_op.drop_index('ix_item_batch_id')
        batch_op.create_index('ix_item_batch_state_id', ['batch_id', 'state', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_index('ix_item_batch_state_id')
        batch_op.create_index('ix_item_batch_id', ['batch_id'], unique=False)
        batch_op.drop_column('judgments_required')
        batch_op.drop_column('triage_reason')

    with op.batch_alter_table('routing_event', schema=None) as batch_op:
        batch_op.drop_index('ix_routing_event_project_at')
        batch_op.drop_index(batch_op.f('ix_routing_event_assignment_id'))

    op.drop_table('routing_event')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index('ix_assignment_state_lease_expires_at')
        batch_op.drop_index(batch_op.f('ix_assignment_project_id'))
        batch_op.drop_index('ix_assignment_annotator_state')

    op.drop_table('assignment')
