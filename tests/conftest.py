"""Shared fixtures: every test runs against the real PostGIS database (pytest-django)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rest_framework.test import APIClient

# `fake_nominatim` / `geocoder_settings`: a local server speaking Nominatim's protocol (no internet).
pytest_plugins = ["tests.fake_nominatim"]


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def _midday() -> Iterator[None]:
    """Every test runs at 12:00 in the site's time zone of the current date (the clock keeps ticking).

    Views, factories and services without a `now` argument use the real clock for "today": a shop open
    00:00-23:59 with a 15-minute lead has no pickup left after 23:45, so tests would fail late at night
    (CI runs at any hour). Tests about particular times pass `now` (or travel themselves). The move is
    process-wide, so the live server thread of the browser tests sees it too. Set `LADENKARTE_TEST_CLOCK=real`
    to run on the wall clock.
    """
    import os
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    import time_machine
    from django.conf import settings

    if os.environ.get("LADENKARTE_TEST_CLOCK") == "real":
        yield
        return
    zone = ZoneInfo(settings.TIME_ZONE)
    midday = datetime.combine(datetime.now(zone).date(), time(12, 0), tzinfo=zone)
    with time_machine.travel(midday, tick=True):
        yield


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the default language (German): a request activates its language in the thread
    and Django never deactivates it, so it would leak into the next test's service calls."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _private_media(settings: object, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Uploaded CSV imports go to private storage (decision 1200): a temporary folder in tests."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path_factory.getbasetemp() / "private"  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fresh_local_cache() -> None:
    """Rate-limit counters live in the cache: with the per-process local-memory cache (the test default),
    every test starts with none, so a file's earlier reservations never use up a later test's budget.
    A real Redis cache (REDIS_URL set) is left alone."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


@pytest.fixture(autouse=True, scope="session")
def _no_background_refresh() -> Iterator[None]:
    """Per-process caches rebuild in the test's thread, never in a background one: tests pin `now` and
    change data within the cache's minute."""
    from django.conf import settings

    before = settings.LADENKARTE_CACHE_BACKGROUND_REFRESH
    settings.LADENKARTE_CACHE_BACKGROUND_REFRESH = False
    yield
    settings.LADENKARTE_CACHE_BACKGROUND_REFRESH = before


@pytest.fixture(autouse=True)
def _fresh_search_caches() -> Iterator[None]:
    """The per-process caches (pickup board, category tree, geocoder) and the search-event buffer: every
    test starts and ends with none of them (tests change hours within the caches' minute)."""
    from marketplace.infrastructure.process_cache import process_caches_clear
    from marketplace.infrastructure.search_events import search_events_discard

    for clear in (process_caches_clear, search_events_discard):
        clear()
    yield
    for clear in (process_caches_clear, search_events_discard):
        clear()


@pytest.fixture(autouse=True)
def _no_name_lookups_outside_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk to 127.0.0.1 only: a name lookup of anything but an IP literal or `localhost` (a webhook
    URL of `example.org` checked or delivered, a geocoder host) fails at once as "name not known" instead of
    asking the machine's resolver. Tests that need answers for names install their own (tests/security)."""
    import socket

    real = socket.getaddrinfo

    def loopback_only(host: object, *args: object, **kwargs: object) -> object:
        name = host.decode() if isinstance(host, bytes) else str(host or "")
        if name in ("", "localhost") or name.replace(".", "").isdigit() or ":" in name:
            return real(host, *args, **kwargs)  # type: ignore[arg-type]
        raise socket.gaierror(socket.EAI_NONAME, f"no name lookups in tests: {name}")

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)
