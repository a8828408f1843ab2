"""Qualification: gold answers, qualifications per (annotator, project, language), exam attempts,
hidden-gold scores, gold batches, and an index for the ops triage queue.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 20:58:36.086261
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import marketplace.db
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('exam_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('item_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('answers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('results', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('started_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', marketplace.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('in_progress', 'submitted', 'expired')", name=op.f('ck_exam_attempt_state_known')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_exam_attempt_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_exam_attempt_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_attempt')),
    sa.UniqueConstraint('public_id', name=op.f('uq_exam_attempt_public_id'))
    )
    with op.batch_alter_table('exam_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_exam_attempt_user_project_language', ['user_id', 'project_id', 'language'], unique=False)

    op.create_table('qualification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_score', sa.Float(), nullable=True),
    sa.Column('retry_at', marketplace.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('qualified_at', marketplace.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('accuracy_at_change', sa.Float(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('qualified', 'failed', 'suspended', 'revoked')", name=op.f('ck_qualification_state_known')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user.id'], name=op.f('fk_qualification_changed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_qualification_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_qualification_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qualification')),
    sa.UniqueConstraint('user_id', 'project_id', 'language', name=op.f('uq_qualification_user_id_project_id_language'))
    )
    with op.batch_alter_table('qualification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qualification_project_id'), ['project_id'], unique=False)

    op.create_table('gold_answer',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('answer', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_gold_answer_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_gold_answer_item_id_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_gold_answer_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_gold_answer'))
    )
    with op.batch_alter_table('gold_answer', schema=None) as batch_op:
        batch_op.create_index('ix_gold_answer_project_language', ['project_id', 'language'], unique=False)

    op.create_table('gold_score',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('scored_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_gold_score_assignment_id_assignment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_gold_score_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_gold_score_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assignment_id', name=op.f('pk_gold_score'))
    )
    with op.batch_alter_table('gold_score', schema=None) as batch_op:
        batch_op.create_index('ix_gold_score_user_project_language', ['user_id', 'project_id', 'language', 'scored_at'], unique=False)

    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=8), server_default='work', nullable=False))
        batch_op.create_check_constraint(op.f('ck_batch_kind_known'), "kind IN ('work', 'gold')")

    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.create_index('ix_item_state_declared_detected', ['state', 'declared_language', 'detected_language'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_index('ix_item_state_declared_detected')

    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_batch_kind_known'), type_='check')
        batch_op.drop_column('kind')

    with op.batch_alter_table('gold_score', schema=None) as batch_op:
        batch_op.drop_index('ix_gold_score_user_project_language')

    op.drop_table('gold_score')
    with op.batch_alter_table('gold_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_gold_answer_project_language')

    op.drop_table('gold_answer')
    with op.batch_alter_table('qualification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qualification_project_id'))

    op.drop_table('qualification')
    with op.batch_alter_table('exam_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_exam_attempt_user_project_language')

    op.drop_table('exam_attempt')
