"""Test fixtures: a real database (PostgreSQL when DATABASE_URL is set, else a SQLite file) built by
the migrations, real Redis when REDIS_URL is set, and helpers to act as each kind of user.

Every test starts from empty tables: rows are removed after each test rather than rolled back, so
code under test commits for real (concurrency tests need that).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from marketplace import create_app
from marketplace.config import normalize_database_url
from marketplace.db import Base, get_session

ROOT = Path(__file__).resolve().parent.parent


def database_url(tmp_dir: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalize_database_url(url)
    return f"sqlite:///{tmp_dir / 'test.sqlite3'}"


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logging"] = False
    return cfg


def reset_database(url: str) -> None:
    """Drop everything and rebuild the schema from the migrations (never from the models)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if is_postgres(url):
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    command.upgrade(alembic_config(url), "head")


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = database_url(tmp_path_factory.mktemp("db"))
    reset_database(url)
    return url


@pytest.fixture(scope="session")
def app(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    redis_url = os.environ.get("REDIS_URL") or None
    application = create_app(
        {
            "TESTING": True,
            # Deliveries and other files in a folder of this session, not the checkout's instance/.
            "STORAGE_LOCAL_ROOT": str(tmp_path_factory.mktemp("storage")),
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "JOBS_MODE": "rq" if redis_url else "inline",
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "SYNC_UPLOAD_MAX_ITEMS": 100,
            # The concurrency tests run 50 threads, each with its own connection.
            "DATABASE_POOL_SIZE": 30,
        }
    )
    yield application
    application.extensions["db_engine"].dispose()


def _wipe(app: Flask) -> None:
    engine = app.extensions["db_engine"]
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
            )
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
    redis = app.extensions.get("redis")
    if redis is not None:
        redis.flushdb()


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    application: Flask = request.getfixturevalue("app")
    _wipe(application)
    yield
    _wipe(application)


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def run_jobs(app: Flask) -> Callable[[], int]:
    """Run every queued job to completion in this process (a no-op when jobs run inline)."""

    def run() -> int:
        if app.config["JOBS_MODE"] != "rq":
            return 0
        from rq import Queue

        from marketplace.jobs import ALL_QUEUES
        from workers.__main__ import make_worker

        redis = app.extensions["redis"]
        queues = [Queue(name, connection=redis) for name in ALL_QUEUES]
        pending = sum(q.count for q in queues)
        # The project's own worker class: jobs in the app context, no fork, commands polled each
        # second (RQ's 60 s poll made a burst worker wait up to a minute after its last job).
        make_worker(app, list(ALL_QUEUES)).work(burst=True, with_scheduler=False)
        return pending

    return run


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str) -> str:
    page = client.get(url)
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """Submit a form as a browser would: fetch the page for its CSRF token, then post."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)}, **kwargs)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Any]:
    from marketplace.accounts import service
    from marketplace.accounts.models import Role

    def make(
        email: str = "ann@example.org",
        password: str = "correct horse battery",
        roles: tuple[Role, ...] = (Role.ANNOTATOR,),
        native: tuple[str, ...] = ("es",),
        ui_locale: str | None = None,
    ) -> int:
        with app.app_context():
            user = service.create_user(email, password, email.split("@")[0], list(roles), ui_locale)
            if native:
                service.update_language_profile(
                    user.id, [service.LanguageEntry(code, True) for code in native]
                )
            return user.id

    return make


@pytest.fixture
def login(client: FlaskClient) -> Callable[[str, str], Any]:
    def do(email: str, password: str = "correct horse battery") -> Any:
        response = post_form(client, "/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do


@pytest.fixture
def client_org(app: Flask) -> dict[str, Any]:
    """A client organisation with an owner and an API token; returns ids and the raw token."""
    from marketplace.accounts import service as accounts
    from marketplace.accounts.models import Role
    from marketplace.projects import organisations

    with app.app_context():
        owner = accounts.create_user("owner@client.example", "correct horse battery", "Owner", [Role.CLIENT])
        org = organisations.create_organisation("Acme Labs", owner_user_id=owner.id)
        token, raw = accounts.issue_api_token(org.id, "ci")
        return {"organisation_id": org.id, "owner_id": owner.id, "token": raw, "token_id": token.id}


@pytest.fixture
def api(client: FlaskClient, client_org: dict[str, Any]) -> Callable[..., Any]:
    """Call the API with the client organisation's bearer token: ``api("POST", "/projects", json=...)``."""

    def call(method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {client_org['token']}", **kwargs.pop("headers", {})}
        return client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    return call


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow fault, fuzz and load tests (``@pytest.mark.slow``) run once per CI run, in its
    PostgreSQL pass: the SQLite pass skips them."""
    if os.environ.get("DATABASE_URL"):
        return
    skip = pytest.mark.skip(reason="slow fault/fuzz/load test: runs in the PostgreSQL pass")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def session() -> Any:
    return get_session()


# --- projects with items, and annotators to work them --------------------------------------

LABELS = [
    {"name": "positive", "definition": "Happy customer.", "edge_cases": [], "examples": []},
    {"name": "negative", "definition": "Unhappy customer.", "edge_cases": [], "examples": []},
]


@pytest.fixture
def organisation(app: Flask) -> int:
    from marketplace.projects import organisations

    with app.app_context():
        return organisations.create_organisation("Routing Co").id


@pytest.fixture
def make_project(app: Flask, organisation: int, run_jobs: Callable[[], int]) -> Callable[..., dict[str, Any]]:
    """Create an active classification project with ``items`` = [(language, text), ...]."""

    from marketplace.projects import service as projects
    from marketplace.projects.ingest import upload_items
    from marketplace.projects.models import ProjectState
    from marketplace.projects.upload_parsing import Upload

    def make(
        items: Sequence[tuple[str, str]],
        *,
        languages: Sequence[str] | None = None,
        overlap: int = 3,
        priority: int = 0,
        lease_minutes: int = 30,
        name: str = "Sentiment",
        batch: dict[str, Any] | None = None,
        activate: bool = True,
        exam_required: bool = False,
        qualification: dict[str, Any] | None = None,
        review: dict[str, Any] | None = None,
        labels: Sequence[str] | None = None,
        max_overlap: int | None = None,
    ) -> dict[str, Any]:
        langs = sorted(set(languages or [lang for lang, _ in items]))
        with app.app_context():
            project = projects.create_project(
                organisation,
                {
                    "name": name,
                    "task_type": "classification",
                    "source_language": langs[0],
                    "languages": langs,
                    "overlap": overlap,
                    "max_overlap": max_overlap or max(overlap, 5),
                    "lease_minutes": lease_minutes,
                    "priority": priority,
                    "ontology": {
                        "labels": [
                            {"name": name, "definition": name, "edge_cases": [], "examples": []}
                            for name in labels
                        ]
                        if labels
                        else LABELS
                    },
                    "guidelines": {langs[0]: "Pick the customer's feeling."},
                    # Routing tests use open projects (native speakers, no exam) unless asked.
                    "settings": {
                        "qualification": {"required": exam_required, **(qualification or {})},
                        **({"review": review} if review is not None else {}),
                    },
                },
            )
            if activate:
                projects.set_project_state(project.id, ProjectState.ACTIVE, None)
            document = {
                "batch": batch or {"name": "b1"},
                "items": [
                    {"external_id": f"{name}-{n}", "language": lang, "payload": {"text": text}}
                    for n, (lang, text) in enumerate(items)
                ],
            }
            upload = Upload(format="json", content=json.dumps(document).encode())
            upload_items(project.id, upload)
            info = {"id": project.id, "public_id": project.public_id}
        run_jobs()
        return info

    return make


@pytest.fixture
def annotator(app: Flask) -> Callable[..., int]:
    from marketplace.accounts import service as accounts
    from marketplace.accounts.models import Role

    counter = iter(range(10_000))

    def make(*native: str, roles: tuple[str, ...] = ("annotator",)) -> int:
        with app.app_context():
            user = accounts.create_user(
                f"annotator{next(counter)}@example.org",
                "correct horse battery",
                "A",
                [Role(r) for r in roles],
            )
            accounts.update_language_profile(user.id, [accounts.LanguageEntry(code, True) for code in native])
            return user.id

    return make


# --- object storage: a real S3-compatible server on loopback (tests/s3_server.py) -------------


@pytest.fixture(scope="session")
def s3_server() -> Iterator[Any]:
    """moto's standalone S3 server, started once per session (buckets keep tests apart)."""
    from tests.s3_server import MotoS3Server

    with MotoS3Server() as server:
        yield server


@pytest.fixture
def s3_storage(s3_server: Any) -> Iterator[Any]:
    """An ``S3Storage`` on a fresh, empty bucket of the session's server; its client closed after."""
    storage = s3_server.storage()
    yield storage
    storage.close()


@pytest.fixture
def app_with_s3(app: Flask, s3_storage: Any, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The test app with ``get_storage()`` answering ``s3_storage`` for this test only."""
    from marketplace.storage import EXTENSION_KEY

    monkeypatch.setitem(app.extensions, EXTENSION_KEY, s3_storage)
    return app
