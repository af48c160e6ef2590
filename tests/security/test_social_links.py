"""Finding 7: a shop's social links are an object of known networks to http(s) URLs. The admin (merchants and
the city) refuses anything else with a form error and changes nothing; a value stored before the rule never
breaks the public API (it answered 500 for a list) and never hands out a `javascript:` link."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from rest_framework.test import APIClient

from marketplace.models import Shop
from marketplace.services.roles import MERCHANTS_GROUP, roles_setup
from tests.factories import MembershipFactory, ShopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_admin() -> tuple[Client, Shop]:
    roles_setup()
    shop = ShopFactory(name="Mein Laden", social_links={"instagram": "https://instagram.com/mein"})
    owner = MembershipFactory(shop=shop).user
    owner.is_staff = True
    owner.save()
    owner.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    client = Client()
    client.force_login(owner)
    return client, shop


def change_form(shop: Shop, social_links: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": shop.name,
        "description": "",
        "phone": "",
        "email": "",
        "website": "",
        "social_links": social_links,
        "pickup_lead_minutes": 15,
        "hold_minutes": "",
        "pickup_days_ahead": 2,
        "pickup_min_window_minutes": 30,
        "pickup_later_days": "on",
        "pickup_move_allowed": "on",
    }
    for prefix in ("opening_hours", "special_days", "memberships"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return data


@pytest.mark.parametrize(
    "value",
    [
        '["https://instagram.com/x"]',
        '"https://instagram.com/x"',
        '{"instagram": "javascript:alert(1)"}',
        '{"instagram": "JavaScript:alert(1)"}',
        '{"instagram": "data:text/html,<script>alert(1)</script>"}',
        '{"instagram": ["https://instagram.com/x"]}',
        '{"myspace-of-evil": "https://evil.example/"}',
    ],
)
def test_the_admin_refuses_bad_social_links_with_a_form_error(owner_admin, value: str):
    # given
    client, shop = owner_admin
    before = list(Shop.objects.filter(pk=shop.pk).values())
    # when
    response = client.post(f"/admin/marketplace/shop/{shop.pk}/change/", change_form(shop, value))
    # then: the form comes back with the error at the field, nothing changed
    assert response.status_code == 200
    assert "social_links" in response.context["adminform"].form.errors
    assert list(Shop.objects.filter(pk=shop.pk).values()) == before


def test_the_admin_keeps_good_social_links(owner_admin):
    # given
    client, shop = owner_admin
    value = '{"instagram": "https://instagram.com/neu", "mastodon": "https://norden.social/@laden"}'
    # when
    response = client.post(f"/admin/marketplace/shop/{shop.pk}/change/", change_form(shop, value))
    # then
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.social_links == {
        "instagram": "https://instagram.com/neu",
        "mastodon": "https://norden.social/@laden",
    }


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (["https://instagram.com/x"], {}),
        ("https://instagram.com/x", {}),
        (
            {"instagram": "javascript:alert(1)", "facebook": "https://facebook.com/laden"},
            {"facebook": "https://facebook.com/laden"},
        ),
        ({"instagram": {"url": "https://instagram.com/x"}}, {}),
    ],
)
def test_a_stored_bad_value_never_breaks_the_api_or_reaches_a_client(stored: Any, shown: dict[str, str]):
    # given: a value written before the rule (bypassing validation)
    shop = ShopFactory()
    Shop.objects.filter(pk=shop.pk).update(social_links=stored)
    # when
    response = APIClient().get(f"/api/v1/shops/{shop.slug}/", secure=True)
    page = Client().get(f"/laden/{shop.slug}/", secure=True)
    # then
    assert response.status_code == 200
    assert response.json()["social_links"] == shown
    assert page.status_code == 200
    assert "javascript:" not in page.content.decode()
