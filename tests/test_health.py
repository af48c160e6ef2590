"""Liveness and readiness probes for the load balancer and the orchestrator."""

from __future__ import annotations

import pytest
from django.test import Client


def test_healthz_answers_without_the_database(client: Client) -> None:
    # when (no database access allowed in this test: liveness must not depend on it)
    response = client.get("/healthz", secure=True)
    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_and_cache(client: Client) -> None:
    # when
    response = client.get("/readyz", secure=True)
    # then
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "outbox": "ok"},
    }


@pytest.mark.django_db
def test_readyz_reports_a_broken_cache(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a cache that loses what is written
    from django.core.cache import cache

    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: None)
    # when
    response = client.get("/readyz", secure=True)
    # then: degraded, not unavailable (the site answers without the cache)
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "error: no round trip", "outbox": "ok"},
    }
