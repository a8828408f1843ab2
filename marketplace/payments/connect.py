"""Stripe Connect Express onboarding: an annotator gets a connected account to be paid into.

We create the account (once per annotator: the idempotency key ``connect-account-<user id>`` and
the one ``ConnectedAccount`` row per user keep it single), send the annotator to Stripe's hosted
onboarding, and learn from the ``account.updated`` webhook (or by asking Stripe when they come
back) whether it can receive transfers. Payout runs pay only accounts with payouts enabled and the
``transfers`` capability active.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.db import get_session, utcnow
from marketplace.errors import Conflict, DomainError, NotFound, ProviderRefused, Unavailable
from marketplace.payments.gateway import Account, StripeRefused, StripeUnavailable, gateway, payments_mode
from marketplace.payments.models import ConnectedAccount


class StripeConnectUnavailable(Unavailable):
    code = "payment_provider_unavailable"

    def __init__(self) -> None:
        super().__init__(_("Stripe cannot be reached right now. Please try again in a few minutes."))


def _require_stripe() -> None:
    if payments_mode() != "stripe":
        raise Conflict(_("Payouts are made by bank transfer here: there is no Stripe account to connect."))


def _gateway_error(exc: StripeRefused | StripeUnavailable) -> DomainError:
    if isinstance(exc, StripeUnavailable):
        return StripeConnectUnavailable()
    return ProviderRefused(
        _("Stripe refused the request: %(reason)s", reason=exc.message), code="payment_provider_refused"
    )


def connected_account(user_id: int) -> ConnectedAccount | None:
    return get_session().get(ConnectedAccount, user_id)


def _ensure_account(session: Session, user: User, country: str | None) -> ConnectedAccount:
    """The annotator's account row, creating the Stripe account the first time."""
    existing = session.get(ConnectedAccount, user.id)
    session.commit()  # never hold a transaction (SQLite's write lock) across an HTTP call
    if existing is not None:
        return existing
    try:
        with gateway() as stripe_gateway:
            account = stripe_gateway.create_express_account(user.id, user.email, country)
    except (StripeRefused, StripeUnavailable) as exc:
        raise _gateway_error(exc) from exc
    row = ConnectedAccount(
        user_id=user.id, stripe_account_id=account.id, created_at=utcnow(), updated_at=utcnow()
    )
    _copy_status(row, account)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # A concurrent request stored it (the same Stripe account, thanks to the idempotency key).
        session.rollback()
        found = session.get(ConnectedAccount, user.id)
        assert found is not None
        return found
    session.commit()
    return row


def start_onboarding(user_id: int, return_url: str, refresh_url: str, country: str | None = None) -> str:
    """The Stripe onboarding URL for this annotator (a fresh, single-use link each time)."""
    _require_stripe()
    session = get_session()
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    row = _ensure_account(session, user, country)
    session.commit()
    try:
        with gateway() as stripe_gateway:
            return stripe_gateway.create_account_link(row.stripe_account_id, refresh_url, return_url)
    except (StripeRefused, StripeUnavailable) as exc:
        raise _gateway_error(exc) from exc


def _copy_status(row: ConnectedAccount, account: Account) -> bool:
    """Copy Stripe's view onto our row; True when something changed."""
    before = (row.details_submitted, row.payouts_enabled, row.transfers_active)
    row.details_submitted = account.details_submitted
    row.payouts_enabled = account.payouts_enabled
    row.transfers_active = account.transfers_active
    changed = before != (row.details_submitted, row.payouts_enabled, row.transfers_active)
    if changed:
        row.updated_at = utcnow()
    return changed


def apply_account_object(session: Session, account_object: Mapping[str, Any]) -> str:
    """Apply an ``account.updated`` event's account in the caller's unit of work."""
    account = Account.from_stripe(account_object)
    row = session.scalar(select(ConnectedAccount).where(ConnectedAccount.stripe_account_id == account.id))
    if row is None:
        return "unknown_account"
    return "account_updated" if _copy_status(row, account) else "account_unchanged"


def apply_account_update(account_object: Mapping[str, Any]) -> str:
    """``account.updated``: record details submitted, payouts enabled, transfers active."""
    session = get_session()
    result = apply_account_object(session, account_object)
    session.commit()
    return result


def refresh_account(user_id: int) -> ConnectedAccount | None:
    """Ask Stripe for the annotator's account now (when they come back from onboarding, the
    webhook may not have arrived yet). Keeps what we know when Stripe cannot be reached."""
    session = get_session()
    row = session.get(ConnectedAccount, user_id)
    session.commit()
    if row is None or payments_mode() != "stripe":
        return row
    try:
        with gateway() as stripe_gateway:
            account = stripe_gateway.retrieve_account(row.stripe_account_id)
    except (StripeRefused, StripeUnavailable):
        return row
    _copy_status(row, account)
    session.commit()
    return row


def account_status(user_id: int) -> dict[str, Any]:
    """What the annotator sees about their payout account."""
    row = connected_account(user_id)
    return {
        "mode": payments_mode(),
        "connected": row is not None,
        "account_id": row.stripe_account_id if row is not None else None,
        "details_submitted": bool(row and row.details_submitted),
        "payouts_enabled": bool(row and row.payouts_enabled),
        "transfers_active": bool(row and row.transfers_active),
        "ready": bool(row and row.payouts_enabled and row.transfers_active),
    }
