"""Opaque public identifiers.

Rows keep integer keys for joins; what leaves the service is a prefixed random string, so a client
can neither guess another organisation's ids nor learn how many rows exist.
"""

from __future__ import annotations

import secrets

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case: no i, l, o, u


def new_public_id(prefix: str, length: int = 16) -> str:
    """``prefix_`` followed by ``length`` random base32 characters (80 bits for the default 16)."""
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))
