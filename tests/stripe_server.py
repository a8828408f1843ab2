"""A Stripe-compatible HTTP server on loopback, for tests.

Stripe cannot be reached from the test machines, and mocking the SDK would test our assumptions
about Stripe rather than our code: a wrong parameter name, a retry without an idempotency key or
a transfer to an account that has not finished onboarding would all pass against a mock. So the
official ``stripe`` SDK is pointed at this server instead, which speaks the parts of Stripe's v1
REST API that the marketplace uses (Connect Express accounts, account links, transfers and their
reversals, payment intents, the balance) with Stripe's wire format, error bodies and idempotency
rules, and lets a test inject failures at the exact moments that matter for payouts: before the
request is processed, after it is processed but before the answer arrives, or as a connection
that drops with no answer at all.

It uses the standard library only (no dependency on the SDK it is there to test against).

Behaviour worth knowing, each as Stripe documents it:

* A ``POST`` with an ``Idempotency-Key`` stores its status and body once the endpoint starts
  executing, *including errors raised while executing* (an unknown destination, a capability that
  is not active, an insufficient balance). Retrying with the same key replays that stored error
  even after the cause is fixed: a retry of a business failure needs a new key. Requests refused
  before execution (bad or missing parameters, unknown URL, unknown parent object) are not stored.
* The same key with another method, path or parameters is refused with ``idempotency_error``
  (HTTP 400). Keys are scoped per API key.
* Unknown parameters are refused (``Received unknown parameter: ...``), like Stripe does, so a
  typo in a parameter name fails the test instead of being silently ignored.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import hmac
import json
import random
import re
import secrets
import socket
import string
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self, cast, get_args
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = [
    "API_VERSION",
    "TEST_API_KEY",
    "TEST_WEBHOOK_SECRET",
    "FailureWhen",
    "FakeStripe",
    "LoggedRequest",
    "sign_webhook",
]

TEST_API_KEY = "sk_test_marketplace"
TEST_WEBHOOK_SECRET = "whsec_test_marketplace"
#: Reported in events built by :meth:`FakeStripe.event` and in ``Stripe-Version`` response headers
#: when the client sends none; the SDK normally sends its own pinned version, which is echoed.
API_VERSION = "2026-10-28.endive"

FailureWhen = Literal["before", "after", "drop_after"]
JSONDict = dict[str, Any]

_ALNUM = string.ascii_letters + string.digits
_CURRENCY_RE = re.compile(r"[a-z]{3}")
_KEY_RE = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
_SUBKEY_RE = re.compile(r"\[([^\[\]]*)\]")
#: Stripe's minimum charge amounts (smallest currency unit) for the currencies we may charge in.
_PAYMENT_MINIMUMS = {"usd": 50, "eur": 50, "gbp": 30, "cad": 50, "aud": 50, "chf": 50, "jpy": 50}
_COUNTRY_CURRENCY = {"US": "usd", "GB": "gbp", "CA": "cad", "AU": "aud", "CH": "chf", "JP": "jpy"}
_EURO_COUNTRIES = frozenset(
    {"AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV", "MT", "NL"}
    | {"PT", "SI", "SK"}
)
_LINK_LIFETIME = 300
_MAX_IDEMPOTENCY_KEY = 255
_METADATA_MAX_KEYS = 50
_METADATA_MAX_KEY_LEN = 40
_METADATA_MAX_VALUE_LEN = 500


class ApiFailure(Exception):
    """An error answer in Stripe's shape, raised anywhere in request handling.

    ``saved`` says whether Stripe's idempotency layer would store it: only failures that happen
    once the endpoint has started executing are stored and replayed, validation failures are not.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        saved: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code
        self.param = param
        self.saved = saved

    def body(self) -> JSONDict:
        """The JSON error document, with the keys the SDK reads to pick its exception class."""
        error: JSONDict = {"type": self.type, "message": self.message}
        if self.code is not None:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param is not None:
            error["param"] = self.param
        return {"error": error}


def injected_failure(status: int) -> ApiFailure:
    """The error answered for an injected failure, typed the way Stripe types that status.

    The SDK chooses its exception from the status (and for 400/404 from ``type``), so the body
    matches what Stripe would send for such a status: a tester asking for 402 gets a card error,
    429 a rate limit, 409 the concurrent-idempotency-key conflict, 5xx an ``api_error``.
    """
    if status >= 500:
        return ApiFailure(status, "An unknown error occurred (injected by the fake).", type_="api_error")
    if status == 402:
        return ApiFailure(status, "Your card was declined.", type_="card_error", code="card_declined")
    if status == 409:
        return ApiFailure(
            status,
            "There is currently another in-progress request using this Idempotent Key (that probably "
            "means you submitted twice, and the other request is still going through). "
            "Please try again later.",
            code="idempotency_key_in_use",
        )
    if status == 429:
        return ApiFailure(status, "Too many requests hit the API too quickly.", code="rate_limit")
    return ApiFailure(status, f"Injected failure with status {status}.")


def sign_webhook(payload: bytes | str, secret: str, timestamp: int | None = None) -> str:
    """Build a ``Stripe-Signature`` header value for ``payload``, as Stripe signs webhooks.

    Stripe signs ``"<timestamp>.<raw body>"`` with HMAC-SHA256 keyed by the endpoint secret and
    sends ``t=<timestamp>,v1=<hex digest>``; the receiver must check it against the *raw* body
    and reject stale timestamps (the SDK's tolerance is 300 s), so tests pass an old ``timestamp``
    to exercise replay protection.
    """
    body = payload.encode("utf-8") if isinstance(payload, str) else payload
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode("utf-8"), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={digest}"


def _new_id(prefix: str, length: int = 24) -> str:
    """A random Stripe-looking id: random so code cannot come to depend on ids being ordered."""
    return prefix + "_" + "".join(secrets.choice(_ALNUM) for _ in range(length))


def _now() -> int:
    """Unix seconds, the unit of every Stripe timestamp."""
    return int(time.time())


# --------------------------------------------------------------------------------------------
# Stripe's form encoding
# --------------------------------------------------------------------------------------------


def decode_params(encoded: str) -> JSONDict:
    """Decode Stripe's nested form encoding (``a[b][c]=1``, ``list[0]=x``, ``list[]=y``).

    Everything stays a string, as on the wire: each endpoint converts the fields it knows, so a
    malformed number is reported with its parameter name like Stripe does.
    """
    root: JSONDict = {}
    for raw_key, value in parse_qsl(encoded, keep_blank_values=True):
        match = _KEY_RE.fullmatch(raw_key)
        if match is None:
            raise ApiFailure(400, f"Invalid parameter name: {raw_key}", param=raw_key)
        _insert(root, [match.group(1), *_SUBKEY_RE.findall(match.group(2))], value, raw_key)
    return cast(JSONDict, _listify(root, under_metadata=False))


def _insert(root: JSONDict, path: list[str], value: str, raw_key: str) -> None:
    """Place one decoded pair in the tree; an empty subscript (``[]``) appends a new element."""
    node = root
    for depth, segment in enumerate(path):
        key = str(len(node)) if segment == "" else segment
        if depth == len(path) - 1:
            if isinstance(node.get(key), dict):
                raise ApiFailure(400, f"Invalid hash: {raw_key} is also given sub-keys", param=raw_key)
            node[key] = value
            return
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ApiFailure(400, f"Invalid hash: {raw_key} conflicts with a plain value", param=raw_key)
        node = child


def _listify(value: Any, *, under_metadata: bool) -> Any:
    """Turn dicts keyed ``"0"``, ``"1"``... into lists, except metadata (whose keys are free)."""
    if not isinstance(value, dict):
        return value
    converted = {key: _listify(child, under_metadata=key == "metadata") for key, child in value.items()}
    if not under_metadata and converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def _canonical(params: JSONDict) -> str:
    """A comparable form of the parameters, for the idempotency layer's same-request check."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"))


# --------------------------------------------------------------------------------------------
# Parameter validation, with Stripe's messages
# --------------------------------------------------------------------------------------------


def _check_known(params: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Refuse unknown parameters, as Stripe does, so a misspelt parameter fails loudly."""
    known = set(allowed)
    for name in params:
        if name not in known:
            raise ApiFailure(400, f"Received unknown parameter: {name}", param=name)


def _string(params: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    """A plain string parameter (not a hash or array)."""
    value = params.get(name)
    if value is None:
        if required:
            raise ApiFailure(400, f"Missing required param: {name}.", param=name)
        return None
    if not isinstance(value, str):
        raise ApiFailure(400, f"Invalid string: {name} must be a string", param=name)
    if required and value == "":
        raise ApiFailure(400, f"Missing required param: {name}.", param=name)
    return value


def _integer(
    params: Mapping[str, Any],
    name: str,
    *,
    required: bool = False,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """An integer parameter: amounts arrive as decimal strings and must be whole numbers."""
    raw = _string(params, name, required=required)
    if raw is None:
        return None
    if not re.fullmatch(r"-?\d+", raw):
        raise ApiFailure(400, f"Invalid integer: {raw}", param=name)
    number = int(raw)
    if minimum is not None and number < minimum:
        raise ApiFailure(400, f"This value must be greater than or equal to {minimum}.", param=name)
    if maximum is not None and number > maximum:
        raise ApiFailure(400, f"This value must be less than or equal to {maximum}.", param=name)
    return number


def _boolean(value: Any, name: str) -> bool:
    """A boolean sent as ``true``/``false`` (the SDK lower-cases Python booleans)."""
    if value in ("true", "false"):
        return bool(value == "true")
    raise ApiFailure(400, f"Invalid boolean: {value}", param=name)


def _currency(params: Mapping[str, Any]) -> str:
    """A required ISO currency code; Stripe answers with it lower-cased whatever was sent."""
    raw = _string(params, "currency", required=True)
    assert raw is not None
    currency = raw.lower()
    if not _CURRENCY_RE.fullmatch(currency):
        raise ApiFailure(400, f"Invalid currency: {raw}", param="currency")
    return currency


def _metadata(params: Mapping[str, Any]) -> dict[str, str]:
    """Validate metadata against Stripe's limits, so oversized metadata fails here too."""
    raw = params.get("metadata")
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, dict):
        raise ApiFailure(400, "Invalid object: metadata must be a hash", param="metadata")
    if len(raw) > _METADATA_MAX_KEYS:
        raise ApiFailure(400, f"Metadata can have at most {_METADATA_MAX_KEYS} keys.", param="metadata")
    metadata: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(value, str):
            raise ApiFailure(
                400, f"Invalid string: metadata[{key}] must be a string", param=f"metadata[{key}]"
            )
        if len(key) > _METADATA_MAX_KEY_LEN:
            raise ApiFailure(
                400, f"Metadata keys can be at most {_METADATA_MAX_KEY_LEN} characters.", param="metadata"
            )
        if len(value) > _METADATA_MAX_VALUE_LEN:
            raise ApiFailure(
                400,
                f"Metadata values can be at most {_METADATA_MAX_VALUE_LEN} characters.",
                param=f"metadata[{key}]",
            )
        if value != "":
            metadata[key] = value
    return metadata


def _expand(params: Mapping[str, Any]) -> None:
    """Accept ``expand`` (a list of strings); expansion itself is not emulated."""
    value = params.get("expand")
    if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise ApiFailure(400, "Invalid array: expand must be an array of strings", param="expand")


def _missing(kind: str, object_id: str, param: str = "id", *, status: int = 404) -> ApiFailure:
    """Stripe's answer for an id that names no object."""
    return ApiFailure(status, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


# --------------------------------------------------------------------------------------------
# Server state
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the server saw it: what tests assert about retries and replays.

    ``status`` is ``None`` when the connection was dropped without an answer; ``injected`` names
    the failure mode that was applied to this request, if any.
    """

    method: str
    path: str
    idempotency_key: str | None
    replayed: bool
    status: int | None
    request_id: str
    params: JSONDict = field(default_factory=dict)
    injected: FailureWhen | None = None


@dataclass
class _FailureRule:
    """A pending ``fail_next`` request: consumed one match at a time."""

    method: str
    path_prefix: str
    status: int
    remaining: int
    when: FailureWhen


@dataclass
class _RandomFailures:
    """``fail_randomly`` settings; a seeded generator keeps chaos runs reproducible."""

    probability: float
    rng: random.Random
    when: FailureWhen
    status: int


@dataclass(frozen=True)
class _StoredResponse:
    """What the idempotency layer keeps for a key: the request it answered and the answer."""

    fingerprint: tuple[str, str, str]
    status: int
    body: bytes
    request_id: str


@dataclass
class _AccountLink:
    """An onboarding link: single use and short-lived, like Stripe's."""

    account: str
    refresh_url: str
    return_url: str
    expires_at: int
    used: bool = False


@dataclass
class _Reply:
    """An HTTP answer ready to be written by the request handler."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


def _json_reply(status: int, document: JSONDict) -> _Reply:
    """Serialise an answer the way Stripe does (JSON, UTF-8)."""
    return _Reply(status, json.dumps(document, indent=2).encode("utf-8"))


_Route = Callable[[JSONDict, re.Match[str]], JSONDict]


class FakeStripe:
    """A fake of Stripe's v1 API on ``127.0.0.1``, with failure injection and test helpers.

    Start it once (``start()`` or a ``with`` block), ``reset()`` between tests, point the SDK at
    :attr:`url`. Everything is guarded by one lock, so requests are processed one at a time (as
    far as state goes) and helpers can be called from the test thread while the SDK talks to it.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._routes: list[tuple[str, re.Pattern[str], _Route]] = [
            ("POST", re.compile(r"/v1/accounts"), self._create_account),
            ("GET", re.compile(r"/v1/accounts/(?P<id>[^/]+)"), self._retrieve_account),
            ("POST", re.compile(r"/v1/account_links"), self._create_account_link),
            ("GET", re.compile(r"/v1/balance"), self._retrieve_balance),
            ("POST", re.compile(r"/v1/transfers"), self._create_transfer),
            ("GET", re.compile(r"/v1/transfers"), self._list_transfers),
            ("GET", re.compile(r"/v1/transfers/(?P<id>[^/]+)"), self._retrieve_transfer),
            ("POST", re.compile(r"/v1/transfers/(?P<id>[^/]+)/reversals"), self._create_reversal),
            ("GET", re.compile(r"/v1/transfers/(?P<id>[^/]+)/reversals"), self._list_reversals),
            ("POST", re.compile(r"/v1/payment_intents"), self._create_payment_intent),
            ("GET", re.compile(r"/v1/payment_intents/(?P<id>[^/]+)"), self._retrieve_payment_intent),
        ]
        self._init_state()

    def _init_state(self) -> None:
        """Empty every store: shared by the constructor and :meth:`reset`."""
        self._accounts: dict[str, JSONDict] = {}
        self._transfers: dict[str, JSONDict] = {}
        self._payment_intents: dict[str, JSONDict] = {}
        self._balances: dict[str, int] = {}
        self._links: dict[str, _AccountLink] = {}
        self._idempotency: dict[tuple[str, str], _StoredResponse] = {}
        self._log: list[LoggedRequest] = []
        self._rules: list[_FailureRule] = []
        self._random: _RandomFailures | None = None
        self._internal_errors: list[str] = []

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind an ephemeral loopback port and serve from a daemon thread."""
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        # A short poll interval keeps stop() quick (shutdown waits for the loop to notice).
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-stripe", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and end kept-alive connections, so no handler thread outlives the server."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.close_open_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL to give the SDK (``base_addresses={"api": url}``)."""
        if self._server is None:
            raise RuntimeError("FakeStripe is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def reset(self) -> None:
        """Forget all objects, balances, idempotency keys, the log and pending failures."""
        with self._lock:
            self._init_state()

    # -- failure injection --------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path_prefix: str,
        *,
        status: int = 500,
        count: int = 1,
        when: FailureWhen = "before",
    ) -> None:
        """Make the next ``count`` matching requests fail.

        ``before``: answer the error without processing (nothing created, key not stored).
        ``after``: process (and store the success under the idempotency key), then answer the
        error: the caller cannot know it succeeded until it retries with the same key.
        ``drop_after``: process, then close the connection without any answer.
        """
        if when not in get_args(FailureWhen):
            raise ValueError(f"when must be one of {get_args(FailureWhen)}, not {when!r}")
        if count < 1:
            raise ValueError("count must be at least 1")
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        with self._lock:
            self._rules.append(_FailureRule(method.upper(), path_prefix, status, count, when))

    def fail_randomly(
        self, probability: float, seed: int, when: FailureWhen = "before", *, status: int = 500
    ) -> None:
        """Fail each ``POST`` with ``probability``, reproducibly from ``seed`` (chaos tests)."""
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        if when not in get_args(FailureWhen):
            raise ValueError(f"when must be one of {get_args(FailureWhen)}, not {when!r}")
        with self._lock:
            self._random = _RandomFailures(probability, random.Random(seed), when, status)

    def clear_failures(self) -> None:
        """Drop pending ``fail_next`` rules and stop random failures."""
        with self._lock:
            self._rules.clear()
            self._random = None

    def _take_failure(self, method: str, path: str) -> tuple[FailureWhen, int] | None:
        """Consume the failure that applies to this request, if any (rules before chaos)."""
        with self._lock:
            for rule in self._rules:
                if rule.method == method and path.startswith(rule.path_prefix):
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    return rule.when, rule.status
            chaos = self._random
            if chaos is not None and method == "POST" and chaos.rng.random() < chaos.probability:
                return chaos.when, chaos.status
        return None

    # -- test helpers -------------------------------------------------------------------------

    def set_balance(self, currency: str, amount: int) -> None:
        """Set the platform's available balance; currencies never set are unlimited."""
        if amount < 0:
            raise ValueError("a balance cannot be negative")
        with self._lock:
            self._balances[currency.lower()] = amount

    def balance(self, currency: str) -> int | None:
        """The available balance in ``currency``, ``None`` when unlimited (never set)."""
        with self._lock:
            return self._balances.get(currency.lower())

    def complete_onboarding(self, account_id: str) -> JSONDict:
        """Do what the account holder finishing Stripe's onboarding form does."""
        with self._lock:
            account = self._account(account_id)
            account["details_submitted"] = True
            account["charges_enabled"] = True
            account["payouts_enabled"] = True
            account["capabilities"]["transfers"] = "active"
            account["requirements"] = _requirements(done=True)
            return copy.deepcopy(account)

    def succeed_payment_intent(self, pi_id: str) -> JSONDict:
        """Do what a successful customer payment does to the intent."""
        with self._lock:
            intent = self._payment_intent(pi_id)
            intent["status"] = "succeeded"
            intent["amount_received"] = intent["amount"]
            intent["latest_charge"] = _new_id("ch")
            intent["payment_method"] = intent["payment_method"] or _new_id("pm")
            intent["last_payment_error"] = None
            return copy.deepcopy(intent)

    def fail_payment_intent(self, pi_id: str) -> JSONDict:
        """Do what a declined payment does: back to ``requires_payment_method`` with the error."""
        with self._lock:
            intent = self._payment_intent(pi_id)
            intent["status"] = "requires_payment_method"
            intent["amount_received"] = 0
            intent["last_payment_error"] = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
            }
            return copy.deepcopy(intent)

    def reverse_transfer(self, transfer_id: str, amount: int | None = None) -> JSONDict:
        """Reverse a transfer as from the dashboard; returns the updated transfer.

        The transfer (not the reversal) is returned because that is what a ``transfer.reversed``
        event carries: ``server.event("transfer.reversed", server.reverse_transfer(tr_id))``.
        """
        with self._lock:
            transfer = self._transfers.get(transfer_id)
            if transfer is None:
                raise KeyError(f"no such transfer: {transfer_id}")
            self._reverse(transfer, amount, {})
            return copy.deepcopy(transfer)

    def event(
        self,
        type: str,
        obj: JSONDict,
        *,
        event_id: str | None = None,
        account: str | None = None,
        previous_attributes: JSONDict | None = None,
    ) -> JSONDict:
        """Build a Stripe event object around ``obj``, to be signed and posted to our webhook.

        ``account`` is set on Connect events that come from a connected account (such as
        ``account.updated``); ``previous_attributes`` on ``*.updated`` events.
        """
        data: JSONDict = {"object": copy.deepcopy(obj)}
        if previous_attributes is not None:
            data["previous_attributes"] = copy.deepcopy(previous_attributes)
        event: JSONDict = {
            "id": event_id or _new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": _now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type,
        }
        if account is not None:
            event["account"] = account
        return event

    @property
    def transfers(self) -> list[JSONDict]:
        """Copies of all transfers, oldest first."""
        with self._lock:
            return copy.deepcopy(list(self._transfers.values()))

    @property
    def accounts(self) -> list[JSONDict]:
        """Copies of all connected accounts, oldest first."""
        with self._lock:
            return copy.deepcopy(list(self._accounts.values()))

    @property
    def payment_intents(self) -> list[JSONDict]:
        """Copies of all payment intents, oldest first."""
        with self._lock:
            return copy.deepcopy(list(self._payment_intents.values()))

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every request received since the last reset, in arrival order."""
        with self._lock:
            return list(self._log)

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs in this fake (answered as 500 ``api_error``), to tell them apart."""
        with self._lock:
            return list(self._internal_errors)

    # -- request handling ---------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> _Reply | None:
        """Answer one HTTP request; ``None`` means: close the connection without answering.

        ``headers`` must have lower-case names. Public so that a test can drive the fake without
        a socket, but normally called by the HTTP handler.
        """
        method = method.upper()
        request_id = _new_id("req", 14)
        path = urlsplit(target).path
        if method == "GET" and path.startswith("/connect/onboarding/"):
            reply = self._onboarding_page(path, urlsplit(target).query)
            self._record(LoggedRequest(method, path, None, False, reply.status, request_id))
            return reply
        idempotency_key = headers.get("idempotency-key") if method == "POST" else None
        params: JSONDict = {}
        try:
            api_key = _authenticate(headers.get("authorization"))
            if method == "POST":
                content_type = headers.get("content-type", "").split(";")[0].strip()
                if body and content_type != "application/x-www-form-urlencoded":
                    raise ApiFailure(400, f"Invalid request: unsupported Content-Type {content_type}.")
                try:
                    text = body.decode("utf-8")
                except UnicodeDecodeError:
                    raise ApiFailure(400, "Invalid request: the body is not UTF-8.") from None
                params = decode_params(text)
            else:
                params = decode_params(urlsplit(target).query)
        except ApiFailure as refused:
            self._record(
                LoggedRequest(method, path, idempotency_key, False, refused.status, request_id, params)
            )
            return self._finish(_json_reply(refused.status, refused.body()), request_id, headers)

        injected = self._take_failure(method, path)
        if injected is not None and injected[0] == "before":
            error = injected_failure(injected[1])
            self._record(
                LoggedRequest(
                    method, path, idempotency_key, False, error.status, request_id, params, "before"
                )
            )
            return self._finish(_json_reply(error.status, error.body()), request_id, headers)

        with self._lock:
            reply, replayed = self._execute(method, path, params, api_key, idempotency_key, request_id)
            if injected is None:
                self._record(
                    LoggedRequest(method, path, idempotency_key, replayed, reply.status, request_id, params)
                )
                return self._finish(reply, request_id, headers, idempotency_key)
            when, status = injected
            if when == "drop_after":
                self._record(
                    LoggedRequest(method, path, idempotency_key, replayed, None, request_id, params, when)
                )
                return None
            error = injected_failure(status)
            self._record(
                LoggedRequest(method, path, idempotency_key, replayed, error.status, request_id, params, when)
            )
            return self._finish(_json_reply(error.status, error.body()), request_id, headers, idempotency_key)

    def _record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log.append(entry)

    def _finish(
        self, reply: _Reply, request_id: str, headers: Mapping[str, str], idempotency_key: str | None = None
    ) -> _Reply:
        """Add the headers Stripe puts on every answer (the SDK reads ``Request-Id`` into errors)."""
        reply.headers["Request-Id"] = request_id
        reply.headers["Stripe-Version"] = headers.get("stripe-version") or API_VERSION
        if idempotency_key is not None:
            reply.headers["Idempotency-Key"] = idempotency_key
        return reply

    def _execute(
        self,
        method: str,
        path: str,
        params: JSONDict,
        api_key: str,
        idempotency_key: str | None,
        request_id: str,
    ) -> tuple[_Reply, bool]:
        """Run the idempotency layer around the endpoint. Called with the lock held."""
        scope: tuple[str, str] | None = None
        fingerprint = (method, path, _canonical(params))
        if idempotency_key is not None:
            if len(idempotency_key) > _MAX_IDEMPOTENCY_KEY:
                failure = ApiFailure(
                    400, f"Idempotency-Key must be at most {_MAX_IDEMPOTENCY_KEY} characters long."
                )
                return _json_reply(400, failure.body()), False
            scope = (api_key, idempotency_key)
            stored = self._idempotency.get(scope)
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    failure = ApiFailure(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters they were "
                        f"first used with. Try using a key other than '{idempotency_key}' if you meant to "
                        "execute a different request.",
                        type_="idempotency_error",
                    )
                    return _json_reply(400, failure.body()), False
                reply = _Reply(stored.status, stored.body)
                reply.headers["Idempotent-Replayed"] = "true"
                reply.headers["Original-Request"] = stored.request_id
                return reply, True

        save = True
        try:
            route, match = self._route(method, path)
            result = route(params, match)
            reply = _json_reply(200, result)
        except ApiFailure as refused:
            save = refused.saved
            reply = _json_reply(refused.status, refused.body())
        except Exception:
            # A bug in the fake: answer like Stripe's own 500 (which Stripe stores for the key).
            self._internal_errors.append(traceback.format_exc())
            crash = ApiFailure(500, "An unknown error occurred in the fake Stripe.", type_="api_error")
            reply = _json_reply(500, crash.body())
        if scope is not None and save:
            self._idempotency[scope] = _StoredResponse(fingerprint, reply.status, reply.body, request_id)
        return reply, False

    def _route(self, method: str, path: str) -> tuple[_Route, re.Match[str]]:
        """Find the endpoint; an unknown URL is a 404 like Stripe's (and is not stored)."""
        for route_method, pattern, route in self._routes:
            match = pattern.fullmatch(path)
            if match is not None and route_method == method:
                return route, match
        raise ApiFailure(
            404,
            f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can "
            "help at https://support.stripe.com/.",
        )

    def _onboarding_page(self, path: str, query: str) -> _Reply:
        """The page an account link points to: visiting it completes onboarding.

        Links are single use and expire, as Stripe's do: a used or expired link redirects to the
        ``refresh_url``, where the platform is expected to create a new link.
        """
        token = dict(parse_qsl(query)).get("link", "")
        with self._lock:
            link = self._links.get(token)
            if link is None or path.rstrip("/").rsplit("/", 1)[-1] != link.account:
                return _Reply(404, b"<h1>Unknown onboarding link</h1>", content_type="text/html")
            if link.used or link.expires_at < _now():
                return _Reply(302, b"", {"Location": link.refresh_url}, "text/html")
            link.used = True
            self.complete_onboarding(link.account)
            return _Reply(302, b"", {"Location": link.return_url}, "text/html")

    # -- lookups ------------------------------------------------------------------------------

    def _account(self, account_id: str) -> JSONDict:
        account = self._accounts.get(account_id)
        if account is None:
            raise KeyError(f"no such account: {account_id}")
        return account

    def _payment_intent(self, pi_id: str) -> JSONDict:
        intent = self._payment_intents.get(pi_id)
        if intent is None:
            raise KeyError(f"no such payment intent: {pi_id}")
        return intent

    # -- endpoints (called with the lock held) ------------------------------------------------

    def _create_account(self, params: JSONDict, _: re.Match[str]) -> JSONDict:
        """``POST /v1/accounts``: a new connected account starts with nothing enabled."""
        _check_known(
            params,
            {
                "type", "country", "email", "capabilities", "metadata", "business_type", "business_profile",
                "controller", "default_currency", "settings", "tos_acceptance", "individual", "company",
                "external_account", "expand",
            },
        )  # fmt: skip
        account_type = _string(params, "type")
        if account_type is None and "controller" not in params:
            raise ApiFailure(400, "Missing required param: type.", param="type")
        if account_type is not None and account_type not in {"express", "standard", "custom"}:
            raise ApiFailure(400, "Invalid type: must be one of express, standard or custom", param="type")
        country = (_string(params, "country") or "US").upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise ApiFailure(400, f"Country '{country}' is unknown.", param="country")
        capabilities: dict[str, str] = {}
        raw_capabilities = params.get("capabilities") or {}
        if not isinstance(raw_capabilities, dict):
            raise ApiFailure(400, "Invalid object: capabilities must be a hash", param="capabilities")
        for name, spec in raw_capabilities.items():
            param = f"capabilities[{name}][requested]"
            if not isinstance(spec, dict) or "requested" not in spec:
                raise ApiFailure(400, f"Missing required param: {param}.", param=param)
            if _boolean(spec["requested"], param):
                capabilities[name] = "inactive"
        metadata = _metadata(params)
        _expand(params)
        default_currency = _string(params, "default_currency")
        if default_currency is None:
            default_currency = "eur" if country in _EURO_COUNTRIES else _COUNTRY_CURRENCY.get(country, "usd")
        account: JSONDict = {
            "id": _new_id("acct", 16),
            "object": "account",
            "type": account_type or "express",
            "business_type": _string(params, "business_type"),
            "capabilities": capabilities,
            "charges_enabled": False,
            "country": country,
            "created": _now(),
            "default_currency": default_currency.lower(),
            "details_submitted": False,
            "email": _string(params, "email"),
            "livemode": False,
            "metadata": metadata,
            "payouts_enabled": False,
            "requirements": _requirements(done=False),
        }
        self._accounts[account["id"]] = account
        return account

    def _retrieve_account(self, params: JSONDict, match: re.Match[str]) -> JSONDict:
        """``GET /v1/accounts/{id}``."""
        _check_known(params, {"expand"})
        account = self._accounts.get(match["id"])
        if account is None:
            raise _missing("account", match["id"])
        return account

    def _create_account_link(self, params: JSONDict, _: re.Match[str]) -> JSONDict:
        """``POST /v1/account_links``: an onboarding URL served by this fake (see the page)."""
        _check_known(
            params, {"account", "refresh_url", "return_url", "type", "collect", "collection_options"}
        )
        account_id = _string(params, "account", required=True)
        link_type = _string(params, "type", required=True)
        if link_type not in {"account_onboarding", "account_update"}:
            raise ApiFailure(400, f"Invalid type: {link_type}", param="type")
        refresh_url = _string(params, "refresh_url", required=True)
        return_url = _string(params, "return_url", required=True)
        assert account_id is not None and refresh_url is not None and return_url is not None
        if account_id not in self._accounts:
            raise _missing("account", account_id, "account", status=400)
        created = _now()
        token = secrets.token_urlsafe(16)
        self._links[token] = _AccountLink(account_id, refresh_url, return_url, created + _LINK_LIFETIME)
        query = urlencode({"link": token})
        return {
            "object": "account_link",
            "created": created,
            "expires_at": created + _LINK_LIFETIME,
            "url": f"{self.url}/connect/onboarding/{account_id}?{query}",
        }

    def _retrieve_balance(self, params: JSONDict, _: re.Match[str]) -> JSONDict:
        """``GET /v1/balance``: the currencies given a balance with :meth:`set_balance`."""
        _check_known(params, {"expand"})
        return {
            "object": "balance",
            "available": [
                {"amount": amount, "currency": currency, "source_types": {"card": amount}}
                for currency, amount in sorted(self._balances.items())
            ],
            "pending": [],
            "livemode": False,
        }

    def _create_transfer(self, params: JSONDict, _: re.Match[str]) -> JSONDict:
        """``POST /v1/transfers``: checks the destination and the balance, as Stripe does."""
        _check_known(
            params,
            {
                "amount", "currency", "destination", "description", "metadata", "source_transaction",
                "source_type", "transfer_group", "expand",
            },
        )  # fmt: skip
        amount = _integer(params, "amount", required=True, minimum=1)
        currency = _currency(params)
        destination = _string(params, "destination", required=True)
        description = _string(params, "description")
        transfer_group = _string(params, "transfer_group")
        source_transaction = _string(params, "source_transaction")
        metadata = _metadata(params)
        _expand(params)
        assert amount is not None and destination is not None
        # From here on the endpoint is executing: failures are stored under the idempotency key.
        account = self._accounts.get(destination)
        if account is None:
            raise ApiFailure(
                400,
                f"No such destination: '{destination}'",
                code="resource_missing",
                param="destination",
                saved=True,
            )
        if account["capabilities"].get("transfers") != "active":
            raise ApiFailure(
                400,
                "Your destination account needs to have at least one of the following capabilities "
                "enabled: transfers, crypto_transfers, legacy_payments",
                code="insufficient_capabilities_for_transfer",
                param="destination",
                saved=True,
            )
        available = self._balances.get(currency)
        if available is not None:
            if available < amount:
                raise ApiFailure(
                    400,
                    "You have insufficient available funds in your Stripe account. Try adding funds "
                    "directly to your available balance by creating Charges using the 4000000000000077 "
                    "test card. See: https://stripe.com/docs/testing#available-balance",
                    code="balance_insufficient",
                    saved=True,
                )
            self._balances[currency] = available - amount
        transfer_id = _new_id("tr")
        transfer: JSONDict = {
            "id": transfer_id,
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "balance_transaction": _new_id("txn"),
            "created": _now(),
            "currency": currency,
            "description": description,
            "destination": destination,
            "destination_payment": _new_id("py"),
            "livemode": False,
            "metadata": metadata,
            "reversals": {
                "object": "list",
                "data": [],
                "has_more": False,
                "total_count": 0,
                "url": f"/v1/transfers/{transfer_id}/reversals",
            },
            "reversed": False,
            "source_transaction": source_transaction,
            "source_type": _string(params, "source_type") or "card",
            "transfer_group": transfer_group,
        }
        self._transfers[transfer_id] = transfer
        return transfer

    def _retrieve_transfer(self, params: JSONDict, match: re.Match[str]) -> JSONDict:
        """``GET /v1/transfers/{id}``."""
        _check_known(params, {"expand"})
        transfer = self._transfers.get(match["id"])
        if transfer is None:
            raise _missing("transfer", match["id"])
        return transfer

    def _list_transfers(self, params: JSONDict, _: re.Match[str]) -> JSONDict:
        """``GET /v1/transfers``: newest first, filtered, paginated with ``starting_after``."""
        _check_known(
            params,
            {
                "destination",
                "transfer_group",
                "limit",
                "starting_after",
                "ending_before",
                "created",
                "expand",
            },
        )
        destination = _string(params, "destination")
        transfer_group = _string(params, "transfer_group")
        created = params.get("created")
        selected = [
            transfer
            for transfer in reversed(self._transfers.values())
            if (destination is None or transfer["destination"] == destination)
            and (transfer_group is None or transfer["transfer_group"] == transfer_group)
            and _created_matches(transfer["created"], created)
        ]
        return _paginate(selected, params, "/v1/transfers")

    def _create_reversal(self, params: JSONDict, match: re.Match[str]) -> JSONDict:
        """``POST /v1/transfers/{id}/reversals``: the whole remaining amount unless told otherwise."""
        _check_known(params, {"amount", "description", "metadata", "refund_application_fee", "expand"})
        amount = _integer(params, "amount", minimum=1)
        metadata = _metadata(params)
        _expand(params)
        transfer = self._transfers.get(match["id"])
        if transfer is None:
            raise _missing("transfer", match["id"])
        return self._reverse(transfer, amount, metadata)

    def _list_reversals(self, params: JSONDict, match: re.Match[str]) -> JSONDict:
        """``GET /v1/transfers/{id}/reversals``."""
        _check_known(params, {"limit", "starting_after", "ending_before", "expand"})
        transfer = self._transfers.get(match["id"])
        if transfer is None:
            raise _missing("transfer", match["id"])
        return _paginate(
            list(transfer["reversals"]["data"]), params, f"/v1/transfers/{match['id']}/reversals"
        )

    def _reverse(self, transfer: JSONDict, amount: int | None, metadata: dict[str, str]) -> JSONDict:
        """Reverse part or all of what is left of a transfer, crediting the platform balance."""
        remaining = transfer["amount"] - transfer["amount_reversed"]
        if remaining == 0:
            raise ApiFailure(
                400,
                f"Transfer {transfer['id']} is already fully reversed.",
                code="transfer_reversed",
                saved=True,
            )
        amount = remaining if amount is None else amount
        if amount > remaining:
            raise ApiFailure(
                400,
                f"Amount ({amount}) is greater than unreversed amount on transfer ({remaining})",
                param="amount",
                saved=True,
            )
        reversal: JSONDict = {
            "id": _new_id("trr"),
            "object": "transfer_reversal",
            "amount": amount,
            "balance_transaction": _new_id("txn"),
            "created": _now(),
            "currency": transfer["currency"],
            "destination_payment_refund": _new_id("pyr"),
            "livemode": False,
            "metadata": metadata,
            "source_refund": None,
            "transfer": transfer["id"],
        }
        transfer["amount_reversed"] += amount
        transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
        reversals = transfer["reversals"]
        reversals["data"].insert(0, reversal)
        reversals["total_count"] = len(reversals["data"])
        currency = transfer["currency"]
        if currency in self._balances:
            self._balances[currency] += amount
        return reversal

    def _create_payment_intent(self, params: JSONDict, _: re.Match[str]) -> JSONDict:
        """``POST /v1/payment_intents``: waits for a payment method, as a new intent does."""
        _check_known(
            params,
            {
                "amount", "currency", "metadata", "automatic_payment_methods", "payment_method_types",
                "description", "receipt_email", "customer", "capture_method", "statement_descriptor",
                "statement_descriptor_suffix", "setup_future_usage", "transfer_group", "transfer_data",
                "on_behalf_of", "application_fee_amount", "expand",
            },
        )  # fmt: skip
        amount = _integer(params, "amount", required=True, minimum=1, maximum=99_999_999)
        currency = _currency(params)
        assert amount is not None
        minimum = _PAYMENT_MINIMUMS.get(currency)
        if minimum is not None and amount < minimum:
            raise ApiFailure(
                400,
                f"Amount must be at least {minimum} {currency}",
                code="amount_too_small",
                param="amount",
            )
        automatic = params.get("automatic_payment_methods")
        automatic_payment_methods: JSONDict | None = None
        if automatic is not None:
            if not isinstance(automatic, dict) or "enabled" not in automatic:
                param = "automatic_payment_methods[enabled]"
                raise ApiFailure(400, f"Missing required param: {param}.", param=param)
            automatic_payment_methods = {
                "enabled": _boolean(automatic["enabled"], "automatic_payment_methods")
            }
            if "allow_redirects" in automatic:
                automatic_payment_methods["allow_redirects"] = automatic["allow_redirects"]
        method_types = params.get("payment_method_types")
        if method_types is not None and not isinstance(method_types, list):
            raise ApiFailure(400, "Invalid array: payment_method_types", param="payment_method_types")
        capture_method = _string(params, "capture_method") or "automatic_async"
        metadata = _metadata(params)
        _expand(params)
        intent_id = _new_id("pi")
        intent: JSONDict = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "application_fee_amount": _integer(params, "application_fee_amount", minimum=0),
            "automatic_payment_methods": automatic_payment_methods,
            "capture_method": capture_method,
            "client_secret": f"{intent_id}_secret_{''.join(secrets.choice(_ALNUM) for _ in range(25))}",
            "confirmation_method": "automatic",
            "created": _now(),
            "currency": currency,
            "customer": _string(params, "customer"),
            "description": _string(params, "description"),
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": metadata,
            "on_behalf_of": _string(params, "on_behalf_of"),
            "payment_method": None,
            "payment_method_types": method_types or ["card"],
            "receipt_email": _string(params, "receipt_email"),
            "status": "requires_payment_method",
            "transfer_data": params.get("transfer_data"),
            "transfer_group": _string(params, "transfer_group"),
        }
        self._payment_intents[intent_id] = intent
        return intent

    def _retrieve_payment_intent(self, params: JSONDict, match: re.Match[str]) -> JSONDict:
        """``GET /v1/payment_intents/{id}``."""
        _check_known(params, {"expand", "client_secret"})
        intent = self._payment_intents.get(match["id"])
        if intent is None:
            raise _missing("payment_intent", match["id"])
        return intent


def _requirements(*, done: bool) -> JSONDict:
    """An account's ``requirements`` hash before and after onboarding."""
    due = [] if done else ["business_type", "external_account", "tos_acceptance.date", "tos_acceptance.ip"]
    return {
        "currently_due": list(due),
        "eventually_due": list(due),
        "past_due": list(due),
        "disabled_reason": None if done else "requirements.past_due",
    }


def _authenticate(header: str | None) -> str:
    """Return the secret key from ``Authorization: Bearer``, refusing anything else with a 401.

    Live keys are refused outright: a live key reaching a test fake is a configuration bug.
    """
    if not header:
        raise ApiFailure(
            401,
            "You did not provide an API key. You need to provide your API key in the Authorization "
            "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        )
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key.startswith(("sk_test_", "rk_test_")):
        shown = key[:8] + "*" * max(len(key) - 12, 0) + key[-4:] if len(key) > 12 else "****"
        raise ApiFailure(401, f"Invalid API Key provided: {shown}")
    return key


def _created_matches(created: int, condition: Any) -> bool:
    """Apply a ``created`` filter: an exact timestamp or a hash of ``gt``/``gte``/``lt``/``lte``."""
    if condition is None:
        return True
    if isinstance(condition, str):
        return created == _integer({"created": condition}, "created")
    if not isinstance(condition, dict):
        raise ApiFailure(400, "Invalid created filter", param="created")
    checks: dict[str, Callable[[int, int], bool]] = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    _check_known(condition, checks)
    return all(checks[op](created, cast(int, _integer(condition, op, required=True))) for op in condition)


def _paginate(items: list[JSONDict], params: JSONDict, url: str) -> JSONDict:
    """Cut a newest-first list the way Stripe's list endpoints do (cursor = an object id)."""
    limit = _integer(params, "limit", minimum=1, maximum=100) or 10
    starting_after = _string(params, "starting_after")
    ending_before = _string(params, "ending_before")
    ids = [item["id"] for item in items]
    if starting_after is not None:
        if starting_after not in ids:
            raise _missing("object", starting_after, "starting_after", status=400)
        window = items[ids.index(starting_after) + 1 :]
        page = window[:limit]
    elif ending_before is not None:
        if ending_before not in ids:
            raise _missing("object", ending_before, "ending_before", status=400)
        window = items[: ids.index(ending_before)]
        page = window[-limit:]
    else:
        window = items
        page = window[:limit]
    return {"object": "list", "data": page, "has_more": len(window) > len(page), "url": url}


# --------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    """A threading server that remembers its open connections so ``stop()`` can end them.

    The SDK keeps connections alive; without this, handler threads would wait on idle sockets
    after the server stops.
    """

    daemon_threads = True
    fake: FakeStripe

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        """Wake handler threads waiting for a next request; they then close their sockets."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up is normal here (dropped connections are a feature); bugs are kept."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        with self.fake._lock:
            self.fake._internal_errors.append(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    """Reads the request, hands it to :meth:`FakeStripe.handle`, writes the answer (or none)."""

    protocol_version = "HTTP/1.1"
    server_version = "FakeStripe/1.0"
    # Headers and body go out in separate writes: with Nagle's algorithm and the client's delayed
    # ACK, every answer would then wait ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean: the request log is :attr:`FakeStripe.requests`."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        fake = cast(_Server, self.server).fake
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = fake.handle(self.command, self.path, headers, body)
        if reply is None:
            self.close_connection = True
            return
        self.send_response(reply.status, HTTPStatus(reply.status).phrase)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)
