"""The /metrics exposition: request metrics, domain figures from the database, Celery's queue length.

Request metrics are recorded by `ops.middleware`; search latency and sync rows by `marketplace.metrics`.
At scrape time `DomainCollector` reads reservations by status (and the outbox, when it exists) from the
database and the Celery queue length from Redis. With METRICS_DIRS set (gunicorn workers and the Celery
worker each write PROMETHEUS_MULTIPROC_DIR files), the files of all directories are summed.
"""

from __future__ import annotations

import glob
import hashlib
import hmac
import importlib
import ipaddress
import logging
import os
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.http import HttpRequest
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

REQUESTS = Counter(
    "ladenkarte_http_requests",
    "HTTP requests answered, by route (URL name), method and status.",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "ladenkarte_http_request_seconds",
    "Time from the first middleware to the response, by route and method.",
    ["route", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
DB_QUERIES = Histogram(
    "ladenkarte_http_db_queries",
    "Database queries one request made, by route.",
    ["route"],
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 100),
)

CELERY_QUEUES = ("celery",)


def celery_queue_lengths() -> dict[str, int] | None:
    """Messages waiting in Celery's Redis queues; None without Redis (tasks run eagerly) or on error."""
    if not settings.REDIS_URL:
        return None
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        with client:
            return {queue: int(client.llen(queue)) for queue in CELERY_QUEUES}  # type: ignore[arg-type]
    except redis.RedisError:
        logger.warning("metrics: Redis unreachable for the Celery queue length")
        return None


class DomainCollector:
    """Figures the database and Redis know, read at scrape time (right whichever process did the work)."""

    def collect(self) -> Iterator[Metric]:
        from marketplace.selectors.operations import reservation_counts

        counts = reservation_counts()
        placed = CounterMetricFamily(
            "ladenkarte_reservations_placed", "Reservations ever placed (holds created)."
        )
        placed.add_metric([], counts.placed)
        yield placed
        final = CounterMetricFamily(
            "ladenkarte_reservations_closed",
            "Reservations that reached a final status: collected, expired, no_show, cancelled.",
            labels=["status"],
        )
        active = GaugeMetricFamily(
            "ladenkarte_reservations_active", "Reservations holding stock now, by status.", labels=["status"]
        )
        for status, n in sorted(counts.by_status.items()):
            (active if status in ("held", "ready") else final).add_metric([status], n)
        yield final
        yield active
        yield from _outbox_metrics()
        lengths = celery_queue_lengths()
        if lengths is not None:
            queue = GaugeMetricFamily(
                "ladenkarte_celery_queue_length", "Tasks waiting in the Celery queue.", labels=["queue"]
            )
            for name, n in lengths.items():
                queue.add_metric([name], n)
            yield queue


def _outbox_metrics() -> Iterable[Metric]:
    """Depth and age of the transactional outbox (`marketplace.selectors.outbox.outbox_depth`, issue 13);
    nothing while a deployment runs a version without the outbox."""
    try:
        outbox = importlib.import_module("marketplace.selectors.outbox")
    except ImportError:
        return []
    depth = outbox.outbox_depth()
    messages = GaugeMetricFamily(
        "ladenkarte_outbox_messages", "Outbox messages by state: pending, retrying, dead.", labels=["state"]
    )
    for state in ("pending", "retrying", "dead"):
        messages.add_metric([state], getattr(depth, state))
    age = GaugeMetricFamily(
        "ladenkarte_outbox_oldest_age_seconds", "How long the oldest due, undelivered message has waited."
    )
    age.add_metric([], depth.oldest_age_seconds)
    return [messages, age]


class _MultiDirCollector:
    """Sums the multiprocess files of several directories (web's gunicorn workers and the Celery worker)."""

    def __init__(self, directories: list[str]) -> None:
        self.directories = directories

    def collect(self) -> Iterable[Metric]:
        files = [f for d in self.directories for f in glob.glob(os.path.join(d, "*.db"))]
        yield from MultiProcessCollector.merge(files, accumulate=True)


def exposition() -> bytes:
    """The text format Prometheus scrapes."""
    if settings.METRICS_DIRS:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_MultiDirCollector(settings.METRICS_DIRS))
    else:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_RegistryView(REGISTRY))
    registry.register(DomainCollector())
    return generate_latest(registry)


class _RegistryView:
    """This process's own instruments (one process: `make demo`, tests)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Metric]:
        yield from self.registry.collect()


def metrics_access_allowed(request: HttpRequest) -> bool:
    """A bearer token whose SHA-256 is METRICS_TOKEN_SHA256, or a direct request from an allowed network.

    A request that came through the proxy (it adds X-Forwarded-For) never passes on its address alone:
    the proxy's own address is on the internal network.
    """
    expected = settings.METRICS_TOKEN_SHA256
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if expected and header[:7].lower() == "bearer ":
        given = hashlib.sha256(header[7:].strip().encode()).hexdigest()
        return hmac.compare_digest(given, expected)
    if "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_FORWARDED" in request.META:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    networks = [ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS]
    return any(address in network for network in networks)
