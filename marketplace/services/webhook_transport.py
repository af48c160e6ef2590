"""Outgoing webhook requests that cannot be pointed into our own network (server-side request forgery).

The host name is resolved once; every answer must be a public unicast address (not loopback, private,
link-local, CGNAT, multicast, reserved, unspecified, IPv4-mapped/NAT64/6to4/Teredo or documentation, IPv4
and IPv6), and the request goes to exactly that address: TLS with the host name for SNI and the certificate
check, no redirects, short time-outs, a capped read. A delivery checks again, so a name that now resolves
inside is refused (DNS rebinding). Decision 1200.

Test seam: `LADENKARTE_WEBHOOK_TEST_ALLOW` lists loopback `address:port` pairs of fake receivers that tests
may reach (the settings refuse it with DEBUG off outside tests); nothing else is ever exempt.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from marketplace.exceptions import WebhookUrlRefused

MAX_URL_LENGTH = 500
CONNECT_TIMEOUT_SECONDS = 3.0
MAX_RESPONSE_BYTES = 4096  # the body is not kept; this much is read so the receiver sees a clean close

_IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# (network, reason code), checked in this order; anything else must also be `is_global`.
REFUSED_NETWORKS: tuple[tuple[_IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(network), reason)
    for network, reason in (
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "cgnat"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link_local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "reserved"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "reserved"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "reserved"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::ffff:0:0/96", "ipv4_mapped"),
        ("::/96", "ipv4_mapped"),  # IPv4-compatible (deprecated)
        ("64:ff9b::/96", "nat64"),
        ("64:ff9b:1::/48", "nat64"),
        ("100::/64", "reserved"),
        ("2001::/32", "tunnel"),  # Teredo
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("2002::/16", "tunnel"),  # 6to4
        ("fc00::/7", "private"),
        ("fe80::/10", "link_local"),
        ("fec0::/10", "private"),
        ("ff00::/8", "multicast"),
    )
)


def address_refusal(address: str, port: int | None = None) -> str | None:
    """Why `address` may not receive a webhook (a reason code), or None if it is a public unicast address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "unresolvable"
    if port is not None and f"{ip}:{port}" in _test_allowed():
        return None
    for network, reason in REFUSED_NETWORKS:
        if ip.version == network.version and ip in network:
            return reason
    if not ip.is_global:
        return "reserved"
    return None


def _test_allowed() -> frozenset[str]:
    return frozenset(getattr(settings, "LADENKARTE_WEBHOOK_TEST_ALLOW", ()) or ())


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the resolver's order (one lookup; an IP literal is itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


@dataclass(frozen=True)
class Target:
    """A checked webhook URL: where to connect (`address`, pinned) and what to ask for (`host`, `path`)."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _refused(reason: str) -> WebhookUrlRefused:
    messages = {
        "scheme": _("Enter an https URL (http only on a development site), at most 500 characters."),
        "credentials": _("The URL must not contain a user name or password."),
        "unresolvable": _("The URL's host name does not resolve."),
    }
    message = messages.get(
        reason,
        _("The URL must point to a public internet address (refused: %(reason)s).") % {"reason": reason},
    )
    return WebhookUrlRefused(details={"url": [message], "reason": reason})


def target_check(url: str) -> Target:
    """Check `url` and resolve it once; raises `WebhookUrlRefused` (with a reason code) for anything that
    could reach our own network. The returned target is pinned to the checked address."""
    allowed_schemes = ("https", "http") if settings.DEBUG else ("https",)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _refused("scheme") from None
    if parts.scheme not in allowed_schemes or not parts.hostname or len(url) > MAX_URL_LENGTH:
        raise _refused("scheme")
    if parts.username or parts.password:
        raise _refused("credentials")
    host = parts.hostname.rstrip(".").lower()
    port = port or (443 if parts.scheme == "https" else 80)
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".home.arpa")):
        raise _refused("loopback" if "localhost" in host else "private")
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise _refused("unresolvable") from None
    if not addresses:
        raise _refused("unresolvable")
    for address in addresses:
        reason = address_refusal(address, port)
        if reason is not None:
            raise _refused(reason)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=parts.scheme, host=host, port=port, path=path, address=addresses[0])


def _ssl_context() -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.LADENKARTE_WEBHOOK_CA_FILE or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address
        self._timeout = timeout

    def connect(self) -> None:
        self.sock = socket.create_connection(
            (self._address, self.port), timeout=min(CONNECT_TIMEOUT_SECONDS, self._timeout)
        )
        self.sock.settimeout(self._timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=_ssl_context())
        self._address = target.address
        self._timeout = timeout

    def connect(self) -> None:
        raw = socket.create_connection(
            (self._address, self.port), timeout=min(CONNECT_TIMEOUT_SECONDS, self._timeout)
        )
        raw.settimeout(self._timeout)
        try:
            # the host name, not the address: SNI and the certificate check are for the name
            self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]
        except BaseException:
            raw.close()
            raise


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    error: str  # a generic reason for the delivery log, never a raw socket error


def post(url: str, body: bytes, headers: dict[str, str]) -> PostResult:
    """POST `body` to `url` once: checked and resolved now, connected to the checked address only."""
    try:
        target = target_check(url)
    except WebhookUrlRefused:
        return PostResult(None, "refused: address not allowed")
    timeout = float(settings.LADENKARTE_WEBHOOK_TIMEOUT)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    deadline = time.monotonic() + timeout
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        remaining = MAX_RESPONSE_BYTES
        while remaining > 0 and time.monotonic() < deadline:
            chunk = response.read(min(1024, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
        status = int(response.status)
    except TimeoutError:
        return PostResult(None, "timed out")
    except ssl.SSLError:  # incl. a certificate that does not match the name
        return PostResult(None, "TLS handshake failed")
    except http.client.HTTPException:
        return PostResult(None, "invalid response")
    except OSError:
        return PostResult(None, "connection failed")
    finally:
        connection.close()
    if 200 <= status < 300:
        return PostResult(status, "")
    return PostResult(status, f"HTTP {status}")


MAX_FETCH_BYTES = 20 * 1024 * 1024  # one page of a till's product list; more is refused, not truncated


@dataclass(frozen=True)
class FetchResult:
    status_code: int | None
    body: bytes
    error: str  # a generic reason (for the connector's last error), never a raw socket error


def fetch(url: str, headers: dict[str, str], *, max_bytes: int = MAX_FETCH_BYTES) -> FetchResult:
    """GET `url` once through the same checks as a webhook POST (till connectors, issue 16): resolved now,
    pinned to the checked public address, no redirects, time-outs, at most `max_bytes` read."""
    try:
        target = target_check(url)
    except WebhookUrlRefused:
        return FetchResult(None, b"", "refused: address not allowed")
    timeout = float(settings.LADENKARTE_WEBHOOK_TIMEOUT) * 4
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    try:
        connection.request("GET", target.path, headers=headers)
        response = connection.getresponse()
        size = 0
        while True:
            if time.monotonic() > deadline:
                return FetchResult(None, b"", "timed out")
            chunk = response.read(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                return FetchResult(int(response.status), b"", "response too large")
            chunks.append(chunk)
        status = int(response.status)
    except TimeoutError:
        return FetchResult(None, b"", "timed out")
    except ssl.SSLError:
        return FetchResult(None, b"", "TLS handshake failed")
    except http.client.HTTPException:
        return FetchResult(None, b"", "invalid response")
    except OSError:
        return FetchResult(None, b"", "connection failed")
    finally:
        connection.close()
    body = b"".join(chunks)
    if 200 <= status < 300:
        return FetchResult(status, body, "")
    return FetchResult(status, body, f"HTTP {status}")
