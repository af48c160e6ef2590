"""Public city endpoints: live collections and featured shops only; feeds; query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.models import Shop
from marketplace.services.curation import collection_create, collection_item_add, featured_shop_create
from tests.factories import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def test_collections_list_shows_live_collections_only(
    api_client: APIClient, django_assert_num_queries
) -> None:
    # given
    now = timezone.now()
    shop = ShopFactory()
    live = collection_create(title="Regional einkaufen", publish_from=now - DAY, publish_until=now + DAY)
    collection_item_add(collection=live, shop=shop)
    collection_item_add(collection=live, shop=ShopFactory(status=Shop.Status.PENDING))
    collection_create(title="Vorbei", publish_from=now - 3 * DAY, publish_until=now - DAY)
    collection_create(title="Kommt noch", publish_from=now + DAY)
    for index in range(3):
        collection_create(title=f"Immer {index}")

    # when
    with django_assert_num_queries(2):
        response = api_client.get("/api/v1/collections/")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    first = next(item for item in body["results"] if item["slug"] == "regional-einkaufen")
    assert first["item_count"] == 1
    assert first["url"] == f"{settings.SITE_URL}/sammlungen/regional-einkaufen/"
    assert first["api_url"].endswith("/api/v1/collections/regional-einkaufen/")


def test_collection_detail_lists_visible_items(api_client: APIClient, django_assert_num_queries) -> None:
    # given
    shop = ShopFactory(name="Kaffeerösterei")
    product = ProductFactory(shop=shop, title="Espresso", quantity_on_hand=2)
    collection = collection_create(title="Kaffee")
    collection_item_add(collection=collection, product=product, note="Frisch geröstet")
    collection_item_add(collection=collection, shop=shop)
    collection_item_add(collection=collection, product=ProductFactory(active=False))

    # when
    with django_assert_num_queries(3):
        response = api_client.get("/api/v1/collections/kaffee/")

    # then
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["type"] for item in items] == ["product", "shop"]
    assert items[0]["product"]["title"] == "Espresso"
    assert items[0]["product"]["available_quantity"] == 2
    assert items[0]["product"]["availability"] == "limited"
    assert items[0]["product"]["shop"]["name"] == "Kaffeerösterei"
    assert items[0]["note"] == "Frisch geröstet"


def test_collection_outside_window_is_404(api_client: APIClient) -> None:
    # given
    collection_create(title="Weihnachten", publish_from=timezone.now() + DAY)

    # when
    response = api_client.get("/api/v1/collections/weihnachten/")

    # then
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_featured_shops_live_and_active_only(api_client: APIClient, django_assert_num_queries) -> None:
    # given
    now = timezone.now()
    shown = featured_shop_create(
        shop=ShopFactory(name="Blumen Behn"), title="Frühling", publish_from=now - DAY
    )
    featured_shop_create(shop=ShopFactory(status=Shop.Status.SUSPENDED))
    featured_shop_create(shop=ShopFactory(), publish_until=now - DAY)
    for _ in range(3):
        featured_shop_create(shop=ShopFactory())

    # when
    with django_assert_num_queries(2):
        response = api_client.get("/api/v1/featured-shops/")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert body["results"][0]["id"] == shown.pk
    assert body["results"][0]["title"] == "Frühling"
    assert body["results"][0]["shop"]["name"] == "Blumen Behn"


def test_google_feed_download(api_client: APIClient) -> None:
    # given
    shop = ShopFactory(slug="buchladen")
    ProductFactory(shop=shop, sku="B-1", title="Roman\tmit Tab", gtin="9783161484100")
    ShopFactory(slug="wartet", status=Shop.Status.PENDING)

    # when
    response = api_client.get("/api/v1/feeds/google-local-inventory/?shop=buchladen")
    pending = api_client.get("/api/v1/feeds/google-local-inventory/?shop=wartet")
    as_csv = api_client.get("/api/v1/feeds/google-local-inventory/?format_type=csv")
    bad = api_client.get("/api/v1/feeds/google-local-inventory/?format_type=xml")

    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/tab-separated-values")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == (
        "store_code\tid\tgtin\ttitle\tprice\tquantity\tavailability\tpickup_method\tpickup_sla\timage_link"
    )
    assert lines[1].split("\t")[:4] == ["buchladen", "B-1", "9783161484100", "Roman mit Tab"]
    assert lines[1].split("\t")[7] == "reserve"
    assert pending.status_code == 404
    assert b"".join(as_csv.streaming_content).decode().startswith("store_code,id,gtin")
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "validation_error"


def test_opening_hours_feed(api_client: APIClient) -> None:
    # given
    ShopFactory(slug="cafe", name="Café")

    # when
    response = api_client.get("/api/v1/feeds/opening-hours/?format_type=csv")

    # then
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "store_code,name,street,postcode,city,lat,lng,opening_hours"
    assert lines[1].endswith(",Mo-Su 00:00-23:59; PH off")
