"""The "my shop" page: members only; stock, reservations, CSV and keys go through the services."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from marketplace.models import ApiKey, Product, Reservation, StockMovement
from tests.factories import (
    ApiKeyFactory,
    MembershipFactory,
    ProductFactory,
    ReservationFactory,
    ShopFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    shop = ShopFactory(slug="mein-laden", name="Mein Laden")
    product = ProductFactory(shop=shop, sku="TEE-1", title="Grüner Tee", quantity_on_hand=3)
    reservation = ReservationFactory(shop=shop)
    reservation.lines.create(product=product, quantity=1, unit_price=product.price)
    Product.objects.filter(pk=product.pk).update(quantity_held=1)
    owner = MembershipFactory(shop=shop).user
    client = Client()
    client.force_login(owner)
    return {"shop": shop, "product": product, "reservation": reservation, "owner": owner, "client": client}


def state() -> list[Any]:
    return [
        sorted(Product.objects.values_list("sku", "quantity_on_hand")),
        sorted(Reservation.objects.values_list("code", "status")),
        sorted(ApiKey.objects.values_list("name", "revoked_at")),
        StockMovement.objects.count(),
    ]


def test_member_sees_reservations_products_hours_and_keys(world):
    # given
    ApiKeyFactory(shop=world["shop"], name="Kasse")
    # when
    response = world["client"].get("/mein-laden/mein-laden/")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert world["reservation"].code in html
    assert "Grüner Tee" in html
    assert "Kasse" in html
    assert "<script>" not in html  # CSP: no inline scripts


def test_single_shop_member_is_sent_to_the_shop(world):
    # when
    response = world["client"].get("/mein-laden/")
    # then
    assert (response.status_code, response["Location"]) == (302, "/mein-laden/mein-laden/")


def test_stock_plus_minus_with_htmx(world):
    # when
    response = world["client"].post(
        "/mein-laden/mein-laden/produkte/TEE-1/bestand/", {"delta": "1", "seen": "3"}, HTTP_HX_REQUEST="true"
    )
    # then
    assert response.status_code == 200
    assert "<output" in response.content.decode()
    world["product"].refresh_from_db()
    assert world["product"].quantity_on_hand == 4
    movement = StockMovement.objects.get()
    assert (movement.source, movement.on_hand_delta, movement.actor_user) == ("my_shop", 1, world["owner"])


def test_stock_cannot_go_below_zero(world):
    # given
    Product.objects.filter(pk=world["product"].pk).update(quantity_on_hand=0)
    before = state()
    # when
    response = world["client"].post(
        "/mein-laden/mein-laden/produkte/TEE-1/bestand/", {"delta": "-1", "seen": "0"}, HTTP_HX_REQUEST="true"
    )
    # then
    assert response.status_code == 200
    assert state() == before


def test_product_search_partial(world):
    # given
    ProductFactory(shop=world["shop"], sku="MUG-1", title="Becher")
    # when
    response = world["client"].get("/mein-laden/mein-laden/produkte/?q=becher", HTTP_HX_REQUEST="true")
    # then: only the list fragment HTMX swaps in (no page around it), with the one matching product
    html = response.content.decode()
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "frontend/my_shop/_products.html"
    assert html.lstrip().startswith('<ul class="myshop-products" id="product-list">')
    assert html.rstrip().endswith("</ul>")
    for page_part in ("<html", "<body", "<nav"):
        assert page_part not in html
    assert html.count('<li class="myshop-product') == 1
    assert "Becher" in html
    assert "Grüner Tee" not in html


def test_product_search_without_htmx_is_the_full_page(world):
    # when: the same URL without JavaScript
    response = world["client"].get("/mein-laden/mein-laden/produkte/?q=becher")
    # then
    assert (response.status_code, response["Location"]) == (302, "/mein-laden/mein-laden/?q=becher#produkte")


def test_reservation_ready_button(world):
    # when
    response = world["client"].post(
        f"/mein-laden/mein-laden/reservierungen/{world['reservation'].code}/ready/", HTTP_HX_REQUEST="true"
    )
    # then
    assert response.status_code == 200
    assert Reservation.objects.get(pk=world["reservation"].pk).status == "ready"


def test_csv_check_shows_the_bad_line_and_changes_nothing(world):
    # given
    before = state()
    data = b"Artikelnummer;Bestand\nTEE-1;5\nTEE-2;viele\n"
    # when
    response = world["client"].post(
        "/mein-laden/mein-laden/import/",
        {"file": SimpleUploadedFile("b.csv", data), "apply": "1"},
        HTTP_HX_REQUEST="true",
    )
    # then
    html = response.content.decode()
    assert "Zeile 3: quantity muss eine ganze Zahl sein." in html
    assert state() == before


def test_api_key_is_shown_once_and_can_be_revoked(world):
    # when
    created = world["client"].post(
        "/mein-laden/mein-laden/schluessel/", {"name": "Kasse 1", "scope": "write"}
    )
    # then
    key = ApiKey.objects.get(name="Kasse 1")
    html = created.content.decode()
    assert key.prefix in html
    assert created["Cache-Control"] == "no-store"
    raw = re.search(r"lk_[a-z0-9]{9}_[A-Za-z0-9_-]{20,}", html).group(0)
    assert raw.startswith(key.prefix)
    assert raw not in world["client"].get("/mein-laden/mein-laden/").content.decode()
    # when
    world["client"].post(f"/mein-laden/mein-laden/schluessel/{key.pk}/widerrufen/")
    # then
    key.refresh_from_db()
    assert key.revoked_at is not None


def _other_member() -> Client:
    client = Client()
    client.force_login(MembershipFactory(shop=ShopFactory()).user)
    return client


def _resident() -> Client:
    client = Client()
    client.force_login(UserFactory())
    return client


def _staff_member(world: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(MembershipFactory(shop=world["shop"], role="staff").user)
    return client


REQUESTS = [
    ("get", "/mein-laden/mein-laden/", {}),
    ("get", "/mein-laden/mein-laden/produkte/?q=tee", {}),
    ("post", "/mein-laden/mein-laden/produkte/TEE-1/bestand/", {"delta": "5", "seen": "3"}),
    ("post", "/mein-laden/mein-laden/reservierungen/{code}/collected/", {}),
    ("post", "/mein-laden/mein-laden/import/", {"apply": "1"}),
    ("post", "/mein-laden/mein-laden/schluessel/", {"name": "Fremd"}),
    ("post", "/mein-laden/mein-laden/schluessel/{key}/widerrufen/", {}),
]


@pytest.mark.parametrize(("method", "path", "data"), REQUESTS, ids=[f"{m} {p}" for m, p, _ in REQUESTS])
@pytest.mark.parametrize("who", ["other_member", "resident", "anonymous"])
def test_others_get_404_or_login_and_nothing_changes(world, who, method, path, data):
    # given
    key = ApiKeyFactory(shop=world["shop"], name="Kasse")
    client = {"other_member": _other_member, "resident": _resident, "anonymous": Client}[who]()
    if "import" in path:
        data = {**data, "file": SimpleUploadedFile("x.csv", b"sku;quantity\nTEE-1;99\n")}
    before = state()
    # when
    response = getattr(client, method)(path.format(code=world["reservation"].code, key=key.pk), data)
    # then
    if who == "anonymous":
        assert response.status_code == 302
        assert "login" in response["Location"]
    else:
        assert response.status_code == 404
    assert state() == before


@pytest.mark.parametrize(
    "path", ["/mein-laden/mein-laden/schluessel/", "/mein-laden/mein-laden/schluessel/{key}/widerrufen/"]
)
def test_staff_cannot_manage_keys(world, path):
    # given
    key = ApiKeyFactory(shop=world["shop"], name="Kasse")
    before = state()
    # when
    response = _staff_member(world).post(path.format(key=key.pk), {"name": "x"})
    # then
    assert response.status_code == 404
    assert state() == before
