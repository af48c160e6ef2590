"""`GET /api/v1/search/` over HTTP: the API.md shape, bad input, query count, search events, the schema."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.test import override_settings
from django.utils import timezone

from api.serializers.search import SearchHitSerializer, SearchPageSerializer
from marketplace.infrastructure.search_events import search_events_flush, search_events_pending
from marketplace.models import SearchEvent
from marketplace.selectors.pickup import pickup_board
from marketplace.services.search_index import search_words_refresh
from tests.factories import TOWN_CENTER, CategoryFactory, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/search/"
LAT, LNG = TOWN_CENTER
# Open around the clock (an interval past midnight joins the next day's), so these tests never depend on the
# hour they run at; the selector tests pin `now` for the rules of time.
ALWAYS_OPEN = [(d, time(0), time(6, 30)) for d in range(7)] + [(d, time(6, 30), time(2, 0)) for d in range(7)]


def north(metres: float) -> Point:
    return Point(LNG, LAT + metres / 111_195.0, srid=4326)


@pytest.fixture
def town():
    category = CategoryFactory(slug="fahrradzubehoer", name="Fahrradzubehör")
    near = ShopFactory(slug="zweirad", name="Zweirad Nord", location=north(120), hours=ALWAYS_OPEN)
    far = ShopFactory(slug="radladen", name="Radladen", location=north(800), hours=ALWAYS_OPEN)
    tube = ProductFactory(
        shop=near,
        sku="ZB-1",
        gtin="4006381333931",
        title="Fahrradschlauch 28 Zoll",
        brand="Schwalbe",
        price=Decimal("7.95"),
        category=category,
        quantity_on_hand=2,
    )
    ProductFactory(
        shop=far, sku="RL-1", title="Fahrradschlauch 26 Zoll", price=Decimal("6.50"), quantity_on_hand=9
    )
    search_words_refresh(concurrently=False)
    return {"near": near, "far": far, "tube": tube}


def test_search_answers_the_api_md_shape(api_client, town):
    # when
    response = api_client.get(URL, {"lat": LAT, "lng": LNG, "radius_km": 2})
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == set(SearchPageSerializer().fields)
    assert (body["count"], body["has_more"], body["next"], body["previous"]) == (2, False, None, None)
    first = body["results"][0]
    assert set(first) == set(SearchHitSerializer().fields)
    assert first["product"] == {
        "id": town["tube"].pk,
        "sku": "ZB-1",
        "gtin": "4006381333931",
        "title": "Fahrradschlauch 28 Zoll",
        "brand": "Schwalbe",
        "price": "7.95",
        "currency": "EUR",
        "image_url": "",
        "image_thumb_url": "",
        "category": "fahrradzubehoer",
        "category_ref": {"slug": "fahrradzubehoer", "name": "Fahrradzubehör"},
        "url": f"{settings.SITE_URL}/produkt/{town['tube'].pk}-fahrradschlauch-28-zoll/",
        "api_url": f"http://testserver/api/v1/products/{town['tube'].pk}/",
    }
    assert first["shop"] == {
        "id": town["near"].pk,
        "slug": "zweirad",
        "name": "Zweirad Nord",
        "address": "Am Markt 1, 21335 Lüneburg",
        "postal_address": {
            "street": "Am Markt 1",
            "postcode": "21335",
            "city": "Lüneburg",
            "district": "",
            "line": "Am Markt 1, 21335 Lüneburg",
        },
        "location": {"lat": pytest.approx(LAT + 120 / 111_195.0), "lng": pytest.approx(LNG)},
        "url": f"{settings.SITE_URL}/laden/zweirad/",
        "api_url": "http://testserver/api/v1/shops/zweirad/",
        "stock_confidence": {"share": None, "signals": 0},
    }
    assert 110 <= first["distance_m"] <= 130
    assert (first["available_quantity"], first["availability"], first["stock_fresh"]) == (2, "limited", True)
    assert first["pickup_today_until"] is not None
    assert first["next_pickup_from"] is None
    assert [hit["shop"]["slug"] for hit in body["results"]] == ["zweirad", "radladen"]


def test_text_search_with_typo_and_umlaut_spelling(api_client, town):
    # when
    response = api_client.get(URL, {"lat": LAT, "lng": LNG, "q": "Fahradschlauch 28"})
    # then
    body = response.json()
    assert [hit["product"]["sku"] for hit in body["results"]] == ["ZB-1"]
    assert body["ordering"] == "relevance"
    assert body["corrections"] == {"fahradschlauch": "fahrradschlauch"}


def test_paging_links(api_client, town):
    # when
    first = api_client.get(URL, {"lat": LAT, "lng": LNG, "page_size": 1}).json()
    second = api_client.get(first["next"]).json()
    # then
    assert (first["count"], first["has_more"]) == (None, True)
    assert [hit["product"]["sku"] for hit in first["results"]] == ["ZB-1"]
    assert [hit["product"]["sku"] for hit in second["results"]] == ["RL-1"]
    assert (second["count"], second["has_more"], second["next"]) == (2, False, None)
    assert second["previous"] == "http://testserver/api/v1/search/?lat=53.2489&lng=10.4077&page_size=1"


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({}, {"lat", "lng"}),
        ({"lat": LAT}, {"lng"}),
        ({"lat": 90.5, "lng": LNG}, {"lat"}),
        ({"lat": LAT, "lng": 180.5}, {"lng"}),
        ({"lat": "nan", "lng": LNG}, {"lat"}),
        ({"lat": "abc", "lng": LNG}, {"lat"}),
        ({"lat": LAT, "lng": LNG, "radius_km": 51}, {"radius_km"}),
        ({"lat": LAT, "lng": LNG, "radius_km": 0.05}, {"radius_km"}),
        ({"lat": LAT, "lng": LNG, "page_size": 101}, {"page_size"}),
        ({"lat": LAT, "lng": LNG, "page": 0}, {"page"}),
        ({"lat": LAT, "lng": LNG, "page": 51}, {"page"}),
        ({"lat": LAT, "lng": LNG, "ordering": "name"}, {"ordering"}),
        ({"lat": LAT, "lng": LNG, "q": "x" * 201}, {"q"}),
        ({"lat": LAT, "lng": LNG, "max_price": "-1"}, {"max_price"}),
        ({"lat": LAT, "lng": LNG, "available_today": "vielleicht"}, {"available_today"}),
    ],
)
def test_bad_input_is_a_validation_error_and_records_nothing(api_client, town, query, fields):
    # when
    response = api_client.get(URL, query)
    # then
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["details"]) == fields
    assert search_events_pending() == 0
    assert SearchEvent.objects.count() == 0


def test_pending_shop_slug_is_unknown(api_client, town):
    # given
    pending = ShopFactory(status="pending", hours=ALWAYS_OPEN)
    ProductFactory(shop=pending)
    # when
    response = api_client.get(URL, {"lat": LAT, "lng": LNG, "shop": pending.slug})
    # then: a filter nothing matches (as for any unknown slug), not the pending shop's products
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("field", ["category", "shop"])
def test_an_unknown_category_or_shop_is_an_empty_page(api_client, town, field):
    # when: a slug the schema allows but no row has (a renamed category, an old link)
    response = api_client.get(URL, {"lat": LAT, "lng": LNG, field: "gibt-es-nicht"})
    # then
    assert response.status_code == 200
    assert (response.json()["count"], response.json()["results"]) == (0, [])


def test_query_count_is_fixed(api_client, town, django_assert_num_queries):
    # given more products, some with holds, and a warm pickup board
    for index in range(30):
        ProductFactory(shop=town["far"], title=f"Fahrradschlauch {index}", quantity_held=index % 2)
    pickup_board(now=timezone.now())
    api_client.get(URL, {"lat": LAT, "lng": LNG})  # warms the per-process stock-confidence copy
    # when / then: one statement for the search (two with text: typo correction first); the stock
    # confidence of the page's shops comes from the per-process copy
    with django_assert_num_queries(1):
        assert len(api_client.get(URL, {"lat": LAT, "lng": LNG}).json()["results"]) == 20
    with django_assert_num_queries(2):
        assert api_client.get(URL, {"lat": LAT, "lng": LNG, "q": "fahrradschlauch"}).json()["results"]
    with django_assert_num_queries(2):
        assert api_client.get(URL, {"lat": LAT, "lng": LNG, "q": "schlauch"}).json()["results"] == []


@override_settings(LADENKARTE_SEARCH_EVENT_BATCH=2)
def test_searches_are_recorded_after_the_response_without_personal_data(api_client, town):
    # given one search buffered (a batch is two)
    api_client.get(URL, {"lat": "53.24891", "lng": "10.40772", "q": "Fahrradschlauch", "radius_km": 3})
    assert (search_events_pending(), SearchEvent.objects.count()) == (1, 0)
    # when the second search has been answered
    api_client.get(URL, {"lat": LAT, "lng": LNG, "q": "Einhorn"}, REMOTE_ADDR="203.0.113.9")
    # then both are written in one batch, rounded to about 1 km, with no trace of the client
    assert search_events_pending() == 0
    events = list(SearchEvent.objects.order_by("pk").values())
    assert [(e["query"], e["lat"], e["lng"], e["result_count"]) for e in events] == [
        ("Fahrradschlauch", Decimal("53.25"), Decimal("10.41"), 2),
        ("Einhorn", Decimal("53.25"), Decimal("10.41"), 0),
    ]
    assert events[0]["radius_km"] == Decimal("3.0")
    assert "203.0.113.9" not in str(events)


def test_old_buffered_events_are_written_when_a_request_finishes(api_client, town, settings):
    # given a buffered search and a maximum age of zero seconds
    api_client.get(URL, {"lat": LAT, "lng": LNG})
    settings.LADENKARTE_SEARCH_EVENT_MAX_AGE = 0
    # when any other request finishes
    api_client.get("/healthz")
    # then
    assert SearchEvent.objects.count() == 1
    assert search_events_flush() == 0


def test_schema_documents_every_parameter_and_docs_render_offline(api_client):
    # when
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    docs = api_client.get("/api/docs/")
    # then
    operation = schema["paths"]["/api/v1/search/"]["get"]
    names = {param["name"] for param in operation["parameters"]}
    assert names >= {
        "lat",
        "lng",
        "radius_km",
        "q",
        "category",
        "available_today",
        "open_now",
        "max_price",
        "shop",
        "ordering",
        "page",
        "page_size",
    }
    for path in (
        "/api/v1/shops/",
        "/api/v1/shops/map/",
        "/api/v1/shops/{slug}/",
        "/api/v1/shops/{slug}/hours/",
        "/api/v1/shops/{slug}/products/",
        "/api/v1/products/{id}/",
        "/api/v1/categories/",
    ):
        assert path in schema["paths"], path
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
