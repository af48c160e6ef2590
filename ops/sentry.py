"""Optional error reporting to Sentry or a Sentry-compatible service (GlitchTip, self-hosted Sentry).

Off unless SENTRY_DSN is set. Residents' and merchants' personal data must not leave the town's servers
with an error report: no default PII, no request bodies, no local variables, no cookies, headers only
without credentials, no query strings (they carry reservation tokens), and every remaining string passes
the same `redact` as the logs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from ops.logs import REDACTED, redact

if TYPE_CHECKING:
    from sentry_sdk.types import Event, Hint

_DROP_HEADERS = frozenset({"authorization", "cookie", "x-forwarded-for", "x-real-ip", "forwarded"})


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
    )


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return value


def scrub_event(event: Event, hint: Hint | None = None) -> Event:
    """The event without personal data (also used for transactions)."""
    return cast("Event", scrub_event_data(cast(dict[str, Any], event)))


def scrub_event_data(event: dict[str, Any]) -> dict[str, Any]:
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        request.pop("data", None)
        request.pop("env", None)
        if request.get("query_string"):
            request["query_string"] = REDACTED
        url = request.get("url")
        if isinstance(url, str) and "?" in url:
            request["url"] = url.split("?", 1)[0]
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: v for k, v in headers.items() if k.lower() not in _DROP_HEADERS}
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    scrubbed: dict[str, Any] = _scrub(event)
    return scrubbed


def scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any] | None:
    if crumb.get("category") in {"query", "redis"}:
        return None  # SQL and cache keys carry e-mail addresses and hashes of tokens
    scrubbed: dict[str, Any] = _scrub(crumb)
    return scrubbed
