"""API token format. A token is shown once; we keep its SHA-256 (tokens are long and random, so a
fast hash is enough: there is nothing to brute-force) and a short prefix people can recognise."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "mkt_"  # noqa: S105 - a prefix, not a secret
PREFIX_LENGTH = 12


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def display_prefix(raw: str) -> str:
    return raw[:PREFIX_LENGTH]
