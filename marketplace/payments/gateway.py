"""The one place that talks to Stripe: a thin, typed wrapper over the official SDK's ``StripeClient``.

Why a wrapper: the rest of the code must not care about the SDK's object model or its dozen error
classes. It needs plain values back and one distinction on failure: did Stripe *answer* and refuse
(:class:`StripeRefused`: the same request will be refused again, so the payout fails and its money
goes back to the balance), or did we not get an answer we can trust (:class:`StripeUnavailable`:
a dropped connection, a 5xx, a rate limit; the request may or may not have happened, so the caller
retries later with the same idempotency key and asks Stripe what exists first).

A client is built per use from the app's configuration (``STRIPE_SECRET_KEY``, ``STRIPE_API_BASE``)
and closed afterwards: nothing is kept in the SDK's module-level globals, so tests and several apps
in one process each talk to their own Stripe (the real one in test mode, or a fake on loopback).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import stripe
from flask import current_app

#: How long one HTTP call to Stripe may take before it counts as unavailable (connect, read).
TIMEOUT_SECONDS = (10.0, 40.0)

PaymentsMode = Literal["stripe", "manual"]


def payments_mode() -> PaymentsMode:
    """ "stripe" when a secret key is configured; "manual" (the embedded default) otherwise."""
    return "stripe" if current_app.config.get("STRIPE_SECRET_KEY") else "manual"


# --- errors ----------------------------------------------------------------------------------


class GatewayError(Exception):
    """A Stripe call that did not succeed."""

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class StripeRefused(GatewayError):
    """Stripe answered and said no (4xx: invalid request, card declined, not permitted).

    Retrying the same request cannot succeed: Stripe even stores the refusal under the idempotency
    key and replays it.
    """

    def __init__(
        self, message: str, *, code: str | None = None, status: int | None = None, param: str | None = None
    ) -> None:
        super().__init__(message, code=code, status=status)
        self.param = param


class StripeUnavailable(GatewayError):
    """No trustworthy answer: connection error, timeout, 5xx, rate limit, a concurrent request
    with the same key, or bad credentials (a configuration problem, not the payout's fault)."""


def _translate(exc: stripe.StripeError) -> GatewayError:
    """Sort an SDK error into refused or unavailable."""
    status = exc.http_status
    code = exc.code
    message = exc.user_message or str(exc) or type(exc).__name__
    if isinstance(exc, stripe.RateLimitError | stripe.APIConnectionError | stripe.AuthenticationError):
        return StripeUnavailable(message, code=code, status=status)
    if isinstance(exc, stripe.IdempotencyError):
        # The same key with other parameters: a refusal of this request (the key is ours and
        # its parameters are derived from a stored row, so this signals a bug to look at).
        return StripeRefused(message, code=code or "idempotency_error", status=status)
    if isinstance(exc, stripe.CardError | stripe.InvalidRequestError | stripe.PermissionError):
        param = getattr(exc, "param", None)
        return StripeRefused(message, code=code, status=status, param=param)
    # APIError: 5xx, 409 idempotency_key_in_use, anything unexpected.
    return StripeUnavailable(message, code=code, status=status)


# --- values ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """What we keep of a connected account."""

    id: str
    details_submitted: bool
    payouts_enabled: bool
    transfers_active: bool

    @classmethod
    def from_stripe(cls, obj: Mapping[str, Any]) -> Account:
        capabilities = obj.get("capabilities") or {}
        return cls(
            id=str(obj["id"]),
            details_submitted=bool(obj.get("details_submitted")),
            payouts_enabled=bool(obj.get("payouts_enabled")),
            transfers_active=capabilities.get("transfers") == "active",
        )


@dataclass(frozen=True)
class Transfer:
    id: str
    amount: int
    currency: str
    destination: str | None
    transfer_group: str | None
    amount_reversed: int
    reversed: bool
    metadata: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_stripe(cls, obj: Mapping[str, Any]) -> Transfer:
        return cls(
            id=str(obj["id"]),
            amount=int(obj["amount"]),
            currency=str(obj["currency"]).upper(),
            destination=obj.get("destination"),
            transfer_group=obj.get("transfer_group"),
            amount_reversed=int(obj.get("amount_reversed") or 0),
            reversed=bool(obj.get("reversed")),
            metadata={str(k): str(v) for k, v in (obj.get("metadata") or {}).items()},
        )


@dataclass(frozen=True)
class PaymentIntent:
    id: str
    client_secret: str | None
    status: str
    amount: int
    currency: str
    metadata: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_stripe(cls, obj: Mapping[str, Any]) -> PaymentIntent:
        return cls(
            id=str(obj["id"]),
            client_secret=obj.get("client_secret"),
            status=str(obj.get("status") or ""),
            amount=int(obj.get("amount") or 0),
            currency=str(obj.get("currency") or "").upper(),
            metadata={str(k): str(v) for k, v in (obj.get("metadata") or {}).items()},
        )


def _plain(obj: Any) -> dict[str, Any]:
    """An SDK object as a plain dict (the SDK's objects are dict-like, but we keep our own types)."""
    if isinstance(obj, stripe.StripeObject):
        return dict(obj.to_dict())
    return dict(obj)


# --- the client --------------------------------------------------------------------------------


class Gateway:
    """Stripe calls for the marketplace, over one ``StripeClient``. Every write carries a
    deterministic idempotency key derived from our own row id, so a retry is the same request."""

    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    def _call(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except stripe.StripeError as exc:
            raise _translate(exc) from exc

    # Connect --------------------------------------------------------------------------------

    def create_express_account(self, user_id: int, email: str, country: str | None = None) -> Account:
        """An Express account able to receive transfers; one per annotator, whatever the retries."""
        params: dict[str, Any] = {
            "type": "express",
            "email": email,
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"user_id": str(user_id)},
        }
        if country:
            params["country"] = country
        obj = self._call(
            self._client.v1.accounts.create, params, {"idempotency_key": f"connect-account-{user_id}"}
        )
        return Account.from_stripe(_plain(obj))

    def create_account_link(self, account_id: str, refresh_url: str, return_url: str) -> str:
        """A single-use onboarding URL (links expire within minutes: make one per visit)."""
        obj = self._call(
            self._client.v1.account_links.create,
            {
                "account": account_id,
                "type": "account_onboarding",
                "refresh_url": refresh_url,
                "return_url": return_url,
            },
        )
        return str(_plain(obj)["url"])

    def retrieve_account(self, account_id: str) -> Account:
        return Account.from_stripe(_plain(self._call(self._client.v1.accounts.retrieve, account_id)))

    # Transfers ------------------------------------------------------------------------------

    def create_transfer(self, payout_id: int, amount_minor: int, currency: str, destination: str) -> Transfer:
        """The transfer of payout ``payout_id``; its idempotency key and transfer group both name
        the payout, so it can be found again after any failure."""
        obj = self._call(
            self._client.v1.transfers.create,
            {
                "amount": amount_minor,
                "currency": currency.lower(),
                "destination": destination,
                "transfer_group": f"payout-{payout_id}",
                "metadata": {"payout_id": str(payout_id)},
            },
            {"idempotency_key": f"payout-{payout_id}"},
        )
        return Transfer.from_stripe(_plain(obj))

    def transfers_in_group(self, transfer_group: str) -> list[Transfer]:
        """Transfers made with this transfer group (at most a few: one per payout by design)."""
        page = self._call(self._client.v1.transfers.list, {"transfer_group": transfer_group, "limit": 100})
        return [Transfer.from_stripe(_plain(obj)) for obj in _plain(page).get("data", [])]

    # Payment intents ------------------------------------------------------------------------

    def create_payment_intent(self, funding_id: int, amount_minor: int, currency: str) -> PaymentIntent:
        """The intent a client pays to fund a project; one per funding row."""
        obj = self._call(
            self._client.v1.payment_intents.create,
            {
                "amount": amount_minor,
                "currency": currency.lower(),
                "automatic_payment_methods": {"enabled": True},
                "metadata": {"funding_id": str(funding_id)},
            },
            {"idempotency_key": f"funding-{funding_id}"},
        )
        return PaymentIntent.from_stripe(_plain(obj))


@contextmanager
def gateway() -> Iterator[Gateway]:
    """A gateway built from the current app's configuration, its HTTP connections closed on exit.

    Raises :class:`StripeUnavailable` in manual mode (no key): callers check
    :func:`payments_mode` first.
    """
    config = current_app.config
    key = config.get("STRIPE_SECRET_KEY")
    if not key:
        raise StripeUnavailable("Stripe is not configured (STRIPE_SECRET_KEY is unset).")
    base = config.get("STRIPE_API_BASE")
    http_client = stripe.RequestsClient(timeout=TIMEOUT_SECONDS)
    client = stripe.StripeClient(
        key,
        base_addresses={"api": base} if base else None,
        # Retries by the SDK reuse our idempotency key, so they are safe; tests set 0 to see
        # every injected failure reach our own retry logic.
        max_network_retries=int(config.get("STRIPE_MAX_NETWORK_RETRIES", 2)),
        http_client=http_client,
    )
    try:
        yield Gateway(client)
    finally:
        http_client.close()  # type: ignore[no-untyped-call]  # the SDK leaves close() untyped
