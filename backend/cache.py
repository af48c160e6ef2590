"""Django's Redis cache, failing soft: with Redis down a read is a miss and a write is skipped (and logged).

Everything we cache can be recomputed from PostgreSQL (geocoding results, schedules), so an outage costs
speed, never an answer. `ping()` raises, for `/readyz` to report the outage. Short socket timeouts
(`REDIS_SOCKET_TIMEOUT`) keep a hung Redis from stalling requests.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("ladenkarte.degraded")
OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)
_T = TypeVar("_T")
_LOG_EVERY = 60.0  # seconds between two warnings about the same outage
_last_warning = 0.0


def redis_outage_logged(what: str, exc: BaseException) -> None:
    """Log a Redis outage at most once a minute per process (a busy site would log every request)."""
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= _LOG_EVERY:
        _last_warning = now
        logger.warning("Redis unavailable (%s: %s: %s); running degraded", what, type(exc).__name__, exc)


class FailSoftRedisCache(RedisCache):
    def _soft(self, what: str, call: Callable[[], _T], default: _T) -> _T:
        try:
            return call()
        except OUTAGE as exc:
            redis_outage_logged(f"cache {what}", exc)
            return default

    def ping(self) -> None:
        """Raise when Redis cannot be reached (for the readiness probe)."""
        self._cache.get_client(None, write=True).ping()  # type: ignore[attr-defined]

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._soft("get", lambda: RedisCache.get(self, key, default, version), default)

    def get_many(self, keys: Any, version: Any = None) -> Any:
        return self._soft("get_many", lambda: RedisCache.get_many(self, keys, version), {})

    def has_key(self, key: Any, version: Any = None) -> Any:
        return self._soft("has_key", lambda: RedisCache.has_key(self, key, version), False)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> None:
        self._soft("set", lambda: RedisCache.set(self, key, value, timeout, version), None)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._soft("add", lambda: RedisCache.add(self, key, value, timeout, version), False)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._soft("set_many", lambda: RedisCache.set_many(self, data, timeout, version), list(data))

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._soft("touch", lambda: RedisCache.touch(self, key, timeout, version), False)

    def delete(self, key: Any, version: Any = None) -> Any:
        return self._soft("delete", lambda: RedisCache.delete(self, key, version), False)

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._soft("delete_many", lambda: RedisCache.delete_many(self, keys, version), None)
