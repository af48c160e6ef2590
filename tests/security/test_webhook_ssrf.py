"""Finding 1, webhook SSRF: a merchant (anyone can register a shop) must not make our server talk to our
own network, neither at registration nor at delivery (DNS rebinding), and the delivery log must not work
as a port scanner. Every server here listens on loopback; the fake DNS answers every name."""

from __future__ import annotations

import time
from typing import Any

import pytest
from rest_framework.test import APIClient

from marketplace.exceptions import ShopNotActive
from marketplace.models import OutboxMessage, Shop, Webhook, WebhookDelivery
from marketplace.services.webhooks import webhook_attempt, webhook_create, webhook_event_emit
from tests.factories import ApiKeyFactory, ShopFactory
from tests.security.conftest import Receiver, tls_server_context

pytestmark = pytest.mark.django_db

RAW_KEY = "lk_ssrftest_0123456789abcdef"
E1, E2 = "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"

# every address of the issue, plus one of each refused range (IPv4 and IPv6)
REFUSED = [
    ("https://127.0.0.1:6379/", "loopback"),
    ("https://localhost:5432/", "loopback"),
    ("https://[::1]/", "loopback"),
    ("https://10.0.0.1/", "private"),
    ("https://169.254.169.254/latest/", "link_local"),
    ("https://127.0.0.1.nip.io/", "loopback"),
    ("https://172.16.5.4/", "private"),
    ("https://192.168.1.1/", "private"),
    ("https://100.64.0.1/", "cgnat"),
    ("https://0.0.0.0/", "unspecified"),
    ("https://224.0.0.1/", "multicast"),
    ("https://240.0.0.1/", "reserved"),
    ("https://198.18.0.1/", "reserved"),
    ("https://192.0.2.10/", "documentation"),
    ("https://198.51.100.10/", "documentation"),
    ("https://203.0.113.10/", "documentation"),
    ("https://[::]/", "unspecified"),
    ("https://[::ffff:127.0.0.1]/", "ipv4_mapped"),
    ("https://[::ffff:10.0.0.1]/", "ipv4_mapped"),
    ("https://[64:ff9b::a00:1]/", "nat64"),
    ("https://[2002:7f00:1::1]/", "tunnel"),
    ("https://[2001::1]/", "tunnel"),
    ("https://[2001:db8::1]/", "documentation"),
    ("https://[fc00::1]/", "private"),
    ("https://[fd12:3456::1]/", "private"),
    ("https://[fe80::1]/", "link_local"),
    ("https://[ff02::1]/", "multicast"),
    ("https://rebind.example.test/", "private"),  # one public and one private answer: refused
    ("https://nxdomain.example.test/", "unresolvable"),
    ("https://user:pw@hooks.example.test/", "credentials"),
    ("ftp://hooks.example.test/", "scheme"),
]


@pytest.fixture
def owner_client(fake_dns: Any) -> APIClient:
    fake_dns.table["127.0.0.1.nip.io"] = [["127.0.0.1"]]
    fake_dns.table["rebind.example.test"] = [["93.184.215.14", "10.1.2.3"]]
    fake_dns.table["hooks.example.test"] = [["93.184.215.14"]]
    shop = ShopFactory(slug="mein-laden")
    ApiKeyFactory(shop=shop, raw_key=RAW_KEY)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {RAW_KEY}")
    return client


@pytest.mark.parametrize(("url", "reason"), REFUSED, ids=[u for u, _ in REFUSED])
@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_registration_refuses_every_internal_address_naming_the_reason(
    owner_client, settings, url, reason, debug
):
    # given: a production site, or a DEBUG demo (where the holes were found)
    settings.DEBUG = debug
    # when
    response = owner_client.post("/api/v1/merchant/shops/mein-laden/webhooks/", {"url": url}, format="json")
    # then
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], error["details"]["reason"]) == ("webhook_url_refused", reason)
    assert error["details"]["url"]
    assert not Webhook.objects.exists()


def test_plain_http_is_refused_outside_debug(owner_client, settings):
    # given
    settings.DEBUG = False
    # when
    response = owner_client.post(
        "/api/v1/merchant/shops/mein-laden/webhooks/", {"url": "http://hooks.example.test/"}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json()["error"]["details"]["reason"] == "scheme"
    assert not Webhook.objects.exists()


def test_a_public_https_url_is_accepted(owner_client, settings):
    # when: the fake DNS answers a public address (nothing connects at registration)
    settings.DEBUG = False
    response = owner_client.post(
        "/api/v1/merchant/shops/mein-laden/webhooks/", {"url": "https://hooks.example.test/h"}, format="json"
    )
    # then
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("status", [Shop.Status.PENDING, Shop.Status.SUSPENDED, Shop.Status.REJECTED])
def test_shops_that_are_not_active_cannot_register_or_receive(receiver, fake_dns, status):
    # given: a webhook of an active shop, then the shop leaves "active"
    shop = ShopFactory(status=Shop.Status.ACTIVE)
    webhook, _ = webhook_create(shop=shop, url=f"http://127.0.0.1:{receiver.port}/hook", events=[])
    Shop.objects.filter(pk=shop.pk).update(status=status)
    shop.refresh_from_db()
    # when
    with pytest.raises(ShopNotActive) as refused:
        webhook_create(shop=shop, url=f"http://127.0.0.1:{receiver.port}/other", events=[])
    queued = webhook_event_emit(shop=shop, event="stock.changed", payload={})
    outcome = webhook_attempt(
        webhook_id=webhook.pk, event="stock.changed", event_id=E1, envelope={"id": E1}, attempt=1
    )
    # then
    assert getattr(refused.value, "code", None) == "shop_not_active"
    assert (queued, outcome.delivery, receiver.requests) == (0, None, [])
    assert Webhook.objects.count() == 1
    assert not OutboxMessage.objects.exists()


def test_delivery_connects_to_the_address_that_was_checked(settings, fake_dns):
    # given: a "public" receiver (the test seam allows exactly it) and an internal service on 127.0.0.2;
    # the name answers the public address first and the internal one afterwards (DNS rebinding)
    settings.DEBUG = True
    public = Receiver(address="127.0.0.1")
    internal = Receiver(address="127.0.0.2", port=public.port)  # same port, internal address
    port = public.port
    try:
        settings.LADENKARTE_WEBHOOK_TEST_ALLOW = [public.allow_entry]
        fake_dns.table["rebind.example.test"] = [["127.0.0.1"], ["127.0.0.2"]]
        url = f"http://rebind.example.test:{port}/hook"
        webhook = Webhook.objects.create(shop=ShopFactory(), url=url, secret_salt="s")
        # when: one delivery (one lookup, answered "public")
        first = webhook_attempt(
            webhook_id=webhook.pk, event="stock.changed", event_id=E1, envelope={"id": E1}, attempt=1
        )
        # and a second delivery, now answered "private"
        second = webhook_attempt(
            webhook_id=webhook.pk, event="stock.changed", event_id=E2, envelope={"id": E2}, attempt=2
        )
    finally:
        public.close()
        internal.close()
    # then: the first went to the checked address, with the name in the Host header; the second was refused
    assert first.delivery is not None
    assert first.delivery.status_code == 200
    assert [(path, headers["Host"]) for path, headers, _ in public.requests] == [
        ("/hook", f"rebind.example.test:{port}")
    ]
    assert second.delivery is not None
    assert (second.delivery.status_code, second.delivery.error) == (None, "refused: address not allowed")
    assert internal.requests == []
    assert fake_dns.lookups["rebind.example.test"] == 2  # exactly one lookup per delivery


def _deliver(url: str) -> WebhookDelivery:
    webhook = Webhook.objects.create(shop=ShopFactory(), url=url, secret_salt="s")
    outcome = webhook_attempt(
        webhook_id=webhook.pk, event="stock.changed", event_id=E1, envelope={"id": E1}, attempt=1
    )
    assert outcome.delivery is not None
    return outcome.delivery


def test_tls_goes_to_the_pinned_address_with_the_host_name_for_sni_and_certificate(
    settings, fake_dns, test_ca
):
    # given: an HTTPS receiver on 127.0.0.1 with a certificate for hooks.example.test (our test CA)
    settings.LADENKARTE_WEBHOOK_CA_FILE = str(test_ca["ca"])
    good = Receiver(tls=tls_server_context(test_ca["hooks"]))
    wrong = Receiver(tls=tls_server_context(test_ca["other"]))
    try:
        settings.LADENKARTE_WEBHOOK_TEST_ALLOW = [good.allow_entry, wrong.allow_entry]
        fake_dns.table["hooks.example.test"] = [["127.0.0.1"]]
        # when
        ok = _deliver(f"https://hooks.example.test:{good.port}/hook")
        mismatch = _deliver(f"https://hooks.example.test:{wrong.port}/hook")
    finally:
        good.close()
        wrong.close()
    # then: the certificate was checked for the name, not the address
    assert (ok.status_code, ok.error) == (200, "")
    assert len(good.requests) == 1
    assert (mismatch.status_code, mismatch.error) == (None, "TLS handshake failed")
    assert wrong.requests == []


def test_redirects_are_not_followed(receiver, fake_dns):
    # given: the receiver redirects to an internal address
    def redirect(handler: Any) -> None:
        handler.send_response(302)
        handler.send_header("Location", "http://127.0.0.1:6379/")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    receiver.behaviour = redirect
    # when
    delivery = _deliver(f"http://127.0.0.1:{receiver.port}/hook")
    # then
    assert (delivery.status_code, delivery.error) == (302, "HTTP 302")
    assert len(receiver.requests) == 1


def test_a_slow_or_huge_answer_is_cut_off(receiver, fake_dns, settings):
    # given: a receiver that sends a 200 header and then trickles an endless body
    settings.LADENKARTE_WEBHOOK_TIMEOUT = 1

    def endless(handler: Any) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(10**9))
        handler.end_headers()
        try:
            for _ in range(200):
                handler.wfile.write(b"x" * 65536)
                time.sleep(0.01)
        except OSError:
            pass

    receiver.behaviour = endless
    # when
    started = time.monotonic()
    delivery = _deliver(f"http://127.0.0.1:{receiver.port}/hook")
    elapsed = time.monotonic() - started
    # then: the status is kept, the read stopped at the cap, well within the time-out
    assert delivery.status_code == 200
    assert elapsed < 3


def test_the_log_keeps_a_generic_reason_not_socket_errors(settings, fake_dns):
    # given: an allowed address where nothing listens, and an internal one
    settings.DEBUG = True
    settings.LADENKARTE_WEBHOOK_TEST_ALLOW = ["127.0.0.1:9"]
    # when
    closed = _deliver("http://127.0.0.1:9/hook")
    internal = _deliver("http://127.0.0.1:6379/")
    # then: no errno, no "Connection refused" text that would tell open from closed ports
    assert (closed.status_code, closed.error) == (None, "connection failed")
    assert (internal.status_code, internal.error) == (None, "refused: address not allowed")


def test_the_test_seam_is_refused_with_debug_off():
    # given / when: the settings module with the seam set and DEBUG off
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DEBUG": "0",
        "LADENKARTE_WEBHOOK_TEST_ALLOW": "127.0.0.1:9",
        "SECRET_KEY": "k9-" + "abcdefghij" * 6,
    }
    command = [sys.executable, "-c", "import backend.settings"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    # then
    assert result.returncode != 0
    assert "test seam" in result.stderr


def test_address_rules_cover_both_families():
    # given / when / then: a few addresses directly against the rule
    from marketplace.services import webhook_transport

    assert webhook_transport.address_refusal("93.184.215.14") is None
    assert webhook_transport.address_refusal("2606:4700::1111") is None
    assert webhook_transport.address_refusal("::ffff:93.184.215.14") == "ipv4_mapped"
    assert webhook_transport.address_refusal("64:ff9b::5db8:d70e") == "nat64"
    assert webhook_transport.address_refusal("fe80::1%eth0") == "link_local"
