"""My shop: till connectors and scan to list; members only, settings for owners, other shops are 404."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from marketplace.models import GtinProduct, Product, ShopMembership, StockMovement, TillConnector
from marketplace.services.connectors import connector_save
from marketplace.services.product_data import sample_gtin
from tests import till_samples as samples
from tests.factories import MembershipFactory, ShopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    shop = ShopFactory(slug="mein-laden", name="Mein Laden")
    other = ShopFactory(slug="fremd", name="Fremder Laden")
    owner = MembershipFactory(shop=shop).user
    staff = MembershipFactory(shop=shop, role=ShopMembership.Role.STAFF).user
    stranger = MembershipFactory(shop=other).user
    clients = {}
    for name, user in (("owner", owner), ("staff", staff), ("stranger", stranger)):
        clients[name] = Client()
        clients[name].force_login(user)
    clients["anonymous"] = Client()
    GtinProduct.objects.create(
        gtin=sample_gtin(3),
        name="Apfelschorle naturtrüb",
        brand="Grüne Wiese",
        quantity="0,5 l",
        source="off",
    )
    return {"shop": shop, "other": other, "clients": clients}


def upload(client: Client, kind: str, data: bytes, **extra: str) -> Any:
    return client.post(
        f"/mein-laden/mein-laden/kasse/{kind}/datei/",
        {"file": SimpleUploadedFile("export.csv", data, content_type="text/csv"), **extra},
    )


def test_the_till_page_shows_each_connector_and_its_status(world):
    # given
    till = connector_save(shop=world["shop"], kind=TillConnector.Kind.SHOPIFY)[0]
    TillConnector.objects.filter(pk=till.pk).update(state="error", last_error="Kaputte Datei")
    # when
    html = world["clients"]["owner"].get("/mein-laden/mein-laden/kasse/").content.decode()
    main = world["clients"]["owner"].get("/mein-laden/mein-laden/").content.decode()
    # then
    assert "Kaputte Datei" in html
    assert "DSFinV-K" in html
    assert "Kaputte Datei" in main  # the status on the my-shop page too


def test_a_shopify_file_uploaded_on_the_page_is_imported(world):
    # when
    response = upload(world["clients"]["staff"], "shopify", samples.shopify_products(12))
    # then
    assert response.status_code == 200
    assert Product.objects.filter(shop=world["shop"]).count() == 12
    assert 'data-testid="till-report"' in response.content.decode()


def test_an_unknown_csv_shows_the_preview_then_the_mapping_is_saved_and_used(world):
    client = world["clients"]["owner"]
    data = samples.mapped_csv(8)
    # when: first upload, no mapping yet
    response = upload(client, "mapped_csv", data)
    # then: the preview, nothing imported
    html = response.content.decode()
    assert 'data-testid="mapping-preview"' in html
    assert "Art.-Nr." in html
    assert not Product.objects.filter(shop=world["shop"]).exists()
    # when: the mapping is chosen and the file sent again
    response = upload(
        client,
        "mapped_csv",
        data,
        map_sku="Art.-Nr.",
        map_title="Bezeichnung lang",
        map_price="VK brutto",
        map_quantity="Lager",
    )
    # then
    assert Product.objects.filter(shop=world["shop"]).count() == 8
    # when: the next file goes straight in
    response = upload(client, "mapped_csv", samples.mapped_csv(9))
    # then
    assert Product.objects.filter(shop=world["shop"]).count() == 9


def test_only_owners_save_till_tokens(world):
    # when
    response = world["clients"]["staff"].post(
        "/mein-laden/mein-laden/kasse/ready2order/einstellungen/", {"token": "geheim"}
    )
    # then
    assert response.status_code == 403
    assert not TillConnector.objects.exists()


def test_the_owner_saves_a_token_and_sees_the_push_secret_once(world):
    # when
    response = world["clients"]["owner"].post(
        "/mein-laden/mein-laden/kasse/ready2order/einstellungen/", {"token": "tok-xyz-123"}
    )
    # then
    html = response.content.decode()
    assert "tillsec_" in html
    assert "tok-xyz-123" not in html
    till = TillConnector.objects.get()
    assert till.next_pull_at is not None  # the pull runs in the background, not in this request
    assert Product.objects.count() == 0


@pytest.mark.parametrize("who", ["stranger", "anonymous"])
def test_other_people_cannot_reach_a_shops_till_or_scan_pages(world, who):
    client = world["clients"][who]
    for method, path, data in (
        ("get", "/mein-laden/mein-laden/kasse/", {}),
        ("post", "/mein-laden/mein-laden/kasse/ready2order/einstellungen/", {"token": "x"}),
        ("get", "/mein-laden/mein-laden/scannen/", {}),
        ("get", f"/mein-laden/mein-laden/scannen/code/?gtin={sample_gtin(3)}", {}),
        (
            "post",
            "/mein-laden/mein-laden/scannen/listen/",
            {"gtin": sample_gtin(3), "title": "x", "price": "1", "quantity": "1"},
        ),
    ):
        response = getattr(client, method)(path, data)
        assert response.status_code in (302, 404), path
    response = upload(client, "shopify", samples.shopify_products(2))
    assert response.status_code in (302, 404)
    assert not Product.objects.filter(shop=world["shop"]).exists()
    assert not TillConnector.objects.exists()


def test_scan_lookup_fills_name_and_brand_with_attribution(world):
    # when
    response = world["clients"]["staff"].get(f"/mein-laden/mein-laden/scannen/code/?gtin={sample_gtin(3)}")
    # then
    html = response.content.decode()
    assert "Apfelschorle naturtrüb 0,5 l" in html
    assert "Grüne Wiese" in html
    assert "Open Food Facts" in html
    assert "ODbL" in html


def test_scan_page_allows_the_camera_and_webassembly_only_there(world):
    # when
    scan = world["clients"]["staff"].get("/mein-laden/mein-laden/scannen/")
    home = world["clients"]["staff"].get("/mein-laden/mein-laden/")
    # then
    assert "camera=(self)" in scan.headers["Permissions-Policy"]
    assert "'wasm-unsafe-eval'" in scan.headers["Content-Security-Policy"]
    assert "camera=()" in home.headers["Permissions-Policy"]
    assert "wasm-unsafe-eval" not in home.headers["Content-Security-Policy"]
    assert "vendor/barcode-detector/polyfill.js" in scan.content.decode()


def test_listing_a_scanned_product(world):
    # when
    response = world["clients"]["staff"].post(
        "/mein-laden/mein-laden/scannen/listen/",
        {
            "gtin": sample_gtin(3),
            "title": "Apfelschorle naturtrüb 0,5 l",
            "brand": "Grüne Wiese",
            "price": "1,29",
            "quantity": "12",
        },
    )
    # then
    assert response.status_code == 200
    product = Product.objects.get(shop=world["shop"])
    assert (product.title, str(product.price), product.quantity_on_hand) == (
        "Apfelschorle naturtrüb 0,5 l",
        "1.29",
        12,
    )
    assert product.movements.get().source == StockMovement.Source.SCAN


def test_listing_without_a_price_lists_nothing(world):
    response = world["clients"]["staff"].post(
        "/mein-laden/mein-laden/scannen/listen/",
        {"gtin": sample_gtin(3), "title": "Apfelschorle", "price": "", "quantity": "12"},
    )
    assert response.status_code == 400
    assert not Product.objects.exists()


def test_the_push_endpoint_checks_the_signature(world):
    # given
    till, secret = connector_save(shop=world["shop"], kind=TillConnector.Kind.READY2ORDER, credentials="t")
    body = json.dumps({"event": "product.created", "data": samples.r2o_product(4)}).encode()
    good = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    client = Client()
    # when: a bad signature
    bad = client.post(
        f"/api/v1/till-push/{till.pk}/",
        body,
        content_type="application/json",
        HTTP_X_LADENKARTE_SIGNATURE="sha256=00",
    )
    # then
    assert bad.status_code == 404
    assert bad.json()["error"]["code"] == "not_found"
    assert not Product.objects.exists()
    # when: signed
    ok = client.post(
        f"/api/v1/till-push/{till.pk}/",
        body,
        content_type="application/json",
        HTTP_X_LADENKARTE_SIGNATURE=good,
    )
    # then
    assert ok.status_code == 200
    assert Product.objects.get(shop=world["shop"]).sku == "R4"


def test_the_citys_board_lists_the_connectors(admin_client, world):
    # given
    till = connector_save(shop=world["shop"], kind=TillConnector.Kind.DSFINVK)[0]
    TillConnector.objects.filter(pk=till.pk).update(state="error", last_error="Spalte fehlt")
    # when
    html = admin_client.get("/admin/marketplace/healthsnapshot/").content.decode()
    # then
    assert "Spalte fehlt" in html
    assert 'data-testid="board-connectors"' in html


def test_a_product_sold_recently_shows_the_signal_not_a_count(world):
    # given: a DSFinV-K article, uncounted, sold five days ago; another sold long ago
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import ProductFactory

    recent = ProductFactory(shop=world["shop"], quantity_on_hand=0)
    old = ProductFactory(shop=world["shop"], quantity_on_hand=0)
    Product.objects.filter(pk=recent.pk).update(last_sold_at=timezone.now() - timedelta(days=5))
    Product.objects.filter(pk=old.pk).update(last_sold_at=timezone.now() - timedelta(days=90))
    client = Client()
    # when
    shown = client.get(f"/produkt/{recent.pk}/", follow=True).content.decode()
    hidden = client.get(f"/produkt/{old.pk}/", follow=True).content.decode()
    # then
    assert 'data-testid="sold-recently"' in shown
    assert 'data-testid="sold-recently"' not in hidden


def test_the_shopify_location_chosen_on_upload_is_kept(world):
    # given: the catalogue, then an inventory export with two locations
    client = world["clients"]["staff"]
    upload(client, "shopify", samples.shopify_products(4))
    inventory = samples.shopify_inventory(4, locations=("Laden", "Lager Süd"))
    # when
    upload(client, "shopify", inventory, location="Lager Süd")
    # then
    assert Product.objects.get(shop=world["shop"], sku="SKU-3").quantity_on_hand == 3
    assert TillConnector.objects.get(shop=world["shop"]).options == {"location": "Lager Süd"}
