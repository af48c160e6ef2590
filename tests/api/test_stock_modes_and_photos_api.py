"""Stock modes and product photos over HTTP (issue 16, decision 1600): merchant API (products, sync, CSV,
photo multipart), the public product and search API, the website's pages and my-shop; cross-tenant."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from marketplace.models import Product, StockMode, StockMovement
from tests.factories import TOWN_CENTER, ApiKeyFactory, MembershipFactory, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

RAW = "lk_modestest_0123456789abcdef"
OTHER_RAW = "lk_modesother_0123456789abcd"
URL = "/api/v1/merchant/shops/laden/"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def shop() -> Any:
    return ShopFactory(slug="laden")


@pytest.fixture
def client(shop: Any) -> APIClient:
    ApiKeyFactory(shop=shop, raw_key=RAW)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {RAW}")
    return client


def _jpeg_rotated_with_gps(size: tuple[int, int] = (1200, 800)) -> bytes:
    """A landscape JPEG whose EXIF says "rotate 90°" and carries a GPS position and a camera make."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8825).update({1: "N", 2: (53.0, 14.0, 0.0), 3: "E", 4: (10.0, 24.0, 0.0)})
    exif[0x010F] = "SpyCam"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


# --- merchant API: modes --------------------------------------------------------------------------------


def test_a_product_is_created_and_changed_with_a_stock_mode(client, shop):
    # when created as a service without stock
    created = client.post(
        URL + "products/",
        {"sku": "GRAV", "title": "Gravur", "price": "5.00", "stock_mode": "always"},
        format="json",
    )
    # then
    assert created.status_code == 201, created.content
    assert created.json()["stock_mode"] == "always"
    # when switched to "in stock / sold out", in stock
    patched = client.patch(
        URL + "products/GRAV/",
        {"stock_mode": "toggle", "quantity_on_hand": 1, "expected_quantity_on_hand": 0},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["stock_mode"], patched.json()["quantity_on_hand"]) == ("toggle", 1)
    movement = StockMovement.objects.filter(product__sku="GRAV").latest("pk")
    assert (movement.source, movement.note) == ("api", "mode toggle")


def test_an_unknown_mode_is_a_400_and_nothing_changes(client, shop):
    product = ProductFactory(shop=shop, sku="A", quantity_on_hand=2)
    response = client.patch(URL + "products/A/", {"stock_mode": "sometimes"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "stock_mode" in response.json()["error"]["details"]
    assert Product.objects.get(pk=product.pk).stock_mode == "counted"
    created = client.post(
        URL + "products/", {"sku": "B", "title": "B", "price": "1.00", "stock_mode": "x"}, format="json"
    )
    assert created.status_code == 400
    assert not Product.objects.filter(sku="B").exists()


def test_sync_sets_modes_and_creates_a_service_without_a_quantity(client, shop):
    ProductFactory(shop=shop, sku="A", quantity_on_hand=2)
    response = client.post(
        URL + "inventory/",
        {
            "items": [
                {"sku": "A", "quantity": 1, "stock_mode": "toggle"},
                {"sku": "S", "title": "Schlüsseldienst", "price": "12.00", "stock_mode": "always"},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
    assert dict(Product.objects.filter(shop=shop).values_list("sku", "stock_mode")) == {
        "A": "toggle",
        "S": "always",
    }
    notes = set(StockMovement.objects.filter(product__shop=shop).values_list("product__sku", "note"))
    assert {("A", "mode toggle"), ("S", "mode always")} <= notes


def test_sync_refuses_an_unknown_mode_as_a_row_error_and_writes_nothing(client, shop):
    ProductFactory(shop=shop, sku="A", quantity_on_hand=2)
    response = client.post(
        URL + "inventory/", {"items": [{"sku": "A", "quantity": 1, "stock_mode": "nope"}]}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["errors"][0]["code"] == "invalid_stock_mode"
    assert Product.objects.values_list("quantity_on_hand", "stock_mode").get(sku="A") == (2, "counted")


def test_csv_import_reads_a_german_stock_mode_column(client, shop):
    data = (
        "Artikelnummer;Bezeichnung;Bestand;Preis;Bestandsart\n"
        "T-1;Tee;1;3,50;vorrätig/ausverkauft\n"
        "G-1;Gravur;;5,00;immer\n"
    )
    upload = SimpleUploadedFile("katalog.csv", data.encode(), content_type="text/csv")
    response = client.post(URL + "inventory/import/", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    assert dict(Product.objects.filter(shop=shop).values_list("sku", "stock_mode")) == {
        "T-1": "toggle",
        "G-1": "always",
    }


# --- public API and pages -------------------------------------------------------------------------------


def test_public_product_and_search_api_show_the_mode(shop):
    product = ProductFactory(shop=shop, title="Teekanne", quantity_on_hand=1, stock_mode=StockMode.TOGGLE)
    api = APIClient()
    detail = api.get(f"/api/v1/products/{product.pk}/").json()
    assert (detail["stock_mode"], detail["availability"], detail["available_quantity"]) == (
        "toggle",
        "in_stock",
        2,
    )
    lat, lng = TOWN_CENTER
    found = api.get("/api/v1/search/", {"lat": lat, "lng": lng, "q": "teekanne"}).json()["results"]
    assert [(hit["stock_mode"], hit["availability"]) for hit in found] == [("toggle", "in_stock")]


@pytest.mark.parametrize(
    ("mode", "on_hand", "words"),
    [
        ("toggle", 1, "without a count. You can reserve 1 or 2"),
        ("always", 0, "Always available: a service or made to order"),
        ("next_day", 0, "the shop can get it by its next opening day"),
    ],
)
def test_the_product_page_says_what_the_mode_means(shop, mode, on_hand, words):
    # (in English here: the German catalogue is filled from po-fragments/modes16.po on merge)
    product = ProductFactory(shop=shop, title="Teekanne", quantity_on_hand=on_hand, stock_mode=mode)
    response = Client().get(f"/en/produkt/{product.pk}/", follow=True)
    assert response.status_code == 200
    assert words in response.content.decode()


# --- photos ---------------------------------------------------------------------------------------------


def test_photo_upload_strips_exif_turns_upright_and_makes_webp_with_a_thumbnail(client, shop, settings):
    product = ProductFactory(shop=shop, sku="A")
    upload = SimpleUploadedFile("IMG_0001.jpg", _jpeg_rotated_with_gps(), content_type="image/jpeg")
    # when
    response = client.put(URL + "products/A/photo/", {"photo": upload}, format="multipart")
    # then
    assert response.status_code == 200, response.content
    product.refresh_from_db()
    assert product.image.name.endswith(".webp")
    assert product.image_thumb.endswith("-thumb.webp")
    with Image.open(Path(settings.MEDIA_ROOT) / product.image.name) as stored:
        assert stored.format == "WEBP"
        assert stored.size == (800, 1200)  # upright: portrait
        assert dict(stored.getexif()) == {}
    with Image.open(Path(settings.MEDIA_ROOT) / product.image_thumb) as thumb:
        assert max(thumb.size) == settings.LADENKARTE_PHOTO_THUMB_SIDE
    body = response.json()
    assert body["image"].endswith(".webp")
    assert body["image_thumb"].endswith("-thumb.webp")


def test_photo_shows_in_search_results_json_ld_and_the_feed(client, shop):
    product = ProductFactory(shop=shop, sku="A", title="Teekanne")
    upload = SimpleUploadedFile("t.jpg", _jpeg_rotated_with_gps(), content_type="image/jpeg")
    assert client.put(URL + "products/A/photo/", {"photo": upload}, format="multipart").status_code == 200
    product.refresh_from_db()
    lat, lng = TOWN_CENTER
    hit = APIClient().get("/api/v1/search/", {"lat": lat, "lng": lng, "q": "teekanne"}).json()["results"][0]
    assert hit["product"]["image_thumb_url"].endswith(product.image_thumb)
    streamed = APIClient().get("/api/v1/feeds/google-local-inventory/", {"shop": "laden"}).streaming_content
    feed = b"".join(streamed).decode()
    assert product.image.name in feed
    page = Client().get(f"/produkt/{product.pk}/", follow=True).content.decode()
    assert '"image": "http' in page
    assert product.image.name in page


@pytest.mark.parametrize(
    ("payload", "name", "status", "code"),
    [
        (b"%PDF-1.4 not a photo", "x.pdf", 400, "validation_error"),
        (b"GIF89a" + b"\0" * 100, "x.gif", 400, "validation_error"),
    ],
)
def test_a_bad_photo_is_a_clear_error_and_nothing_is_stored(
    client, shop, settings, payload, name, status, code
):
    product = ProductFactory(shop=shop, sku="A")
    upload = SimpleUploadedFile(name, payload, content_type="application/octet-stream")
    response = client.put(URL + "products/A/photo/", {"photo": upload}, format="multipart")
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    product.refresh_from_db()
    assert (product.image.name or "", product.image_thumb) == ("", "")
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.webp"))


def test_a_too_large_photo_is_a_413_and_nothing_is_stored(client, shop, settings):
    settings.LADENKARTE_UPLOAD_MAX_BYTES = 10_000
    ProductFactory(shop=shop, sku="A")
    upload = SimpleUploadedFile("big.jpg", _jpeg_rotated_with_gps((2000, 2000)), content_type="image/jpeg")
    response = client.put(URL + "products/A/photo/", {"photo": upload}, format="multipart")
    assert response.status_code == 413
    assert response.json()["error"]["code"] in ("photo_too_large", "payload_too_large")
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.webp"))


def test_photo_of_another_shops_product_is_404_and_anonymous_is_refused(client, shop):
    other = ShopFactory(slug="anderer")
    theirs = ProductFactory(shop=other, sku="A")
    upload = SimpleUploadedFile("t.jpg", _jpeg_rotated_with_gps(), content_type="image/jpeg")
    # another merchant's key
    response = client.put(
        "/api/v1/merchant/shops/anderer/products/A/photo/", {"photo": upload}, format="multipart"
    )
    assert response.status_code == 404
    # nobody
    upload.seek(0)
    anonymous = APIClient().put(URL + "products/A/photo/", {"photo": upload}, format="multipart")
    assert anonymous.status_code in (401, 403)
    theirs.refresh_from_db()
    assert theirs.image_thumb == ""


def test_a_new_photo_replaces_the_old_files(client, shop, settings, django_capture_on_commit_callbacks):
    product = ProductFactory(shop=shop, sku="A")
    first = SimpleUploadedFile("a.jpg", _jpeg_rotated_with_gps((900, 600)), content_type="image/jpeg")
    client.put(URL + "products/A/photo/", {"photo": first}, format="multipart")
    product.refresh_from_db()
    old = [product.image.name, product.image_thumb]
    second = SimpleUploadedFile("b.jpg", _jpeg_rotated_with_gps((600, 900)), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):  # the old files go after the commit
        client.put(URL + "products/A/photo/", {"photo": second}, format="multipart")
    for name in old:
        assert not (Path(settings.MEDIA_ROOT) / name).exists()
    assert client.delete(URL + "products/A/photo/").status_code == 204
    product.refresh_from_db()
    assert (product.image.name or "", product.image_thumb) == ("", "")


# --- my shop (phone) ------------------------------------------------------------------------------------


@pytest.fixture
def member(shop: Any) -> Client:
    membership = MembershipFactory(shop=shop)
    browser = Client()
    browser.force_login(membership.user)
    return browser


def test_my_shop_product_row_offers_a_camera_upload_and_the_modes(member, shop):
    ProductFactory(shop=shop, sku="A", title="Teekanne")
    page = member.get("/mein-laden/laden/").content.decode()
    assert 'accept="image/*" capture="environment"' in page
    assert 'value="toggle"' in page


def test_my_shop_switches_a_toggle_and_uploads_a_photo(member, shop, settings):
    product = ProductFactory(shop=shop, sku="A", quantity_on_hand=0, stock_mode=StockMode.TOGGLE)
    # when the shop says it is in stock again
    response = member.post("/mein-laden/laden/produkte/A/bestandsart/", {"in_stock": "1", "seen": "0"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.quantity_on_hand == 1
    movement = StockMovement.objects.filter(product=product).latest("pk")
    assert (movement.source, movement.on_hand_delta) == ("my_shop", 1)
    # when a photo is taken
    photo = SimpleUploadedFile("cam.jpg", _jpeg_rotated_with_gps(), content_type="image/jpeg")
    assert member.post("/mein-laden/laden/produkte/A/foto/", {"photo": photo}).status_code == 302
    product.refresh_from_db()
    assert product.image.name.endswith(".webp")


def test_my_shop_of_another_shop_is_404_and_changes_nothing(member):
    other = ShopFactory(slug="anderer")
    theirs = ProductFactory(shop=other, sku="A", quantity_on_hand=0, stock_mode=StockMode.TOGGLE)
    response = member.post("/mein-laden/anderer/produkte/A/bestandsart/", {"in_stock": "1", "seen": "0"})
    assert response.status_code == 404
    photo = SimpleUploadedFile("cam.jpg", _jpeg_rotated_with_gps(), content_type="image/jpeg")
    assert member.post("/mein-laden/anderer/produkte/A/foto/", {"photo": photo}).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.quantity_on_hand, theirs.image_thumb) == (0, "")


# --- storage setting ------------------------------------------------------------------------------------


def test_s3_storage_is_chosen_by_an_environment_variable_without_any_network():
    # given production-like settings in a fresh process with a bucket named (no credentials, no network)
    code = (
        "import django; django.setup();"
        "from django.conf import settings; from django.core.files.storage import default_storage, storages;"
        "print(settings.STORAGES['default']['BACKEND']);"
        "print(type(storages['default']).__name__);"
        "print(default_storage.url('products/x.webp'))"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LADENKARTE_S3")},
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "LADENKARTE_S3_BUCKET": "ladenkarte-fotos",
        "LADENKARTE_S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "LADENKARTE_S3_CUSTOM_DOMAIN": "fotos.ladenkarte.example",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then the default storage is django-storages' S3 backend, and URLs are built without a request
    assert result.returncode == 0, result.stderr
    backend, kind, url = result.stdout.split()
    assert backend == "storages.backends.s3.S3Storage"
    assert kind == "S3Storage"
    assert url == "https://fotos.ladenkarte.example/media/products/x.webp"


def test_without_the_variable_photos_go_to_local_disk(settings):
    from django.core.files.storage import storages

    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert type(storages["default"]).__name__ == "FileSystemStorage"


# --- admin ----------------------------------------------------------------------------------------------


def _admin_member(shop: Any) -> Client:
    from django.contrib.auth.models import Group

    from marketplace.services.roles import MERCHANTS_GROUP, roles_setup

    roles_setup()
    user = MembershipFactory(shop=shop).user
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    browser = Client()
    browser.force_login(user)
    return browser


def _change_form(product: Product, **extra: Any) -> dict[str, Any]:
    return {
        "title": product.title,
        "price": "9.90",
        "quantity_on_hand": str(product.quantity_on_hand),
        "initial-quantity_on_hand": str(product.quantity_on_hand),
        "active": "on",
        "movements-TOTAL_FORMS": "0",
        "movements-INITIAL_FORMS": "0",
        **extra,
    }


def test_admin_photo_goes_through_the_photo_service_and_the_mode_is_saved(shop, settings):
    product = ProductFactory(shop=shop, sku="A", quantity_on_hand=3)
    browser = _admin_member(shop)
    photo = SimpleUploadedFile("cam.jpg", _jpeg_rotated_with_gps(), content_type="image/jpeg")
    # when the change form is sent with a photo and a new mode
    response = browser.post(
        f"/admin/marketplace/product/{product.pk}/change/",
        _change_form(product, image=photo, stock_mode="always"),
    )
    # then the photo was made upright WebP without metadata, with a thumbnail, and the mode logged
    assert response.status_code == 302, response.content.decode()[:2000]
    product.refresh_from_db()
    assert product.stock_mode == "always"
    assert product.image.name.endswith(".webp")
    with Image.open(Path(settings.MEDIA_ROOT) / product.image.name) as stored:
        assert stored.size == (800, 1200)
        assert dict(stored.getexif()) == {}
    assert product.image_thumb
    assert StockMovement.objects.filter(
        product=product, source="admin", note__startswith="mode always"
    ).exists()


def test_admin_refuses_a_file_that_is_no_photo_as_a_form_error(shop, settings):
    product = ProductFactory(shop=shop, sku="A", quantity_on_hand=3)
    browser = _admin_member(shop)
    fake = SimpleUploadedFile("x.jpg", b"not a photo at all", content_type="image/jpeg")
    response = browser.post(
        f"/admin/marketplace/product/{product.pk}/change/", _change_form(product, image=fake)
    )
    assert response.status_code == 200  # the form again, with the error
    product.refresh_from_db()
    assert (product.image.name or "", product.image_thumb) == ("", "")
