"""Database plumbing: the declarative base, one engine per app, one session per request or job.

The naming convention gives every constraint a stable name, so Alembic can drop and alter them
the same way on PostgreSQL and SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from flask import Flask, current_app, g
from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import Insert as PostgresqlInsert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: JSON everywhere, stored as JSONB on PostgreSQL so it can be indexed and queried.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite drops the offset; we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
    }


def is_postgresql(session: Session) -> bool:
    """Whether the session talks to PostgreSQL. Row locks (FOR UPDATE, SKIP LOCKED) only mean
    something there; SQLite serialises writers instead, so callers take them only on PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def insert_ignoring_conflicts(
    session: Session,
    model: type[Base],
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    index_elements: Sequence[str] | None = None,
) -> PostgresqlInsert | SqliteInsert:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the session's dialect: how a row that concurrent
    jobs may all try to create (a statistics row, a ledger account, a webhook event) is created
    once. Returns the statement, so a caller can add ``RETURNING``."""
    if is_postgresql(session):
        return postgresql_insert(model).values(values).on_conflict_do_nothing(index_elements=index_elements)
    return sqlite_insert(model).values(values).on_conflict_do_nothing(index_elements=index_elements)


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a SQLite file (the embedded default lives in ``instance/``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, echo: bool = False, pool_size: int = 10) -> Engine:
    """Create the engine; SQLite gets foreign keys, WAL and a busy timeout so writers queue, not fail."""
    if url.startswith("sqlite"):
        ensure_sqlite_directory(url)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's BEGIN below open the transaction, so writes take the lock up front.
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # IMMEDIATE takes the write lock at the start: SQLite then serialises writers cleanly
            # instead of failing one of two that upgraded a read lock at the same time.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size)


def init_app(app: Flask) -> None:
    engine = make_engine(
        app.config["DATABASE_URL"], app.config["DATABASE_ECHO"], app.config["DATABASE_POOL_SIZE"]
    )
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_engine() -> Engine:
    engine: Engine = current_app.extensions["db_engine"]
    return engine


def get_session() -> Session:
    """The session of the current request or job; closed when its app context ends."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
    session: Session = g.db_session
    return session


@contextmanager
def new_session() -> Iterator[Session]:
    """A session of its own, for work that must commit apart from the request (job progress)."""
    session: Session = current_app.extensions["db_sessionmaker"]()
    try:
        yield session
    finally:
        session.close()


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


#: PostgreSQL's "try again" errors: deadlock_detected and serialization_failure.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def is_retryable_conflict(error: BaseException) -> bool:
    """Whether ``error`` means "another transaction was in the way; run yours again": the whole
    transaction was rolled back by the database, so repeating the use-case is safe and right."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(error, DBAPIError):
        return False
    sqlstate = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return sqlstate in RETRYABLE_SQLSTATES
