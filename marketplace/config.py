"""Configuration: defaults, overridden by the environment, overridden by the caller.

Why one function instead of module-level settings: nothing may bind at import time, so tests and
the CLI can build several differently configured apps in one process.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: Locales with complete catalogs. BCP 47 spelling; the catalog folder uses Babel's underscore form.
DEFAULT_LOCALES = ("en", "es", "fr", "de", "pt-BR", "ar", "hi", "zh-Hans", "ja", "sw", "tr", "id")

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _env_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _optional_bool(value: str | None) -> bool | None:
    """A boolean setting, or None when unset so the default can depend on the environment."""
    return None if value is None or not value.strip() else _env_bool(value)


def _sqlite_default() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'marketplace.sqlite3'}"


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way (``postgres://`` or ``postgresql://``)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Build the app configuration.

    ``DATABASE_URL`` and ``REDIS_URL`` keep their usual names; everything else is ``MARKETPLACE_*``.
    Without ``DATABASE_URL`` the service uses a SQLite file under ``instance/``; without ``REDIS_URL``
    background jobs run in-process.
    """
    env = os.environ if environ is None else environ
    cfg: dict[str, Any] = {
        "SECRET_KEY": env.get("MARKETPLACE_SECRET_KEY") or "",
        "ENV": env.get("MARKETPLACE_ENV", "production"),
        "DATABASE_URL": normalize_database_url(env.get("DATABASE_URL") or _sqlite_default()),
        "DATABASE_ECHO": _env_bool(env.get("MARKETPLACE_DATABASE_ECHO", "0")),
        # Connections kept per process (as many again may open under load); a gunicorn worker with
        # a few threads needs few.
        "DATABASE_POOL_SIZE": int(env.get("MARKETPLACE_DATABASE_POOL_SIZE", "10")),
        "REDIS_URL": env.get("REDIS_URL") or None,
        # "rq": enqueue to Redis; "inline": run in the calling request; "thread": run in a background
        # thread of this process (the embedded default, so a page can watch a job's progress).
        "JOBS_MODE": env.get("MARKETPLACE_JOBS_MODE") or None,
        "SUPPORTED_LOCALES": tuple(
            code.strip()
            for code in env.get("MARKETPLACE_SUPPORTED_LOCALES", ",".join(DEFAULT_LOCALES)).split(",")
            if code.strip()
        ),
        "DEFAULT_LOCALE": env.get("MARKETPLACE_DEFAULT_LOCALE", "en"),
        "STRIPE_SECRET_KEY": env.get("MARKETPLACE_STRIPE_SECRET_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": env.get("MARKETPLACE_STRIPE_WEBHOOK_SECRET") or None,
        # Another API base (a Stripe-compatible server on loopback in the tests); Stripe's own when unset.
        "STRIPE_API_BASE": env.get("MARKETPLACE_STRIPE_API_BASE") or None,
        # Retries of failed Stripe calls inside one request (safe: they reuse our idempotency keys).
        "STRIPE_MAX_NETWORK_RETRIES": int(env.get("MARKETPLACE_STRIPE_MAX_NETWORK_RETRIES", "2")),
        # Where Connect onboarding sends annotators back to; the request's host when unset.
        "PUBLIC_BASE_URL": env.get("MARKETPLACE_PUBLIC_BASE_URL") or None,
        # The platform's fee on accepted work, in basis points of the rate, charged to the project.
        "PLATFORM_FEE_BPS": int(env.get("MARKETPLACE_PLATFORM_FEE_BPS", "2000")),
        # Balances below this (in the currency's minor unit) wait for the next payout run.
        "PAYOUT_MINIMUM_MINOR": int(env.get("MARKETPLACE_PAYOUT_MINIMUM_MINOR", "1000")),
        # How often the scheduled payout run goes (seconds).
        "PAYOUT_INTERVAL_SECONDS": int(env.get("MARKETPLACE_PAYOUT_INTERVAL_SECONDS", str(24 * 3600))),
        # Uploads with more items than this are parsed and stored by a background job.
        "SYNC_UPLOAD_MAX_ITEMS": int(env.get("MARKETPLACE_SYNC_UPLOAD_MAX_ITEMS", "1000")),
        "MAX_CONTENT_LENGTH": int(env.get("MARKETPLACE_MAX_UPLOAD_BYTES", str(200 * 1024 * 1024))),
        # Where deliveries and other files go (marketplace.storage): "local" (a folder, the embedded
        # default) or "s3" (any S3-compatible store).
        "STORAGE_BACKEND": env.get("MARKETPLACE_STORAGE_BACKEND", "local").strip().lower(),
        # The folder of the local backend; ``<instance path>/storage`` when unset.
        "STORAGE_LOCAL_ROOT": env.get("MARKETPLACE_STORAGE_LOCAL_ROOT") or None,
        "S3_BUCKET": env.get("MARKETPLACE_S3_BUCKET") or None,
        # Prepended to every key we write, so one bucket can serve several deployments.
        "S3_PREFIX": env.get("MARKETPLACE_S3_PREFIX", ""),
        # Another S3-compatible server (MinIO, moto on loopback in the tests); AWS when unset.
        "S3_ENDPOINT_URL": env.get("MARKETPLACE_S3_ENDPOINT_URL") or None,
        "S3_REGION": env.get("MARKETPLACE_S3_REGION") or "us-east-1",
        # Without keys, boto3 looks for credentials the usual way (instance role, ~/.aws, AWS_* env).
        "S3_ACCESS_KEY_ID": env.get("MARKETPLACE_S3_ACCESS_KEY_ID") or None,
        "S3_SECRET_ACCESS_KEY": env.get("MARKETPLACE_S3_SECRET_ACCESS_KEY") or None,
        # Lifetime of presigned links (downloads, media on work pages): long enough to finish an
        # item or a download, short enough that a leaked link soon stops working.
        "S3_PRESIGN_SECONDS": int(env.get("MARKETPLACE_S3_PRESIGN_SECONDS", "900")),
        # Whether client webhook URLs may point at private, loopback or link-local addresses. Off in
        # production (a client could make us call our own network); None here means "by
        # environment": on for development and tests, whose receivers run on localhost.
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": _optional_bool(
            env.get("MARKETPLACE_WEBHOOK_ALLOW_PRIVATE_NETWORKS")
        ),
        "SESSION_COOKIE_SECURE": _env_bool(env.get("MARKETPLACE_SECURE_COOKIES", "1")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _env_bool(env.get("MARKETPLACE_SECURE_COOKIES", "1")),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "TESTING": False,
    }
    if overrides:
        cfg.update(overrides)
    cfg["DATABASE_URL"] = normalize_database_url(cfg["DATABASE_URL"])
    if not cfg["JOBS_MODE"]:
        cfg["JOBS_MODE"] = "rq" if cfg["REDIS_URL"] else "thread"
    if cfg["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] is None:
        cfg["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = cfg["ENV"] != "production" or bool(cfg["TESTING"])
    if not cfg["SECRET_KEY"]:
        if cfg["ENV"] == "production" and not cfg["TESTING"]:
            raise RuntimeError("MARKETPLACE_SECRET_KEY must be set in production")
        cfg["SECRET_KEY"] = secrets.token_hex(32)
    return cfg
