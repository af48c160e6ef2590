"""Fixed-window rate limits in the shared cache (Redis in production): one atomic `incr` per request."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from marketplace.exceptions import RateLimited

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "20/h" -> (20, 3600)."""
    count, _slash, period = rate.partition("/")
    unit = period.strip()[:1].lower()
    if not count.strip().isdigit() or unit not in _PERIODS:
        raise ValueError(f"rate must look like 20/h, got {rate!r}")
    return int(count), _PERIODS[unit]


def rate_limit_hit(*, bucket: str, client: str, rate: str, now: float | None = None) -> None:
    """Count one request of `client` in `bucket`; raise `RateLimited` (with `retry_after`) past the limit.

    The count lives in the shared cache, so every web process sees the same figure.
    """
    limit, period = parse_rate(rate)
    now = time.time() if now is None else now
    window = int(now // period)
    key = f"ratelimit:{bucket}:{client}:{window}"
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
