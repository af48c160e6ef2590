"""Compare-and-set on every human stock edit (issue 11): the editor's figure is checked under the row lock.

Service, admin change form, admin list quick-edit (a real POST built from the page Django rendered), the
my-shop +/- buttons and the merchant API PATCH: a stale edit is refused with the current value named and
nothing is written; bad values are form errors, never a 500.
"""

from __future__ import annotations

import re
import threading
import time
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection, connections, transaction
from django.test import Client
from rest_framework.test import APIClient

from marketplace.exceptions import StockChanged
from marketplace.models import Product, StockMovement
from marketplace.services import products
from marketplace.services.roles import MERCHANTS_GROUP, roles_setup
from tests.factories import ApiKeyFactory, MembershipFactory, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db
ACTOR = products.Actor(source=StockMovement.Source.ADMIN)


def _till_sets(product: Product, quantity: int) -> None:
    """The till's figure arrives after the editor loaded the page."""
    Product.objects.filter(pk=product.pk).update(quantity_on_hand=quantity)


def _state(product: Product) -> tuple[Any, ...]:
    row = Product.objects.values_list("quantity_on_hand", "price", "active").get(pk=product.pk)
    return (*row, StockMovement.objects.filter(product=product).count())


# --- the service ----------------------------------------------------------------------------------------


def test_update_with_the_figure_the_editor_saw_writes() -> None:
    # given
    product = ProductFactory(quantity_on_hand=5)
    # when
    products.product_update(product=product, changes={"quantity_on_hand": 7}, seen_on_hand=5, actor=ACTOR)
    # then
    product.refresh_from_db()
    assert product.quantity_on_hand == 7


def test_update_over_a_changed_figure_is_refused_naming_the_current_value() -> None:
    # given: the editor saw 5, the till has set 0 since
    product = ProductFactory(quantity_on_hand=5)
    _till_sets(product, 0)
    before = _state(product)
    # when
    with pytest.raises(StockChanged) as refused:
        products.product_update(product=product, changes={"quantity_on_hand": 5}, seen_on_hand=5, actor=ACTOR)
    # then
    assert refused.value.details == {"quantity_on_hand": 0, "seen_quantity_on_hand": 5}
    assert "0" in str(refused.value.message)
    assert _state(product) == before


def test_adjust_over_a_changed_figure_is_refused() -> None:
    # given
    product = ProductFactory(quantity_on_hand=5)
    _till_sets(product, 2)
    # when / then
    with pytest.raises(StockChanged):
        products.product_adjust_stock(product=product, delta=1, seen_on_hand=5, actor=ACTOR)
    assert Product.objects.get(pk=product.pk).quantity_on_hand == 2


# --- the admin ------------------------------------------------------------------------------------------


@pytest.fixture
def merchant_admin() -> dict[str, Any]:
    roles_setup()
    shop = ShopFactory()
    product = ProductFactory(shop=shop, sku="A-100", title="Kerze", quantity_on_hand=5)
    member = MembershipFactory(shop=shop).user
    member.is_staff = True
    member.save()
    member.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    client = Client()
    client.force_login(member)
    return {"client": client, "product": product, "shop": shop}


class _FormFields(HTMLParser):
    """The fields of the first form with method=post on a page, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.in_form = False
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post" and "changelist-form" in a.get("id", ""):
            self.in_form = True
        if not self.in_form or not a.get("name"):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button"):
                return
            self.fields[a["name"]] = a.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select":
            self.select = a["name"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False


def _changelist_post(client: Client) -> dict[str, str]:
    html = client.get("/admin/marketplace/product/").content.decode()
    parser = _FormFields()
    parser.feed(html)
    assert "form-0-quantity_on_hand" in parser.fields, "the list page has the quick-edit row"
    return {**parser.fields, "_save": "Speichern"}


def test_list_quick_edit_over_a_newer_till_figure_is_refused(merchant_admin: dict[str, Any]) -> None:
    # given: the list page was loaded at 5; the till sets A-100 to 0
    client, product = merchant_admin["client"], merchant_admin["product"]
    data = _changelist_post(client)
    _till_sets(product, 0)
    before = _state(product)
    # when: the merchant types 5 -> 6 and presses Save on the page loaded before
    data["form-0-quantity_on_hand"] = "6"
    response = client.post("/admin/marketplace/product/", data, follow=True)
    # then
    assert response.status_code == 200
    text = response.content.decode()
    assert re.search(r"inzwischen.{0,40}\b0\b", text), "the message names the current value"
    assert _state(product) == before


def test_list_quick_edit_with_the_current_figure_writes(merchant_admin: dict[str, Any]) -> None:
    # given
    client, product = merchant_admin["client"], merchant_admin["product"]
    data = _changelist_post(client)
    # when
    data["form-0-quantity_on_hand"] = "6"
    response = client.post("/admin/marketplace/product/", data)
    # then
    assert response.status_code == 302
    assert Product.objects.get(pk=product.pk).quantity_on_hand == 6


def test_list_quick_edit_that_does_not_touch_stock_is_not_refused(merchant_admin: dict[str, Any]) -> None:
    # given: the page was loaded at 5, the till set 0, the merchant changes only the price
    client, product = merchant_admin["client"], merchant_admin["product"]
    data = _changelist_post(client)
    _till_sets(product, 0)
    # when
    data["form-0-price"] = "12,50" if "," in data["form-0-price"] else "12.50"
    response = client.post("/admin/marketplace/product/", data)
    # then: the price is saved and the till's 0 stays
    assert response.status_code == 302
    assert Product.objects.values_list("quantity_on_hand", "price").get(pk=product.pk) == (0, 12.5)


# "1000000001" passes the model field's 32-bit range but not the service's bound: a plain ModelForm row let it
# through to `product_update`, whose ValidationFailed was a 500 (the finding of issue 11)
@pytest.mark.parametrize("bad", ["-1", "abc", "99999999999", "", "1000000001"])
def test_list_quick_edit_bad_stock_is_a_form_error(merchant_admin: dict[str, Any], bad: str) -> None:
    # given
    client, product = merchant_admin["client"], merchant_admin["product"]
    data = _changelist_post(client)
    before = _state(product)
    # when
    data["form-0-quantity_on_hand"] = bad
    response = client.post("/admin/marketplace/product/", data)
    # then
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert _state(product) == before


@pytest.mark.parametrize("bad", ["-3", "100000.01"])
def test_list_quick_edit_bad_price_is_a_form_error(merchant_admin: dict[str, Any], bad: str) -> None:
    # given
    client, product = merchant_admin["client"], merchant_admin["product"]
    data = _changelist_post(client)
    before = _state(product)
    # when
    data["form-0-price"] = bad.replace(".", ",") if "," in data["form-0-price"] else bad
    response = client.post("/admin/marketplace/product/", data)
    # then
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert _state(product) == before


def test_change_form_over_a_newer_till_figure_is_refused(merchant_admin: dict[str, Any]) -> None:
    # given: the change form was loaded at 5, the till set 0
    client, product = merchant_admin["client"], merchant_admin["product"]
    _till_sets(product, 0)
    before = _state(product)
    # when
    response = client.post(
        f"/admin/marketplace/product/{product.pk}/change/",
        {
            "title": product.title,
            "price": "9.90",
            "quantity_on_hand": 6,
            "initial-quantity_on_hand": 5,
            "active": "on",
            "movements-TOTAL_FORMS": 0,
            "movements-INITIAL_FORMS": 0,
        },
    )
    # then
    assert response.status_code == 200
    assert re.search(r"inzwischen.{0,40}\b0\b", response.content.decode())
    assert _state(product) == before


# --- my shop --------------------------------------------------------------------------------------------


def test_my_shop_plus_over_a_changed_figure_is_refused(merchant_admin: dict[str, Any]) -> None:
    # given: the page showed 5, the till set 0
    client, product, shop = merchant_admin["client"], merchant_admin["product"], merchant_admin["shop"]
    page = client.get(f"/mein-laden/{shop.slug}/").content.decode()
    assert 'name="seen" value="5"' in page
    _till_sets(product, 0)
    before = _state(product)
    # when
    response = client.post(
        f"/mein-laden/{shop.slug}/produkte/A-100/bestand/",
        {"delta": "1", "seen": "5"},
        HTTP_HX_REQUEST="true",
    )
    # then: the row shows the current figure and says why
    html = response.content.decode()
    assert response.status_code == 200
    assert "inzwischen" in html
    assert re.search(r"<output[^>]*>0</output>", html)
    assert _state(product) == before


def test_my_shop_plus_without_javascript_over_a_changed_figure_says_so(
    merchant_admin: dict[str, Any],
) -> None:
    # given: the page showed 5, the till set 0
    client, product, shop = merchant_admin["client"], merchant_admin["product"], merchant_admin["shop"]
    _till_sets(product, 0)
    before = _state(product)
    # when: the form is sent without HTMX (the page reloads)
    response = client.post(
        f"/mein-laden/{shop.slug}/produkte/A-100/bestand/", {"delta": "1", "seen": "5"}, follow=True
    )
    # then: the reloaded page names the current figure, nothing written
    assert response.status_code == 200
    assert re.search(r"inzwischen.{0,40}\b0\b", response.content.decode())
    assert _state(product) == before


def test_my_shop_plus_without_the_seen_figure_changes_nothing(merchant_admin: dict[str, Any]) -> None:
    # given
    client, product, shop = merchant_admin["client"], merchant_admin["product"], merchant_admin["shop"]
    before = _state(product)
    # when
    response = client.post(
        f"/mein-laden/{shop.slug}/produkte/A-100/bestand/", {"delta": "1"}, HTTP_HX_REQUEST="true"
    )
    # then
    assert response.status_code == 200
    assert _state(product) == before


# --- the merchant API -----------------------------------------------------------------------------------


def test_api_patch_with_a_stale_expected_figure_is_refused() -> None:
    # given
    key = ApiKeyFactory(raw_key="lk_test_stockedit_secretsecretsecret")
    product = ProductFactory(shop=key.shop, sku="A-100", quantity_on_hand=5)
    _till_sets(product, 0)
    before = _state(product)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Api-Key lk_test_stockedit_secretsecretsecret")
    # when
    response = client.patch(
        f"/api/v1/merchant/shops/{key.shop.slug}/products/A-100/",
        {"quantity_on_hand": 6, "expected_quantity_on_hand": 5},
        format="json",
    )
    # then
    assert response.status_code == 409
    body = response.json()["error"]
    assert body["code"] == "stock_changed"
    assert body["details"]["quantity_on_hand"] == 0
    assert _state(product) == before


# --- the admin's write is compare-and-set too, not only its form check --------------------------------------


def _blocked_by(cursor: Any) -> int:
    cursor.execute("SELECT pg_stat_clear_snapshot()")
    cursor.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))"
    )
    return int(cursor.fetchone()[0])


def _till_sets_while_the_admin_saves(product: Product, quantity: int, post: Any) -> Any:
    """The till holds the product row while the admin's POST passes its form check (which reads without a
    lock); once the admin's write waits for the row, the till writes `quantity` and commits."""
    locked, failures = threading.Event(), []

    def till() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                list(Product.objects.select_for_update().filter(pk=product.pk))
                locked.set()
                deadline = time.monotonic() + 10
                while not _blocked_by(cursor):
                    if time.monotonic() > deadline:
                        failures.append("the admin never waited for the product row")
                        break
                    time.sleep(0.02)
                Product.objects.filter(pk=product.pk).update(quantity_on_hand=quantity)
        finally:
            connections.close_all()

    thread = threading.Thread(target=till)
    thread.start()
    assert locked.wait(10)
    response = post()
    thread.join()
    assert failures == []
    return response


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("page", ["list", "change"])
def test_admin_write_over_a_figure_changed_after_the_form_check_is_refused(page: str) -> None:
    # given: a merchant in the admin, the product at 5 on the page they loaded
    roles_setup()
    shop = ShopFactory()
    product = ProductFactory(shop=shop, sku="A-100", title="Kerze", quantity_on_hand=5)
    member = MembershipFactory(shop=shop).user
    member.is_staff = True
    member.save()
    member.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    client = Client()
    client.force_login(member)
    if page == "list":
        url, data = "/admin/marketplace/product/", _changelist_post(client)
        data["form-0-quantity_on_hand"] = "6"
    else:
        url = f"/admin/marketplace/product/{product.pk}/change/"
        data = {
            "title": product.title,
            "price": "9.90",
            "quantity_on_hand": "6",
            "initial-quantity_on_hand": "5",
            "active": "on",
            "movements-TOTAL_FORMS": "0",
            "movements-INITIAL_FORMS": "0",
        }
    # when: the till's 0 lands between the form's check and the locked write
    response = _till_sets_while_the_admin_saves(product, 0, lambda: client.post(url, data, follow=True))
    # then: refused under the lock, the current figure named, the till's 0 kept
    assert response.status_code == 200
    assert re.search(r"inzwischen.{0,40}\b0\b", response.content.decode())
    assert Product.objects.get(pk=product.pk).quantity_on_hand == 0
    assert not StockMovement.objects.filter(product=product, source=StockMovement.Source.ADMIN).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"quantity_on_hand": -1, "expected_quantity_on_hand": 5},
        {"quantity_on_hand": "abc", "expected_quantity_on_hand": 5},
        {"quantity_on_hand": 1_000_000_001, "expected_quantity_on_hand": 5},
        {"quantity_on_hand": 6, "expected_quantity_on_hand": -5},
    ],
)
def test_api_patch_bad_values_are_a_400_and_change_nothing(body: dict[str, Any]) -> None:
    # given
    key = ApiKeyFactory(raw_key="lk_test_stockedit_secretsecretsecret")
    product = ProductFactory(shop=key.shop, sku="A-100", quantity_on_hand=5)
    before = _state(product)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Api-Key lk_test_stockedit_secretsecretsecret")
    # when
    response = client.patch(f"/api/v1/merchant/shops/{key.shop.slug}/products/A-100/", body, format="json")
    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert _state(product) == before


def test_api_patch_with_the_current_expected_figure_writes() -> None:
    # given
    key = ApiKeyFactory(raw_key="lk_test_stockedit_secretsecretsecret")
    product = ProductFactory(shop=key.shop, sku="A-100", quantity_on_hand=5)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Api-Key lk_test_stockedit_secretsecretsecret")
    # when
    response = client.patch(
        f"/api/v1/merchant/shops/{key.shop.slug}/products/A-100/",
        {"quantity_on_hand": 6, "expected_quantity_on_hand": 5},
        format="json",
    )
    # then
    assert response.status_code == 200
    assert Product.objects.get(pk=product.pk).quantity_on_hand == 6
