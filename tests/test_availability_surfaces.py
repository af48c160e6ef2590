"""One availability rule on every surface (issue 11): a stale, a fully held and a fresh product.

- stale: 33 on hand, stock last confirmed 22 days ago -> 0 available, "stock not confirmed", OutOfStock,
  no reserve button;
- fully held: 2 on hand, 2 held by an active reservation -> 0 available, "out of stock", OutOfStock,
  no reserve button;
- fresh: 5 on hand, confirmed now -> 5 available, "5 in stock", InStock, reserve button.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.models import Collection, CollectionItem, Product
from tests.factories import MembershipFactory, ProductFactory, ReservationFactory, ShopFactory

pytestmark = pytest.mark.django_db

NEAR = Point(10.4090, 53.2495, srid=4326)
LAT, LNG = 53.2489, 10.4077
TITLES = {"stale": "Fahrradkorb vorn grau", "held": "Fahrradklingel Messing", "fresh": "Fahrradlampe LED"}
EXPECTED = {
    # kind: (available, API availability, German words, schema.org availability, reserve button)
    "stale": (0, "out_of_stock", "Bestand nicht bestätigt", "OutOfStock", False),
    "held": (0, "out_of_stock", "ausverkauft", "OutOfStock", False),
    "fresh": (5, "in_stock", "5 auf Lager", "InStock", True),
}


@pytest.fixture
def world() -> dict[str, Any]:
    shop = ShopFactory(name="Fahrradhaus Brockmann", slug="fahrradhaus", location=NEAR)
    now = timezone.now()
    stale = ProductFactory(
        shop=shop,
        sku="KORB",
        title=TITLES["stale"],
        quantity_on_hand=33,
        stock_updated_at=now - timedelta(days=22),
    )
    held = ProductFactory(shop=shop, sku="KLINGEL", title=TITLES["held"], quantity_on_hand=2, quantity_held=2)
    reservation = ReservationFactory(shop=shop)
    reservation.lines.create(product=held, quantity=2, unit_price=held.price)
    fresh = ProductFactory(shop=shop, sku="LAMPE", title=TITLES["fresh"], quantity_on_hand=5)
    collection = Collection.objects.create(title="Radsaison", slug="radsaison")
    for position, product in enumerate([stale, held, fresh]):
        CollectionItem.objects.create(collection=collection, product=product, position=position)
    return {"shop": shop, "products": {"stale": stale, "held": held, "fresh": fresh}}


def _ld(html: str) -> list[dict[str, Any]]:
    return [
        json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    ]


def _card_text(html: str, title: str) -> str:
    """The text of the card, row or result that carries `title` (up to the next closing list item/link)."""
    start = html.index(title)
    end = min(i for i in (html.find("</li>", start), html.find("</a>\n", start)) if i != -1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:end]))


@pytest.mark.parametrize("kind", ["stale", "held", "fresh"])
def test_product_page(client: Client, world: dict[str, Any], kind: str) -> None:
    # given
    product = world["products"][kind]
    _available, _label, words, schema, button = EXPECTED[kind]
    # when
    response = client.get(f"/produkt/{product.pk}/", follow=True)
    # then
    html = response.content.decode()
    assert response.status_code == 200
    head = html[html.index("<h1>") : html.index('id="reservieren"')]
    assert words in head
    assert _ld(html)[0]["offers"]["availability"] == f"https://schema.org/{schema}"
    assert ("Jetzt reservieren" in html) is button


@pytest.mark.parametrize("kind", ["stale", "held", "fresh"])
def test_shop_page(client: Client, world: dict[str, Any], kind: str) -> None:
    # when
    html = client.get("/laden/fahrradhaus/").content.decode()
    # then
    assert EXPECTED[kind][2] in _card_text(html, TITLES[kind])


@pytest.mark.parametrize("kind", ["stale", "held", "fresh"])
def test_collection_page(client: Client, world: dict[str, Any], kind: str) -> None:
    # when
    html = client.get("/sammlungen/radsaison/").content.decode()
    # then
    assert EXPECTED[kind][2] in _card_text(html, TITLES[kind])


@pytest.mark.parametrize("kind", ["stale", "held", "fresh"])
def test_search_page(client: Client, world: dict[str, Any], kind: str) -> None:
    # when: "pick up today" on (default) and off
    today = client.get("/suche/", {"q": "Fahrrad", "lat": LAT, "lng": LNG}).content.decode()
    everything = client.get("/suche/", {"q": "Fahrrad", "lat": LAT, "lng": LNG, "f": "1"}).content.decode()
    # then: only what can be reserved is listed as available today; without the filter the words say why
    assert (f"{TITLES[kind]}</a>" in today) is EXPECTED[kind][4]
    assert EXPECTED[kind][2] in _card_text(everything, f"{TITLES[kind]}</a>")


@pytest.mark.parametrize("kind", ["stale", "held", "fresh"])
def test_search_api(api_client: APIClient, world: dict[str, Any], kind: str) -> None:
    # when
    today = api_client.get("/api/v1/search/", {"lat": LAT, "lng": LNG, "q": "Fahrrad"}).json()
    everything = api_client.get(
        "/api/v1/search/", {"lat": LAT, "lng": LNG, "q": "Fahrrad", "available_today": "false"}
    ).json()
    # then
    product = world["products"][kind]
    assert (product.pk in [hit["product"]["id"] for hit in today["results"]]) is EXPECTED[kind][4]
    hit = next(hit for hit in everything["results"] if hit["product"]["id"] == product.pk)
    assert (hit["available_quantity"], hit["availability"]) == EXPECTED[kind][:2]
    assert hit["stock_fresh"] is (kind != "stale")


@pytest.mark.parametrize("kind", ["stale", "held", "fresh"])
def test_product_api(api_client: APIClient, world: dict[str, Any], kind: str) -> None:
    # when
    body = api_client.get(f"/api/v1/products/{world['products'][kind].pk}/").json()
    # then
    assert (body["available_quantity"], body["availability"]) == EXPECTED[kind][:2]
    assert body["stock_fresh"] is (kind != "stale")


@pytest.mark.parametrize("kind", ["stale", "held", "fresh"])
def test_shop_products_api(api_client: APIClient, world: dict[str, Any], kind: str) -> None:
    # when
    body = api_client.get("/api/v1/shops/fahrradhaus/products/").json()
    # then
    item = next(item for item in body["results"] if item["id"] == world["products"][kind].pk)
    assert (item["available_quantity"], item["availability"]) == EXPECTED[kind][:2]


@pytest.mark.parametrize("kind", ["stale", "held", "fresh"])
def test_collection_api(api_client: APIClient, world: dict[str, Any], kind: str) -> None:
    # when
    body = api_client.get("/api/v1/collections/radsaison/").json()
    # then
    item = next(
        i["product"]
        for i in body["items"]
        if i["product"] and i["product"]["id"] == world["products"][kind].pk
    )
    assert (item["available_quantity"], item["availability"]) == EXPECTED[kind][:2]
    assert item["stock_fresh"] is (kind != "stale")


@pytest.mark.parametrize("kind", ["stale", "held", "fresh"])
def test_google_local_inventory_feed(api_client: APIClient, world: dict[str, Any], kind: str) -> None:
    # when
    response = api_client.get("/api/v1/feeds/google-local-inventory/", {"shop": "fahrradhaus"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()), delimiter="\t"))
    # then
    row = next(row for row in rows if row["id"] == world["products"][kind].sku)
    available, label = EXPECTED[kind][:2]
    assert (int(row["quantity"]), row["availability"]) == (available, label)


@pytest.mark.parametrize("kind", ["stale", "held", "fresh"])
def test_my_shop_shows_what_residents_see(world: dict[str, Any], kind: str) -> None:
    # given
    client = Client()
    client.force_login(MembershipFactory(shop=world["shop"]).user)
    # when
    html = client.get("/mein-laden/fahrradhaus/").content.decode()
    # then
    text = _card_text(html[html.index('id="product-list"') :], TITLES[kind])
    expected = {
        "stale": "Bestand nicht bestätigt",
        "held": "0 reservierbar",
        "fresh": "5 reservierbar",
    }[kind]
    assert expected in text


def test_sitemap_lists_every_listed_product_page_whatever_its_stock(
    client: Client, world: dict[str, Any]
) -> None:
    # when: a product page exists (and says what is available) whether or not it can be reserved now
    body = client.get("/sitemap-products.xml").content.decode()
    # then
    for product in world["products"].values():
        assert f"/produkt/{product.pk}-" in body
    assert Product.objects.count() == 3
