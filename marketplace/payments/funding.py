"""Client funding: money put into a project's budget (its escrow), by Stripe or by hand.

Stripe mode: the client asks for a funding, we create a ``ProjectFunding`` row and then a
PaymentIntent whose idempotency key is the row's (``funding-<id>``), and give back its client
secret for Stripe.js. Nothing is credited then: only the verified ``payment_intent.succeeded``
webhook books the FUNDING transaction (cash → escrow), once, under the key ``funding-<id>``, so two
deliveries of the event, or two different events about the same intent, credit once.

Manual mode (no Stripe keys) and bank transfers: ops record the money received, which is booked at
once.

A caller's ``Idempotency-Key`` header is stored on the row (scoped to the project): a retried
request finds the row and returns the same funding and PaymentIntent instead of a second one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel.numbers import list_currencies
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.db import get_session, is_postgresql, utcnow
from marketplace.errors import Conflict, Forbidden, NotFound, RuleBroken, Unavailable
from marketplace.payments.gateway import StripeRefused, StripeUnavailable, gateway, payments_mode
from marketplace.payments.ledger import AccountRef, post_transaction
from marketplace.payments.models import FundingState, ProjectFunding, RateCard, TransactionKind
from marketplace.projects.models import Project
from marketplace.validation import FieldError, InvalidInput

#: The largest single funding, in minor units (Stripe's own limit for one PaymentIntent).
MAX_FUNDING_MINOR = 99_999_999
#: Longest Idempotency-Key header we accept (the stored key adds the project's prefix).
MAX_REQUEST_KEY = 200


def funding_key(funding_id: int) -> str:
    return f"funding-{funding_id}"


class PaymentProviderUnavailable(Unavailable):
    code = "payment_provider_unavailable"

    def __init__(self) -> None:
        super().__init__(
            _("The payment provider cannot be reached right now. Please try again in a few minutes.")
        )


class PaymentRefused(RuleBroken):
    code = "payment_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(_("The payment provider refused this payment: %(reason)s", reason=reason))


def require_ops(session: Session, user_id: int) -> None:
    """Money recorded by hand is recorded by ops only (checked here too, not only by the views)."""
    user = session.get(User, user_id)
    if user is None or not user.has_role(Role.OPS):
        raise Forbidden()


# --- validation ------------------------------------------------------------------------------


def _project(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(_("There is no such project."))
    return project


def check_funding(session: Session, project_id: int, amount_minor: Any, currency: Any) -> tuple[int, str]:
    """The amount and the upper-case currency, or 422 naming the field.

    A priced project is funded in its rate cards' currency: money in another currency could never
    pay its judgments.
    """
    errors: list[FieldError] = []
    if (
        not isinstance(amount_minor, int)
        or isinstance(amount_minor, bool)
        or not 0 < amount_minor <= MAX_FUNDING_MINOR
    ):
        errors.append(
            FieldError(
                "amount_minor",
                "invalid",
                _(
                    "The amount must be a whole number of minor units from 1 to %(max)s.",
                    max=MAX_FUNDING_MINOR,
                ),
            )
        )
    code = currency.upper() if isinstance(currency, str) else ""
    if len(code) != 3 or code not in list_currencies():
        errors.append(FieldError("currency", "invalid", _("This is not an ISO 4217 currency code.")))
    else:
        card_currencies = set(
            session.scalars(select(RateCard.currency).where(RateCard.project_id == project_id).distinct())
        )
        if card_currencies and code not in card_currencies:
            errors.append(
                FieldError(
                    "currency",
                    "currency_mismatch",
                    _(
                        "This project pays its work in %(currencies)s: fund it in that currency.",
                        currencies=", ".join(sorted(card_currencies)),
                    ),
                )
            )
    if errors:
        raise InvalidInput(errors, status=422)
    return int(amount_minor), code


# --- manual funding --------------------------------------------------------------------------


def _book_funding(session: Session, funding: ProjectFunding, by: int | None) -> None:
    post_transaction(
        session,
        idempotency_key=funding_key(funding.id),
        kind=TransactionKind.FUNDING,
        postings=[
            (AccountRef.cash(funding.currency), funding.amount_minor),
            (AccountRef.escrow(funding.project_id, funding.currency), -funding.amount_minor),
        ],
        project_id=funding.project_id,
        funding_id=funding.id,
        memo=funding.reference,
        created_by_id=by,
    )


def record_manual_funding(
    project_id: int, amount_minor: int, currency: str, reference: str, ops_user_id: int
) -> ProjectFunding:
    """Ops record money received outside Stripe (a bank transfer...); credited at once."""
    session = get_session()
    require_ops(session, ops_user_id)
    _project(session, project_id)
    amount, code = check_funding(session, project_id, amount_minor, currency)
    reference = reference.strip()
    if not reference or len(reference) > 255:
        raise InvalidInput(
            [FieldError("reference", "invalid", _("Give the payment's reference (at most 255 characters)."))],
            status=422,
        )
    now = utcnow()
    funding = ProjectFunding(
        project_id=project_id,
        amount_minor=amount,
        currency=code,
        state=FundingState.SUCCEEDED,
        method="manual",
        reference=reference,
        created_by_id=ops_user_id,
        created_at=now,
        settled_at=now,
    )
    session.add(funding)
    session.flush()
    _book_funding(session, funding, ops_user_id)
    session.commit()
    return funding


# --- Stripe funding --------------------------------------------------------------------------


def _stored_request_key(project_id: int, request_key: str | None) -> str | None:
    if request_key is None:
        return None
    request_key = request_key.strip()
    if not request_key or len(request_key) > MAX_REQUEST_KEY:
        raise InvalidInput(
            [
                FieldError(
                    "Idempotency-Key",
                    "invalid",
                    _("The Idempotency-Key header must have 1 to %(max)s characters.", max=MAX_REQUEST_KEY),
                )
            ]
        )
    return f"p{project_id}:{request_key}"


def _existing_for_key(session: Session, key: str, amount: int, currency: str) -> ProjectFunding | None:
    funding = session.scalar(select(ProjectFunding).where(ProjectFunding.request_key == key))
    if funding is not None and (funding.amount_minor, funding.currency) != (amount, currency):
        raise Conflict(
            _("This Idempotency-Key was used for another funding request; use a new key."),
            field="Idempotency-Key",
        )
    return funding


def start_stripe_funding(
    project_id: int, amount_minor: int, currency: str, created_by: int | None, request_key: str | None
) -> tuple[ProjectFunding, bool]:
    """Create (or, for a retried request, find) a funding and its PaymentIntent.

    Returns the funding and whether it was created by this call. The funding row is committed
    before Stripe is called, so the intent's idempotency key exists first: a failed or lost
    answer is retried with the same key and yields the same intent.
    """
    if payments_mode() != "stripe":
        raise Conflict(_("Card payments are not available here. Please contact us to fund this project."))
    session = get_session()
    _project(session, project_id)
    amount, code = check_funding(session, project_id, amount_minor, currency)
    key = _stored_request_key(project_id, request_key)
    funding = _existing_for_key(session, key, amount, code) if key else None
    created = funding is None
    if funding is None:
        funding = ProjectFunding(
            project_id=project_id,
            amount_minor=amount,
            currency=code,
            state=FundingState.PENDING,
            method="stripe",
            request_key=key,
            created_by_id=created_by,
            created_at=utcnow(),
        )
        try:
            with session.begin_nested():
                session.add(funding)
                session.flush()
        except IntegrityError:
            # The same key arrived twice at once: the other request created it.
            session.rollback()
            assert key is not None
            funding = _existing_for_key(session, key, amount, code)
            assert funding is not None
            created = False
    session.commit()
    if funding.payment_intent_id is None and funding.state == FundingState.PENDING:
        _attach_payment_intent(session, funding)
    return funding, created


def _attach_payment_intent(session: Session, funding: ProjectFunding) -> None:
    try:
        with gateway() as stripe_gateway:
            intent = stripe_gateway.create_payment_intent(funding.id, funding.amount_minor, funding.currency)
    except StripeUnavailable as exc:
        raise PaymentProviderUnavailable() from exc
    except StripeRefused as exc:
        funding.state = FundingState.FAILED
        session.commit()
        raise PaymentRefused(exc.message) from exc
    funding.payment_intent_id = intent.id
    funding.client_secret = intent.client_secret
    session.commit()


# --- webhook side ----------------------------------------------------------------------------


def _funding_for_intent(session: Session, intent: Mapping[str, Any]) -> ProjectFunding | None:
    """The funding a PaymentIntent pays, locked: by its id, else by the funding id in its
    metadata (when our process died before storing the intent's id)."""
    query = select(ProjectFunding).where(ProjectFunding.payment_intent_id == str(intent.get("id")))
    funding = session.scalar(query)
    metadata = intent.get("metadata") or {}
    raw_id = str(metadata.get("funding_id", ""))
    if funding is None and raw_id.isdigit():
        funding = session.get(ProjectFunding, int(raw_id))
        if funding is not None and funding.payment_intent_id not in (None, intent.get("id")):
            return None
    if funding is None or funding.method != "stripe":
        return None
    locking = select(ProjectFunding).where(ProjectFunding.id == funding.id)
    if is_postgresql(session):
        locking = locking.with_for_update()
    return session.scalars(locking.execution_options(populate_existing=True)).first()


def apply_payment_intent(session: Session, intent: Mapping[str, Any], succeeded: bool) -> str:
    """Settle a funding from a PaymentIntent event in the caller's unit of work."""
    funding = _funding_for_intent(session, intent)
    if funding is None:
        return "unknown_payment_intent"
    funding.payment_intent_id = str(intent["id"])
    if not succeeded:
        if funding.state == FundingState.PENDING:
            funding.state = FundingState.FAILED
            return "funding_failed"
        return f"ignored_{funding.state}"
    received = int(intent.get("amount_received") or intent.get("amount") or 0)
    currency = str(intent.get("currency") or "").upper()
    if (received, currency) != (funding.amount_minor, funding.currency):
        return "amount_mismatch"
    if funding.state == FundingState.SUCCEEDED:
        return "already_credited"
    # A declined card followed by a good one: failed → succeeded is allowed.
    funding.state = FundingState.SUCCEEDED
    funding.settled_at = utcnow()
    _book_funding(session, funding, None)
    return "credited"


def settle_funding_from_intent(payment_intent: Mapping[str, Any]) -> str:
    """``payment_intent.succeeded`` → credit the escrow once; ``payment_intent.payment_failed`` →
    mark the funding failed. The intent's ``status`` says which."""
    session = get_session()
    result = apply_payment_intent(session, payment_intent, payment_intent.get("status") == "succeeded")
    session.commit()
    return result


def project_fundings(project_id: int, limit: int = 200) -> list[ProjectFunding]:
    """A project's fundings, newest first."""
    return list(
        get_session().scalars(
            select(ProjectFunding)
            .where(ProjectFunding.project_id == project_id)
            .order_by(ProjectFunding.id.desc())
            .limit(limit)
        )
    )
