"""/metrics for Prometheus (see ops.metrics for what it holds and who may read it)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from ops.metrics import exposition, metrics_access_allowed


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_access_allowed(request):
        response = HttpResponse("Forbidden.\n", status=403, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
