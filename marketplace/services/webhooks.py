"""Webhooks: a shop's URLs receive reservation and stock events as signed JSON, retried with back-off.

The per-webhook secret is never stored: it is HMAC(SECRET_KEY, salt) and shown once on creation. Each POST
carries `X-Ladenkarte-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>`. Events are
outbox rows written with the change and delivered by the outbox dispatcher; every attempt is logged
(`WebhookDelivery`); a webhook failing
`LADENKARTE_WEBHOOK_DISABLE_AFTER` times in a row is disabled.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.exceptions import LimitExceeded, ValidationFailed
from marketplace.models import OutboxMessage, Shop, Webhook, WebhookDelivery
from marketplace.services.outbox import OutboxGiveUp, OutboxRetry, outbox_put

EVENTS = (
    "reservation.created",
    "reservation.ready",
    "reservation.cancelled",
    "reservation.expired",
    "reservation.collected",
    "reservation.no_show",
    "reservation.moved",
    "stock.changed",
)
MAX_WEBHOOKS_PER_SHOP = 10
SIGNATURE_HEADER = "X-Ladenkarte-Signature"
RETRY_BASE_SECONDS = 30  # 30 s, 2 min, 8 min, 32 min, ~2 h


def webhook_secret(webhook: Webhook) -> str:
    """The webhook's signing secret, derived from SECRET_KEY and the stored salt."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"ladenkarte-webhook:{webhook.secret_salt}".encode(), hashlib.sha256
    ).hexdigest()
    return f"whsec_{digest}"


def webhook_signature(*, secret: str, body: bytes) -> str:
    """The `X-Ladenkarte-Signature` value for `body`; receivers compare it with `hmac.compare_digest`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retry_delay(attempt: int) -> int:
    """Seconds to wait after failed attempt number `attempt` (1-based): exponential back-off."""
    return int(RETRY_BASE_SECONDS * 4 ** (attempt - 1))


def _host_is_public(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return False
    return all(ipaddress.ip_address(info[4][0]).is_global for info in infos)


def validate_webhook_url(url: str) -> None:
    parts = urlsplit(url)
    allowed = ("https", "http") if settings.DEBUG or settings.LADENKARTE_WEBHOOK_ALLOW_PRIVATE else ("https",)
    if parts.scheme not in allowed or not parts.hostname or len(url) > 500:
        raise ValidationFailed(
            details={
                "url": [
                    _("Enter a %(schemes)s URL (at most 500 characters).") % {"schemes": " / ".join(allowed)}
                ]
            }
        )
    if parts.username or parts.password:
        raise ValidationFailed(details={"url": [_("The URL must not contain a user name or password.")]})
    if not settings.LADENKARTE_WEBHOOK_ALLOW_PRIVATE and not _host_is_public(parts.hostname):
        raise ValidationFailed(details={"url": [_("The URL must point to a public internet address.")]})


def _validate_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise ValidationFailed(
            details={
                "events": [
                    _("Unknown event(s): %(unknown)s. Known: %(known)s.")
                    % {"unknown": ", ".join(unknown), "known": ", ".join(EVENTS)}
                ]
            }
        )
    return sorted(set(events))


@transaction.atomic
def webhook_create(
    *, shop: Shop, url: str, events: list[str], now: datetime | None = None
) -> tuple[Webhook, str]:
    """Register a URL for `events` (empty: all); returns the webhook and its secret (shown only now)."""
    validate_webhook_url(url)
    events = _validate_events(events)
    Shop.objects.select_for_update().filter(pk=shop.pk).first()  # serialise the per-shop limit
    if Webhook.objects.filter(shop=shop).count() >= MAX_WEBHOOKS_PER_SHOP:
        raise LimitExceeded(_("A shop can have at most %(max)d webhooks.") % {"max": MAX_WEBHOOKS_PER_SHOP})
    webhook = Webhook.objects.create(
        shop=shop, url=url, events=events, secret_salt=secrets.token_hex(16), created_at=now or timezone.now()
    )
    return webhook, webhook_secret(webhook)


@transaction.atomic
def webhook_delete(*, webhook: Webhook) -> None:
    webhook.delete()


@transaction.atomic
def webhook_enable(*, webhook: Webhook) -> Webhook:
    """Turn a webhook back on after it was disabled for failing."""
    Webhook.objects.filter(pk=webhook.pk).update(active=True, consecutive_failures=0, disabled_at=None)
    webhook.refresh_from_db()
    return webhook


def webhook_event_emit(
    *, shop: Shop, event: str, payload: dict[str, Any], now: datetime | None = None
) -> int:
    """Queue `event` for every active webhook of `shop` that wants it: one outbox row per webhook, sent
    after the commit and retried with back-off (`webhook_event_deliver`).

    Returns how many deliveries were queued. Call inside the transaction that made the change.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    now = now or timezone.now()
    targets = [
        webhook.pk
        for webhook in Webhook.objects.filter(shop=shop, active=True).only("pk", "events")
        if not webhook.events or event in webhook.events
    ]
    if not targets:
        return 0
    envelope = json.loads(
        json.dumps(
            {"id": "", "event": event, "created_at": now.isoformat(), "shop": shop.slug, "data": payload},
            cls=DjangoJSONEncoder,
        )
    )
    for webhook_id in targets:
        event_id = str(uuid.uuid4())
        outbox_put(
            kind="webhook.event",
            payload={"event": event, "event_id": event_id, "envelope": {**envelope, "id": event_id}},
            shop=shop,
            webhook=webhook_id,
            now=now,
        )
    return len(targets)


def webhook_event_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: one attempt at one event for one webhook (the row's attempt number); a failure is
    retried on the webhook schedule, a disabled or deleted webhook ends it."""
    payload = message.payload
    outcome = webhook_attempt(
        webhook_id=int(message.webhook_id or 0),
        event=str(payload["event"]),
        event_id=str(payload["event_id"]),
        envelope=payload["envelope"],
        attempt=message.attempts,
    )
    if outcome.delivery is None:
        raise OutboxGiveUp("the webhook was deleted or disabled")
    status_code = outcome.delivery.status_code
    if status_code is not None and 200 <= status_code < 300:
        return
    reason = outcome.delivery.error or f"HTTP {status_code}"
    if outcome.retry_in is None:
        raise OutboxGiveUp(reason)
    raise OutboxRetry(reason, delay=outcome.retry_in)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self, *args: Any, **kwargs: Any
    ) -> None:  # a redirect could point inside our network
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class AttemptOutcome:
    delivery: WebhookDelivery | None
    retry_in: int | None  # seconds until the next attempt, None when done (delivered, given up or disabled)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    if not settings.LADENKARTE_WEBHOOK_ALLOW_PRIVATE and not _host_is_public(urlsplit(url).hostname or ""):
        return None, "refused: the URL does not resolve to a public address"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked
    try:
        with _OPENER.open(request, timeout=settings.LADENKARTE_WEBHOOK_TIMEOUT) as response:
            response.read(1024)
            return int(response.status), ""
    except urllib.error.HTTPError as exc:
        return int(exc.code), f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(getattr(exc, "reason", exc))[:300]


def webhook_attempt(
    *,
    webhook_id: int,
    event: str,
    event_id: str,
    envelope: dict[str, Any],
    attempt: int,
    now: datetime | None = None,
) -> AttemptOutcome:
    """POST one event once (no transaction is held during the request) and log the attempt."""
    webhook = Webhook.objects.filter(pk=webhook_id, active=True).first()
    if webhook is None:
        return AttemptOutcome(delivery=None, retry_in=None)
    body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Ladenkarte-Webhooks/1",
        "X-Ladenkarte-Event": event,
        "X-Ladenkarte-Delivery": event_id,
        SIGNATURE_HEADER: webhook_signature(secret=webhook_secret(webhook), body=body),
    }
    started = time.monotonic()
    status_code, error = _post(webhook.url, body, headers)
    duration_ms = int((time.monotonic() - started) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    now = now or timezone.now()
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        event=event,
        event_id=event_id,
        payload=envelope,
        attempt=attempt,
        status_code=status_code,
        error=error,
        duration_ms=duration_ms,
        created_at=now,
    )
    if ok:
        Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=0)
        return AttemptOutcome(delivery=delivery, retry_in=None)
    Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    disabled = Webhook.objects.filter(
        pk=webhook.pk, active=True, consecutive_failures__gte=settings.LADENKARTE_WEBHOOK_DISABLE_AFTER
    ).update(active=False, disabled_at=now)
    if disabled or attempt >= settings.LADENKARTE_WEBHOOK_MAX_ATTEMPTS:
        return AttemptOutcome(delivery=delivery, retry_in=None)
    return AttemptOutcome(delivery=delivery, retry_in=retry_delay(attempt))
