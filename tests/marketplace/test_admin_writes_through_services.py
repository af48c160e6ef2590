"""The admin saves through the services (issue 10): hours, special days, collections, featured shops and API
keys obey the services' rules in the admin too, and a merchant's reach comes from `shops_for_member`."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from marketplace.models import (
    Collection,
    CollectionItem,
    FeaturedShop,
    OpeningHours,
    ShopMembership,
    SpecialDay,
)
from marketplace.services.curation import collection_create, collection_item_add, featured_shop_create
from marketplace.services.roles import MERCHANTS_GROUP, roles_setup
from tests.factories import ApiKeyFactory, MembershipFactory, ProductFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant() -> dict[str, Any]:
    roles_setup()
    membership = MembershipFactory(shop=ShopFactory(name="Mein Laden", hours=[]))
    user = membership.user
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    client = Client()
    client.force_login(user)
    return {"client": client, "shop": membership.shop, "user": user}


@pytest.fixture
def city_client(client: Client) -> Client:
    roles_setup()
    editor = UserFactory(username="stadtmarketing", is_staff=True)
    editor.groups.add(Group.objects.get(name="City editors"))
    client.force_login(editor)
    return client


def shop_form(shop: Any, **inlines: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": shop.name,
        "social_links": "{}",
        "pickup_lead_minutes": 15,
        "pickup_days_ahead": 2,
        "pickup_min_window_minutes": 30,
    }
    for prefix in ("opening_hours", "special_days", "memberships"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(inlines)
    return data


def test_a_special_day_saved_in_the_admin_is_stored_by_the_service(merchant):
    # given: hours typed out of order (the service stores them sorted; the old form kept the typed order)
    shop = merchant["shop"]

    # when
    response = merchant["client"].post(
        f"/admin/marketplace/shop/{shop.pk}/change/",
        shop_form(
            shop,
            **{
                "special_days-TOTAL_FORMS": 1,
                "special_days-0-date": "2031-12-24",
                "special_days-0-closed": "",
                "special_days-0-hours_text": "14:00-16:00, 09:00-12:00",
                "special_days-0-name": "Heiligabend",
            },
        ),
    )

    # then
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    day = SpecialDay.objects.get(shop=shop)
    assert (day.date, day.closed, day.name) == (date(2031, 12, 24), False, "Heiligabend")
    assert day.intervals == [{"opens": "09:00", "closes": "12:00"}, {"opens": "14:00", "closes": "16:00"}]


def test_moving_and_deleting_special_days_in_the_admin(merchant):
    # given
    shop = merchant["shop"]
    moved = SpecialDay.objects.create(shop=shop, date=date(2031, 12, 24), closed=True, name="Zu")
    gone = SpecialDay.objects.create(shop=shop, date=date(2031, 12, 31), closed=True, name="Silvester")

    # when
    response = merchant["client"].post(
        f"/admin/marketplace/shop/{shop.pk}/change/",
        shop_form(
            shop,
            **{
                "special_days-TOTAL_FORMS": 2,
                "special_days-INITIAL_FORMS": 2,
                "special_days-0-id": moved.pk,
                "special_days-0-shop": shop.pk,
                "special_days-0-date": "2031-12-23",
                "special_days-0-closed": "on",
                "special_days-0-hours_text": "",
                "special_days-0-name": "Zu",
                "special_days-1-id": gone.pk,
                "special_days-1-shop": shop.pk,
                "special_days-1-date": "2031-12-31",
                "special_days-1-closed": "on",
                "special_days-1-hours_text": "",
                "special_days-1-name": "Silvester",
                "special_days-1-DELETE": "on",
            },
        ),
    )

    # then
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    assert list(SpecialDay.objects.filter(shop=shop).values_list("date", "closed")) == [
        (date(2031, 12, 23), True)
    ]


def test_the_week_saved_in_the_admin_replaces_the_old_one(merchant):
    # given
    shop = merchant["shop"]
    old = OpeningHours.objects.create(shop=shop, weekday=0, opens=time(8), closes=time(12))

    # when: Monday changed, Tuesday added
    response = merchant["client"].post(
        f"/admin/marketplace/shop/{shop.pk}/change/",
        shop_form(
            shop,
            **{
                "opening_hours-TOTAL_FORMS": 2,
                "opening_hours-INITIAL_FORMS": 1,
                "opening_hours-0-id": old.pk,
                "opening_hours-0-shop": shop.pk,
                "opening_hours-0-weekday": 0,
                "opening_hours-0-opens": "09:00",
                "opening_hours-0-closes": "18:00",
                "opening_hours-1-weekday": 1,
                "opening_hours-1-opens": "10:00",
                "opening_hours-1-closes": "14:00",
            },
        ),
    )

    # then
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    assert list(
        OpeningHours.objects.filter(shop=shop).order_by("weekday").values_list("weekday", "opens", "closes")
    ) == [(0, time(9), time(18)), (1, time(10), time(14))]


def test_a_collection_item_added_in_the_admin_without_position_goes_to_the_end(city_client):
    # given: the service's rule (no position: after the last item)
    collection = collection_create(title="Kaffee")
    first = collection_item_add(collection=collection, shop=ShopFactory(), position=7)
    product = ProductFactory()

    # when
    response = city_client.post(
        f"/admin/marketplace/collection/{collection.pk}/change/",
        {
            "title": "Kaffee",
            "slug": "kaffee",
            "text": "",
            "position": 0,
            "items-TOTAL_FORMS": 2,
            "items-INITIAL_FORMS": 1,
            "items-0-id": first.pk,
            "items-0-collection": collection.pk,
            "items-0-position": 7,
            "items-0-shop": first.shop_id,
            "items-0-note": "",
            "items-1-position": "",
            "items-1-product": product.pk,
            "items-1-note": "  frisch geröstet ",
        },
    )

    # then
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    added = CollectionItem.objects.get(collection=collection, product=product)
    assert (added.position, added.note) == (8, "frisch geröstet")


def test_a_collection_created_in_the_admin_goes_through_the_service(city_client):
    # when
    response = city_client.post(
        "/admin/marketplace/collection/add/",
        {
            "title": "  Regional einkaufen ",
            "slug": "regional",
            "text": "",
            "position": 3,
            "items-TOTAL_FORMS": 1,
            "items-INITIAL_FORMS": 0,
            "items-0-position": "",
            "items-0-shop": ShopFactory().pk,
            "items-0-note": "",
        },
    )

    # then
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    collection = Collection.objects.get()
    assert (collection.title, collection.slug, collection.position) == ("Regional einkaufen", "regional", 3)
    assert collection.items.get().position == 1


def test_a_featured_shop_added_in_the_admin_without_position_goes_to_the_end(city_client):
    # given
    featured_shop_create(shop=ShopFactory(), position=4)
    shop = ShopFactory()

    # when
    response = city_client.post(
        "/admin/marketplace/featuredshop/add/",
        {"shop": shop.pk, "title": "", "text": "", "position": ""},
    )

    # then
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    assert FeaturedShop.objects.get(shop=shop).position == 5


def test_a_featured_shop_edited_in_the_admin_keeps_its_window_ordered(city_client):
    # given
    featured = featured_shop_create(shop=ShopFactory(), title="Alt", position=1)

    # when: a window that ends before it starts
    response = city_client.post(
        f"/admin/marketplace/featuredshop/{featured.pk}/change/",
        {
            "shop": featured.shop_id,
            "title": "Neu",
            "text": "",
            "position": 1,
            "publish_from_0": "2031-12-24",
            "publish_from_1": "10:00",
            "publish_until_0": "2031-12-23",
            "publish_until_1": "10:00",
        },
    )

    # then
    assert response.status_code == 200
    featured.refresh_from_db()
    assert (featured.title, featured.publish_from, featured.publish_until) == ("Alt", None, None)


def test_an_api_key_renamed_in_the_admin_goes_through_the_service(merchant):
    # given
    merchant["user"].shop_memberships.update(role=ShopMembership.Role.OWNER)
    key = ApiKeyFactory(shop=merchant["shop"], name="Kasse")

    # when
    response = merchant["client"].post(f"/admin/marketplace/apikey/{key.pk}/change/", {"name": "  Kasse 2 "})

    # then
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.name == "Kasse 2"


def test_a_deactivated_merchant_reaches_no_shop_in_the_admin(merchant):
    # given: the same rule as the API and my-shop (`shops_for_member`)
    from django.http import HttpRequest

    from marketplace.admin.tenancy import member_shop_ids

    request = HttpRequest()
    user = merchant["user"]

    # when
    request.user = user
    active = member_shop_ids(request)
    user.is_active = False
    request = HttpRequest()
    request.user = user
    inactive = member_shop_ids(request)

    # then
    assert active == [merchant["shop"].pk]
    assert inactive == []
