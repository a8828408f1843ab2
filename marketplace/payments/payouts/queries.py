"""Payout reads: lists of payouts and runs for the ops pages and the API, an annotator's own payouts.

They change nothing; the states they accept are checked here, so a wrong filter is a 400 with a
message rather than an empty list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.db import get_session
from marketplace.errors import NotFound
from marketplace.pagination import decode_cursor, encode_cursor
from marketplace.payments.models import Payout, PayoutRun, PayoutState
from marketplace.validation import FieldError, InvalidInput


@dataclass(frozen=True)
class PayoutPage:
    """One page of payouts with their annotators; ``next_cursor`` is None on the last page."""

    items: list[tuple[Payout, User]]
    next_cursor: str | None


PAYOUT_STATES = tuple(str(state) for state in PayoutState)


def check_state(state: str) -> str:
    """``state`` when it is a payout state; otherwise invalid input (400)."""
    if state not in PAYOUT_STATES:
        raise InvalidInput(
            [FieldError("state", "invalid", _("Unknown payout state: %(state)s.", state=state))]
        )
    return state


def list_payouts(state: str | None, cursor: str | None, limit: int) -> PayoutPage:
    """Payouts newest first, optionally in one state, with their annotators."""
    if state is not None:
        check_state(state)
    session = get_session()
    query = select(Payout, User).join(User, User.id == Payout.user_id).order_by(Payout.id.desc())
    if state is not None:
        query = query.where(Payout.state == state)
    after = _cursor_id(session, cursor)
    if after is not None:
        query = query.where(Payout.id < after)
    rows = [(payout, user) for payout, user in session.execute(query.limit(limit + 1)).unique()]
    if len(rows) > limit:
        rows = rows[:limit]
        return PayoutPage(rows, encode_cursor({"after": rows[-1][0].public_id}))
    return PayoutPage(rows, None)


def _cursor_id(session: Session, cursor: str | None) -> int | None:
    """The id of the payout a cursor continues after; invalid input when it names none."""
    values = decode_cursor(cursor)
    if values is None:
        return None
    after = values.get("after")
    row_id = (
        session.scalar(select(Payout.id).where(Payout.public_id == after)) if isinstance(after, str) else None
    )
    if row_id is None:
        raise InvalidInput([FieldError("cursor", "invalid", _("This cursor is not valid."))])
    return int(row_id)


def payout_user(payout: Payout) -> User:
    """The annotator a payout pays."""
    user = get_session().get(User, payout.user_id)
    assert user is not None
    return user


def recent_runs(limit: int = 10) -> Sequence[PayoutRun]:
    """The latest payout runs, newest first."""
    return list(get_session().scalars(select(PayoutRun).order_by(PayoutRun.id.desc()).limit(limit)))


def user_payouts(user_id: int, limit: int = 50) -> Sequence[Payout]:
    """An annotator's own payouts, newest first."""
    return list(
        get_session().scalars(
            select(Payout).where(Payout.user_id == user_id).order_by(Payout.id.desc()).limit(limit)
        )
    )


def find_payout(session: Session, ref: int | str) -> Payout:
    """A payout by id or public id; 404 when there is none."""
    query = select(Payout).where(Payout.id == ref if isinstance(ref, int) else Payout.public_id == ref)
    payout = session.scalar(query)
    if payout is None:
        raise NotFound(_("There is no such payout."))
    return payout
