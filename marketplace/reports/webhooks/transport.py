"""The HTTP side of webhooks: which URLs we accept, and a POST that cannot be turned on our network.

A webhook URL is chosen by a client, so without care it is a way to make our servers call our own
internal services (server-side request forgery). Two checks guard against it:

- when an endpoint is saved, its URL must be http(s), carry no credentials, and its host must
  resolve to public addresses only (``check_url``), so the client hears at once what is wrong;
- when a message is sent, the host is resolved again and the connection is made to an address
  that was just checked (``post``). A DNS name that pointed to a public address when it was saved
  and now points to ``127.0.0.1`` (DNS rebinding) is refused at this moment, not only at the first.

Redirects are not followed (a 3xx is a failed attempt: a redirect could point anywhere) and proxies
from the environment are ignored (they would connect on our behalf to an address we never checked).
Deployments and tests that need loopback or private receivers set ``WEBHOOK_ALLOW_PRIVATE_NETWORKS``.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

#: Seconds to wait for a receiver (connection and answer); a slow receiver should answer 2xx first
#: and work afterwards.
TIMEOUT_SECONDS = 10.0
#: Longest error text kept on a message (the log shows it; a receiver's HTML error page is long).
MAX_ERROR_CHARS = 500
ALLOWED_SCHEMES = frozenset({"http", "https"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UrlRefused(Exception):
    """A URL we will not call; ``code`` is stable, the service turns it into a translated message."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code


def is_public_address(address: IPAddress) -> bool:
    """Whether ``address`` is on the public internet: not private, loopback, link-local (cloud
    metadata lives at 169.254.169.254), shared, reserved, multicast or unspecified. An IPv4 address
    inside IPv6 (``::ffff:10.0.0.1``) is judged as the IPv4 address it carries."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve_host(host: str, port: int) -> list[tuple[Any, ...]]:
    """``getaddrinfo`` results for a TCP connection; an unknown host is a ``UrlRefused``."""
    try:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UrlRefused("unresolvable", str(exc)) from exc


def vetted_addresses(host: str, port: int, allow_private: bool) -> list[tuple[Any, ...]]:
    """The host's addresses, refused as a whole if any is not public (unless ``allow_private``).

    Why all of them: a name with one public and one private address would otherwise be a coin toss
    between a client's server and ours.
    """
    infos = resolve_host(host, port)
    if not allow_private:
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if not is_public_address(address):
                raise UrlRefused("private_address", str(address))
    return infos


def check_url(url: str, allow_private: bool) -> str:
    """The URL, stripped, if we would call it; ``UrlRefused`` with the reason otherwise."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused("invalid_url", str(exc)) from exc
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise UrlRefused("scheme")
    if not parts.hostname:
        raise UrlRefused("invalid_url")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("credentials")
    if not allow_private:
        vetted_addresses(parts.hostname, port or (443 if parts.scheme.lower() == "https" else 80), False)
    return url


def _connect(host: str, port: int, timeout: float | None, allow_private: bool) -> socket.socket:
    """A TCP socket to a vetted address of ``host`` (the first that answers)."""
    last_error: OSError | None = None
    for family, kind, proto, _name, sockaddr in vetted_addresses(host, port, allow_private):
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last_error = exc
    raise last_error or OSError(f"no address for {host}")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, *, allow_private: bool, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._allow_private = allow_private

    def connect(self) -> None:
        self.sock = _connect(self.host, self.port, self.timeout, self._allow_private)


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, *, allow_private: bool, tls: ssl.SSLContext, **kwargs: Any) -> None:
        super().__init__(host, context=tls, **kwargs)
        self._allow_private = allow_private
        self._tls = tls

    def connect(self) -> None:
        raw = _connect(self.host, self.port, self.timeout, self._allow_private)
        # The certificate is checked against the host name, not the address we connected to.
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self._allow_private = allow_private

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        def factory(host: str, **kwargs: Any) -> _GuardedHTTPConnection:
            return _GuardedHTTPConnection(host, allow_private=self._allow_private, **kwargs)

        return self.do_open(factory, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self._allow_private = allow_private
        self._tls = ssl.create_default_context()

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        def factory(host: str, **kwargs: Any) -> _GuardedHTTPSConnection:
            kwargs.pop("context", None)
            return _GuardedHTTPSConnection(host, allow_private=self._allow_private, tls=self._tls, **kwargs)

        return self.do_open(factory, req)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises the 3xx as an HTTPError: a failed attempt


def _opener(allow_private: bool) -> urllib.request.OpenerDirector:
    """An opener for http and https only: built by hand because ``build_opener`` adds handlers for
    ``file:``, ``ftp:`` and ``data:`` URLs and for the environment's proxies."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        _GuardedHTTPHandler(allow_private),
        _GuardedHTTPSHandler(allow_private),
        _NoRedirects(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.UnknownHandler(),
    ):
        opener.add_handler(handler)
    return opener


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: ``status`` is None when no HTTP answer came (refused, timeout)."""

    status: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _clip(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def _body_excerpt(response: Any) -> str:
    try:
        return bytes(response.read(MAX_ERROR_CHARS)).decode("utf-8", "replace")
    except Exception:  # the body of a failure is a courtesy: never let it hide the status
        return ""


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    allow_private: bool,
    timeout: float = TIMEOUT_SECONDS,
) -> Outcome:
    """POST ``body`` to ``url``; never raises for what the network or the receiver does."""
    # The opener has handlers for http and https only (``_opener``): no file: or ftp: here.
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        with _opener(allow_private).open(request, timeout=timeout) as response:
            response.read(MAX_ERROR_CHARS)
            return Outcome(int(response.status), "", elapsed())
    except urllib.error.HTTPError as exc:
        excerpt = _body_excerpt(exc)
        return Outcome(int(exc.code), _clip(f"HTTP {exc.code}: {excerpt}".strip()), elapsed())
    except UrlRefused as exc:
        return Outcome(None, _clip(f"refused: {exc.code} {exc}"), elapsed())
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, UrlRefused):
            return Outcome(None, _clip(f"refused: {reason.code} {reason}"), elapsed())
        return Outcome(None, _clip(f"{type(reason).__name__}: {reason}"), elapsed())
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return Outcome(None, _clip(f"{type(exc).__name__}: {exc}"), elapsed())
