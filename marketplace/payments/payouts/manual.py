"""Manual payouts: without Stripe keys, payouts are created ``due``, exported as CSV, paid by hand
(a bank transfer...) and marked paid by ops with the payment's reference.
"""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.db import get_session, utcnow
from marketplace.errors import Conflict
from marketplace.payments.funding import require_ops
from marketplace.payments.models import Payout, PayoutState
from marketplace.payments.money import to_major
from marketplace.payments.payouts.queries import check_state, find_payout
from marketplace.payments.payouts.service import book_paid, lock_payout
from marketplace.validation import FieldError, InvalidInput


def mark_payout_paid(payout_id: int | str, reference: str, ops_user_id: int) -> Payout:
    """Ops paid a due payout by hand (bank transfer...): record it with their reference."""
    reference = reference.strip()
    if not reference or len(reference) > 255:
        raise InvalidInput(
            [FieldError("reference", "invalid", _("Give the payment's reference (at most 255 characters)."))],
            status=422,
        )
    session = get_session()
    require_ops(session, ops_user_id)
    payout = lock_payout(session, find_payout(session, payout_id).id, skip_locked=False)
    assert payout is not None
    if payout.state != PayoutState.DUE:
        session.rollback()
        raise Conflict(_("Only a payout that is due can be marked paid."))
    now = utcnow()
    payout.state = PayoutState.PAID
    payout.reference = reference
    payout.changed_by_id = ops_user_id
    payout.paid_at = now
    book_paid(session, payout, by=ops_user_id)
    session.commit()
    return payout


def format_minor(amount_minor: int, currency: str) -> str:
    """``1250, "EUR"`` → ``"12.50"``; ``1250, "JPY"`` → ``"1250"`` (the currency's own precision)."""
    return str(to_major(amount_minor, currency))


def _csv_safe(value: str) -> str:
    """Keep a spreadsheet from reading a name as a formula (CSV injection)."""
    return "'" + value if value[:1] in {"=", "+", "-", "@", "\t", "\r"} else value


CSV_HEADER = ("payout_id", "annotator_name", "annotator_email", "amount", "currency", "created_at")


def payouts_csv(state: str = PayoutState.DUE) -> str:
    """Payouts in ``state`` as CSV, one row each, for paying them by hand."""
    check_state(state)
    session = get_session()
    # ``unique()``: a user's roles are loaded with a joined eager load.
    rows = session.execute(
        select(Payout, User)
        .join(User, User.id == Payout.user_id)
        .where(Payout.state == state)
        .order_by(Payout.id)
    ).unique()
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for payout, user in rows:
        writer.writerow(
            (
                payout.public_id,
                _csv_safe(user.display_name),
                _csv_safe(user.email),
                format_minor(payout.amount_minor, payout.currency),
                payout.currency,
                payout.created_at.isoformat().replace("+00:00", "Z"),
            )
        )
    return out.getvalue()
