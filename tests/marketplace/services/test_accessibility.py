"""Accessibility facts (issue 17): the service, the step-free search filter, API, my-shop, pages, OSM."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from rest_framework.test import APIClient

from marketplace.exceptions import ValidationFailed
from marketplace.models import Shop
from marketplace.selectors.pickup import pickup_board, pickup_board_clear
from marketplace.selectors.search import SearchParams, product_search_nearby, search_query
from marketplace.services.accessibility import Accessibility, shop_accessibility_set
from marketplace.services.osm_import import osm_import
from tests.factories import (
    TOWN_CENTER,
    ApiKeyFactory,
    MembershipFactory,
    ProductFactory,
    ShopFactory,
    UserFactory,
)
from tests.osm_files import TOWN_RELATION, OsmFile, address

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOON = datetime.combine(date(2026, 6, 5), time(12), tzinfo=BERLIN)
LAT, LNG = TOWN_CENTER
RAW = "lk_accesstests_0123456789abcdef"


def north(metres: float) -> Point:
    return Point(LNG, LAT + metres / 111_195.0, srid=4326)


@pytest.fixture(autouse=True)
def _fresh_board() -> Any:
    pickup_board_clear()
    yield
    pickup_board_clear()


def titles(**kwargs: Any) -> list[str]:
    params = SearchParams(lat=LAT, lng=LNG, **kwargs)
    return [hit.title for hit in product_search_nearby(params=params, now=NOON).hits]


# --- service -----------------------------------------------------------------------------------------


def test_facts_are_written_and_whitespace_tidied():
    # given
    shop = ShopFactory()
    # when
    shop_accessibility_set(
        shop=shop,
        facts=Accessibility(step_free="yes", seating=True, quiet_hours="  Di   9-11 Uhr ", hearing_loop=True),
    )
    # then
    shop.refresh_from_db()
    assert Accessibility.of(shop) == Accessibility(
        step_free="yes", seating=True, quiet_hours="Di 9-11 Uhr", hearing_loop=True
    )
    assert list(Shop.objects.step_free()) == [shop]


@pytest.mark.parametrize(
    ("facts", "field"),
    [(Accessibility(step_free="maybe"), "step_free"), (Accessibility(quiet_hours="x" * 201), "quiet_hours")],
)
def test_bad_values_are_refused_and_change_nothing(facts, field):
    # given
    shop = ShopFactory(step_free="no", seating=True)
    # when
    with pytest.raises(ValidationFailed) as caught:
        shop_accessibility_set(shop=shop, facts=facts)
    # then
    assert field in caught.value.details
    shop.refresh_from_db()
    assert Accessibility.of(shop) == Accessibility(step_free="no", seating=True)


# --- search --------------------------------------------------------------------------------------------


def test_step_free_filter_keeps_only_products_of_step_free_shops():
    # given a step-free shop, a partly step-free one, one with steps and one nobody said anything about
    for metres, step_free, title in (
        (100, "no", "Stufen"),
        (200, "yes", "Ebenerdig"),
        (300, "limited", "Teilweise"),
        (400, "", "Unbekannt"),
    ):
        ProductFactory(shop=ShopFactory(location=north(metres), step_free=step_free), title=title)
    # when / then: the plain search is unchanged, the filter keeps only `yes`
    assert titles() == ["Stufen", "Ebenerdig", "Teilweise", "Unbekannt"]
    assert titles(step_free=True) == ["Ebenerdig"]
    # and it combines with the other shop-level filters
    assert titles(step_free=True, open_now=True) == ["Ebenerdig"]
    assert titles(step_free=True, q="Stufen") == []


def test_step_free_filter_with_no_step_free_shop_finds_nothing_without_asking_the_database(
    django_assert_num_queries,
):
    # given
    ProductFactory(shop=ShopFactory(step_free="no"), title="Stufen")
    board = pickup_board(now=NOON)
    # when / then: one query for the (empty) list of step-free shops, none for products
    with django_assert_num_queries(1):
        assert titles(step_free=True) == []
    assert board is not None


def test_plain_search_sql_does_not_change_with_the_filter_off():
    # given
    ShopFactory(step_free="yes")
    board = pickup_board(now=NOON)
    params = SearchParams(lat=LAT, lng=LNG, available_today=False)
    # when
    plain = search_query(params, now=NOON, board=board)
    filtered = search_query(params, now=NOON, board=board, step_free_shop_ids=[1, 2])
    # then: the filter is the one `shop_id = ANY` row filter, and the plain statement has none
    assert "ANY(%(shops)s::bigint[])" not in plain.sql
    assert "ANY(%(shops)s::bigint[])" in filtered.sql
    assert filtered.params["shops"] == "{1,2}"


def test_api_search_and_shop_list_filter_step_free():
    # given
    ProductFactory(shop=ShopFactory(slug="eben", step_free="yes", location=north(200)), title="Ebenerdig")
    ProductFactory(shop=ShopFactory(slug="stufen", step_free="no", location=north(100)), title="Stufen")
    client = APIClient()
    # when
    fast = client.get(
        "/api/v1/search/", {"lat": LAT, "lng": LNG, "step_free": "true", "available_today": "false"}
    )
    slow = client.get(
        "/api/v1/search/", {"lat": LAT, "lng": LNG, "step_free": "yes", "available_today": "false"}
    )
    shops = client.get("/api/v1/shops/", {"step_free": "true"})
    bad = client.get("/api/v1/search/", {"lat": LAT, "lng": LNG, "step_free": "perhaps"})
    # then
    assert fast.status_code == 200, fast.content
    assert [hit["product"]["title"] for hit in fast.json()["results"]] == ["Ebenerdig"]
    assert [hit["product"]["title"] for hit in slow.json()["results"]] == ["Ebenerdig"]
    assert [shop["slug"] for shop in shops.json()["results"]] == ["eben"]
    assert shops.json()["results"][0]["step_free_entrance"] is True
    assert shops.json()["results"][0]["accessibility"]["step_free"] == "yes"
    assert bad.status_code == 400
    assert "step_free" in bad.json()["error"]["details"]


def test_website_search_filters_step_free():
    # given
    ProductFactory(shop=ShopFactory(step_free="yes", location=north(200)), title="Kerzenhalter")
    ProductFactory(shop=ShopFactory(step_free="no", location=north(100)), title="Seifenschale")
    # when
    page = Client().get("/suche/", {"q": "", "step_free": "on", "heute": "", "f": "1"})
    everything = Client().get("/suche/", {"q": "", "heute": "", "f": "1"})
    # then
    assert page.status_code == 200
    body = page.content.decode()
    assert "Kerzenhalter" in body
    assert "Seifenschale" not in body
    assert "Seifenschale" in everything.content.decode()


def test_schema_documents_the_filter_and_the_endpoint():
    # when
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    # then
    search_params = {p["name"] for p in schema["paths"]["/api/v1/search/"]["get"]["parameters"]}
    assert "step_free" in search_params
    assert "/api/v1/merchant/shops/{slug}/accessibility/" in schema["paths"]


# --- merchant API, my-shop, pages -------------------------------------------------------------------------


def test_merchant_api_reads_and_replaces_the_facts_only_of_its_own_shop():
    # given
    shop = ShopFactory(slug="laden")
    other = ShopFactory(slug="anderer", seating=True)
    ApiKeyFactory(shop=shop, raw_key=RAW)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {RAW}")
    body = {
        "step_free": "limited",
        "accessible_toilet": True,
        "seating": False,
        "quiet_hours": "Mo 9-10",
        "hearing_loop": False,
        "disabled_parking_nearby": True,
    }
    # when
    put = client.put("/api/v1/merchant/shops/laden/accessibility/", body, format="json")
    foreign = client.put("/api/v1/merchant/shops/anderer/accessibility/", body, format="json")
    bad = client.put(
        "/api/v1/merchant/shops/laden/accessibility/",
        {**body, "step_free": "ramp", "seating": True},
        format="json",
    )
    unknown = client.put("/api/v1/merchant/shops/laden/accessibility/", {**body, "wifi": True}, format="json")
    anonymous = APIClient().get("/api/v1/merchant/shops/laden/accessibility/")
    # then
    assert put.status_code == 200, put.content
    assert put.json() == body
    assert client.get("/api/v1/merchant/shops/laden/accessibility/").json() == body
    assert foreign.status_code == 404
    assert bad.status_code == 400
    assert unknown.status_code == 400
    assert anonymous.status_code in (401, 403)
    shop.refresh_from_db()
    other.refresh_from_db()
    assert Accessibility.of(shop) == Accessibility(**body)
    assert Accessibility.of(other) == Accessibility(seating=True)


def test_my_shop_saves_the_facts_and_shop_and_product_pages_show_them():
    # given
    shop = ShopFactory(slug="laden")
    product = ProductFactory(shop=shop, title="Tee")
    user = UserFactory()
    MembershipFactory(user=user, shop=shop)
    client = Client()
    client.force_login(user)
    # when
    saved = client.post(
        "/mein-laden/laden/zugang/",
        {"step_free": "yes", "accessible_toilet": "on", "quiet_hours": "Di 9-11"},
    )
    bad = client.post("/mein-laden/laden/zugang/", {"step_free": "maybe", "seating": "on"})
    # then
    assert saved.status_code == 302
    assert bad.status_code == 400
    shop.refresh_from_db()
    assert Accessibility.of(shop) == Accessibility(
        step_free="yes", accessible_toilet=True, quiet_hours="Di 9-11"
    )
    shop_page = Client().get(f"/laden/{shop.slug}/").content.decode()
    product_page = Client().get(f"/produkt/{product.pk}/", follow=True).content.decode()
    for page in (shop_page, product_page):
        assert 'data-fact="step_free_yes"' in page
        assert 'data-fact="accessible_toilet"' in page
        assert 'data-fact="quiet_hours"' in page
        assert 'data-fact="seating"' not in page


def test_other_merchants_cannot_post_the_facts():
    # given
    ShopFactory(slug="laden")
    stranger = UserFactory()
    MembershipFactory(user=stranger, shop=ShopFactory(slug="fremd"))
    client = Client()
    client.force_login(stranger)
    # when
    answer = client.post("/mein-laden/laden/zugang/", {"step_free": "yes"})
    # then
    assert answer.status_code == 404
    assert not Shop.objects.step_free().exists()


def test_osm_wheelchair_fills_step_free_and_a_merchant_change_is_kept(tmp_path: Path):
    # given a listing imported with wheelchair=yes
    osm = OsmFile()
    osm.shop_node(
        1, 53.2480, 10.4100, name="Teehaus", shop="tea", wheelchair="yes", opening_hours="Mo-Fr 09:00-18:00",
        **address("Am Sande", "7"),
    )  # fmt: skip
    path = osm.write(tmp_path / "town.osm")
    osm_import(path=path, boundary_relation=TOWN_RELATION)
    tea = Shop.objects.get(name="Teehaus")
    assert tea.step_free == "yes"
    # when the shop says "partly" and OSM is imported again
    shop_accessibility_set(shop=tea, facts=Accessibility(step_free="limited"))
    osm_import(path=path, boundary_relation=TOWN_RELATION)
    # then the shop's word stands
    tea.refresh_from_db()
    assert tea.step_free == "limited"
