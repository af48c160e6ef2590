"""Liveness and readiness probes.

`/healthz`: the process answers (no database, no Redis). `/readyz`: 503 only when the database is
unreachable (nothing works without it); a Redis outage or a backed-up outbox is reported as "degraded"
with 200, because the site keeps answering through them (the load balancer must not drop every web process
because Redis is down).
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse

# Due outbox rows older than this mean no dispatcher is running (it runs every few seconds).
OUTBOX_STALE_SECONDS = 120


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answers."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """The database (required), the cache and the outbox (degraded when failing); names what is wrong."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT PostGIS_Lib_Version()")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        ping = getattr(cache, "ping", None)
        if ping is not None:
            ping()
        cache.set("readyz", "1", 5)
        checks["cache"] = "ok" if cache.get("readyz") == "1" else "error: no round trip"
    except Exception as exc:
        checks["cache"] = f"error: {type(exc).__name__}"
    if checks["database"] == "ok":
        from marketplace.selectors.outbox import outbox_depth

        depth = outbox_depth()
        checks["outbox"] = (
            "ok"
            if depth.oldest_age_seconds < OUTBOX_STALE_SECONDS
            else f"error: {depth.waiting} waiting, oldest due for {int(depth.oldest_age_seconds)} s"
        )
    if checks["database"] != "ok":
        status, code = "unavailable", 503
    elif all(value == "ok" for value in checks.values()):
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    return JsonResponse({"status": status, "checks": checks}, status=code)
