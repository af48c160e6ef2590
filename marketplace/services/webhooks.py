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
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.exceptions import LimitExceeded, ShopNotActive, ValidationFailed
from marketplace.models import OutboxMessage, Shop, Webhook, WebhookDelivery
from marketplace.services import webhook_transport
from marketplace.services.api_keys import integrations_check
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


def validate_webhook_url(url: str) -> None:
    """Refuse a URL that is not https (outside DEBUG) or resolves to a non-public address
    (`WebhookUrlRefused` naming the reason); the same check runs again before every delivery."""
    webhook_transport.target_check(url)


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
    *, shop: Shop, url: str, events: list[str], by_user: Any = None, now: datetime | None = None
) -> tuple[Webhook, str]:
    """Register a URL for `events` (empty: all); returns the webhook and its secret (shown only now).

    `by_user`: the person (an owner, `integrations_check`); None for an API key of the shop (write scope,
    checked by the API) and system calls. Only active shops register webhooks."""
    if by_user is not None:
        integrations_check(shop=shop, user=by_user)
    locked = Shop.objects.select_for_update().filter(pk=shop.pk).first()  # serialise the per-shop limit
    if locked is None or locked.status != Shop.Status.ACTIVE:
        raise ShopNotActive()
    validate_webhook_url(url)
    events = _validate_events(events)
    if Webhook.objects.filter(shop=shop).count() >= MAX_WEBHOOKS_PER_SHOP:
        raise LimitExceeded(_("A shop can have at most %(max)d webhooks.") % {"max": MAX_WEBHOOKS_PER_SHOP})
    webhook = Webhook.objects.create(
        shop=shop, url=url, events=events, secret_salt=secrets.token_hex(16), created_at=now or timezone.now()
    )
    return webhook, webhook_secret(webhook)


@transaction.atomic
def webhook_update(
    *, webhook: Webhook, url: str, events: list[str], active: bool, by_user: Any = None
) -> Webhook:
    """Change a webhook's URL (checked like a new one), events and on/off switch."""
    if by_user is not None:
        integrations_check(shop=webhook.shop, user=by_user)
    validate_webhook_url(url)
    Webhook.objects.filter(pk=webhook.pk).update(url=url, events=_validate_events(events), active=active)
    webhook.refresh_from_db()
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook, by_user: Any = None) -> None:
    if by_user is not None:
        integrations_check(shop=webhook.shop, user=by_user)
    webhook.delete()


@transaction.atomic
def webhook_enable(*, webhook: Webhook, by_user: Any = None) -> Webhook:
    """Turn a webhook back on after it was disabled for failing."""
    if by_user is not None:
        integrations_check(shop=webhook.shop, user=by_user)
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
    if shop.status != Shop.Status.ACTIVE:  # pending, suspended, rejected shops receive nothing
        return 0
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


@dataclass(frozen=True)
class AttemptOutcome:
    delivery: WebhookDelivery | None
    retry_in: int | None  # seconds until the next attempt, None when done (delivered, given up or disabled)


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
    webhook = Webhook.objects.filter(pk=webhook_id, active=True, shop__status=Shop.Status.ACTIVE).first()
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
    result = webhook_transport.post(webhook.url, body, headers)
    status_code, error = result.status_code, result.error
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
