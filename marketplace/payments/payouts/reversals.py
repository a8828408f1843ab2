"""Payout reversals: a transfer reversed at Stripe (``transfer.reversed``) or by ops by hand.

A full reversal gives the payout's amount back to the annotator's payable balance (cash → payable),
so the next payout run pays it again. It is booked with the payout's own key, so a redelivered
webhook or a second click changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import get_session
from marketplace.errors import Conflict, NotFound
from marketplace.payments.gateway import Transfer
from marketplace.payments.models import Payout, PayoutState
from marketplace.payments.payouts.service import lock_payout, record_paid, record_reversed

log = logging.getLogger(__name__)


def apply_transfer_reversal(session: Session, transfer_object: Mapping[str, Any]) -> str:
    """Book a ``transfer.reversed`` event in the caller's unit of work; returns what it did.

    Only a full reversal gives the money back to the balance (a partial one is left to ops: we
    cannot know which languages it concerns). Idempotent: a second delivery finds it reversed.
    """
    transfer = Transfer.from_stripe(transfer_object)
    payout_id = session.scalar(select(Payout.id).where(Payout.transfer_id == transfer.id))
    if payout_id is None and transfer.metadata.get("payout_id", "").isdigit():
        payout_id = int(transfer.metadata["payout_id"])
    payout = lock_payout(session, payout_id, skip_locked=False) if payout_id is not None else None
    if payout is None or payout.method != "stripe":
        return "unknown_transfer"
    if payout.transfer_id not in (None, transfer.id):
        return "unknown_transfer"
    if transfer.amount_reversed < payout.amount_minor or not transfer.reversed:
        log.warning("partial reversal of payout %s (%s): left to ops", payout.id, transfer.id)
        return "partial_reversal"
    if payout.state == PayoutState.REVERSED:
        return "already_reversed"
    if payout.state == PayoutState.PENDING:
        record_paid(session, payout, transfer)  # books the reversal too: the transfer is reversed
        return "reversed"
    if payout.state != PayoutState.PAID:
        return f"ignored_{payout.state}"
    record_reversed(session, payout)
    return "reversed"


def reverse_payout(target: Mapping[str, Any] | int) -> str:
    """Record a full reversal: from a transfer object (the ``transfer.reversed`` webhook) or, for
    ops who reversed a transfer by hand, a payout id. The amount goes back to payable."""
    session = get_session()
    if isinstance(target, int):
        payout = lock_payout(session, target, skip_locked=False)
        if payout is None:
            raise NotFound()
        if payout.state != PayoutState.PAID:
            session.rollback()
            raise Conflict(_("Only a paid payout can be reversed."))
        record_reversed(session, payout)
        result = "reversed"
    else:
        result = apply_transfer_reversal(session, target)
    session.commit()
    return result
