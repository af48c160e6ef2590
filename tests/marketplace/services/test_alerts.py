""" "Tell me when it's here" (issue 17): double opt-in, unsubscribe, expiry, limits, matching in the
background from stock events, batching: a sync triggers exactly one e-mail per address."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from marketplace.exceptions import AlertLinkInvalid, TooManyAlerts, ValidationFailed
from marketplace.models import OutboxMessage, StockAlert, StockAlertMatch, StockMovement
from marketplace.services import alerts as svc
from marketplace.services.inventory import inventory_sync, rows_from_payload
from marketplace.services.outbox import outbox_dispatch
from marketplace.services.products import Actor, product_update
from tests.factories import TOWN_CENTER, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

LAT, LNG = TOWN_CENTER
TILL = Actor(source=StockMovement.Source.API)


def ask(email: str = "erika@example.org", **kwargs: Any) -> StockAlert:
    kwargs.setdefault("lat", LAT)
    kwargs.setdefault("lng", LNG)
    return svc.alert_create(request=svc.AlertRequest(email=email, **kwargs))


def confirmed(email: str = "erika@example.org", **kwargs: Any) -> StockAlert:
    alert = ask(email, **kwargs)
    return svc.alert_confirm(token=svc.alert_token(alert=alert))


def link(body: str, action: str) -> str:
    return re.search(rf"/benachrichtigung/{action}/([^/\s]+)/", body).group(1)  # type: ignore[union-attr]


def sync(shop: Any, items: list[dict[str, Any]]) -> None:
    rows, errors = rows_from_payload(items, mode="set")
    inventory_sync(shop=shop, rows=rows, row_errors=errors, actor=TILL)


def test_double_opt_in_sends_a_confirmation_with_unsubscribe_and_matches_only_after_it(
    django_capture_on_commit_callbacks,
):
    # given
    shop = ShopFactory()
    product = ProductFactory(shop=shop, sku="T-1", title="Grüner Tee Sencha", quantity_on_hand=0)
    # when a resident asks for "Tee"
    with django_capture_on_commit_callbacks(execute=True):
        alert = ask(query="grüner Tee")
    # then one confirmation e-mail with a one-click unsubscribe
    (confirmation,) = mail.outbox
    assert confirmation.to == ["erika@example.org"]
    assert confirmation.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/benachrichtigung/abbestellen/" in confirmation.body
    mail.outbox.clear()
    # and an unconfirmed alert is not matched
    with django_capture_on_commit_callbacks(execute=True):
        sync(shop, [{"sku": "T-1", "quantity": 3}])
    assert mail.outbox == []
    # when it is confirmed from the link and the tea comes in again
    svc.alert_confirm(token=link(confirmation.body, "bestaetigen"))
    alert.refresh_from_db()
    assert alert.expires_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        sync(shop, [{"sku": "T-1", "quantity": 0}])
        sync(shop, [{"sku": "T-1", "quantity": 4}])
    # then one e-mail with the item, pickup time, renew and unsubscribe links
    (found,) = mail.outbox
    assert "Grüner Tee Sencha" in found.body
    assert "/benachrichtigung/verlaengern/" in found.body
    assert "/benachrichtigung/abbestellen/" in found.body
    assert found.extra_headers["List-Unsubscribe"].startswith("<http")
    assert product.pk in StockAlertMatch.objects.values_list("product_id", flat=True)


def test_a_sync_sends_exactly_one_email_per_address(django_capture_on_commit_callbacks):
    # given two people, one with three matching alerts, and a shop with four products out of stock
    shop = ShopFactory()
    for n, title in enumerate(("Tee Sencha", "Tee Darjeeling", "Kaffee Espresso", "Teekanne")):
        ProductFactory(shop=shop, sku=f"S-{n}", title=title, quantity_on_hand=0)
    for query in ("Tee", "Kaffee", "Teekanne"):
        confirmed("erika@example.org", query=query)
    confirmed("Max@Example.org", query="Tee")
    confirmed("nobody@example.org", query="Fahrrad")
    # when one till sync brings all four in
    with django_capture_on_commit_callbacks(execute=True):
        sync(shop, [{"sku": f"S-{n}", "quantity": 5} for n in range(4)])
    # then exactly one e-mail per matching address, none for the other
    assert sorted(tuple(m.to) for m in mail.outbox) == [("Max@Example.org",), ("erika@example.org",)]
    erika = next(m for m in mail.outbox if m.to == ["erika@example.org"])
    for title in ("Tee Sencha", "Tee Darjeeling", "Kaffee Espresso", "Teekanne"):
        assert title in erika.body
    # and a second sync the same day sends nothing (one e-mail a day per alert)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sync(shop, [{"sku": f"S-{n}", "quantity": 0} for n in range(4)])
        sync(shop, [{"sku": f"S-{n}", "quantity": 6} for n in range(4)])
    assert mail.outbox == []
    # but a day later the next one does, again one per address
    StockAlert.objects.update(last_notified_at=timezone.now() - svc.QUIET - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        sync(shop, [{"sku": f"S-{n}", "quantity": 0} for n in range(4)])
        sync(shop, [{"sku": f"S-{n}", "quantity": 7} for n in range(4)])
    assert sorted(tuple(m.to) for m in mail.outbox) == [("Max@Example.org",), ("erika@example.org",)]


def test_matching_runs_in_the_background_not_in_the_sync(django_capture_on_commit_callbacks):
    # given
    shop = ShopFactory()
    ProductFactory(shop=shop, sku="T-1", title="Tee", quantity_on_hand=0)
    confirmed(query="Tee")
    # when the sync commits without a dispatcher running
    with django_capture_on_commit_callbacks(execute=False):
        sync(shop, [{"sku": "T-1", "quantity": 2}])
    # then only an outbox row was written in its transaction
    assert OutboxMessage.objects.filter(kind="alerts.match", state="pending").count() == 1
    assert not StockAlertMatch.objects.exists()
    # and the dispatcher matches and e-mails
    outbox_dispatch()
    outbox_dispatch()
    assert len(mail.outbox) == 1


def test_radius_product_alerts_and_stock_edits(django_capture_on_commit_callbacks):
    # given a product alert, a text alert whose radius does not reach the shop and one whose radius does
    near = ShopFactory()
    product = ProductFactory(shop=near, sku="P-1", title="Puzzle Lüneburg", quantity_on_hand=0)
    confirmed("a@example.org", product_id=product.pk)
    confirmed("b@example.org", query="Puzzle", lat=LAT + 0.2, radius_km=1)  # ~22 km away
    confirmed("c@example.org", query="Puzzle", lat=LAT + 0.02, radius_km=3)  # ~2.2 km away
    # when the merchant edits the stock in my-shop / the admin
    with django_capture_on_commit_callbacks(execute=True):
        product_update(product=product, changes={"quantity_on_hand": 1}, actor=Actor(source="my_shop"))
    # then
    assert sorted(m.to for m in mail.outbox) == [["a@example.org"], ["c@example.org"]]


def test_unsubscribe_and_expiry_stop_the_emails_and_renewing_restarts_them(
    django_capture_on_commit_callbacks,
):
    # given
    shop = ShopFactory()
    ProductFactory(shop=shop, sku="T-1", title="Tee", quantity_on_hand=0)
    gone = confirmed("gone@example.org", query="Tee")
    old = confirmed("old@example.org", query="Tee")
    # when one unsubscribes (twice: idempotent) and the other expired yesterday
    svc.alert_unsubscribe(token=svc.alert_token(alert=gone))
    svc.alert_unsubscribe(token=svc.alert_token(alert=gone))
    StockAlert.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        sync(shop, [{"sku": "T-1", "quantity": 2}])
    # then nobody is written to
    assert mail.outbox == []
    # when the expired one renews from its link
    renewed = svc.alert_renew(token=svc.alert_token(alert=old))
    assert renewed.expires_at > timezone.now() + timedelta(days=29)
    with django_capture_on_commit_callbacks(execute=True):
        sync(shop, [{"sku": "T-1", "quantity": 0}])
        sync(shop, [{"sku": "T-1", "quantity": 2}])
    assert [m.to for m in mail.outbox] == [["old@example.org"]]
    with pytest.raises(AlertLinkInvalid):
        svc.alert_renew(token=svc.alert_token(alert=gone))


def test_confirmation_link_expires_after_a_day_and_tokens_cannot_be_forged():
    # given
    alert = ask(query="Tee")
    token = svc.alert_token(alert=alert)
    # when / then
    with pytest.raises(AlertLinkInvalid):
        svc.alert_confirm(token=token, now=timezone.now() + timedelta(hours=25))
    with pytest.raises(AlertLinkInvalid):
        svc.alert_confirm(token=token[:-3] + "abc")
    alert.refresh_from_db()
    assert alert.confirmed_at is None


@override_settings(LADENKARTE_MAX_ALERTS_PER_EMAIL=2)
def test_at_most_n_alerts_per_person_counted_by_normalised_address():
    # given
    ask("erika@example.org", query="Tee")
    ask("Erika+laden@Example.org", query="Kaffee")
    # when / then
    with pytest.raises(TooManyAlerts):
        ask("erika@example.org", query="Kakao")
    assert StockAlert.objects.count() == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"email": "kein-at", "query": "Tee"}, "email"),
        ({"query": ""}, "query"),
        ({"query": "und der die"}, "query"),
        ({"query": "Tee", "radius_km": 0}, "radius_km"),
        ({"query": "Tee", "radius_km": 80}, "radius_km"),
        ({"product_id": 999_999}, "product"),
    ],
)
def test_bad_requests_are_refused_and_change_nothing(kwargs, field):
    # given
    email = kwargs.pop("email", "erika@example.org")
    # when / then
    with pytest.raises(ValidationFailed) as caught:
        ask(email, **kwargs)
    assert field in caught.value.details
    assert not StockAlert.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_website_form_and_link_pages_and_api(client, django_capture_on_commit_callbacks):
    # given a sold-out product
    product = ProductFactory(title="Puzzle Lüneburg", quantity_on_hand=0)
    page = client.get(f"/produkt/{product.pk}/", follow=True)
    assert b'data-testid="alert-form"' in page.content
    # when a resident leaves an address on it
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/benachrichtigung/",
            {"email": "erika@example.org", "product": product.pk, "lat": LAT, "lng": LNG, "next": "/"},
        )
    # then a confirmation e-mail; GET of its link changes nothing, POST confirms
    assert answer.status_code == 302
    (confirmation,) = mail.outbox
    token = link(confirmation.body, "bestaetigen")
    assert client.get(f"/benachrichtigung/bestaetigen/{token}/").status_code == 200
    assert StockAlert.objects.get().confirmed_at is None
    assert client.post(f"/benachrichtigung/bestaetigen/{token}/").status_code == 200
    assert StockAlert.objects.get().confirmed_at is not None
    # one-click unsubscribe works without a CSRF token
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/benachrichtigung/abbestellen/{token}/").status_code == 200
    assert StockAlert.objects.get().unsubscribed_at is not None
    assert client.get("/benachrichtigung/abbestellen/forged/").status_code == 404
    # and the API takes the same request
    from rest_framework.test import APIClient

    api = APIClient()
    created = api.post(
        "/api/v1/alerts/", {"email": "max@example.org", "query": "Tee", "lat": LAT, "lng": LNG}, format="json"
    )
    bad = api.post("/api/v1/alerts/", {"email": "max@example.org", "lat": LAT, "lng": LNG}, format="json")
    assert created.status_code == 202, created.content
    assert bad.status_code == 400
    assert StockAlert.objects.filter(email="max@example.org").count() == 1


def test_empty_search_and_shop_search_offer_the_form_and_a_wide_search_gets_the_widest_alert(
    client, django_capture_on_commit_callbacks
):
    # given a shop without tea
    ProductFactory(shop=ShopFactory(slug="laden"), title="Kaffee")
    # when a resident searches 50 km wide and the shop's own products for tea
    results = client.get("/suche/", {"q": "Tee", "lat": LAT, "lng": LNG, "umkreis": 50})
    shop_page = client.get("/laden/laden/", {"q": "Tee"})
    # then both offer "tell me when it's here"
    assert b'data-testid="alert-form"' in results.content
    assert b'name="radius_km" value="50"' in results.content
    assert b'data-testid="alert-form"' in shop_page.content
    # when the wide form is sent, the alert covers the most an alert may (not an error about the address)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/benachrichtigung/",
            {"email": "erika@example.org", "q": "Tee", "lat": LAT, "lng": LNG, "radius_km": 50, "next": "/"},
        )
    assert answer.status_code == 302
    assert StockAlert.objects.get().radius_km == svc.RADIUS_MAX_KM
    # and changed hidden fields are refused with a message that says so, saving nothing
    bad = client.post(
        "/benachrichtigung/",
        {"email": "max@example.org", "q": "Tee", "lat": 200, "lng": LNG, "next": "/"},
        follow=True,
    )
    assert "Benachrichtigung konnte nicht eingerichtet werden" in bad.content.decode()
    assert StockAlert.objects.count() == 1


def test_ended_alerts_and_their_addresses_are_deleted_30_days_later():
    # given a live alert, one never confirmed, one unsubscribed and one expired, all 31 days ago
    now = timezone.now()
    live = confirmed("live@example.org", query="Tee")
    never = ask("never@example.org", query="Tee")
    gone = confirmed("gone@example.org", query="Tee")
    svc.alert_unsubscribe(token=svc.alert_token(alert=gone))
    old = confirmed("old@example.org", query="Tee")
    recent = confirmed("recent@example.org", query="Tee")
    month_ago = now - timedelta(days=31)
    StockAlert.objects.filter(pk=never.pk).update(created_at=month_ago)
    StockAlert.objects.filter(pk=gone.pk).update(unsubscribed_at=month_ago)
    StockAlert.objects.filter(pk=old.pk).update(expires_at=month_ago)
    StockAlert.objects.filter(pk=recent.pk).update(expires_at=now - timedelta(days=29))  # may still renew
    product = ProductFactory()
    StockAlertMatch.objects.create(alert=old, product=product)
    sent = StockAlertMatch.objects.create(alert=live, product=product, sent_at=month_ago)
    waiting = StockAlertMatch.objects.create(alert=live, product=ProductFactory(), sent_at=None)
    # when the daily purge runs
    deleted = svc.alerts_purge(now=now)
    # then the ended alerts are gone with their addresses; the live one and the recently expired stay
    assert deleted == 3
    assert sorted(StockAlert.objects.values_list("email", flat=True)) == [
        "live@example.org",
        "recent@example.org",
    ]
    assert list(StockAlertMatch.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert not StockAlertMatch.objects.filter(pk=sent.pk).exists()
    # and a link of a deleted alert is simply invalid
    with pytest.raises(AlertLinkInvalid):
        svc.alert_renew(token=svc.alert_token(alert=old))
