"""The per-process TTL cache behind the pickup board, the category tree and the geocoder."""

from __future__ import annotations

import threading
from typing import Any

from marketplace.infrastructure.process_cache import ProcessCache, process_caches_clear


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counting_build() -> Any:
    calls = []

    def build() -> int:
        calls.append(1)
        return len(calls)

    build.calls = calls  # type: ignore[attr-defined]
    return build


def test_a_fresh_value_is_built_once_and_rebuilt_after_its_time_to_live() -> None:
    # given
    clock = Clock()
    cache: ProcessCache[int] = ProcessCache("test", ttl_seconds=60, clock=clock)
    build = counting_build()
    # when / then: the first call builds, the next ones within the minute reuse it
    assert cache.get(build) == 1
    clock.now += 59
    assert cache.get(build) == 1
    # past the time to live: built again in the call
    clock.now += 2
    assert cache.get(build) == 2


def test_an_invalid_value_or_refresh_builds_at_once_and_clear_forgets() -> None:
    # given
    cache: ProcessCache[int] = ProcessCache("test", ttl_seconds=None, clock=Clock())
    build = counting_build()
    assert cache.get(build) == 1
    # when / then
    assert cache.get(build, valid=lambda value: value != 1) == 2
    assert cache.get(build, refresh=True) == 3
    assert cache.get(build) == 3  # no time to live: kept until cleared
    cache.clear()
    assert cache.peek() is None
    assert cache.get(build) == 4


def test_clearing_all_caches_reaches_every_cache() -> None:
    # given
    first: ProcessCache[int] = ProcessCache("first", ttl_seconds=None)
    second: ProcessCache[int] = ProcessCache("second", ttl_seconds=60)
    first.get(lambda: 1)
    second.get(lambda: 2)
    # when
    process_caches_clear()
    # then
    assert (first.peek(), second.peek()) == (None, None)


def test_without_background_refresh_an_old_value_is_rebuilt_in_the_call(settings: Any) -> None:
    # given: the tests' setting (tests/conftest.py)
    settings.LADENKARTE_CACHE_BACKGROUND_REFRESH = False
    clock = Clock()
    cache: ProcessCache[int] = ProcessCache("test", ttl_seconds=60, background_refresh=True, clock=clock)
    build = counting_build()
    cache.get(build)
    clock.now += 61
    # when
    value = cache.get(build)
    # then
    assert value == 2
    assert not [thread for thread in threading.enumerate() if thread.name == "test-refresh"]


def test_with_background_refresh_an_old_value_is_answered_and_rebuilt_in_a_thread(settings: Any) -> None:
    # given
    settings.LADENKARTE_CACHE_BACKGROUND_REFRESH = True
    clock = Clock()
    cache: ProcessCache[str] = ProcessCache("bg-test", ttl_seconds=60, background_refresh=True, clock=clock)
    cache.get(lambda: "old")
    clock.now += 61
    release = threading.Event()

    def slow_rebuild() -> str:
        release.wait(timeout=10)
        return "new"

    # when: the call answers with the old value at once ...
    assert cache.get(lambda: "in the call", rebuild=slow_rebuild) == "old"
    (worker,) = [thread for thread in threading.enumerate() if thread.name == "bg-test-refresh"]
    release.set()
    worker.join(timeout=10)
    # then: ... and the thread's value replaces it
    assert cache.get(lambda: "in the call") == "new"
