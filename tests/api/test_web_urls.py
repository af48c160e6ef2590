"""`url` in the API is the resident's page on the website (absolute, in the request's language); `api_url`
is the API resource. Every such address opens the page it names."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from marketplace.services.curation import collection_create, collection_item_add, featured_shop_create
from tests.factories import TOWN_CENTER, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db
LAT, LNG = TOWN_CENTER


@pytest.fixture
def town() -> dict[str, Any]:
    shop = ShopFactory(name="Zweirad Nord", slug="zweirad")
    product = ProductFactory(shop=shop, title="Fahrradschlauch 28 Zoll (Dunlop)", quantity_on_hand=3)
    collection = collection_create(title="Radfahren")
    collection_item_add(collection=collection, product=product)
    featured_shop_create(shop=shop)
    return {"shop": shop, "product": product, "collection": collection}


def website_path(url: str) -> str:
    assert url.startswith(settings.SITE_URL + "/"), url
    return url.removeprefix(settings.SITE_URL)


def test_urls_point_to_the_website_and_api_urls_to_the_api(
    api_client: APIClient, town: dict[str, Any]
) -> None:
    # given
    product, collection = town["product"], town["collection"]
    product_page = f"{settings.SITE_URL}/produkt/{product.pk}-fahrradschlauch-28-zoll-dunlop/"
    shop_page = f"{settings.SITE_URL}/laden/zweirad/"
    # when
    hit = api_client.get("/api/v1/search/", {"lat": LAT, "lng": LNG}).json()["results"][0]
    shops = api_client.get("/api/v1/shops/").json()["results"]
    shop_detail = api_client.get("/api/v1/shops/zweirad/").json()
    feature = api_client.get("/api/v1/shops/map/").json()["features"][0]
    products = api_client.get("/api/v1/shops/zweirad/products/").json()["results"]
    product_detail = api_client.get(f"/api/v1/products/{product.pk}/").json()
    collections = api_client.get("/api/v1/collections/").json()["results"]
    collection_detail = api_client.get(f"/api/v1/collections/{collection.slug}/").json()
    featured = api_client.get("/api/v1/featured-shops/").json()["results"]
    # then
    assert hit["product"]["url"] == products[0]["url"] == product_detail["url"] == product_page
    assert collection_detail["items"][0]["product"]["url"] == product_page
    assert hit["shop"]["url"] == shops[0]["url"] == shop_detail["url"] == shop_page
    assert (
        feature["properties"]["url"]
        == product_detail["shop"]["url"]
        == featured[0]["shop"]["url"]
        == shop_page
    )
    assert collections[0]["url"] == collection_detail["url"] == f"{settings.SITE_URL}/sammlungen/radfahren/"
    assert (
        hit["product"]["api_url"]
        == product_detail["api_url"]
        == f"http://testserver/api/v1/products/{product.pk}/"
    )
    assert hit["shop"]["api_url"] == shop_detail["api_url"] == "http://testserver/api/v1/shops/zweirad/"
    assert collections[0]["api_url"] == "http://testserver/api/v1/collections/radfahren/"


def test_english_requests_get_the_english_pages(api_client: APIClient, town: dict[str, Any]) -> None:
    # when
    hit = api_client.get("/api/v1/search/", {"lat": LAT, "lng": LNG}, HTTP_ACCEPT_LANGUAGE="en").json()
    detail = api_client.get("/api/v1/shops/zweirad/", HTTP_ACCEPT_LANGUAGE="en").json()
    # then
    assert hit["results"][0]["shop"]["url"] == f"{settings.SITE_URL}/en/laden/zweirad/"
    assert detail["url"] == f"{settings.SITE_URL}/en/laden/zweirad/"


def test_every_url_opens_its_page(api_client: APIClient, client: Client, town: dict[str, Any]) -> None:
    # given
    hit = api_client.get("/api/v1/search/", {"lat": LAT, "lng": LNG}).json()["results"][0]
    english = api_client.get("/api/v1/search/", {"lat": LAT, "lng": LNG}, HTTP_ACCEPT_LANGUAGE="en").json()
    collection = api_client.get("/api/v1/collections/").json()["results"][0]
    urls = [
        hit["product"]["url"],
        hit["shop"]["url"],
        english["results"][0]["product"]["url"],
        collection["url"],
    ]
    # when
    responses = [client.get(website_path(url)) for url in urls]
    # then: each answers 200 directly (the canonical address, no redirect)
    assert [response.status_code for response in responses] == [200, 200, 200, 200]
