"""Fixtures for payment tests: a fake Stripe on loopback and SDK clients pointed at it.

The server is started once per session (binding a port and a thread per test would only cost
time) and emptied before each test, so tests never see each other's accounts, transfers,
idempotency keys or pending injected failures.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import stripe

from tests.stripe_server import TEST_API_KEY, TEST_WEBHOOK_SECRET, FakeStripe

__all__ = ["TEST_API_KEY", "TEST_WEBHOOK_SECRET", "sdk_client"]


@contextmanager
def sdk_client(
    server: FakeStripe, *, api_key: str = TEST_API_KEY, max_network_retries: int = 0
) -> Iterator[stripe.StripeClient]:
    """An official SDK client talking to ``server``, closed on exit.

    ``max_network_retries`` defaults to 0 (the SDK's own default is ``stripe.max_network_retries``,
    i.e. 2) so that each SDK call is exactly one request and a test sees every injected failure.
    The HTTP client is closed on exit: a pooled socket left to the garbage collector raises
    ``ResourceWarning``, which ``filterwarnings = error`` turns into a failure.
    """
    http_client = stripe.RequestsClient()
    try:
        yield stripe.StripeClient(
            api_key,
            base_addresses={"api": server.url},
            max_network_retries=max_network_retries,
            http_client=http_client,
        )
    finally:
        http_client.close()  # type: ignore[no-untyped-call]  # the SDK leaves close() unannotated


@pytest.fixture(scope="session")
def stripe_server_session() -> Iterator[FakeStripe]:
    """The one fake Stripe of the session; use ``stripe_server``, which also resets it."""
    with FakeStripe() as server:
        yield server


@pytest.fixture
def stripe_server(stripe_server_session: FakeStripe) -> Iterator[FakeStripe]:
    """The session's fake Stripe, emptied for this test.

    Fails the test at teardown if the fake itself crashed (it answers its own bugs with a 500
    ``api_error``, which a test of retry handling could otherwise take for an injected failure).
    """
    stripe_server_session.reset()
    yield stripe_server_session
    assert stripe_server_session.internal_errors == [], "the fake Stripe server crashed"


@pytest.fixture
def stripe_client(stripe_server: FakeStripe) -> Iterator[stripe.StripeClient]:
    """An SDK client on the fake with automatic retries off (see :func:`sdk_client`)."""
    with sdk_client(stripe_server) as client:
        yield client
