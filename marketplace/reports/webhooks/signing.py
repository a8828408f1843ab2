"""How a webhook message is signed, and the check a receiver runs on it.

The signature covers the timestamp and the exact bytes of the body, so a receiver must verify the
raw body before parsing it: re-serialising the JSON would change the bytes. The timestamp is signed
too, so a captured message cannot be replayed after ``tolerance_seconds``. Each attempt is signed
anew with the time it is sent, so a retry hours later still passes the receiver's tolerance.

``verify`` uses only the standard library on purpose: the README shows it for receivers to copy.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence

#: Header carrying ``t=<unix seconds>,v1=<hex HMAC-SHA256>``.
SIGNATURE_HEADER = "Marketplace-Signature"
#: Header carrying the event's public id: the same on every retry and redelivery (deduplicate on it).
EVENT_ID_HEADER = "Marketplace-Event-Id"
#: Header carrying the event type (``delivery.ready``...), so a receiver can route before parsing.
EVENT_TYPE_HEADER = "Marketplace-Event-Type"
USER_AGENT = "AnnotationMarketplace-Webhooks/1.0 (+https://docs.marketplace.example/webhooks)"

#: Secrets start with this, so one pasted in the wrong place (a log, a ticket) is recognisable.
SECRET_PREFIX = "whsec_"  # noqa: S105  # a prefix, not a secret
#: Random bytes behind a secret: 256 bits, as much as the HMAC-SHA256 key can use.
SECRET_BYTES = 32
#: Default age, in seconds, beyond which a receiver refuses a signed message (replay window).
DEFAULT_TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and 32 random bytes, URL-safe base64."""
    return SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 keyed by the whole secret string (prefix included) over ``"<t>." + body``."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(keys: Sequence[str], body: bytes, timestamp: int | None = None) -> str:
    """``t=<stamp>`` and one ``v1=`` per key: during a rotation, the new key's and the previous
    one's, so a receiver holding either accepts the message."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return ",".join([f"t={stamp}", *(f"v1={compute_signature(key, stamp, body)}" for key in keys)])


def request_headers(
    keys: Sequence[str], event_id: str, event_type: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    """Every header of one attempt: signed with each of ``keys`` at ``timestamp`` (now when not given)."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_ID_HEADER: event_id,
        EVENT_TYPE_HEADER: event_type,
        SIGNATURE_HEADER: signature_header(keys, body, timestamp),
    }


def verify(
    secret: str,
    header: str,
    body: bytes,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether ``header`` (the ``Marketplace-Signature`` value) signs ``body`` (the raw bytes) with
    ``secret``, at a time no further than ``tolerance_seconds`` from ``now``.

    Several ``v1=`` entries are accepted (any one may match): during a rotation each message is
    signed with the new secret and the previous one, so a receiver switches whenever it is ready.
    Comparison is constant-time.
    """
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        return False
    expected = compute_signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)
