"""The security matrix (issue 12): every merchant endpoint tried by every kind of caller.

Callers: the shop's write key and owner (allowed), its staff member (everything but keys and webhooks), its
read-only key (reads only), a revoked key, another shop's key and owner, the owner of a pending shop, a
resident without membership and anonymous. The expected answer is asserted, and anyone refused changes
nothing in the database (`state()`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.models import (
    ApiKey,
    ImportJob,
    OpeningHours,
    Product,
    SpecialDay,
    StockMovement,
    Webhook,
    WebhookDelivery,
)
from tests.factories import ApiKeyFactory, MembershipFactory, ProductFactory, ShopFactory, UserFactory
from tests.security.module_data import module_atomic

pytestmark = pytest.mark.django_db

DAY = (timezone.localdate() + timedelta(days=10)).isoformat()


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    body: Any = None
    multipart: bool = False

    @property
    def writes(self) -> bool:
        return self.method != "get"


def _csv() -> SimpleUploadedFile:
    return SimpleUploadedFile("stock.csv", b"sku;quantity\nA-1;9\n", content_type="text/csv")


ENDPOINTS = [
    Endpoint("get", "products/"),
    Endpoint("post", "products/", {"sku": "NEW-1", "title": "Neu", "price": "1.00", "quantity_on_hand": 2}),
    Endpoint("get", "products/A-1/"),
    Endpoint("patch", "products/A-1/", {"quantity_on_hand": 42}),
    Endpoint("delete", "products/A-1/"),
    Endpoint("post", "inventory/", {"mode": "set", "items": [{"sku": "A-1", "quantity": 17}]}),
    Endpoint("post", "inventory/import/", multipart=True),
    Endpoint("get", "inventory/imports/{job}/"),
    Endpoint("get", "hours/"),
    Endpoint("put", "hours/", {"weekly": [{"weekday": 0, "opens": "10:00", "closes": "12:00"}]}),
    Endpoint("get", "special-days/"),
    Endpoint(
        "post",
        "special-days/",
        {
            "date": DAY,
            "closed": False,
            "intervals": [{"opens": "10:00", "closes": "12:00"}],
            "name": "Inventur",
        },
    ),
    Endpoint("delete", f"special-days/{DAY}/"),
    Endpoint("get", "webhooks/"),
    Endpoint("post", "webhooks/", {"url": "http://127.0.0.1:9/hook", "events": ["stock.changed"]}),
    Endpoint("get", "webhooks/{webhook}/"),
    Endpoint("delete", "webhooks/{webhook}/"),
    Endpoint("get", "webhooks/{webhook}/deliveries/"),
]

# caller -> expected status for reads / for writes (None: success); `own_staff` gets 403 on webhooks
CALLERS = {
    "own_write_key": (None, None),
    "own_member": (None, None),
    "own_staff": (None, None),
    "pending_owner": (404, 404),
    "own_read_key": (None, 403),
    "revoked_key": (401, 401),
    "other_key": (404, 404),
    "other_member": (404, 404),
    "resident": (404, 404),
    "anonymous": (401, 401),
    "invalid_key": (401, 401),
}


@pytest.fixture
def world(settings: Any, tmp_path: Any, module_world: dict[str, Any]) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG = True  # plain http to the test seam's loopback address (nothing connects here)
    settings.LADENKARTE_WEBHOOK_TEST_ALLOW = ["127.0.0.1:9"]
    return module_world


@pytest.fixture(scope="module")
def module_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The shops, keys and people, built once for the module's ~200 cases (each rolls back its writes)."""
    with module_atomic(django_db_blocker):
        yield _build()


def _build() -> dict[str, Any]:
    mine, other = ShopFactory(slug="mein-laden"), ShopFactory(slug="anderer-laden")
    pending = ShopFactory(slug="neu-angemeldet", status="pending", hours=[])
    for shop in (mine, other):
        ProductFactory(shop=shop, sku="A-1", quantity_on_hand=3)
        SpecialDay.objects.create(shop=shop, date=date.fromisoformat(DAY), closed=True)
        webhook = Webhook.objects.create(shop=shop, url="http://127.0.0.1:9/x", secret_salt="s")
        WebhookDelivery.objects.create(webhook=webhook, event="stock.changed", event_id="0" * 32, payload={})
        ImportJob.objects.create(shop=shop, file="imports/x.csv", state=ImportJob.State.DONE)
    return {
        "mine": mine,
        "other": other,
        "keys": {
            "own_write_key": ApiKeyFactory(shop=mine, raw_key="lk_ownwrite_0123456789abcdef"),
            "own_read_key": ApiKeyFactory(
                shop=mine, raw_key="lk_ownread0_0123456789abcdef", scope=ApiKey.Scope.READ
            ),
            "revoked_key": ApiKeyFactory(
                shop=mine, raw_key="lk_revoked0_0123456789abcdef", revoked_at=timezone.now()
            ),
            "other_key": ApiKeyFactory(shop=other, raw_key="lk_otherkey_0123456789abcdef"),
        },
        "users": {
            "own_member": MembershipFactory(shop=mine).user,
            "own_staff": MembershipFactory(shop=mine, role="staff").user,
            "pending_owner": MembershipFactory(shop=pending).user,
            "other_member": MembershipFactory(shop=other).user,
            "resident": UserFactory(),
        },
    }


RAW_KEYS = {
    "own_write_key": "lk_ownwrite_0123456789abcdef",
    "own_read_key": "lk_ownread0_0123456789abcdef",
    "revoked_key": "lk_revoked0_0123456789abcdef",
    "other_key": "lk_otherkey_0123456789abcdef",
    "invalid_key": "lk_nosuchkey_0123456789abcdef",
}


def client_for(world: dict[str, Any], caller: str) -> APIClient:
    client = APIClient()
    if caller in RAW_KEYS:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {RAW_KEYS[caller]}")
    elif caller in world["users"]:
        client.force_login(world["users"][caller])
    return client


def state() -> list[Any]:
    """Everything a merchant endpoint could change, for both shops."""
    return [
        sorted(Product.objects.values_list("shop_id", "sku", "quantity_on_hand", "price", "active", "title")),
        StockMovement.objects.count(),
        sorted(OpeningHours.objects.values_list("shop_id", "weekday", "opens", "closes")),
        sorted(SpecialDay.objects.values_list("shop_id", "date", "closed")),
        sorted(Webhook.objects.values_list("shop_id", "url", "active")),
        ImportJob.objects.count(),
    ]


def call(client: APIClient, endpoint: Endpoint, shop: Any) -> Any:
    job = ImportJob.objects.get(shop=shop).pk
    webhook = Webhook.objects.filter(shop=shop).order_by("pk").first()
    path = (
        "/api/v1/merchant/shops/"
        + shop.slug
        + "/"
        + endpoint.path.format(job=job, webhook=webhook.pk if webhook else 0)
    )
    if endpoint.multipart:
        return client.post(path, {"file": _csv()}, format="multipart")
    return getattr(client, endpoint.method)(path, endpoint.body, format="json")


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
@pytest.mark.parametrize("caller", list(CALLERS))
def test_only_the_shops_own_key_or_member_reaches_the_endpoint(world, caller, endpoint):
    # given: the caller's client, addressing "mein-laden" (whose resources the ids point to)
    client = client_for(world, caller)
    refused_read, refused_write = CALLERS[caller]
    expected = refused_write if endpoint.writes else refused_read
    if caller == "own_staff" and endpoint.path.startswith("webhooks/"):
        expected = 403  # keys and webhooks: owners only (one rule with the admin and my-shop)
    before = state()
    # when
    response = call(client, endpoint, world["mine"])
    # then
    if expected is None:
        assert 200 <= response.status_code < 300, response.content
        if endpoint.writes:
            assert state() != before
    else:
        assert response.status_code == expected, response.content
        code = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}[expected]
        assert response.json()["error"]["code"] == code
        assert state() == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.writes], ids=lambda e: f"{e.method} {e.path}")
def test_own_key_cannot_touch_another_shops_resources(world, endpoint):
    # given: my key, addressing the other shop by its slug and its object ids
    client = client_for(world, "own_write_key")
    before = state()
    # when
    response = call(client, endpoint, world["other"])
    # then
    assert response.status_code == 404
    assert state() == before


def test_missing_credentials_answer_401_with_the_api_error_body(world):
    # when
    response = APIClient().get("/api/v1/merchant/shops/mein-laden/products/")
    # then
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "not_authenticated", "message": response.json()["error"]["message"], "details": {}}
    }
    assert response["WWW-Authenticate"].startswith("Api-Key")


def test_staff_member_cannot_manage_webhooks_but_owner_can(world):
    # given
    staff = MembershipFactory(shop=world["mine"], role="staff").user
    client = APIClient()
    client.force_login(staff)
    before = state()
    # when
    listed = client.get("/api/v1/merchant/shops/mein-laden/webhooks/")
    created = client.post(
        "/api/v1/merchant/shops/mein-laden/webhooks/", {"url": "http://127.0.0.1:9/"}, format="json"
    )
    products = client.get("/api/v1/merchant/shops/mein-laden/products/")
    # then
    assert (listed.status_code, created.status_code, products.status_code) == (403, 403, 200)
    assert state() == before


def test_session_writes_need_the_csrf_token(world):
    # given: a browser session without the CSRF token
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world["users"]["own_member"])
    before = state()
    # when
    response = client.patch(
        "/api/v1/merchant/shops/mein-laden/products/A-1/", {"quantity_on_hand": 1}, format="json"
    )
    # then
    assert response.status_code == 403
    assert state() == before


def test_a_pending_shop_cannot_register_a_webhook_through_the_api(world):
    # given: the owner of a shop the city has not approved yet
    client = client_for(world, "pending_owner")
    before = state()
    # when
    response = client.post(
        "/api/v1/merchant/shops/neu-angemeldet/webhooks/", {"url": "http://127.0.0.1:9/x"}, format="json"
    )
    # then
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "shop_not_active"
    assert state() == before
