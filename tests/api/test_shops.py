"""Residents' shop, map, hours, product and category endpoints: only active shops and listed products."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from marketplace.models import CityDay, FeaturedShop, Shop, SpecialDay
from marketplace.selectors.categories import category_tree
from marketplace.selectors.pickup import pickup_board
from tests.factories import TOWN_CENTER, CategoryFactory, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

LAT, LNG = TOWN_CENTER
ALWAYS_OPEN = [(d, time(0), time(6, 30)) for d in range(7)] + [(d, time(6, 30), time(2, 0)) for d in range(7)]
HIDDEN_STATUSES = [
    Shop.Status.PENDING,
    Shop.Status.SUSPENDED,
    Shop.Status.REJECTED,
    Shop.Status.CHANGES_REQUESTED,
]


def north(metres: float) -> Point:
    return Point(LNG, LAT + metres / 111_195.0, srid=4326)


@pytest.fixture
def town():
    food = CategoryFactory(slug="lebensmittel", name="Lebensmittel")
    bakery = CategoryFactory(slug="baeckerei", name="Bäckerei", parent=food)
    books = CategoryFactory(slug="buecher", name="Bücher")
    baker = ShopFactory(
        slug="backstube", name="Backstube Müller", location=north(100), hours=ALWAYS_OPEN, description="Brot"
    )
    baker.categories.add(bakery)
    bookshop = ShopFactory(
        slug="buchladen", name="Buchladen am Sande", location=north(2000), hours=ALWAYS_OPEN
    )
    bookshop.categories.add(books)
    hidden = {
        status: ShopFactory(
            slug=f"versteckt-{index}", name=f"Versteckt {index}", status=status, hours=ALWAYS_OPEN
        )
        for index, status in enumerate(HIDDEN_STATUSES)
    }
    for shop in hidden.values():
        shop.categories.add(bakery)
    return {"baker": baker, "bookshop": bookshop, "hidden": hidden, "bakery": bakery, "food": food}


def slugs(response) -> list[str]:
    body = response.json()
    return [item["slug"] for item in body["results"]]


def test_shop_list_shows_only_active_shops_by_name(api_client, town, django_assert_num_queries):
    # given a warm pickup board
    pickup_board(now=timezone.now())
    # when / then: count, page, categories
    with django_assert_num_queries(3):
        response = api_client.get("/api/v1/shops/")
    assert response.status_code == 200
    assert slugs(response) == ["backstube", "buchladen"]
    first = response.json()["results"][0]
    assert first["categories"] == ["baeckerei"]
    assert first["open_now"] is True
    assert first["pickup_today_until"] is not None
    assert first["location"] == {"lat": pytest.approx(LAT + 100 / 111_195.0), "lng": pytest.approx(LNG)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "müller"}, ["backstube"]),
        ({"q": "Mueller"}, []),  # shop names are matched as written (umlauts folded, not respelled)
        ({"q": "Backstube Muller"}, ["backstube"]),
        ({"q": "bäckerei"}, ["backstube"]),  # category name
        ({"category": "lebensmittel"}, ["backstube"]),  # includes sub-categories
        ({"category": "buecher"}, ["buchladen"]),
        ({"in_bbox": f"{LNG - 0.01},{LAT},{LNG + 0.01},{LAT + 0.005}"}, ["backstube"]),
        ({"lat": LAT, "lng": LNG, "radius_km": 1}, ["backstube"]),
        ({"lat": LAT, "lng": LNG, "radius_km": 5}, ["backstube", "buchladen"]),
    ],
)
def test_shop_list_filters(api_client, town, query, expected):
    # when
    response = api_client.get("/api/v1/shops/", query)
    # then
    assert response.status_code == 200
    assert slugs(response) == expected


def test_shop_list_near_a_point_gives_distance(api_client, town):
    # when
    response = api_client.get("/api/v1/shops/", {"lat": LAT, "lng": LNG, "radius_km": 5})
    # then
    distances = [item["distance_m"] for item in response.json()["results"]]
    assert distances[0] == pytest.approx(100, abs=2)
    assert distances[1] == pytest.approx(2000, abs=10)


def test_featured_filter(api_client, town):
    # given the bookshop featured now and the baker's featuring over
    now = timezone.now()
    FeaturedShop.objects.create(shop=town["bookshop"], publish_from=now - timedelta(days=1))
    FeaturedShop.objects.create(
        shop=town["baker"], publish_from=now - timedelta(days=9), publish_until=now - timedelta(days=1)
    )
    FeaturedShop.objects.create(shop=town["hidden"][Shop.Status.PENDING])
    # when / then
    assert slugs(api_client.get("/api/v1/shops/", {"featured": "true"})) == ["buchladen"]
    assert slugs(api_client.get("/api/v1/shops/", {"featured": "false"})) == ["backstube"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"category": "kein slug"}, "category"),
        ({"in_bbox": "1,2,3"}, "in_bbox"),
        ({"in_bbox": "10.5,53,10.4,53.3"}, "in_bbox"),
        ({"in_bbox": "a,b,c,d"}, "in_bbox"),
        ({"lat": LAT}, "lng"),
        ({"lat": 91, "lng": LNG}, "lat"),
        ({"lat": LAT, "lng": LNG, "radius_km": 60}, "radius_km"),
        ({"page_size": 101}, "page_size"),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/shops/", "/api/v1/shops/map/"])
def test_shop_filters_reject_bad_input(api_client, town, path, query, field):
    # when
    response = api_client.get(path, query)
    # then
    if field == "page_size" and path.endswith("map/"):
        assert response.status_code == 200  # the map is not paginated
        return
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"]


def test_map_is_a_geojson_feature_collection_of_active_shops(api_client, town, django_assert_num_queries):
    # given warm caches of the pickup board and the category tree (both kept for a minute)
    pickup_board(now=timezone.now())
    category_tree()
    # when
    with django_assert_num_queries(2):
        response = api_client.get("/api/v1/shops/map/", {"category": "lebensmittel"})
    # then
    body = response.json()
    assert body["type"] == "FeatureCollection"
    (feature,) = body["features"]
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "Point"
    assert feature["geometry"]["coordinates"] == [pytest.approx(LNG), pytest.approx(LAT + 100 / 111_195.0)]
    assert feature["properties"]["slug"] == "backstube"
    assert feature["properties"]["categories"] == ["baeckerei"]
    assert feature["properties"]["open_now"] is True


def test_shop_detail_with_hours_today_and_special_days(api_client, django_assert_max_num_queries):
    # given a shop with weekly hours, its own special day and a city holiday ahead
    shop = ShopFactory(slug="laden", hours=ALWAYS_OPEN)
    today = timezone.localdate()
    SpecialDay.objects.create(shop=shop, date=today + timedelta(days=3), closed=True, name="Inventur")
    CityDay.objects.create(date=today + timedelta(days=5), kind=CityDay.Kind.HOLIDAY, name="Feiertag")
    # when
    with django_assert_max_num_queries(5):
        response = api_client.get("/api/v1/shops/laden/")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["open_now"] is True
    assert body["today"]["intervals"] == [{"opens": "00:00", "closes": "02:00"}]
    assert body["pickup_today_until"] is not None
    assert body["next_pickup_from"] is None
    assert {"weekday": 0, "opens": "06:30", "closes": "02:00"} in body["opening_hours"]
    assert [(day["date"], day["reason"], day["source"]) for day in body["special_days"]] == [
        ((today + timedelta(days=3)).isoformat(), "Inventur", "shop"),
        ((today + timedelta(days=5)).isoformat(), "Feiertag", "city"),
    ]


def test_shop_closed_today_has_no_today_and_a_next_pickup(api_client):
    # given a shop whose only opening day is in three days
    in_three_days = timezone.localdate() + timedelta(days=3)
    ShopFactory(slug="selten", hours=[(in_three_days.weekday(), time(10), time(12))])
    # when
    body = api_client.get("/api/v1/shops/selten/").json()
    # then
    assert (body["today"], body["open_now"], body["pickup_today_until"]) == (None, False, None)
    assert body["next_pickup_from"].startswith(f"{in_three_days.isoformat()}T10:00:00")


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
@pytest.mark.parametrize("suffix", ["", "hours/", "products/"])
def test_hidden_shops_answer_404(api_client, town, status, suffix):
    # given
    shop = town["hidden"][status]
    ProductFactory(shop=shop)
    # when
    response = api_client.get(f"/api/v1/shops/{shop.slug}/{suffix}")
    # then
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_hours_of_a_date_range(api_client):
    # given a Monday-Friday shop, a city holiday on Wednesday and a special opening on Sunday
    shop = ShopFactory(slug="laden", hours=[(d, time(9), time(18)) for d in range(5)])
    CityDay.objects.create(date=date(2026, 12, 2), kind=CityDay.Kind.HOLIDAY, name="Stadtfest", closed=True)
    SpecialDay.objects.create(
        shop=shop,
        date=date(2026, 12, 6),
        closed=False,
        intervals=[{"opens": "11:00", "closes": "16:00"}],
        name="Nikolaus",
    )
    # when
    response = api_client.get(f"/api/v1/shops/{shop.slug}/hours/", {"from": "2026-11-30", "days": 7})
    # then
    assert response.status_code == 200
    days = response.json()
    assert [day["date"] for day in days] == [
        f"2026-{d}" for d in ("11-30", "12-01", "12-02", "12-03", "12-04", "12-05", "12-06")
    ]
    assert days[0] == {
        "date": "2026-11-30",
        "closed": False,
        "intervals": [{"opens": "09:00", "closes": "18:00"}],
        "reason": "",
        "source": "weekly",
    }
    assert (days[2]["closed"], days[2]["reason"], days[2]["source"]) == (True, "Stadtfest", "city")
    assert (days[5]["closed"], days[5]["intervals"]) == (True, [])
    assert days[6]["intervals"] == [{"opens": "11:00", "closes": "16:00"}]
    assert days[6]["reason"] == "Nikolaus"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "morgen"}, "from"),
        ({"days": 63}, "days"),
        ({"days": 0}, "days"),
    ],
)
def test_hours_reject_bad_dates(api_client, query, field):
    # given
    ShopFactory(slug="laden")
    # when
    response = api_client.get("/api/v1/shops/laden/hours/", query)
    # then
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


def test_shop_products_lists_only_listed_products(api_client, town, django_assert_num_queries):
    # given
    baker = town["baker"]
    ProductFactory(shop=baker, title="Roggenbrot", quantity_on_hand=3)
    ProductFactory(shop=baker, title="Ausgelistet", active=False)
    ProductFactory(shop=baker, title="Dinkelbrot", quantity_on_hand=0)
    ProductFactory(shop=baker, title="Altbrot", stock_updated_at=timezone.now() - timedelta(days=20))
    ProductFactory(shop=town["bookshop"], title="Roman")
    # when
    with django_assert_num_queries(3):
        response = api_client.get("/api/v1/shops/backstube/products/")
    # then
    body = response.json()
    assert [(p["title"], p["available_quantity"], p["availability"]) for p in body["results"]] == [
        ("Altbrot", 0, "out_of_stock"),
        ("Dinkelbrot", 0, "out_of_stock"),
        ("Roggenbrot", 3, "in_stock"),
    ]
    assert body["results"][0]["stock_fresh"] is False


def test_product_detail(api_client, town):
    # given
    product = ProductFactory(shop=town["baker"], title="Roggenbrot", quantity_on_hand=1)
    # when
    response = api_client.get(f"/api/v1/products/{product.pk}/")
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["availability"], body["currency"]) == ("Roggenbrot", "limited", "EUR")
    assert body["shop"]["slug"] == "backstube"
    assert body["pickup_today_until"] is not None
    assert body["open_now"] is True


def test_unlisted_products_and_products_of_hidden_shops_answer_404(api_client, town):
    # given
    unlisted = ProductFactory(shop=town["baker"], active=False)
    of_hidden = [ProductFactory(shop=shop) for shop in town["hidden"].values()]
    # when / then
    for product in [unlisted, *of_hidden]:
        response = api_client.get(f"/api/v1/products/{product.pk}/")
        assert response.status_code == 404, product
        assert response.json()["error"]["code"] == "not_found"
    assert api_client.get("/api/v1/products/999999/").status_code == 404


def test_category_tree(api_client, town, django_assert_max_num_queries):
    # when
    with django_assert_max_num_queries(1):
        response = api_client.get("/api/v1/categories/")
    # then
    tree = {node["slug"]: node for node in response.json()}
    assert set(tree) == {"lebensmittel", "buecher"}
    assert [child["slug"] for child in tree["lebensmittel"]["children"]] == ["baeckerei"]
