"""The data-health board (selector, admin, city API), the daily snapshot, the weekly stale-stock e-mail
and its signed "still true" link."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail, signing
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.exceptions import ValidationFailed
from marketplace.models import HealthSnapshot, OutboxMessage, Product, Reservation, Shop
from marketplace.selectors.data_health import data_health_shops, health_score
from marketplace.services.data_health import (
    CONFIRM_SALT,
    data_health_snapshot_write,
    stale_stock_reminders_send,
    stock_confirm_still_true,
    stock_confirm_token,
)
from marketplace.services.roles import roles_setup
from tests.factories import MembershipFactory, ProductFactory, ReservationFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def town() -> dict[str, Shop]:
    now = timezone.now()
    good = ShopFactory(name="Gut gepflegt", hours_confirmed_at=now - timedelta(days=10))
    MembershipFactory(shop=good, role="owner")
    for n in range(10):
        ProductFactory(shop=good, gtin="4006381333931", image=f"products/{n}.jpg")
    stale = ShopFactory(name="Eingeschlafen")
    owner = UserFactory(email="inhaberin@example.org")
    MembershipFactory(shop=stale, user=owner, role="owner")
    ProductFactory(shop=stale, stock_updated_at=now - timedelta(days=30))
    ReservationFactory(shop=stale, status=Reservation.Status.HELD, created_at=now - timedelta(hours=5))
    listing = ShopFactory(name="Nur aus OSM", status=Shop.Status.LISTED)
    return {"good": good, "stale": stale, "listing": listing}


def test_score_parts_add_up_and_full_marks_are_100() -> None:
    score, parts = health_score(
        claimed=True, products=12, gtin_share=1, photo_share=1, price_share=1, stock_age_days=1,
        hours_age_days=5, open_unhandled=0, stock_confidence=None,
    )  # fmt: skip
    assert score == 100
    assert sum(parts.values()) == 100
    score, parts = health_score(
        claimed=False, products=0, gtin_share=0, photo_share=0, price_share=0, stock_age_days=None,
        hours_age_days=None, open_unhandled=1, stock_confidence=0.0,
    )  # fmt: skip
    assert score == 0


def test_board_lists_shops_on_the_map_needs_help_first(town: dict[str, Shop]) -> None:
    ShopFactory(name="Noch in Prüfung", status=Shop.Status.PENDING)
    rows = data_health_shops()
    assert [row.name for row in rows] == ["Nur aus OSM", "Eingeschlafen", "Gut gepflegt"]
    good = rows[-1]
    assert good.claimed
    assert good.products == 10
    assert good.gtin_share == 1.0
    assert good.score == 100
    stale = rows[1]
    assert stale.open_unhandled == 1
    assert stale.stock_age_days is not None
    assert stale.stock_age_days >= 29
    assert stale.parts["stock_fresh"] == 0


def test_snapshot_keeps_one_row_a_day(town: dict[str, Shop]) -> None:
    data_health_snapshot_write()
    snapshot = data_health_snapshot_write()
    assert HealthSnapshot.objects.count() == 1
    assert snapshot.totals["shops"] == 3
    assert snapshot.totals["claimed"] == 2
    assert snapshot.totals["listings"] == 1
    assert snapshot.totals["stale_stock"] == 1


def test_weekly_mail_goes_to_owners_of_stale_shops_with_a_link_that_confirms(
    town: dict[str, Shop], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    # when
    with django_capture_on_commit_callbacks(execute=True):
        sent = stale_stock_reminders_send()
    # then: one e-mail (an outbox row, delivered after the commit), to the stale shop's owner
    assert sent == 1
    assert OutboxMessage.objects.get(kind="email.stale_stock").state == OutboxMessage.State.DELIVERED
    assert mail.outbox[0].to == ["inhaberin@example.org"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/mein-laden/bestaetigen/" in line)
    path = link.split("127.0.0.1:8000", 1)[-1] if "127.0.0.1" in link else "/" + link.split("/", 3)[3]
    # when the owner opens the link: a page, nothing confirmed yet (mail scanners open links)
    response = client.get(path)
    assert response.status_code == 200
    product = Product.objects.get(shop=town["stale"])
    assert product.stock_updated_at < timezone.now() - timedelta(days=29)
    # when the owner taps the button
    response = client.post(path)
    assert response.status_code == 200
    product.refresh_from_db()
    assert product.stock_updated_at > timezone.now() - timedelta(minutes=1)


def test_stock_confirmed_before_the_mail_goes_out_sends_nothing(
    town: dict[str, Shop], django_capture_on_commit_callbacks: Any
) -> None:
    # given the weekly reminder waiting in the outbox (no worker yet)
    from marketplace.services.outbox import outbox_dispatch

    with django_capture_on_commit_callbacks(execute=False):
        assert stale_stock_reminders_send() == 1
    assert mail.outbox == []
    # when the merchant confirms the stock on the my-shop page before the dispatcher runs
    Product.objects.filter(shop=town["stale"]).update(stock_updated_at=timezone.now())
    outbox_dispatch()
    # then no reminder about stock that is fresh again
    assert mail.outbox == []
    assert OutboxMessage.objects.get(kind="email.stale_stock").state == OutboxMessage.State.DELIVERED


def test_expired_or_forged_link_changes_nothing(town: dict[str, Shop]) -> None:
    stale = town["stale"]
    owner_id = stale.memberships.get().user_id
    signer = signing.TimestampSigner(salt=CONFIRM_SALT)
    old = signer.sign(f"{stale.pk}:{owner_id}")
    forged = old.replace(f"{stale.pk}:", f"{town['good'].pk}:", 1)
    before = Product.objects.get(shop=stale).stock_updated_at
    with pytest.raises(ValidationFailed):
        stock_confirm_still_true(token=forged)
    with pytest.raises(ValidationFailed):  # signed for someone who does not own the shop
        stock_confirm_still_true(token=stock_confirm_token(shop=stale, user_id=UserFactory().pk))
    with pytest.raises(ValidationFailed):  # the link is older than 7 days
        _confirm_a_week_later(old)
    assert Product.objects.get(shop=stale).stock_updated_at == before


def _confirm_a_week_later(token: str) -> None:
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        stock_confirm_still_true(token=token)


@pytest.fixture
def city_user() -> object:
    roles_setup()
    editor = UserFactory(username="stadt-board", is_staff=True)
    editor.groups.add(Group.objects.get(name="City editors"))
    return editor


def test_admin_board_and_csv_for_the_city(town: dict[str, Shop], client: Client, city_user: object) -> None:
    client.force_login(city_user)  # type: ignore[arg-type]
    html = client.get("/admin/marketplace/healthsnapshot/").content.decode()
    assert html.index("Nur aus OSM") < html.index("Eingeschlafen") < html.index("Gut gepflegt")
    response = client.get("/admin/marketplace/healthsnapshot/?export=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["shop", "slug", "status", "score"]
    assert len(set(rows[0])) == len(rows[0]), "every column has its own name"
    assert "points_claimed" in rows[0]
    assert [row[0] for row in rows[1:]] == ["Nur aus OSM", "Eingeschlafen", "Gut gepflegt"]


def test_merchant_sees_no_board(town: dict[str, Shop], client: Client) -> None:
    roles_setup()
    merchant = town["stale"].memberships.get().user
    merchant.is_staff = True
    merchant.save()
    merchant.groups.add(Group.objects.get(name="Merchants"))
    client.force_login(merchant)
    assert client.get("/admin/marketplace/healthsnapshot/").status_code == 403
    assert client.get("/admin/marketplace/healthsnapshot/?export=csv").status_code == 403


def test_city_api_board(town: dict[str, Shop], city_user: object) -> None:
    api = APIClient()
    assert api.get("/api/v1/city/data-health/").status_code in (401, 403)
    merchant = town["stale"].memberships.get().user
    api.force_authenticate(merchant)
    response = api.get("/api/v1/city/data-health/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    api.force_authenticate(city_user)
    data = api.get("/api/v1/city/data-health/").json()
    assert [shop["name"] for shop in data["shops"]] == ["Nur aus OSM", "Eingeschlafen", "Gut gepflegt"]
    assert data["totals"]["claimed"] == 2
    assert set(data["shops"][0]["parts"]) >= {"claimed", "stock_fresh", "stock_confidence"}
    csv_response = api.get("/api/v1/city/data-health/?format_type=csv")
    assert csv_response.status_code == 200
    assert csv_response.content.decode().startswith("shop,slug,status,score")
