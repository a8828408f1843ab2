"""A scratch PostgreSQL database for a benchmark: its URLs, made afresh with the migrations, dropped.

Benchmarks that need a server of their own (``routing``, ``ingest``) share these so that each builds
its schema the way the app does (``alembic upgrade head``) and never touches a database it did not
make.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def database_urls(server: str, database: str) -> tuple[str, str, str]:
    """(SQLAlchemy URL for the app, libpq URL for psycopg, libpq URL of the server's admin db)."""
    from sqlalchemy.engine import make_url

    base = make_url(server).set(drivername="postgresql")
    target = base.set(database=database)
    admin = base.set(database="postgres")
    return (
        target.set(drivername="postgresql+psycopg").render_as_string(hide_password=False),
        target.render_as_string(hide_password=False),
        admin.render_as_string(hide_password=False),
    )


def recreate_database(admin_dsn: str, database: str, app_url: str) -> None:
    """Drop and create the scratch database, then build its schema with the migrations."""
    import psycopg
    from alembic import command
    from alembic.config import Config
    from psycopg import sql

    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", app_url.replace("%", "%%"))
    cfg.attributes["configure_logging"] = False
    command.upgrade(cfg, "head")


def drop_database(admin_dsn: str, database: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
