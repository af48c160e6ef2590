"""One value per process, rebuilt after a time to live: the pickup board, the category tree, the geocoder, the
search's word lookups.

A `ProcessCache` holds one value and when it was built. `get(build)` returns the value while it is fresh
(younger than `ttl_seconds`; `None`: until cleared) and `valid(value)` holds; otherwise it builds a new one
under a lock, so that concurrent requests build it once. With `background_refresh` a value that is only
too old (still valid) is rebuilt in a thread while requests keep using it - unless the setting
`LADENKARTE_CACHE_BACKGROUND_REFRESH` is off (the tests: they pin `now` and change data within the minute).
Every cache registers itself, so `process_caches_clear()` forgets them all (tests, restore drills).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connections

T = TypeVar("T")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Entry(Generic[T]):
    value: T
    built_at: float


class ProcessCache(Generic[T]):
    """A per-process value with a time to live (see the module docstring)."""

    def __init__(
        self,
        name: str,
        *,
        ttl_seconds: float | None,
        background_refresh: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._clock = clock
        self.ttl_seconds = ttl_seconds
        self.background_refresh = background_refresh
        self._entry: _Entry[T] | None = None
        self._lock = threading.Lock()
        self._refreshing = threading.Event()
        _CACHES.append(self)

    def _fresh(self, entry: _Entry[T]) -> bool:
        return self.ttl_seconds is None or self._clock() - entry.built_at < self.ttl_seconds

    def get(
        self,
        build: Callable[[], T],
        *,
        valid: Callable[[T], bool] | None = None,
        rebuild: Callable[[], T] | None = None,
        refresh: bool = False,
    ) -> T:
        """The cached value, or a new one from `build()`.

        `valid`: whether a cached value still answers this call at all (e.g. the same local day); an invalid
        value is rebuilt in the call. `rebuild`: how the background thread builds (default `build`; it must
        not depend on the request). `refresh`: build anew whatever the age."""
        entry = self._entry
        if entry is not None and not refresh and (valid is None or valid(entry.value)):
            if self._fresh(entry):
                return entry.value
            if self.background_refresh and settings.LADENKARTE_CACHE_BACKGROUND_REFRESH:
                self._refresh_in_background(rebuild or build, entry)
                return entry.value
        with self._lock:
            entry = self._entry
            current = entry is not None and self._fresh(entry) and (valid is None or valid(entry.value))
            if entry is None or refresh or not current:
                entry = self._entry = _Entry(build(), self._clock())
            return entry.value

    def _refresh_in_background(self, build: Callable[[], T], stale: _Entry[T]) -> None:
        def work() -> None:
            try:
                value = build()
                with self._lock:
                    if self._entry is stale:  # nobody built a newer one meanwhile (or cleared it)
                        self._entry = _Entry(value, self._clock())
            except Exception:  # the value in use stays; the next call past its validity builds in the request
                logger.exception("%s: background refresh failed", self.name)
            finally:
                connections.close_all()  # this thread's database connections
                self._refreshing.clear()

        if not self._refreshing.is_set():
            self._refreshing.set()
            threading.Thread(target=work, name=f"{self.name}-refresh", daemon=True).start()

    def peek(self) -> T | None:
        """The cached value without building one (fresh or not)."""
        entry = self._entry
        return None if entry is None else entry.value

    def clear(self) -> None:
        """Forget the value: the next `get` builds a new one."""
        with self._lock:
            self._entry = None


_CACHES: list[ProcessCache[Any]] = []


def process_caches_clear() -> None:
    """Forget every process cache (tests; after bulk changes made in this process)."""
    for cache in _CACHES:
        cache.clear()
