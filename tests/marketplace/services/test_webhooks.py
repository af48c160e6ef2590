"""Webhooks against a real HTTP server on 127.0.0.1: signature, retries with back-off, log, disabling."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from marketplace.models import OutboxMessage, StockMovement, Webhook, WebhookDelivery
from marketplace.services.inventory import inventory_sync, rows_from_payload
from marketplace.services.outbox import outbox_dispatch
from marketplace.services.products import Actor
from marketplace.services.webhooks import (
    SIGNATURE_HEADER,
    retry_delay,
    webhook_attempt,
    webhook_create,
    webhook_event_emit,
)
from tests.factories import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db


class Receiver:
    """A local endpoint answering with the queued status codes (then 200), recording each request."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    # plain http needs DEBUG; the test seam allows exactly this loopback receiver (decision 1200)
    settings.DEBUG = True
    server = Receiver()
    settings.LADENKARTE_WEBHOOK_TEST_ALLOW = [f"127.0.0.1:{server.server.server_address[1]}"]
    yield server
    server.server.shutdown()
    server.server.server_close()


def envelope(event_id: str = "00000000-0000-0000-0000-000000000001") -> dict[str, Any]:
    return {
        "id": event_id,
        "event": "stock.changed",
        "created_at": "2026-01-01T10:00:00+01:00",
        "data": {"x": 1},
    }


def test_signature_verifies_with_the_secret_shown_once(receiver):
    # given
    shop = ShopFactory()
    webhook, secret = webhook_create(shop=shop, url=receiver.url, events=["stock.changed"])
    # when
    outcome = webhook_attempt(
        webhook_id=webhook.pk,
        event="stock.changed",
        event_id=envelope()["id"],
        envelope=envelope(),
        attempt=1,
    )
    # then: the receiver can check the raw body with the secret
    assert outcome.retry_in is None
    headers, body = receiver.requests[0]
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers[SIGNATURE_HEADER], expected)
    assert json.loads(body)["data"] == {"x": 1}
    assert headers["X-Ladenkarte-Event"] == "stock.changed"
    # and a tampered body does not verify
    forged = "sha256=" + hmac.new(secret.encode(), body + b" ", hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] != forged


def test_failed_delivery_is_retried_with_back_off_and_logged(receiver):
    # given: the receiver fails once with 500, then accepts
    shop = ShopFactory()
    webhook, _ = webhook_create(shop=shop, url=receiver.url, events=[])
    receiver.statuses = [500]
    # when
    first = webhook_attempt(
        webhook_id=webhook.pk,
        event="stock.changed",
        event_id=envelope()["id"],
        envelope=envelope(),
        attempt=1,
    )
    second = webhook_attempt(
        webhook_id=webhook.pk,
        event="stock.changed",
        event_id=envelope()["id"],
        envelope=envelope(),
        attempt=2,
    )
    # then
    assert first.retry_in == retry_delay(1) == 30
    assert second.retry_in is None
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [30, 120, 480, 1920]
    log = list(WebhookDelivery.objects.order_by("attempt").values_list("attempt", "status_code", "error"))
    assert log == [(1, 500, "HTTP 500"), (2, 200, "")]
    assert len(receiver.requests) == 2
    webhook.refresh_from_db()
    assert webhook.consecutive_failures == 0


def test_the_outbox_retries_an_event_on_the_webhook_schedule_until_delivered(
    receiver, django_capture_on_commit_callbacks
):
    # given: no worker in tests (rows are delivered right after the commit); the receiver fails twice
    shop = ShopFactory()
    webhook, _ = webhook_create(shop=shop, url=receiver.url, events=["stock.changed"])
    receiver.statuses = [500, 503]
    # when: an event is emitted inside a transaction; attempt 1 runs after the commit
    with django_capture_on_commit_callbacks(execute=True):
        scheduled = webhook_event_emit(shop=shop, event="stock.changed", payload={"items": []})
    message = OutboxMessage.objects.get(webhook=webhook)
    after_first = (message.state, message.attempts, message.due_at)
    # and the dispatcher runs before attempt 2 is due, then when it is due, then when attempt 3 is due
    early = outbox_dispatch(now=timezone.now() + timedelta(seconds=retry_delay(1) - 5))
    second = outbox_dispatch(now=timezone.now() + timedelta(seconds=retry_delay(1) + 1))
    third = outbox_dispatch(now=timezone.now() + timedelta(seconds=retry_delay(1) + retry_delay(2) + 1))
    # then
    assert scheduled == 1
    assert after_first[:2] == ("retrying", 1)
    assert (early.total, second.retrying, third.delivered) == (0, 1, 1)
    assert list(WebhookDelivery.objects.order_by("attempt").values_list("attempt", "status_code")) == [
        (1, 500),
        (2, 503),
        (3, 200),
    ]
    assert len({d.event_id for d in WebhookDelivery.objects.all()}) == 1
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("delivered", 3)
    assert Webhook.objects.get(pk=webhook.pk).active is True


def test_an_event_for_a_disabled_webhook_goes_dead_without_a_request(
    receiver, django_capture_on_commit_callbacks
):
    # given: an event waits (no delivery on commit), then the webhook is switched off
    shop = ShopFactory()
    webhook, _ = webhook_create(shop=shop, url=receiver.url, events=[])
    with django_capture_on_commit_callbacks(execute=False):
        webhook_event_emit(shop=shop, event="stock.changed", payload={"items": []})
    Webhook.objects.filter(pk=webhook.pk).update(active=False)
    # when
    report = outbox_dispatch()
    # then
    assert (report.dead, receiver.requests) == (1, [])
    assert OutboxMessage.objects.get().last_error == "the webhook was deleted or disabled"


def test_webhook_is_disabled_after_repeated_failures(receiver, settings):
    # given
    settings.LADENKARTE_WEBHOOK_DISABLE_AFTER = 3
    shop = ShopFactory()
    webhook, _ = webhook_create(shop=shop, url=receiver.url, events=[])
    receiver.statuses = [500] * 10
    # when
    outcomes = [
        webhook_attempt(
            webhook_id=webhook.pk,
            event="stock.changed",
            event_id=envelope()["id"],
            envelope=envelope(),
            attempt=n,
        )
        for n in (1, 2, 3, 4)
    ]
    # then: the third failure disables it; the fourth attempt sends nothing
    assert [o.retry_in for o in outcomes] == [30, 120, None, None]
    webhook.refresh_from_db()
    assert (webhook.active, webhook.disabled_at is not None) == (False, True)
    assert len(receiver.requests) == 3
    assert WebhookDelivery.objects.count() == 3


def test_unreachable_url_is_logged_without_status(settings):
    # given: nothing listens on port 9
    settings.DEBUG = True
    settings.LADENKARTE_WEBHOOK_TEST_ALLOW = ["127.0.0.1:9"]
    shop = ShopFactory()
    webhook, _ = webhook_create(shop=shop, url="http://127.0.0.1:9/hook", events=[])
    # when
    outcome = webhook_attempt(
        webhook_id=webhook.pk,
        event="stock.changed",
        event_id=envelope()["id"],
        envelope=envelope(),
        attempt=1,
    )
    # then
    assert outcome.retry_in == 30
    delivery = WebhookDelivery.objects.get()
    assert delivery.status_code is None
    assert delivery.error


def test_private_addresses_are_refused_at_delivery_time_when_not_allowed(receiver, settings):
    # given: a webhook created while allowed, then the address no longer is (e.g. DNS now points inside)
    shop = ShopFactory()
    webhook, _ = webhook_create(shop=shop, url=receiver.url, events=[])
    settings.LADENKARTE_WEBHOOK_TEST_ALLOW = []
    # when
    webhook_attempt(
        webhook_id=webhook.pk,
        event="stock.changed",
        event_id=envelope()["id"],
        envelope=envelope(),
        attempt=1,
    )
    # then
    assert receiver.requests == []
    assert WebhookDelivery.objects.get().error.startswith("refused")


def test_stock_sync_emits_stock_changed_after_commit(receiver, django_capture_on_commit_callbacks):
    # given
    shop = ShopFactory()
    ProductFactory(shop=shop, sku="A", quantity_on_hand=1)
    ProductFactory(shop=shop, sku="B", quantity_on_hand=1)
    webhook_create(shop=shop, url=receiver.url, events=["stock.changed"])
    webhook_create(shop=shop, url=receiver.url, events=["reservation.created"])
    rows, _ = rows_from_payload([{"sku": "A", "quantity": 4}, {"sku": "B", "quantity": 1}], mode="set")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        inventory_sync(shop=shop, rows=rows, actor=Actor(source=StockMovement.Source.API))
    # then: one event, only to the subscribed webhook, listing only the changed SKU
    assert len(receiver.requests) == 1
    body = json.loads(receiver.requests[0][1])
    assert body["event"] == "stock.changed"
    assert body["data"]["items"] == [{"sku": "A", "quantity_on_hand": 4}]
