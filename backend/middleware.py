"""A lost database connection (PostgreSQL restarted, the connection killed) answers 503, never a 500.

The request's transaction was rolled back with the connection, so nothing is half-written; the client is
told to retry (`Retry-After`). Django drops the broken connection at the end of the request, and
`CONN_HEALTH_CHECKS` makes the next request open a fresh one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

logger = logging.getLogger("ladenkarte.degraded")
RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.warning(
            "database unavailable during %s %s: %s: %s",
            request.method,
            request.path,
            type(exception).__name__,
            str(exception).splitlines()[0] if str(exception) else "",
        )
        message = _("The service is briefly unavailable. Please try again in a few seconds.")
        response: HttpResponse
        if request.path.startswith("/api/"):
            from api.errors import error_body

            response = JsonResponse(error_body("service_unavailable", message), status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
