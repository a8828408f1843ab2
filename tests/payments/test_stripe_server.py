"""Tests of the fake Stripe server, driven through the official SDK.

The fake is only useful if the real SDK accepts what it sends and if it keeps Stripe's rules
(idempotency, Connect capabilities, error shapes): these tests pin both, so that payment tests
built on it can trust a green run. Raw HTTP is used only where the SDK cannot send the request
(no API key, unknown URL, misspelt parameter).
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest
import stripe

from tests.payments.conftest import TEST_API_KEY, TEST_WEBHOOK_SECRET, sdk_client
from tests.stripe_server import FakeStripe, decode_params, sign_webhook

RETURN_URL = "https://marketplace.test/payouts/onboarding/done"
REFRESH_URL = "https://marketplace.test/payouts/onboarding/again"


# -- helpers ---------------------------------------------------------------------------------


def raw_request(
    server: FakeStripe,
    method: str,
    path: str,
    *,
    body: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    """Send one request without the SDK; returns status, lower-cased headers and decoded JSON."""
    parts = urlsplit(server.url)
    assert parts.hostname is not None and parts.port is not None
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        all_headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        payload = response.read()
        response_headers = {name.lower(): value for name, value in response.getheaders()}
        content_type = response_headers.get("content-type", "")
        document = json.loads(payload) if content_type.startswith("application/json") else payload
        return response.status, response_headers, document
    finally:
        connection.close()


def onboarded_account(client: stripe.StripeClient, server: FakeStripe) -> str:
    """An Express account whose onboarding is finished, ready to receive transfers."""
    account = client.v1.accounts.create(
        {"type": "express", "country": "FR", "capabilities": {"transfers": {"requested": True}}}
    )
    server.complete_onboarding(account.id)
    return account.id


@pytest.fixture
def retrying_client(stripe_server: FakeStripe) -> Iterator[stripe.StripeClient]:
    """A client with the SDK's automatic retries on, as production code would usually run."""
    with sdk_client(stripe_server, max_network_retries=2) as client:
        yield client


# -- Connect onboarding and transfers --------------------------------------------------------


def test_onboarding_then_transfer(stripe_client: stripe.StripeClient, stripe_server: FakeStripe) -> None:
    account = stripe_client.v1.accounts.create(
        {
            "type": "express",
            "email": "annotator@example.org",
            "country": "DE",
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"worker_id": "42"},
        }
    )
    assert account.id.startswith("acct_")
    assert account.object == "account"
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (False,) * 3
    assert account.capabilities is not None and account.capabilities.transfers == "inactive"
    # The SDK wraps hashes in StripeObjects, which do not compare equal to dicts: use to_dict().
    assert account.metadata is not None and account.metadata.to_dict() == {"worker_id": "42"}
    assert account.default_currency == "eur"

    link = stripe_client.v1.account_links.create(
        {
            "account": account.id,
            "refresh_url": REFRESH_URL,
            "return_url": RETURN_URL,
            "type": "account_onboarding",
        }
    )
    assert link.object == "account_link"
    assert link.url.startswith(f"{stripe_server.url}/connect/onboarding/{account.id}?")
    assert link.expires_at > time.time()

    updated = stripe_server.complete_onboarding(account.id)
    assert updated["capabilities"]["transfers"] == "active"
    fetched = stripe_client.v1.accounts.retrieve(account.id)
    assert fetched.charges_enabled and fetched.payouts_enabled and fetched.details_submitted

    transfer = stripe_client.v1.transfers.create(
        {
            "amount": 1250,
            "currency": "EUR",
            "destination": account.id,
            "transfer_group": "payout-7",
            "description": "Payout 7",
            "metadata": {"payout_id": "7"},
        }
    )
    assert transfer.id.startswith("tr_")
    assert (transfer.amount, transfer.currency, transfer.destination) == (1250, "eur", account.id)
    assert transfer.transfer_group == "payout-7"
    assert transfer.reversed is False and transfer.amount_reversed == 0
    assert transfer.reversals.to_dict()["object"] == "list" and transfer.reversals.data == []
    assert transfer.metadata.to_dict() == {"payout_id": "7"}
    assert stripe_client.v1.transfers.retrieve(transfer.id).id == transfer.id
    assert [t["id"] for t in stripe_server.transfers] == [transfer.id]


def test_transfer_to_account_not_onboarded_is_refused(
    stripe_client: stripe.StripeClient, stripe_server: FakeStripe
) -> None:
    account = stripe_client.v1.accounts.create(
        {"type": "express", "capabilities": {"transfers": {"requested": True}}}
    )
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.transfers.create({"amount": 100, "currency": "usd", "destination": account.id})
    assert refused.value.param == "destination"
    assert refused.value.http_status == 400
    assert refused.value.code == "insufficient_capabilities_for_transfer"

    with pytest.raises(stripe.InvalidRequestError) as unknown:
        stripe_client.v1.transfers.create({"amount": 100, "currency": "usd", "destination": "acct_missing"})
    assert unknown.value.param == "destination"
    assert stripe_server.transfers == []


def test_account_link_for_unknown_account_is_refused(stripe_client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.account_links.create(
            {
                "account": "acct_nope",
                "refresh_url": REFRESH_URL,
                "return_url": RETURN_URL,
                "type": "account_onboarding",
            }
        )
    assert refused.value.http_status == 400
    assert refused.value.param == "account"


def test_following_the_account_link_completes_onboarding_once(
    stripe_client: stripe.StripeClient, stripe_server: FakeStripe
) -> None:
    account = stripe_client.v1.accounts.create({"type": "express"})
    link = stripe_client.v1.account_links.create(
        {
            "account": account.id,
            "refresh_url": REFRESH_URL,
            "return_url": RETURN_URL,
            "type": "account_onboarding",
        }
    )
    path = link.url.removeprefix(stripe_server.url)

    status, headers, _ = raw_request(stripe_server, "GET", path)
    assert (status, headers["location"]) == (302, RETURN_URL)
    assert stripe_server.accounts[0]["capabilities"]["transfers"] == "active"
    # Links are single use, like Stripe's: the platform must make a new one from refresh_url.
    status, headers, _ = raw_request(stripe_server, "GET", path)
    assert (status, headers["location"]) == (302, REFRESH_URL)


# -- idempotency -----------------------------------------------------------------------------


def test_same_idempotency_key_replays_the_first_answer(
    stripe_client: stripe.StripeClient, stripe_server: FakeStripe
) -> None:
    destination = onboarded_account(stripe_client, stripe_server)
    params: stripe.params.TransferCreateParams = {
        "amount": 500,
        "currency": "usd",
        "destination": destination,
    }

    first = stripe_client.v1.transfers.create(params, {"idempotency_key": "payout-1"})
    second = stripe_client.v1.transfers.create(params, {"idempotency_key": "payout-1"})

    assert second.id == first.id
    assert len(stripe_server.transfers) == 1
    assert second.last_response is not None
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
    log = [entry for entry in stripe_server.requests if entry.path == "/v1/transfers"]
    assert [(e.idempotency_key, e.replayed, e.status) for e in log] == [
        ("payout-1", False, 200),
        ("payout-1", True, 200),
    ]


def test_same_idempotency_key_with_other_params_is_an_idempotency_error(
    stripe_client: stripe.StripeClient, stripe_server: FakeStripe
) -> None:
    destination = onboarded_account(stripe_client, stripe_server)
    stripe_client.v1.transfers.create(
        {"amount": 500, "currency": "usd", "destination": destination}, {"idempotency_key": "payout-2"}
    )
    with pytest.raises(stripe.IdempotencyError) as refused:
        stripe_client.v1.transfers.create(
            {"amount": 501, "currency": "usd", "destination": destination}, {"idempotency_key": "payout-2"}
        )
    assert refused.value.http_status == 400
    assert len(stripe_server.transfers) == 1


def test_idempotency_keys_are_scoped_per_api_key(
    stripe_client: stripe.StripeClient, stripe_server: FakeStripe
) -> None:
    destination = onboarded_account(stripe_client, stripe_server)
    params: stripe.params.TransferCreateParams = {"amount": 1, "currency": "usd", "destination": destination}
    mine = stripe_client.v1.transfers.create(params, {"idempotency_key": "shared"})
    with sdk_client(stripe_server, api_key="sk_test_other_platform") as other:
        theirs = other.v1.transfers.create(params, {"idempotency_key": "shared"})
    assert mine.id != theirs.id


def test_validation_errors_are_not_stored_but_execution_errors_are(
    stripe_client: stripe.StripeClient, stripe_server: FakeStripe
) -> None:
    """Stripe stores a key's answer only once the endpoint starts executing."""
    account = stripe_client.v1.accounts.create({"type": "express"})
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.transfers.create(
            {"amount": -5, "currency": "usd", "destination": account.id}, {"idempotency_key": "k-invalid"}
        )
    with pytest.raises(stripe.InvalidRequestError) as first:
        stripe_client.v1.transfers.create(
            {"amount": 5, "currency": "usd", "destination": account.id}, {"idempotency_key": "k-invalid"}
        )
    assert first.value.param == "destination"  # processed: the earlier 400 was not stored

    stripe_server.complete_onboarding(account.id)
    with pytest.raises(stripe.InvalidRequestError) as replayed:
        stripe_client.v1.transfers.create(
            {"amount": 5, "currency": "usd", "destination": account.id}, {"idempotency_key": "k-invalid"}
        )
    assert replayed.value.param == "destination"
    assert stripe_server.requests[-1].replayed is True
    assert stripe_server.transfers == []


def test_concurrent_requests_with_one_key_create_one_transfer(stripe_server: FakeStripe) -> None:
    with sdk_client(stripe_server) as client:
        destination = onboarded_account(client, stripe_server)

    def create(_: int) -> str:
        # One client per thread: the SDK's HTTP client keeps one session per thread and close()
        # only closes the calling thread's.
        with sdk_client(stripe_server) as client:
            return client.v1.transfers.create(
                {"amount": 700, "currency": "usd", "destination": destination}, {"idempotency_key": "race"}
            ).id

    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = set(pool.map(create, range(6)))

    assert len(ids) == 1 and len(stripe_server.transfers) == 1
    assert sum(entry.replayed for entry in stripe_server.requests) == 5


def test_sdk_sends_its_own_idempotency_key_on_every_post(
    stripe_client: stripe.StripeClient, stripe_server: FakeStripe
) -> None:
    stripe_client.v1.accounts.create({"type": "express"})
    (entry,) = stripe_server.requests
    assert entry.idempotency_key is not None and entry.replayed is False


# -- failure injection -----------------------------------------------------------------------


def test_failure_before_processing_creates_nothing(
    stripe_client: stripe.StripeClient, stripe_server: FakeStripe
) -> None:
    destination = onboarded_account(stripe_client, stripe_server)
    stripe_server.fail_next("POST", "/v1/transfers", when="before")
    params: stripe.params.TransferCreateParams = {
        "amount": 300,
        "currency": "usd",
        "destination": destination,
    }

    with pytest.raises(stripe.APIError) as failed:
        stripe_client.v1.transfers.create(params, {"idempotency_key": "payout-3"})
    assert failed.value.http_status == 500
    assert stripe_server.transfers == []

    retried = stripe_client.v1.transfers.create(params, {"idempotency_key": "payout-3"})
    assert [t["id"] for t in stripe_server.transfers] == [retried.id]
    assert stripe_server.requests[-1].replayed is False  # the key had not been stored


def test_failure_after_processing_is_recovered_by_a_retry_with_the_same_key(
    stripe_client: stripe.StripeClient, stripe_server: FakeStripe
) -> None:
    destination = onboarded_account(stripe_client, stripe_server)
    stripe_server.fail_next("POST", "/v1/transfers", status=503, when="after")
    params: stripe.params.TransferCreateParams = {
        "amount": 300,
        "currency": "usd",
        "destination": destination,
    }

    with pytest.raises(stripe.APIError):
        stripe_client.v1.transfers.create(params, {"idempotency_key": "payout-4"})
    (created,) = stripe_server.transfers

    retried = stripe_client.v1.transfers.create(params, {"idempotency_key": "payout-4"})
    assert retried.id == created["id"]
    assert len(stripe_server.transfers) == 1
    assert [(e.status, e.replayed, e.injected) for e in stripe_server.requests[-2:]] == [
        (503, False, "after"),
        (200, True, None),
    ]


def test_dropped_connection_after_processing(
    stripe_client: stripe.StripeClient, stripe_server: FakeStripe
) -> None:
    destination = onboarded_account(stripe_client, stripe_server)
    stripe_server.fail_next("POST", "/v1/transfers", when="drop_after")
    params: stripe.params.TransferCreateParams = {
        "amount": 300,
        "currency": "usd",
        "destination": destination,
    }

    with pytest.raises(stripe.APIConnectionError) as dropped:
        stripe_client.v1.transfers.create(params, {"idempotency_key": "payout-5"})
    assert dropped.value.should_retry is True
    assert stripe_server.requests[-1].status is None
    (created,) = stripe_server.transfers

    retried = stripe_client.v1.transfers.create(params, {"idempotency_key": "payout-5"})
    assert retried.id == created["id"]
    assert len(stripe_server.transfers) == 1


def test_sdk_retries_recover_from_a_failure_after_processing(
    retrying_client: stripe.StripeClient, stripe_server: FakeStripe
) -> None:
    """With retries on, the SDK resends the same generated key and gets the stored success."""
    destination = onboarded_account(retrying_client, stripe_server)
    stripe_server.fail_next("POST", "/v1/transfers", when="after")

    transfer = retrying_client.v1.transfers.create(
        {"amount": 10, "currency": "usd", "destination": destination}
    )

    assert [t["id"] for t in stripe_server.transfers] == [transfer.id]
    first, second = stripe_server.requests[-2:]
    assert first.idempotency_key == second.idempotency_key
    assert (first.status, second.replayed) == (500, True)


def test_fail_next_matches_method_and_path_prefix_and_count(
    stripe_client: stripe.StripeClient, stripe_server: FakeStripe
) -> None:
    account = stripe_client.v1.accounts.create({"type": "express"})
    stripe_server.fail_next("GET", "/v1/accounts/", status=402, count=2)

    for _ in range(2):
        with pytest.raises(stripe.CardError):
            stripe_client.v1.accounts.retrieve(account.id)
    assert stripe_client.v1.accounts.retrieve(account.id).id == account.id

    stripe_server.fail_next("POST", "/v1/payment_intents")
    stripe_server.clear_failures()
    stripe_client.v1.payment_intents.create({"amount": 100, "currency": "usd"})


def test_random_failures_with_retries_by_key_create_each_transfer_once(
    stripe_client: stripe.StripeClient, stripe_server: FakeStripe
) -> None:
    destination = onboarded_account(stripe_client, stripe_server)
    stripe_server.fail_randomly(0.5, seed=1234, when="drop_after")
    failures = 0
    for payout in range(12):
        while True:
            try:
                stripe_client.v1.transfers.create(
                    {"amount": 100 + payout, "currency": "usd", "destination": destination},
                    {"idempotency_key": f"payout-{payout}"},
                )
                break
            except stripe.APIConnectionError:
                failures += 1
    stripe_server.clear_failures()

    assert failures > 0
    assert sorted(t["amount"] for t in stripe_server.transfers) == [100 + p for p in range(12)]


# -- listing, reversals, balance -------------------------------------------------------------


def test_list_transfers_by_group_newest_first(
    stripe_client: stripe.StripeClient, stripe_server: FakeStripe
) -> None:
    destination = onboarded_account(stripe_client, stripe_server)
    ids = [
        stripe_client.v1.transfers.create(
            {"amount": 100 + i, "currency": "usd", "destination": destination, "transfer_group": group}
        ).id
        for i, group in enumerate(["batch-1", "batch-2", "batch-1", "batch-1"])
    ]

    listed = stripe_client.v1.transfers.list({"transfer_group": "batch-1"})
    assert listed.to_dict()["object"] == "list" and listed.url == "/v1/transfers" and listed.has_more is False
    assert [t.id for t in listed.data] == [ids[3], ids[2], ids[0]]

    page = stripe_client.v1.transfers.list({"transfer_group": "batch-1", "limit": 2})
    assert [t.id for t in page.data] == [ids[3], ids[2]] and page.has_more is True
    assert [t.id for t in page.auto_paging_iter()] == [ids[3], ids[2], ids[0]]
    assert len(stripe_client.v1.transfers.list({"destination": destination}).data) == 4


def test_reversals(stripe_client: stripe.StripeClient, stripe_server: FakeStripe) -> None:
    destination = onboarded_account(stripe_client, stripe_server)
    stripe_server.set_balance("usd", 1000)
    transfer = stripe_client.v1.transfers.create(
        {"amount": 800, "currency": "usd", "destination": destination}
    )
    assert stripe_server.balance("usd") == 200

    reversal = stripe_client.v1.transfers.reversals.create(transfer.id, {"amount": 300})
    assert (reversal.object, reversal.amount, reversal.transfer) == ("transfer_reversal", 300, transfer.id)
    partly = stripe_client.v1.transfers.retrieve(transfer.id)
    assert (partly.amount_reversed, partly.reversed) == (300, False)
    assert stripe_server.balance("usd") == 500

    with pytest.raises(stripe.InvalidRequestError) as too_much:
        stripe_client.v1.transfers.reversals.create(transfer.id, {"amount": 501})
    assert too_much.value.param == "amount"

    rest = stripe_client.v1.transfers.reversals.create(transfer.id)
    assert rest.amount == 500
    done = stripe_client.v1.transfers.retrieve(transfer.id)
    assert (done.amount_reversed, done.reversed) == (800, True)
    assert [r.id for r in done.reversals.data] == [rest.id, reversal.id]


def test_dashboard_reversal_helper(stripe_client: stripe.StripeClient, stripe_server: FakeStripe) -> None:
    destination = onboarded_account(stripe_client, stripe_server)
    transfer = stripe_client.v1.transfers.create(
        {"amount": 400, "currency": "usd", "destination": destination}
    )

    updated = stripe_server.reverse_transfer(transfer.id)

    assert (updated["amount_reversed"], updated["reversed"]) == (400, True)
    assert stripe_client.v1.transfers.retrieve(transfer.id).reversed is True


def test_insufficient_balance(stripe_client: stripe.StripeClient, stripe_server: FakeStripe) -> None:
    destination = onboarded_account(stripe_client, stripe_server)
    stripe_server.set_balance("usd", 1000)

    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.transfers.create({"amount": 1001, "currency": "usd", "destination": destination})
    assert refused.value.code == "balance_insufficient"
    stripe_client.v1.transfers.create({"amount": 600, "currency": "usd", "destination": destination})
    assert stripe_server.balance("usd") == 400
    assert stripe_client.v1.balance.retrieve().available[0].amount == 400
    # Currencies never given a balance stay unlimited.
    stripe_client.v1.transfers.create({"amount": 10**9, "currency": "eur", "destination": destination})


# -- payment intents -------------------------------------------------------------------------


def test_payment_intent_lifecycle(stripe_client: stripe.StripeClient, stripe_server: FakeStripe) -> None:
    intent = stripe_client.v1.payment_intents.create(
        {
            "amount": 5000,
            "currency": "usd",
            "metadata": {"project_id": "3"},
            "automatic_payment_methods": {"enabled": True},
        }
    )
    assert intent.id.startswith("pi_") and intent.status == "requires_payment_method"
    assert intent.client_secret is not None and intent.client_secret.startswith(f"{intent.id}_secret_")
    assert intent.automatic_payment_methods is not None and intent.automatic_payment_methods.enabled is True
    assert stripe_client.v1.payment_intents.retrieve(intent.id).metadata.to_dict() == {"project_id": "3"}

    failed = stripe_server.fail_payment_intent(intent.id)
    assert failed["last_payment_error"]["code"] == "card_declined"
    succeeded = stripe_server.succeed_payment_intent(intent.id)
    assert (succeeded["status"], succeeded["amount_received"]) == ("succeeded", 5000)
    assert stripe_client.v1.payment_intents.retrieve(intent.id).status == "succeeded"

    with pytest.raises(stripe.InvalidRequestError) as too_small:
        stripe_client.v1.payment_intents.create({"amount": 10, "currency": "usd"})
    assert too_small.value.param == "amount"


# -- protocol --------------------------------------------------------------------------------


def test_missing_or_live_api_key_is_401(stripe_server: FakeStripe) -> None:
    status, headers, body = raw_request(stripe_server, "GET", "/v1/transfers")
    assert status == 401
    assert body["error"]["type"] == "invalid_request_error"
    assert headers["request-id"].startswith("req_")

    with sdk_client(stripe_server, api_key="sk_live_oops") as live, pytest.raises(stripe.AuthenticationError):
        live.v1.transfers.list()


def test_unknown_ids_and_urls_are_404(stripe_client: stripe.StripeClient, stripe_server: FakeStripe) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe_client.v1.transfers.retrieve("tr_unknown")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")
    assert missing.value.request_id is not None and missing.value.request_id.startswith("req_")

    status, _, body = raw_request(
        stripe_server, "GET", "/v1/nothing_here", headers={"Authorization": f"Bearer {TEST_API_KEY}"}
    )
    assert status == 404 and "Unrecognized request URL" in body["error"]["message"]


def test_unknown_parameter_is_refused(stripe_server: FakeStripe) -> None:
    status, _, body = raw_request(
        stripe_server,
        "POST",
        "/v1/payment_intents",
        body="amount=100&currency=usd&amont=100",
        headers={"Authorization": f"Bearer {TEST_API_KEY}"},
    )
    assert status == 400
    assert body["error"]["param"] == "amont"


def test_form_decoding() -> None:
    decoded = decode_params(
        "capabilities[transfers][requested]=true&expand[]=a&expand[]=b&items[0][price]=p&items[1][price]=q"
        "&metadata[0]=zero&metadata[payout_id]=7&amount=100"
    )
    assert decoded == {
        "capabilities": {"transfers": {"requested": "true"}},
        "expand": ["a", "b"],
        "items": [{"price": "p"}, {"price": "q"}],
        "metadata": {"0": "zero", "payout_id": "7"},
        "amount": "100",
    }


# -- webhooks --------------------------------------------------------------------------------


def test_signed_webhook_is_accepted_by_the_sdk(stripe_server: FakeStripe) -> None:
    event = stripe_server.event("account.updated", {"id": "acct_1", "object": "account"}, event_id="evt_1")
    assert (event["object"], event["livemode"], event["data"]["object"]["id"]) == ("event", False, "acct_1")
    payload = json.dumps(event).encode()

    parsed = stripe.Webhook.construct_event(
        payload, sign_webhook(payload, TEST_WEBHOOK_SECRET), TEST_WEBHOOK_SECRET
    )

    assert (parsed.id, parsed.type) == ("evt_1", "account.updated")


def test_bad_webhook_signatures_are_refused(stripe_server: FakeStripe) -> None:
    payload = json.dumps(stripe_server.event("transfer.reversed", {"id": "tr_1"})).encode()
    header = sign_webhook(payload, TEST_WEBHOOK_SECRET)

    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, sign_webhook(payload, "whsec_wrong"), TEST_WEBHOOK_SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload + b" ", header, TEST_WEBHOOK_SECRET)
    stale = sign_webhook(payload, TEST_WEBHOOK_SECRET, timestamp=int(time.time()) - 3600)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, stale, TEST_WEBHOOK_SECRET)
