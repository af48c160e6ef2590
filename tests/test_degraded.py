"""Degraded, never broken: Redis down (a real client against a loopback port nobody listens on) and a
database connection killed under a request."""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client

from marketplace.exceptions import RateLimited
from marketplace.infrastructure.rate_limits import rate_limit_hit
from tests.backends import backend_pid, terminate


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def redis_down(settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "backend.cache.FailSoftRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def test_the_cache_falls_through_while_redis_is_down(redis_down, caplog) -> None:
    # given / when
    cache = caches["default"]
    with caplog.at_level(logging.WARNING, logger="ladenkarte.degraded"):
        cache.set("k", "v", 10)
        value = cache.get("k", "miss")
        added = cache.add("k", "v")
    # then: misses instead of errors
    assert (value, added) == ("miss", False)


def test_the_rate_limiter_counts_per_process_while_redis_is_down(redis_down, caplog, monkeypatch) -> None:
    # given: a budget of 2 per minute; the warning is logged once a minute per process, so an earlier
    # test of this process (the geocoder's site slot with Redis down) must not have used it up
    from marketplace.infrastructure import rate_limits

    monkeypatch.setattr(rate_limits._local_windows, "_last_warning", 0.0)
    with caplog.at_level(logging.WARNING, logger="ladenkarte.degraded"):
        # when
        rate_limit_hit(bucket="t", client="c", rate="2/m", now=1_000_000.0)
        rate_limit_hit(bucket="t", client="c", rate="2/m", now=1_000_000.0)
        # then: still limited, not failing
        with pytest.raises(RateLimited):
            rate_limit_hit(bucket="t", client="c", rate="2/m", now=1_000_000.0)
    assert "counting per process" in caplog.text


@pytest.mark.django_db
def test_readyz_reports_redis_down_as_degraded_and_healthz_stays_up(redis_down, client: Client) -> None:
    # when
    ready = client.get("/readyz", secure=True)
    alive = client.get("/healthz", secure=True)
    # then
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["checks"]["cache"].startswith("error: ")
    assert ready.json()["checks"]["database"] == "ok"
    assert alive.status_code == 200


@pytest.mark.django_db
def test_a_search_answers_while_redis_is_down(redis_down, client: Client) -> None:
    # when
    response = client.get("/api/v1/search/", {"lat": 53.25, "lng": 10.41}, secure=True)
    # then
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_killed_database_connection_answers_503_with_retry_after(client: Client) -> None:
    # given: the web process's connection is open, then terminated by the server (as a restart does)
    terminate(backend_pid())
    # when
    response = client.get("/api/v1/shops/", secure=True)
    # then: a clean 503 in the API's error format
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "service_unavailable"
    # and the next request works once the broken connection is dropped (the server does it at request end;
    # the test client does not send that signal)
    connection.close_if_unusable_or_obsolete()
    assert client.get("/api/v1/shops/", secure=True).status_code == 200
