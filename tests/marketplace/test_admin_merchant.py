"""The admin for merchants: a member sees and edits only its own shops' objects, through the services."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from marketplace.models import (
    ApiKey,
    ImportJob,
    OutboxMessage,
    Product,
    Reservation,
    Shop,
    SpecialDay,
    StockMovement,
    Webhook,
)
from marketplace.services.roles import MERCHANTS_GROUP, roles_setup
from tests.factories import (
    ApiKeyFactory,
    MembershipFactory,
    ProductFactory,
    ReservationFactory,
    ShopFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MODELS = [
    "shop",
    "product",
    "stockmovement",
    "reservation",
    "apikey",
    "webhook",
    "importjob",
    "shopmembership",
    "outboxmessage",
]


@pytest.fixture
def world() -> dict[str, Any]:
    roles_setup()
    mine, other = ShopFactory(name="Mein Laden"), ShopFactory(name="Fremder Laden")
    objects: dict[str, dict[str, Any]] = {}
    for label, shop in (("mine", mine), ("other", other)):
        product = ProductFactory(shop=shop, sku=f"{label}-sku", title=f"{label} product")
        objects[label] = {
            "shop": shop,
            "product": product,
            "stockmovement": StockMovement.objects.create(
                product=product, source="api", on_hand_delta=5, on_hand_after=5, held_after=0
            ),
            "reservation": ReservationFactory(shop=shop),
            "apikey": ApiKeyFactory(shop=shop, name=f"{label} key"),
            "webhook": Webhook.objects.create(
                shop=shop, url=f"https://{label}.example/hook", secret_salt="x"
            ),
            "importjob": ImportJob.objects.create(
                shop=shop, file="imports/x.csv", original_name=f"{label}.csv"
            ),
            "shopmembership": MembershipFactory(shop=shop),
        }
        objects[label]["outboxmessage"] = OutboxMessage.objects.create(
            kind="webhook.event", shop=shop, webhook=objects[label]["webhook"], payload={"event": "x"}
        )
    merchant = objects["mine"]["shopmembership"].user
    merchant.is_staff = True
    merchant.save()
    merchant.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    client = Client()
    client.force_login(merchant)
    return {"client": client, "objects": objects, "mine": mine, "other": other, "merchant": merchant}


@pytest.mark.parametrize("model", MODELS)
def test_changelist_shows_only_own_objects(world, model):
    # when
    response = world["client"].get(f"/admin/marketplace/{model}/")
    # then
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert world["objects"]["mine"][model].pk in shown
    assert world["objects"]["other"][model].pk not in shown


@pytest.mark.parametrize("model", MODELS)
def test_another_shops_object_cannot_be_opened(world, model):
    # given
    other = world["objects"]["other"][model]
    # when
    response = world["client"].get(f"/admin/marketplace/{model}/{other.pk}/change/")
    # then: Django answers a missing object with a redirect to the index
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response["Location"] == "/admin/"


def test_another_shops_product_cannot_be_changed(world):
    # given
    product = world["objects"]["other"]["product"]
    before = list(Product.objects.filter(pk=product.pk).values())
    # when
    response = world["client"].post(
        f"/admin/marketplace/product/{product.pk}/change/",
        {"title": "Hacked", "price": "0.01", "quantity_on_hand": 0, "active": "on"},
    )
    # then
    assert response.status_code in (302, 403, 404)
    assert list(Product.objects.filter(pk=product.pk).values()) == before


def test_merchant_cannot_change_the_shop_status_or_slug(world):
    # given
    shop = world["mine"]
    # when
    response = world["client"].post(
        f"/admin/marketplace/shop/{shop.pk}/change/",
        {
            "name": "Neuer Name",
            "slug": "neu",
            "status": "suspended",
            "description": "",
            "phone": "",
            "email": "",
            "website": "",
            "social_links": "{}",
            "pickup_lead_minutes": 15,
            "hold_minutes": "",
            "pickup_days_ahead": 2,
            "pickup_min_window_minutes": 30,
            "pickup_later_days": "on",
            "pickup_move_allowed": "on",
            "card_payment": "on",
            **_empty_inlines(),
        },
    )
    # then: the allowed field changed, the city's did not
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    shop.refresh_from_db()
    assert (shop.name, shop.slug, shop.status) == ("Neuer Name", world["mine"].slug, Shop.Status.ACTIVE)


def _empty_inlines() -> dict[str, Any]:
    data: dict[str, Any] = {}
    for prefix in ("opening_hours", "special_days", "memberships"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return data


def test_shop_admin_hours_with_overlaps_are_refused(world):
    # given
    shop = world["mine"]
    # when
    response = world["client"].post(
        f"/admin/marketplace/shop/{shop.pk}/change/",
        {
            "name": shop.name,
            "social_links": "{}",
            "pickup_lead_minutes": 15,
            "opening_hours-TOTAL_FORMS": 2,
            "opening_hours-INITIAL_FORMS": 0,
            "opening_hours-0-weekday": 0,
            "opening_hours-0-opens": "09:00",
            "opening_hours-0-closes": "13:00",
            "opening_hours-1-weekday": 0,
            "opening_hours-1-opens": "12:00",
            "opening_hours-1-closes": "18:00",
            "special_days-TOTAL_FORMS": 1,
            "special_days-INITIAL_FORMS": 0,
            "special_days-0-date": "2031-12-24",
            "special_days-0-closed": "",
            "special_days-0-hours_text": "10:00-14:00",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    # then
    assert response.status_code == 200  # the form is shown again with the error
    assert shop.opening_hours.count() == 7
    assert not SpecialDay.objects.filter(shop=shop).exists()


def test_quick_stock_edit_goes_through_the_service(world):
    # given
    product = world["objects"]["mine"]["product"]
    # when: the list's inline edit
    response = world["client"].post(
        "/admin/marketplace/product/",
        {
            "form-TOTAL_FORMS": 1,
            "form-INITIAL_FORMS": 1,
            "form-0-id": product.pk,
            "form-0-quantity_on_hand": 9,
            "initial-form-0-quantity_on_hand": 5,
            "form-0-price": "9.90",
            "form-0-active": "on",
            "_save": "Save",
        },
    )
    # then
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.quantity_on_hand == 9
    movement = StockMovement.objects.filter(product=product, source="admin").get()
    assert (movement.on_hand_delta, movement.actor_user) == (4, world["merchant"])


def test_quick_stock_edit_over_a_changed_figure_is_refused(world):
    # given: the form was loaded at 5, then a sale made it 4
    product = world["objects"]["mine"]["product"]
    Product.objects.filter(pk=product.pk).update(quantity_on_hand=4)
    # when
    response = world["client"].post(
        f"/admin/marketplace/product/{product.pk}/change/",
        {
            "title": product.title,
            "price": "9.90",
            "quantity_on_hand": 9,
            "initial-quantity_on_hand": 5,
            "active": "on",
            "movements-TOTAL_FORMS": 0,
            "movements-INITIAL_FORMS": 0,
        },
    )
    # then
    assert response.status_code == 200
    product.refresh_from_db()
    assert product.quantity_on_hand == 4
    assert not StockMovement.objects.filter(product=product, source="admin").exists()


def test_product_cannot_be_added_to_another_shop(world):
    # when
    response = world["client"].post(
        "/admin/marketplace/product/add/",
        {
            "shop": world["other"].pk,
            "sku": "X",
            "title": "X",
            "price": "1",
            "quantity_on_hand": 1,
            "active": "on",
        },
    )
    # then
    assert response.status_code == 200
    assert "shop" in response.context["adminform"].form.errors
    assert not Product.objects.filter(sku="X").exists()


def test_api_key_created_in_admin_is_shown_once(world):
    # when
    response = world["client"].post(
        "/admin/marketplace/apikey/add/",
        {"shop": world["mine"].pk, "name": "Kasse 2", "scope": "read"},
        follow=True,
    )
    # then
    key = ApiKey.objects.get(name="Kasse 2")
    shown = [str(m) for m in response.context["messages"]]
    assert any(key.prefix in message for message in shown)
    assert key.scope == "read"
    assert key.created_by == world["merchant"]


def test_reservation_actions_go_through_the_services(world):
    # given
    reservation = world["objects"]["mine"]["reservation"]
    other = world["objects"]["other"]["reservation"]
    # when: the action is posted with both ids (the other shop's is filtered out by the queryset)
    world["client"].post(
        "/admin/marketplace/reservation/",
        {"action": "mark_ready", "_selected_action": [reservation.pk, other.pk]},
    )
    # then
    assert Reservation.objects.get(pk=reservation.pk).status == "ready"
    assert Reservation.objects.get(pk=other.pk).status == "held"


@pytest.mark.parametrize("who", ["resident", "anonymous"])
def test_non_staff_cannot_open_the_admin(world, who):
    # given
    client = Client()
    if who == "resident":
        client.force_login(UserFactory())
    # when
    response = client.get("/admin/marketplace/product/")
    # then
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_idempotency_records_are_for_superusers_only(world):
    # when
    response = world["client"].get("/admin/marketplace/idempotencyrecord/")
    # then
    assert response.status_code == 403


def test_the_webhook_page_lists_its_events_waiting_retrying_and_dead(world):
    # given: the webhook has a pending row (from the fixture), a retrying, a dead and a delivered one
    webhook = world["objects"]["mine"]["webhook"]
    for state, error in (("retrying", "HTTP 502 from hook"), ("dead", "gave up after 6"), ("delivered", "")):
        OutboxMessage.objects.create(
            kind="webhook.event",
            shop=world["mine"],
            webhook=webhook,
            payload={"event": state},
            state=state,
            last_error=error or "delivered-row",
        )
    # when
    response = world["client"].get(f"/admin/marketplace/webhook/{webhook.pk}/change/")
    # then: the three not delivered are listed with their errors, the delivered one is not
    body = response.content.decode()
    assert response.status_code == 200
    assert "HTTP 502 from hook" in body
    assert "gave up after 6" in body
    assert "delivered-row" not in body
