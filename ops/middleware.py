"""One place that sees every request: its metrics and its one log line.

The line says which route answered (the URL pattern's name, never the path: paths and query strings carry
reservation codes and tokens), the status, the duration, how many database queries it made and what kind
of client asked - never who.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse

from ops.metrics import DB_QUERIES, REQUEST_SECONDS, REQUESTS

logger = logging.getLogger("ladenkarte.request")

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class _QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def route_of(request: HttpRequest) -> str:
    """The URL pattern's name (`frontend:search`), `static`/`media` for files, `unmatched` otherwise."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or "unnamed"
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    if request.path.startswith(settings.MEDIA_URL):
        return "media"
    return "unmatched"


def user_kind(request: HttpRequest) -> str:
    """anonymous, api_key, user, staff or superuser: what kind of client, never which one."""
    if request.META.get("HTTP_AUTHORIZATION", "")[:8].lower() == "api-key ":
        return "api_key"
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "anonymous"
    if user.is_superuser:
        return "superuser"
    return "staff" if user.is_staff else "user"


class RequestObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        queries = _QueryCounter()
        status = 500
        try:
            with connection.execute_wrapper(queries):
                response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            duration = time.perf_counter() - started
            route = route_of(request)
            method = request.method if request.method in KNOWN_METHODS else "OTHER"
            REQUESTS.labels(route=route, method=method, status=str(status)).inc()
            REQUEST_SECONDS.labels(route=route, method=method).observe(duration)
            DB_QUERIES.labels(route=route).observe(queries.count)
            logger.info(
                "%s %s %s %.0fms",
                method,
                route,
                status,
                duration * 1000,
                extra={
                    "route": route,
                    "method": method,
                    "status": status,
                    "duration_ms": round(duration * 1000, 1),
                    "db_queries": queries.count,
                    "user_kind": user_kind(request),
                },
            )
