"""Foundation: accounts, roles, language profiles, organisations, API tokens, projects, ontologies,
guidelines, batches, items and item imports.

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 20:30:21.873789
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import marketplace.db
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('public_id', name=op.f('uq_organisation_public_id'))
    )
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('ui_locale', sa.String(length=16), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', marketplace.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('email', name=op.f('uq_user_email'))
    )
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', marketplace.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', marketplace.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_api_token_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_api_token_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('language_skill',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('is_native', sa.Boolean(), nullable=False),
    sa.Column('cefr_level', sa.String(length=2), nullable=True),
    sa.CheckConstraint("(is_native AND cefr_level IS NULL) OR (NOT is_native AND cefr_level IN ('A1', 'A2', 'B1', 'B2', 'C1', 'C2'))", name=op.f('ck_language_skill_native_or_level')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_language_skill_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_language_skill')),
    sa.UniqueConstraint('user_id', 'language', name=op.f('uq_language_skill_user_id_language'))
    )
    with op.batch_alter_table('language_skill', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_language_skill_user_id'), ['user_id'], unique=False)

    op.create_table('organisation_member',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('is_owner', sa.Boolean(), nullable=False),
    sa.Column('joined_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_member_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_organisation_member_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', 'user_id', name=op.f('pk_organisation_member'))
    )
    with op.batch_alter_table('organisation_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_member_user_id'), ['user_id'], unique=False)

    op.create_table('project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('task_type', sa.String(length=48), nullable=False),
    sa.Column('task_config', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('source_language', sa.String(length=35), nullable=False),
    sa.Column('overlap', sa.Integer(), nullable=False),
    sa.Column('max_overlap', sa.Integer(), nullable=False),
    sa.Column('lease_minutes', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('settings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('draft', 'active', 'paused', 'completed', 'archived')", name=op.f('ck_project_state_known')),
    sa.CheckConstraint('lease_minutes >= 1', name=op.f('ck_project_lease_positive')),
    sa.CheckConstraint('overlap >= 1 AND max_overlap >= overlap', name=op.f('ck_project_overlap_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_project_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_project_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project')),
    sa.UniqueConstraint('public_id', name=op.f('uq_project_public_id'))
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('user_role',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('granted_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("role IN ('annotator', 'client', 'reviewer', 'ops')", name=op.f('ck_user_role_role_known')),
    sa.ForeignKeyConstraint(['granted_by_id'], ['user.id'], name=op.f('fk_user_role_granted_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_role_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_role'))
    )
    op.create_table('batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('deadline', marketplace.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_batch_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch')),
    sa.UniqueConstraint('public_id', name=op.f('uq_batch_public_id'))
    )
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_project_id'), ['project_id'], unique=False)

    op.create_table('ontology_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('labels', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_ontology_version_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_ontology_version_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ontology_version')),
    sa.UniqueConstraint('project_id', 'version', name=op.f('uq_ontology_version_project_id_version'))
    )
    op.create_table('project_language',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_language_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'language', name=op.f('pk_project_language'))
    )
    op.create_table('guideline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ontology_version_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ontology_version_id'], ['ontology_version.id'], name=op.f('fk_guideline_ontology_version_id_ontology_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guideline')),
    sa.UniqueConstraint('ontology_version_id', 'language', name=op.f('uq_guideline_ontology_version_id_language'))
    )
    op.create_table('item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('client_metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('declared_language', sa.String(length=35), nullable=True),
    sa.Column('detected_language', sa.String(length=35), nullable=True),
    sa.Column('language_confidence', sa.Float(), nullable=True),
    sa.Column('language_method', sa.String(length=32), nullable=True),
    sa.Column('language', sa.String(length=35), nullable=True),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('consensus', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('awaiting_language', 'triage', 'ready', 'complete')", name=op.f('ck_item_state_known')),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_item_batch_id_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_item_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item')),
    sa.UniqueConstraint('project_id', 'external_id', name=op.f('uq_item_project_id_external_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_item_public_id'))
    )
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_item_project_state_language', ['project_id', 'state', 'language'], unique=False)

    op.create_table('item_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('batch_name', sa.String(length=200), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('created_by_token_id', sa.Integer(), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', marketplace.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', marketplace.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('queued', 'validating', 'storing', 'succeeded', 'failed')", name=op.f('ck_item_import_state_known')),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_item_import_batch_id_batch'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_token_id'], ['api_token.id'], name=op.f('fk_item_import_created_by_token_id_api_token'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], name=op.f('fk_item_import_created_by_user_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_item_import_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_import')),
    sa.UniqueConstraint('public_id', name=op.f('uq_item_import_public_id'))
    )
    with op.batch_alter_table('item_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_import_project_id'), ['project_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('item_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_import_project_id'))

    op.drop_table('item_import')
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_index('ix_item_project_state_language')
        batch_op.drop_index(batch_op.f('ix_item_batch_id'))

    op.drop_table('item')
    op.drop_table('guideline')
    op.drop_table('project_language')
    op.drop_table('ontology_version')
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_project_id'))

    op.drop_table('batch')
    op.drop_table('user_role')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_organisation_id'))

    op.drop_table('project')
    with op.batch_alter_table('organisation_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_member_user_id'))

    op.drop_table('organisation_member')
    with op.batch_alter_table('language_skill', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_language_skill_user_id'))

    op.drop_table('language_skill')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_organisation_id'))

    op.drop_table('api_token')
    op.drop_table('user')
    op.drop_table('organisation')
