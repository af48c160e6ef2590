"""What residents near a shop wait for ("tell me when it's here", issue 17): counts on my-shop and in the
merchant API, never an address, a search text only from 2 people on; other shops and anonymous callers
see nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.models import StockAlert
from marketplace.selectors.alerts import alert_demand_for_shop
from marketplace.services import alerts as svc
from tests.factories import (
    TOWN_CENTER,
    ApiKeyFactory,
    MembershipFactory,
    ProductFactory,
    ShopFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LAT, LNG = TOWN_CENTER
RAW = "lk_alertdemand_0123456789abcdef"


def confirmed(email: str, **kwargs: Any) -> StockAlert:
    kwargs.setdefault("lat", LAT)
    kwargs.setdefault("lng", LNG)
    alert = svc.alert_create(request=svc.AlertRequest(email=email, **kwargs))
    return svc.alert_confirm(token=svc.alert_token(alert=alert))


@pytest.fixture
def waiting() -> dict[str, Any]:
    shop = ShopFactory(slug="laden")
    other = ShopFactory(slug="fremd")
    puzzle = ProductFactory(shop=shop, title="Puzzle Lüneburg", quantity_on_hand=0)
    foreign = ProductFactory(shop=other, title="Fremdes Puzzle", quantity_on_hand=0)
    # two people (one twice, under two spellings of the address) wait for the shop's puzzle
    confirmed("erika@example.org", product_id=puzzle.pk)
    confirmed("Erika+2@Example.org", product_id=puzzle.pk)
    confirmed("max@example.org", product_id=puzzle.pk)
    confirmed("max@example.org", product_id=foreign.pk)
    # three people ask for tea nearby (two spellings of one word), one for something rare
    confirmed("a@example.org", query="Fahrradschlauch")
    confirmed("b@example.org", query="fahrradschläuche")
    confirmed("c@example.org", query="Fahrradschlauch", radius_km=1)
    confirmed("d@example.org", query="Ersatzteil für Oma Müllers Nähmaschine")
    # not counted: too far for its radius, unconfirmed, expired, unsubscribed
    confirmed("far@example.org", query="Fahrradschlauch", lat=LAT + 0.1, radius_km=2)  # ~11 km
    svc.alert_create(
        request=svc.AlertRequest(email="new@example.org", query="Fahrradschlauch", lat=LAT, lng=LNG)
    )
    old = confirmed("old@example.org", query="Fahrradschlauch")
    StockAlert.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1))
    gone = confirmed("gone@example.org", query="Fahrradschlauch")
    svc.alert_unsubscribe(token=svc.alert_token(alert=gone))
    return {"shop": shop, "other": other, "puzzle": puzzle}


def test_counts_people_per_product_and_per_text_covering_the_shop(waiting: dict[str, Any]) -> None:
    # when
    demand = alert_demand_for_shop(shop=waiting["shop"])
    # then
    assert [(row.product_title, row.people) for row in demand.products] == [("Puzzle Lüneburg", 2)]
    assert [(row.text.lower()[:14], row.people) for row in demand.texts] == [("fahrradschlauc", 3)]
    assert demand.rare_texts == 1
    assert "Nähmaschine" not in str(demand)
    # and the other shop sees only its own product's person
    other = alert_demand_for_shop(shop=waiting["other"])
    assert [(row.product_title, row.people) for row in other.products] == [("Fremdes Puzzle", 1)]


def test_my_shop_shows_the_counts_without_addresses(waiting: dict[str, Any]) -> None:
    # given the shop's owner
    owner = UserFactory()
    MembershipFactory(user=owner, shop=waiting["shop"])
    client = Client()
    client.force_login(owner)
    # when
    html = client.get("/mein-laden/laden/").content.decode()
    # then
    assert 'data-testid="waiting-product"' in html
    assert "Puzzle Lüneburg: 2 Personen" in html
    assert html.count('data-testid="waiting-text"') == 1
    assert 'data-testid="waiting-rare"' in html
    assert "@example.org" not in html
    assert "Nähmaschine" not in html


def test_merchant_api_answers_the_own_shop_only(waiting: dict[str, Any]) -> None:
    # given a key of the shop
    ApiKeyFactory(shop=waiting["shop"], raw_key=RAW)
    merchant = APIClient()
    merchant.credentials(HTTP_AUTHORIZATION=f"Api-Key {RAW}")
    # when
    own = merchant.get("/api/v1/merchant/shops/laden/alerts/")
    foreign = merchant.get("/api/v1/merchant/shops/fremd/alerts/")
    anonymous = APIClient().get("/api/v1/merchant/shops/laden/alerts/")
    member_of_other = APIClient()
    other_owner = UserFactory()
    MembershipFactory(user=other_owner, shop=waiting["other"])
    member_of_other.force_authenticate(other_owner)
    cross = member_of_other.get("/api/v1/merchant/shops/laden/alerts/")
    # then
    assert own.status_code == 200, own.content
    body = own.json()
    assert body["products"] == [{"product_id": waiting["puzzle"].pk, "title": "Puzzle Lüneburg", "people": 2}]
    assert [row["people"] for row in body["texts"]] == [3]
    assert body["rare_texts"] == 1
    assert "@" not in str(body)
    assert foreign.status_code == 404
    assert cross.status_code == 404
    assert anonymous.status_code in (401, 403)
