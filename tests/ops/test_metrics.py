"""/metrics: who may read it, and that it counts requests, searches, syncs and reservations."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from marketplace.models import OutboxMessage, Reservation
from ops import metrics as ops_metrics
from tests.factories import ApiKeyFactory, ProductFactory, ReservationFactory, ShopFactory

TOKEN = "scrape-token-0123456789"


def samples(response) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(scraped: dict, name: str, **labels: str) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


# --- who may read it ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_loopback_may_read_without_a_token(client: Client) -> None:
    # when
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    # then
    assert response.status_code == 200


@pytest.mark.parametrize(
    "meta",
    [
        {"REMOTE_ADDR": "10.20.30.40"},
        {"REMOTE_ADDR": "2001:db8::1"},
        # through the proxy: the proxy's own address is internal, but the client is not
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"},
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_AUTHORIZATION": "Bearer wrong"},
    ],
    ids=["other-network", "other-network-v6", "through-proxy", "wrong-token-from-loopback"],
)
def test_everyone_else_is_refused(client: Client, settings, meta: dict[str, str]) -> None:
    # given
    settings.METRICS_TOKEN_SHA256 = hashlib.sha256(TOKEN.encode()).hexdigest()
    # when
    response = client.get("/metrics", **meta)
    # then
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"ladenkarte_" not in response.content


@pytest.mark.django_db
def test_the_token_opens_it_from_anywhere(client: Client, settings) -> None:
    # given only the token's hash is configured
    settings.METRICS_TOKEN_SHA256 = hashlib.sha256(TOKEN.encode()).hexdigest()
    # when
    response = client.get(
        "/metrics",
        REMOTE_ADDR="10.20.30.40",
        HTTP_X_FORWARDED_FOR="10.0.0.1",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
    )
    # then
    assert response.status_code == 200


def test_without_a_configured_token_no_bearer_passes(client: Client, settings) -> None:
    # given
    settings.METRICS_TOKEN_SHA256 = ""
    # when
    response = client.get("/metrics", REMOTE_ADDR="10.20.30.40", HTTP_AUTHORIZATION="Bearer ")
    # then
    assert response.status_code == 403


def test_only_get_and_head(client: Client) -> None:
    # when
    response = client.post("/metrics")
    # then
    assert response.status_code == 405


# --- what it says ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_requests_searches_and_sync_rows_are_counted(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    # given
    shop = ShopFactory()
    ProductFactory(shop=shop, sku="A", title="Fahrradschlauch")
    ApiKeyFactory(shop=shop, raw_key="lk_metrics1_secretsecretsecret")
    before = samples(client.get("/metrics"))

    # when
    client.get("/api/v1/search/?lat=53.2489&lng=10.4077&q=schlauch")
    client.get("/suche/?q=schlauch")
    client.get("/api/v1/search/?lat=53.2489&lng=10.4077")
    with django_capture_on_commit_callbacks(execute=True):  # the rows count once committed
        synced = APIClient(HTTP_AUTHORIZATION="Api-Key lk_metrics1_secretsecretsecret").post(
            f"/api/v1/merchant/shops/{shop.slug}/inventory/",
            {
                "partial": True,
                "items": [
                    {"sku": "A", "quantity": 7},
                    {"sku": "B", "quantity": 1, "title": "T", "price": "2"},
                ],
            },
            "json",
        )
    after = samples(client.get("/metrics"))

    # then
    assert synced.status_code == 200, synced.content

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("ladenkarte_http_requests_total", route="api-search", method="GET", status="200") == 2
    assert delta("ladenkarte_http_requests_total", route="public:search", method="GET", status="200") == 1
    assert delta("ladenkarte_http_request_seconds_count", route="api-search", method="GET") == 2
    assert delta("ladenkarte_http_db_queries_count", route="merchant-inventory") == 1
    assert delta("ladenkarte_http_db_queries_sum", route="merchant-inventory") > 0
    assert delta("ladenkarte_search_seconds_count", kind="text") == 2
    assert delta("ladenkarte_search_seconds_count", kind="browse") == 1
    assert delta("ladenkarte_sync_rows_total", source="api", outcome="updated") == 1
    assert delta("ladenkarte_sync_rows_total", source="api", outcome="created") == 1


@pytest.mark.django_db
def test_reservations_are_counted_by_status_from_the_database(client: Client) -> None:
    # given reservations in every state, as the sweeper and the shops left them
    shop = ShopFactory()
    statuses = [
        "held",
        "held",
        "ready",
        "collected",
        "collected",
        "collected",
        "expired",
        "no_show",
        "cancelled",
    ]
    for status in statuses:
        ReservationFactory(shop=shop, status=status)

    # when
    scraped = samples(client.get("/metrics"))

    # then
    assert (
        value(scraped, "ladenkarte_reservations_placed_total") == len(statuses) == Reservation.objects.count()
    )
    assert value(scraped, "ladenkarte_reservations_active", status="held") == 2
    assert value(scraped, "ladenkarte_reservations_active", status="ready") == 1
    assert value(scraped, "ladenkarte_reservations_closed_total", status="collected") == 3
    assert value(scraped, "ladenkarte_reservations_closed_total", status="expired") == 1
    assert value(scraped, "ladenkarte_reservations_closed_total", status="no_show") == 1
    assert value(scraped, "ladenkarte_reservations_closed_total", status="cancelled") == 1


@pytest.mark.django_db
def test_outbox_depth_and_age_are_read_from_the_database(client: Client) -> None:
    # given two rows waiting (one of them due for ten minutes), one retrying, one dead, one delivered
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    OutboxMessage.objects.create(kind="search.words_refresh", due_at=now - timedelta(minutes=10))
    OutboxMessage.objects.create(kind="search.words_refresh", due_at=now + timedelta(hours=1))
    OutboxMessage.objects.create(
        kind="search.words_refresh", state="retrying", due_at=now + timedelta(minutes=1)
    )
    OutboxMessage.objects.create(kind="search.words_refresh", state="dead")
    OutboxMessage.objects.create(kind="search.words_refresh", state="delivered", delivered_at=now)
    # when
    scraped = samples(client.get("/metrics"))
    # then
    assert value(scraped, "ladenkarte_outbox_messages", state="pending") == 2
    assert value(scraped, "ladenkarte_outbox_messages", state="retrying") == 1
    assert value(scraped, "ladenkarte_outbox_messages", state="dead") == 1
    assert 600 <= value(scraped, "ladenkarte_outbox_oldest_age_seconds") < 900


@pytest.mark.django_db
def test_celery_queue_length_is_read_from_redis(client: Client, settings, redis_server: str) -> None:
    # given three tasks waiting in the broker's queue
    import redis

    settings.REDIS_URL = redis_server
    broker = redis.Redis.from_url(redis_server)
    broker.rpush("celery", "t1", "t2", "t3")
    # when
    scraped = samples(client.get("/metrics"))
    # then
    assert value(scraped, "ladenkarte_celery_queue_length", queue="celery") == 3


def test_an_unreachable_redis_leaves_the_queue_length_out(settings) -> None:
    # given a port nothing listens on
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    # then
    assert ops_metrics.celery_queue_lengths() is None


def test_metrics_of_several_processes_are_summed(tmp_path, settings, monkeypatch) -> None:
    """gunicorn workers and the Celery worker each write files; /metrics adds them up."""
    import subprocess
    import sys

    # given two processes in two directories that each counted sync rows
    for directory, n in (("web", 2), ("worker", 5)):
        (tmp_path / directory).mkdir()
        code = (
            "from prometheus_client import Counter; "
            f"Counter('ladenkarte_sync_rows', 'x', ['source', 'outcome']).labels('csv', 'created').inc({n})"
        )
        subprocess.run(  # noqa: S603 - our interpreter
            [sys.executable, "-c", code],
            env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / directory)},
            check=True,
            timeout=60,
        )
    settings.METRICS_DIRS = [str(tmp_path / "web"), str(tmp_path / "worker")]
    monkeypatch.setattr(ops_metrics.DomainCollector, "collect", lambda self: iter(()))
    # when
    text = ops_metrics.exposition().decode()
    # then
    assert 'ladenkarte_sync_rows_total{outcome="created",source="csv"} 7.0' in text


@pytest.mark.django_db
def test_the_grafana_dashboard_shows_only_metrics_we_export(
    client: Client, redis_server: str, settings
) -> None:
    """A renamed metric must not leave a dashboard panel empty."""
    import json
    import re
    from pathlib import Path

    # given every family /metrics exposes (Redis up, so the queue length is there too)
    settings.REDIS_URL = redis_server
    families = {
        family.name for family in text_string_to_metric_families(client.get("/metrics").content.decode())
    }
    dashboard = json.loads(
        (Path(__file__).resolve().parents[2] / "deploy" / "grafana-dashboard.json").read_text()
    )
    # when
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = {
        re.sub(r"_(bucket|count|sum|total)$", "", name)
        for e in exprs
        for name in re.findall(r"ladenkarte_\w+", e)
    }
    # then
    assert used, "the dashboard has queries"
    assert used <= families, used - families
    assert {"ladenkarte_http_requests", "ladenkarte_search_seconds", "ladenkarte_reservations_placed"} <= used
    assert {"ladenkarte_sync_rows", "ladenkarte_celery_queue_length", "ladenkarte_http_db_queries"} <= used
    assert {"ladenkarte_outbox_messages", "ladenkarte_outbox_oldest_age_seconds"} <= used
