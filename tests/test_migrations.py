"""The migrations are the schema's one source: they build it, undo it, and match the models."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from marketplace.db import Base
from tests.conftest import alembic_config, database_url, is_postgres


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A brand-new empty database on the same server as the suite's (or a new SQLite file)."""
    base = database_url(tmp_path)
    if not is_postgres(base):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"mkt_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_upgrade_downgrade_upgrade(empty_database: str) -> None:
    cfg = alembic_config(empty_database)
    command.upgrade(cfg, "head")
    expected = set(Base.metadata.tables)
    assert expected <= _tables(empty_database)
    command.downgrade(cfg, "base")
    assert _tables(empty_database) <= {"alembic_version"}
    command.upgrade(cfg, "head")
    assert expected <= _tables(empty_database)


def test_models_and_migrations_do_not_drift(empty_database: str) -> None:
    command.upgrade(alembic_config(empty_database), "head")
    engine = create_engine(empty_database)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
