"""Fixed-window rate limits in the shared cache (Redis in production): one atomic `incr` per request.

With Redis down the limiter counts per process (logged once a minute) instead of failing the request.

Used by the API and the website alike, so a client has one budget per bucket whichever way it comes in
(e.g. `RESERVATION_CREATE`: reservations through the website and through the API count together).
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from marketplace.exceptions import RateLimited

logger = logging.getLogger("ladenkarte.degraded")

RESERVATION_CREATE = "reservation-create"  # the bucket of new reservations (website and API)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "20/h" -> (20, 3600)."""
    count, _slash, period = rate.partition("/")
    unit = period.strip()[:1].lower()
    if not count.strip().isdigit() or unit not in _PERIODS:
        raise ValueError(f"rate must look like 20/h, got {rate!r}")
    return int(count), _PERIODS[unit]


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as typed in headers ("2001:db8::1", "fe80::1%eth0", "[::1]"); IPv4-mapped IPv6 -> IPv4."""
    text = value.strip().strip("[]").split("%", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


@functools.lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _trusted(value: str, networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    ip = _ip(value)
    return ip is not None and any(ip in network for network in networks)


def client_address(meta: Mapping[str, Any]) -> str:
    """The client's IP from a request's META.

    With `LADENKARTE_TRUSTED_PROXY_NETWORKS` (CIDRs of our proxies): X-Forwarded-For counts only when the
    connection comes from such a proxy, and the client is the right-most address that is not one of ours
    (anything left of it can be forged by the client). Else with `LADENKARTE_TRUSTED_PROXIES` (a hop
    count): the entry the outermost trusted proxy added. Else the connection's address.
    """
    remote = str(meta.get("REMOTE_ADDR", ""))
    forwarded = [
        part.strip() for part in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",") if part.strip()
    ]
    spec = tuple(getattr(settings, "LADENKARTE_TRUSTED_PROXY_NETWORKS", ()) or ())
    if spec:
        networks = _networks(spec)
        if not _trusted(remote, networks):
            return remote
        for hop in reversed(forwarded):
            if not _trusted(hop, networks):
                return hop
        return forwarded[0] if forwarded else remote
    proxies = settings.LADENKARTE_TRUSTED_PROXIES
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return remote


def client_bucket(address: str) -> str:
    """The unit one client is counted as: an IPv4 address itself, an IPv6 address by its /64 network (one
    household or phone gets a whole /64, so single addresses would be unlimited identities)."""
    ip = _ip(address)
    if ip is None:
        return "invalid"
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ip)
    return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))


def client_identity(meta: Mapping[str, Any]) -> str:
    """Whom an anonymous request counts for in any rate limit: `client_bucket(client_address(meta))`.

    The one place that turns a request into a client (reservations, and other limits such as geocoding).
    """
    return client_bucket(client_address(meta))


def rate_limit_client(*, address: str, user_id: int | None = None, api_key_id: int | None = None) -> str:
    """Whom a request counts for: `key:<id>`, `user:<id>` or `client:<hash of the address's bucket>`.

    The bucket (`client_bucket`: IPv4 address, IPv6 /64) is hashed with the secret key, so no IP address
    is stored.
    """
    if api_key_id is not None:
        return f"key:{api_key_id}"
    if user_id is not None:
        return f"user:{user_id}"
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{client_bucket(address)}".encode()).hexdigest()
    return f"client:{digest[:40]}"


def _redis_incr(backend: RedisCache, key: str, *, timeout: int) -> int:
    """INCR + EXPIRE in one round trip on the cache's Redis (Django's `add` + `incr` take two, and build a
    new Redis client object for each call). The value stays a plain integer, as `cache.get` reads it."""
    full_key = backend.make_and_validate_key(key)
    redis_cache = backend._cache  # type: ignore[attr-defined] # Django's RedisCacheClient: one per thread, holds the connection pools
    client = getattr(redis_cache, "_rate_limit_client", None)
    if client is None:
        client = redis_cache.get_client(full_key, write=True)
        redis_cache._rate_limit_client = client
    pipe = client.pipeline(transaction=False)
    pipe.incr(full_key)
    pipe.expire(full_key, timeout)
    count, _expiry_set = pipe.execute()
    return int(count)


class _LocalWindows:
    """The fallback while Redis is down: fixed windows counted in this process only.

    A client may then get up to (limit x web processes) per window: weaker than the shared count, but the
    site keeps answering and still stops a flood at one process. Old windows are dropped as time moves on.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._last_warning = 0.0

    def incr(self, key: str, *, now: float) -> int:
        with self._lock:
            if len(self._counts) > 100_000:
                self._counts.clear()  # windows are short; a flood of clients must not grow memory unbounded
            self._counts[key] = self._counts.get(key, 0) + 1
            return self._counts[key]

    def warn(self, exc: BaseException, *, meanwhile: str = "counting per process") -> None:
        now = time.monotonic()
        if now - self._last_warning >= 60:
            self._last_warning = now
            logger.warning(
                "rate limits: Redis unavailable (%s: %s), %s until it is back",
                type(exc).__name__,
                exc,
                meanwhile,
            )


_local_windows = _LocalWindows()


def rate_limit_hit(*, bucket: str, client: str, rate: str, now: float | None = None) -> None:
    """Count one request of `client` in `bucket`; raise `RateLimited` (with `retry_after`) past the limit.

    The count lives in the shared cache, so every web process sees the same figure.
    """
    limit, period = parse_rate(rate)
    now = time.time() if now is None else now
    window = int(now // period)
    key = f"ratelimit:{bucket}:{client}:{window}"
    backend = caches[DEFAULT_CACHE_ALIAS]
    count: int | None = None
    if isinstance(backend, RedisCache):
        try:
            count = _redis_incr(backend, key, timeout=period + 60)
        except (RedisError, OSError) as exc:  # Redis down: never a 500, count in this process meanwhile
            _local_windows.warn(exc)
            count = _local_windows.incr(key, now=now)
    if count is None:
        cache.add(key, 0, timeout=period + 60)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.add(key, 1, timeout=period + 60)
            count = 1
    if count > limit:
        retry_after = max(1, int((window + 1) * period - now))
        raise RateLimited(
            _("Too many requests. Please try again later."),
            details={"retry_after": retry_after, "limit": limit, "period_seconds": period},
        )


def _redis_slot(backend: RedisCache, key: str, *, milliseconds: int) -> bool:
    full_key = backend.make_and_validate_key(key)
    client = backend._cache.get_client(full_key, write=True)  # type: ignore[attr-defined] # Django's RedisCacheClient
    return bool(client.set(full_key, b"1", nx=True, px=milliseconds))


def _database_slot(name: str, *, interval_seconds: float) -> bool:
    """The slot as a row: it moves on only when its moment has passed and nobody holds it (`SKIP LOCKED`:
    a concurrent taker, even one inside a longer transaction, makes this one busy instead of waiting). The
    database's clock is the one clock every process shares."""
    from marketplace.models import GeocoderSlot

    table = connection.ops.quote_name(GeocoderSlot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (name, next_at) VALUES (%s, '-infinity') "  # noqa: S608 - our table name
            "ON CONFLICT (name) DO NOTHING",
            [name],
        )
        cursor.execute(
            f"WITH free AS (SELECT name FROM {table} WHERE name = %s AND next_at <= clock_timestamp() "  # noqa: S608
            "FOR UPDATE SKIP LOCKED) "
            f"UPDATE {table} AS slot SET next_at = clock_timestamp() + make_interval(secs => %s) "
            "FROM free WHERE slot.name = free.name RETURNING slot.name",
            [name, interval_seconds],
        )
        return cursor.fetchone() is not None


def shared_slot_take(*, name: str, interval_seconds: float) -> bool:
    """Take the one request slot of `name` for `interval_seconds` across every process; `False` when another
    request took it within the interval (the caller answers without the outside call, it never waits).

    In Redis (`SET NX PX`); while Redis is down (or without Redis) in PostgreSQL, so the budget stays one
    for the whole site rather than one per process.
    """
    if interval_seconds <= 0:
        return True
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        try:
            return _redis_slot(backend, f"slot:{name}", milliseconds=max(1, int(interval_seconds * 1000)))
        except (RedisError, OSError) as exc:
            _local_windows.warn(exc, meanwhile="shared slots in PostgreSQL")
    return _database_slot(name, interval_seconds=interval_seconds)
