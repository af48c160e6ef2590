"""Record searches for the city's insights without slowing the search: buffered, written in batches.

A search appends one small record to an in-process buffer (microseconds); the buffer is written with one
`bulk_create` when it holds `LADENKARTE_SEARCH_EVENT_BATCH` records or its oldest record is older than
`LADENKARTE_SEARCH_EVENT_MAX_AGE` seconds, checked when a request has finished (after the response went out)
and at process exit (both hooks connected in `MarketplaceConfig.ready()`). Nothing personal is stored: the
location is rounded to two decimals (about 1 km), no IP address, no user. Decision 0101 explains the choice
over a Celery task per search.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time as monotonic_clock
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.signals import request_finished
from django.db import DatabaseError
from django.utils import timezone

from marketplace.models import SearchEvent

logger = logging.getLogger(__name__)

_buffer: list[SearchEvent] = []
_oldest: float | None = None
_lock = threading.Lock()


def _batch_size() -> int:
    return int(settings.LADENKARTE_SEARCH_EVENT_BATCH)


def _max_age() -> float:
    return float(settings.LADENKARTE_SEARCH_EVENT_MAX_AGE)


def _round(value: float, places: str) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def search_event_record(
    *,
    query: str,
    lat: float | None,
    lng: float | None,
    radius_km: float | None,
    result_count: int,
    category: str = "",
    available_today: bool = True,
    channel: str = "api",
    now: datetime | None = None,
) -> None:
    """Queue one search for the statistics; written later in a batch (see the module docstring)."""
    global _oldest
    event = SearchEvent(
        query=query.strip()[:200],
        category=category[:100],
        lat=None if lat is None else _round(lat, "0.01"),
        lng=None if lng is None else _round(lng, "0.01"),
        radius_km=None if radius_km is None else _round(min(radius_km, 999.9), "0.1"),
        available_today=available_today,
        result_count=max(result_count, 0),
        channel=channel[:10],
        created_at=now or timezone.now(),
    )
    with _lock:
        _buffer.append(event)
        if _oldest is None:
            _oldest = monotonic_clock.monotonic()


def search_events_pending() -> int:
    return len(_buffer)


def search_events_flush(*, force: bool = True) -> int:
    """Write the buffered events (all of them, or only when the batch is full or old when not `force`)."""
    global _oldest
    with _lock:
        if not _buffer:
            return 0
        due = len(_buffer) >= _batch_size() or (
            _oldest is not None and monotonic_clock.monotonic() - _oldest >= _max_age()
        )
        if not (force or due):
            return 0
        events = list(_buffer)
        _buffer.clear()
        _oldest = None
    try:
        SearchEvent.objects.bulk_create(events)
    except DatabaseError:
        # statistics must never break a search; put them back for the next attempt (bounded)
        logger.exception("could not write %d search events", len(events))
        with _lock:
            _buffer[:0] = events[: 10 * _batch_size()]
            _oldest = _oldest or monotonic_clock.monotonic()
        return 0
    return len(events)


def search_events_discard() -> None:
    """Drop the buffered events without writing them (tests start with an empty buffer)."""
    global _oldest
    with _lock:
        _buffer.clear()
        _oldest = None


def _flush_after_request(sender: Any, **kwargs: Any) -> None:
    if _buffer:
        search_events_flush(force=False)


def _flush_at_exit() -> None:
    try:
        search_events_flush()
    except Exception:
        logger.exception("could not write search events at exit")


def search_events_connect() -> None:
    """Flush after each request and at exit (called once from `MarketplaceConfig.ready()`)."""
    request_finished.connect(_flush_after_request, dispatch_uid="ladenkarte-search-events-flush")
    atexit.register(_flush_at_exit)
