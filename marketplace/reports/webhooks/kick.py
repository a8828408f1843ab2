"""Send client events soon after the transaction that recorded them commits.

Domains record events in their own transactions (``marketplace.events``) and may not import
this package; a session hook installed by the app factory notices committed events and asks for a
webhook run. ``item.completed`` is left to the periodic run (every 15 s): it is the one event of
the hot path, and a queue round trip on every completed item would cost every submit.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.events import ClientEvent, EventKind
from marketplace.reports.webhooks.service import kick

_FLAG = "client_events_to_send"


def send_soon_after_commit(app: Flask) -> None:
    """Install the hook once per process (every app shares SQLAlchemy's Session class)."""
    if app.extensions.get("webhooks.kick_installed"):
        return
    app.extensions["webhooks.kick_installed"] = True
    if getattr(send_soon_after_commit, "_installed", False):
        return
    send_soon_after_commit._installed = True  # type: ignore[attr-defined]

    @event.listens_for(Session, "before_flush")
    def _note_events(session: Session, _context: Any, _instances: Any) -> None:
        if any(
            isinstance(obj, ClientEvent) and obj.kind != EventKind.ITEM_COMPLETED.value for obj in session.new
        ):
            session.info[_FLAG] = True

    @event.listens_for(Session, "after_commit")
    def _kick(session: Session) -> None:
        # Only with a queue: inline or threaded jobs would run inside this commit's hook.
        if session.info.pop(_FLAG, False) and has_app_context() and current_app.config["JOBS_MODE"] == "rq":
            kick()

    @event.listens_for(Session, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(_FLAG, None)
