"""Finding 2, the admin role gap: a shop's staff member (Merchants group) could create API keys and webhooks
in the admin while the API and my-shop allowed only owners. One rule now, in the services."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from marketplace.exceptions import PermissionDenied
from marketplace.models import ApiKey, Webhook
from marketplace.services.api_keys import api_key_create, api_key_revoke
from marketplace.services.roles import MERCHANTS_GROUP, roles_setup
from marketplace.services.webhooks import webhook_create, webhook_delete
from tests.factories import ApiKeyFactory, MembershipFactory, ShopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings: Any, fake_dns: Any) -> dict[str, Any]:
    fake_dns.table["hooks.example.test"] = [["93.184.215.14"]]
    roles_setup()
    shop = ShopFactory(slug="mein-laden")
    people = {}
    for role in ("owner", "staff"):
        user = MembershipFactory(shop=shop, role=role).user
        user.is_staff = True
        user.save()
        user.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
        people[role] = user
    key = ApiKeyFactory(shop=shop, name="Kasse")
    webhook = Webhook.objects.create(shop=shop, url="https://hooks.example.test/a", secret_salt="s")
    return {"shop": shop, "key": key, "webhook": webhook, **people}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _state() -> list[Any]:
    return [
        sorted(ApiKey.objects.values_list("pk", "name", "revoked_at")),
        sorted(Webhook.objects.values_list("pk", "url", "active")),
    ]


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "/admin/marketplace/apikey/add/", {"name": "Hintertür", "scope": "write"}),
        ("post", "/admin/marketplace/webhook/add/", {"url": "https://hooks.example.test/b"}),
        ("post", "/admin/marketplace/apikey/", {"action": "revoke", "_selected_action": "{key}"}),
        ("post", "/admin/marketplace/webhook/{webhook}/change/", {"url": "https://hooks.example.test/c"}),
        ("post", "/admin/marketplace/webhook/{webhook}/delete/", {"post": "yes"}),
        ("get", "/admin/marketplace/apikey/", {}),
        ("get", "/admin/marketplace/webhook/", {}),
    ],
    ids=["add key", "add webhook", "revoke key", "change webhook", "delete webhook", "keys", "webhooks"],
)
def test_a_staff_member_cannot_manage_keys_or_webhooks_in_the_admin(world, method, path, data):
    # given
    client = _client(world["staff"])
    data = {k: v.format(key=world["key"].pk) if isinstance(v, str) else v for k, v in {**data}.items()} | (
        {"shop": world["shop"].pk} if path.endswith("/add/") else {}
    )
    before = _state()
    # when
    response = getattr(client, method)(path.format(webhook=world["webhook"].pk), data)
    # then
    assert response.status_code in (302, 403), response.status_code
    if response.status_code == 302:
        assert response["Location"] in ("/admin/", "/admin/stadt/")
    assert _state() == before


def test_the_owner_can_add_a_key_in_the_admin(world):
    # when
    response = _client(world["owner"]).post(
        "/admin/marketplace/apikey/add/", {"shop": world["shop"].pk, "name": "Zweite Kasse", "scope": "read"}
    )
    # then
    assert response.status_code == 302
    assert ApiKey.objects.filter(name="Zweite Kasse", created_by=world["owner"]).exists()


def test_the_services_refuse_a_staff_member(world):
    # given
    before = _state()
    staff, shop = world["staff"], world["shop"]
    # when / then: the same rule for every way in
    with pytest.raises(PermissionDenied):
        api_key_create(shop=shop, name="x", created_by=staff)
    with pytest.raises(PermissionDenied):
        api_key_revoke(api_key=world["key"], by_user=staff)
    with pytest.raises(PermissionDenied):
        webhook_create(shop=shop, url="https://hooks.example.test/x", events=[], by_user=staff)
    with pytest.raises(PermissionDenied):
        webhook_delete(webhook=world["webhook"], by_user=staff)
    assert _state() == before


def test_my_shop_and_api_refuse_a_staff_member(world):
    # given
    client = _client(world["staff"])
    before = _state()
    # when
    key = client.post("/mein-laden/mein-laden/schluessel/", {"name": "x", "scope": "write"})
    hook = client.post(
        "/api/v1/merchant/shops/mein-laden/webhooks/",
        {"url": "https://hooks.example.test/x"},
        content_type="application/json",
    )
    # then
    assert key.status_code in (403, 404)
    assert hook.status_code == 403
    assert _state() == before
