"""One shape per thing (decision 1001): a shop's address, its location and a category are the same objects in
every response that carries them, and the schema names the same components for them."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from marketplace.services.curation import collection_create, collection_item_add, featured_shop_create
from marketplace.services.search_index import search_words_refresh
from tests.factories import TOWN_CENTER, ApiKeyFactory, CategoryFactory, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

LAT, LNG = TOWN_CENTER
ALWAYS_OPEN = [(d, time(0), time(6, 30)) for d in range(7)] + [(d, time(6, 30), time(2, 0)) for d in range(7)]
RAW = "lk_shapetests_0123456789abcdef"

ADDRESS = {
    "street": "Bardowicker Straße 5",
    "postcode": "21335",
    "city": "Lüneburg",
    "district": "Altstadt",
    "line": "Bardowicker Straße 5, 21335 Lüneburg",
}
CATEGORY = {"slug": "kaffee", "name": "Kaffee"}


@pytest.fixture
def town() -> dict[str, Any]:
    category = CategoryFactory(slug="kaffee", name="Kaffee", name_en="Coffee")
    shop = ShopFactory(
        slug="roesterei",
        name="Rösterei am Sande",
        street=ADDRESS["street"],
        postcode=ADDRESS["postcode"],
        city=ADDRESS["city"],
        district=ADDRESS["district"],
        location=Point(LNG, LAT + 0.001, srid=4326),
        hours=ALWAYS_OPEN,
    )
    shop.categories.add(category)
    product = ProductFactory(
        shop=shop, sku="K-1", title="Espresso Bohnen", category=category, quantity_on_hand=5
    )
    collection = collection_create(title="Kaffee")
    collection_item_add(collection=collection, product=product)
    collection_item_add(collection=collection, shop=shop)
    featured_shop_create(shop=shop)
    ApiKeyFactory(shop=shop, raw_key=RAW)
    search_words_refresh(concurrently=False)
    return {"shop": shop, "product": product, "location": {"lat": shop.location.y, "lng": shop.location.x}}


def get(client: APIClient, path: str, **params: Any) -> Any:
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()


def shop_objects(client: APIClient, town: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every place the shop appears in the residents' API, by where it was found."""
    search = get(client, "/api/v1/search/", lat=LAT, lng=LNG, q="Espresso")
    shops = get(client, "/api/v1/shops/")
    detail = get(client, "/api/v1/shops/roesterei/")
    feature = get(client, "/api/v1/shops/map/")["features"][0]
    product = get(client, f"/api/v1/products/{town['product'].pk}/")
    collection = get(client, "/api/v1/collections/kaffee/")
    featured = get(client, "/api/v1/featured-shops/")
    reservation = client.post(
        "/api/v1/reservations/",
        {
            "items": [{"product_id": town["product"].pk, "quantity": 1}],
            "customer": {"name": "Erika Muster", "email": "erika@example.org", "phone": "+49 4131 000000"},
        },
        format="json",
    )
    assert reservation.status_code == 201, reservation.content
    return {
        "search hit": search["results"][0]["shop"],
        "shop list": shops["results"][0],
        "shop detail": detail,
        "map feature": feature["properties"],
        "product detail": product["shop"],
        "collection shop item": next(i["shop"] for i in collection["items"] if i["type"] == "shop"),
        "collection product item": next(i["product"]["shop"] for i in collection["items"] if i["product"]),
        "featured shop": featured["results"][0]["shop"],
        "reservation": reservation.json()["shop"],
    }


def test_a_shop_has_the_same_postal_address_and_location_everywhere(api_client, town):
    # when
    found = shop_objects(api_client, town)

    # then
    for where, shop in found.items():
        assert shop["postal_address"] == ADDRESS, where
        if where != "map feature":  # a GeoJSON feature carries its point as the geometry
            assert shop["location"] == pytest.approx(town["location"]), where
    # and the v1 fields stay where clients may depend on them
    for where in ("search hit", "product detail", "collection shop item", "featured shop", "reservation"):
        assert found[where]["address"] == ADDRESS["line"], where
    assert found["shop list"]["address"] == ADDRESS
    assert found["map feature"]["street"] == ADDRESS["street"]


def test_shop_refs_share_their_fields(api_client, town):
    # when
    found = shop_objects(api_client, town)

    # then: every shop inside another resource is a ShopRef, and the shop endpoints are a superset of it
    ref = {"id", "slug", "name", "postal_address", "location", "url", "api_url"}
    for where, shop in found.items():
        expected = ref
        if where == "map feature":  # GeoJSON: `id` and the point belong to the feature, not its properties
            expected = ref - {"id", "location"}
        elif where == "reservation":  # the reservation's shop has phone and time zone instead of links
            expected = ref - {"url", "api_url"}
        assert expected <= set(shop), where
        assert shop["name"] == "Rösterei am Sande", where
    urls = {found[where]["url"] for where in found if "url" in found[where]}
    assert len(urls) == 1
    api_urls = {found[where]["api_url"] for where in found if "api_url" in found[where]}
    assert len(api_urls) == 1


def test_a_category_is_the_same_object_everywhere(api_client, town):
    # given
    product_id = town["product"].pk
    merchant = APIClient()
    merchant.credentials(HTTP_AUTHORIZATION=f"Api-Key {RAW}")

    # when
    search = get(api_client, "/api/v1/search/", lat=LAT, lng=LNG, q="Espresso")
    search_product = search["results"][0]["product"]
    shop_products = get(api_client, "/api/v1/shops/roesterei/products/")["results"]
    product = get(api_client, f"/api/v1/products/{product_id}/")
    collection = get(api_client, "/api/v1/collections/kaffee/")
    collection_product = next(i["product"] for i in collection["items"] if i["product"])
    merchant_product = get(merchant, "/api/v1/merchant/shops/roesterei/products/K-1/")
    shop = get(api_client, "/api/v1/shops/roesterei/")
    feature = get(api_client, "/api/v1/shops/map/")["features"][0]["properties"]

    # then
    for where, item in {
        "search": search_product,
        "shop products": shop_products[0],
        "product detail": product,
        "collection": collection_product,
        "merchant": merchant_product,
    }.items():
        assert item["category_ref"] == CATEGORY, where
    assert shop["category_refs"] == [CATEGORY]
    assert feature["category_refs"] == [CATEGORY]
    # the v1 fields
    assert search_product["category"] == "kaffee"
    assert product["category"] == CATEGORY
    assert merchant_product["category"] == "kaffee"
    assert shop["categories"] == ["kaffee"]


def test_a_product_without_category_has_a_null_category_ref(api_client, town):
    # given
    product = ProductFactory(shop=town["shop"], sku="K-2", title="Filtertüten", category=None)

    # when
    detail = get(api_client, f"/api/v1/products/{product.pk}/")

    # then
    assert detail["category_ref"] is None
    assert detail["category"] is None


def _walk(node: Any, path: str = ""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}/{index}")


def _ref(prop: dict[str, Any]) -> str | None:
    if "$ref" in prop:
        return prop["$ref"]
    for part in prop.get("allOf", []):
        if "$ref" in part:
            return part["$ref"]
    items = prop.get("items")
    return _ref(items) if isinstance(items, dict) else None


def test_the_schema_names_one_component_per_thing_and_marks_the_old_fields_deprecated():
    # given
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]

    # when
    properties = [
        (path, name, prop)
        for path, key, value in _walk(components)
        if key == "properties"
        if isinstance(value, dict)
        for name, prop in value.items()
        if isinstance(prop, dict)
    ]

    # then
    expected = {
        "postal_address": "#/components/schemas/ShopAddress",
        "location": "#/components/schemas/LatLng",
        "category_ref": "#/components/schemas/CategoryRef",
        "category_refs": "#/components/schemas/CategoryRef",
    }
    seen = dict.fromkeys(expected, 0)
    for path, name, prop in properties:
        if name in expected and "Merchant" not in path and "Geometry" not in path:
            seen[name] += 1
            assert _ref(prop) == expected[name], (path, name, prop)
    assert all(count >= 2 for count in seen.values()), seen
    assert {"LatLngOut", "LatLngOutput"}.isdisjoint(components)
    deprecated = {(path.split("/")[1], name) for path, name, prop in properties if prop.get("deprecated")}
    assert {
        ("SearchShop", "address"),
        ("SearchProduct", "category"),
        ("ProductShop", "address"),
        ("ShopRefOut", "address"),
        ("ShopBriefOutput", "address"),
        ("Shop", "address"),
        ("Shop", "categories"),
        ("ShopDetail", "address"),
        ("ProductDetail", "category"),
    } <= deprecated
