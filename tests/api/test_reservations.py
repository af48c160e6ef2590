"""Reservations over HTTP: create, status and cancel with token, idempotency, rate limit, merchant actions."""

from __future__ import annotations

import os
import threading
import time
import uuid
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.models import IdempotencyRecord, Product, Reservation, StockMovement
from marketplace.services import idempotency as idem
from marketplace.services import reservations as svc
from tests.factories import ApiKeyFactory, MembershipFactory, ProductFactory, ShopFactory, UserFactory

URL = "/api/v1/reservations/"
REDIS_URL = os.environ.get("REDIS_URL_TESTS", "redis://127.0.0.1:6379/2")


def body(product: Product, quantity: int = 1, email: str = "erika@example.org") -> dict[str, Any]:
    return {
        "items": [{"product_id": product.pk, "quantity": quantity}],
        "customer": {"name": "Erika Muster", "email": email, "phone": "+49 4131 000000"},
    }


def state(product: Product) -> tuple:
    product.refresh_from_db()
    return (
        product.quantity_on_hand,
        product.quantity_held,
        list(Reservation.objects.order_by("pk").values_list("code", "status")),
        StockMovement.objects.count(),
    )


# --- residents ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_answers_201_with_code_token_pickup_window_and_link(api_client: APIClient) -> None:
    # given
    product = ProductFactory(quantity_on_hand=4)
    # when
    response = api_client.post(URL, body(product, 2), format="json", HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert response.status_code == 201, response.json()
    data = response.json()
    assert set(data) >= {"code", "token", "status", "shop", "items", "expires_at", "pickup", "url"}
    assert data["status"] == "held"
    assert data["items"] == [
        {
            "product": {
                "id": product.pk,
                "sku": product.sku,
                "gtin": "",
                "title": product.title,
                "brand": product.brand,
                "price": "9.90",
                "currency": "EUR",
            },
            "quantity": 2,
        }
    ]
    assert data["pickup"]["until"] == data["expires_at"]
    assert data["url"].endswith(f"/en/reservierung/{data['code']}/?token={data['token']}")
    reservation = Reservation.objects.get(code=data["code"])
    assert reservation.language == "en"
    assert data["token"] not in reservation.token_hash
    assert state(product)[:2] == (4, 2)


@pytest.mark.django_db
def test_status_and_cancel_need_the_token(api_client: APIClient) -> None:
    # given
    product = ProductFactory(quantity_on_hand=4)
    created = api_client.post(URL, body(product), format="json").json()
    code, token = created["code"], created["token"]
    # when / then: status with the header only (a token in an API URL would end up in logs)
    ok = api_client.get(f"{URL}{code}/", HTTP_X_RESERVATION_TOKEN=token)
    assert ok.status_code == 200
    assert ok.json()["code"] == code
    assert "token" not in ok.json()
    lower = code.lower().replace("-", "")
    assert api_client.get(f"{URL}{lower}/", HTTP_X_RESERVATION_TOKEN=token).status_code == 200
    assert api_client.get(f"{URL}{code}/?token={token}").status_code == 404
    # wrong, missing or someone else's token: the same 404 as an unknown code
    unknown = api_client.get(f"{URL}ZZZ-ZZZ/", HTTP_X_RESERVATION_TOKEN=token)
    for response in (
        api_client.get(f"{URL}{code}/", HTTP_X_RESERVATION_TOKEN=token + "x"),
        api_client.get(f"{URL}{code}/"),
        unknown,
    ):
        assert response.status_code == 404
        assert response.json() == unknown.json()
    before = state(product)
    assert api_client.post(f"{URL}{code}/cancel/", HTTP_X_RESERVATION_TOKEN="wrong").status_code == 404
    assert state(product) == before
    # cancelling with the token gives the stock back; a second cancel is 409 and changes nothing
    cancelled = api_client.post(f"{URL}{code}/cancel/", HTTP_X_RESERVATION_TOKEN=token)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    after = state(product)
    assert after[:2] == (4, 0)
    again = api_client.post(f"{URL}{code}/cancel/", HTTP_X_RESERVATION_TOKEN=token)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "reservation_not_cancellable"
    assert state(product) == after


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"items": [], "customer": {"name": "A", "email": "a@example.org"}}, "items"),
        (
            {"items": [{"product_id": 1, "quantity": 1}], "customer": {"name": "A", "email": "nope"}},
            "customer",
        ),
        (
            {"items": [{"product_id": 1, "quantity": 1}], "customer": {"name": "", "email": "a@example.org"}},
            "customer",
        ),
        (
            {
                "items": [{"product_id": 1, "quantity": 1}],
                "customer": {"name": "A", "email": "a@b.org", "phone": "x"},
            },
            "customer",
        ),
    ],
)
def test_bad_input_is_400_with_field_errors(api_client: APIClient, payload: dict, field: str) -> None:
    # given
    product = ProductFactory()
    before = state(product)
    # when
    response = api_client.post(URL, payload, format="json")
    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["details"]
    assert state(product) == before


@pytest.mark.django_db
def test_short_stock_is_409_with_available_per_line(api_client: APIClient) -> None:
    # given
    product = ProductFactory(quantity_on_hand=1)
    before = state(product)
    # when
    response = api_client.post(URL, body(product, 2), format="json")
    # then
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "insufficient_stock"
    assert response.json()["error"]["details"]["items"] == [
        {"product_id": product.pk, "requested": 2, "available": 1}
    ]
    assert state(product) == before


@pytest.mark.django_db
def test_limits_answer_with_clear_codes(api_client: APIClient) -> None:
    # given
    product = ProductFactory(quantity_on_hand=50)
    before = state(product)
    # when / then: more than 10 units of one item
    response = api_client.post(URL, body(product, 11), format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "too_many_units"
    assert state(product) == before
    # a sixth active reservation of one address
    for _ in range(5):
        assert api_client.post(URL, body(product, 1, "Same@Example.org"), format="json").status_code == 201
    before = state(product)
    response = api_client.post(URL, body(product, 1, "same@example.org"), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "too_many_active_reservations"
    assert state(product) == before


# --- idempotency --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_same_key_same_payload_replays_the_first_answer(api_client: APIClient) -> None:
    # given
    product = ProductFactory(quantity_on_hand=5)
    key = str(uuid.uuid4())
    first = api_client.post(URL, body(product), format="json", HTTP_IDEMPOTENCY_KEY=key)
    after_first = state(product)
    # when
    again = api_client.post(URL, body(product), format="json", HTTP_IDEMPOTENCY_KEY=key)
    # then
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert state(product) == after_first
    record = IdempotencyRecord.objects.get()
    assert record.key == idem.idempotency_key_hash(key)
    assert first.json()["token"] not in str(record.response_body)
    assert record.expires_at >= record.created_at + timezone.timedelta(hours=24)


@pytest.mark.django_db
def test_same_key_other_payload_is_422(api_client: APIClient) -> None:
    # given
    product = ProductFactory(quantity_on_hand=5)
    api_client.post(URL, body(product), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    before = state(product)
    # when
    response = api_client.post(URL, body(product, 2), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    # then
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert state(product) == before


@pytest.mark.django_db
def test_conflicts_are_replayed_but_validation_errors_free_the_key(api_client: APIClient) -> None:
    # given
    product = ProductFactory(quantity_on_hand=1)
    # when: a 409 is kept ...
    first = api_client.post(URL, body(product, 2), format="json", HTTP_IDEMPOTENCY_KEY="k-409")
    Product.objects.filter(pk=product.pk).update(quantity_on_hand=5)
    again = api_client.post(URL, body(product, 2), format="json", HTTP_IDEMPOTENCY_KEY="k-409")
    # ... and a 400 is not: the key can be used with the corrected request
    bad = api_client.post(URL, {"items": []}, format="json", HTTP_IDEMPOTENCY_KEY="k-400")
    fixed = api_client.post(URL, body(product), format="json", HTTP_IDEMPOTENCY_KEY="k-400")
    # then
    assert first.status_code == again.status_code == 409
    assert again.json() == first.json()
    assert bad.status_code == 400
    assert fixed.status_code == 201


@pytest.mark.django_db
def test_api_key_clients_must_send_an_idempotency_key(api_client: APIClient) -> None:
    # given
    product = ProductFactory(quantity_on_hand=5)
    ApiKeyFactory(shop=product.shop, raw_key="lk_testidem_secretsecretsecret")
    api_client.credentials(HTTP_AUTHORIZATION="Api-Key lk_testidem_secretsecretsecret")
    before = state(product)
    # when
    without = api_client.post(URL, body(product), format="json")
    after_without = state(product)
    with_key = api_client.post(URL, body(product), format="json", HTTP_IDEMPOTENCY_KEY="pos-1")
    # then
    assert without.status_code == 400
    assert without.json()["error"]["code"] == "idempotency_key_required"
    assert after_without == before
    assert with_key.status_code == 201
    assert IdempotencyRecord.objects.get().scope.startswith("key:")


def _someone_waits_for_a_row_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND locktype = 'transactionid')"
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_duplicate_is_409_in_use_and_later_replayed() -> None:
    # given: the product row is locked, so the first request waits inside its transaction
    product = ProductFactory(quantity_on_hand=5)
    key = "in-flight-1"
    results: dict[str, Any] = {}

    def first() -> None:
        try:
            results["first"] = APIClient().post(URL, body(product), format="json", HTTP_IDEMPOTENCY_KEY=key)
        finally:
            connections.close_all()

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM marketplace_product WHERE id = %s FOR UPDATE", [product.pk])
        thread = threading.Thread(target=first)
        thread.start()
        # the first request has claimed its key and waits for the product row (its claim is not committed)
        deadline = time.monotonic() + 10
        while not _someone_waits_for_a_row_lock() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert IdempotencyRecord.objects.count() == 0
        # when: the duplicate arrives while the first one still runs
        duplicate = APIClient().post(URL, body(product), format="json", HTTP_IDEMPOTENCY_KEY=key)
    thread.join(timeout=20)
    replay = APIClient().post(URL, body(product), format="json", HTTP_IDEMPOTENCY_KEY=key)
    # then
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "idempotency_key_in_use"
    assert results["first"].status_code == 201
    assert replay.status_code == 201
    assert replay.json() == results["first"].json()
    assert Reservation.objects.count() == 1


@pytest.mark.django_db
def test_expired_idempotency_records_are_purged() -> None:
    # given
    now = timezone.now()
    idem.idempotency_claim(
        scope="client:a", key="old", fingerprint="f", now=now - timezone.timedelta(hours=30)
    )
    idem.idempotency_claim(scope="client:a", key="new", fingerprint="f", now=now)
    # when
    purged = idem.idempotency_records_purge(now=now)
    # then
    assert purged == 1
    assert IdempotencyRecord.objects.get().key == idem.idempotency_key_hash("new")


# --- rate limit (real Redis) --------------------------------------------------------------------------


@pytest.mark.django_db
def test_creation_is_rate_limited_per_client_in_redis(api_client: APIClient) -> None:
    # given: the shared cache is Redis (DB 2), three reservations an hour
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4()}",
        }
    }
    product = ProductFactory(quantity_on_hand=50)
    with override_settings(CACHES=caches, LADENKARTE_RESERVATION_RATE="3/h"):
        from django.core.cache import caches

        assert caches["default"].__class__.__name__ == "RedisCache"
        codes = [
            api_client.post(URL, body(product, 1, f"r{i}@example.org"), format="json").status_code
            for i in range(3)
        ]
        before = state(product)
        # when
        limited = api_client.post(URL, body(product, 1, "r9@example.org"), format="json")
        other_client = api_client.post(
            URL, body(product, 1, "r8@example.org"), format="json", REMOTE_ADDR="10.0.0.9"
        )
    # then
    assert codes == [201, 201, 201]
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 3600
    assert other_client.status_code == 201
    assert state(product)[:2] == (50, 4)
    assert before[2] == state(product)[2][:3]


# --- merchants ----------------------------------------------------------------------------------------

MERCHANT = "/api/v1/merchant/shops/{slug}/reservations/"


def _reserved(quantity: int = 2) -> tuple[Product, Reservation]:
    product = ProductFactory(quantity_on_hand=5)
    reservation = svc.reservation_create(
        items=[svc.LineRequest(product_id=product.pk, quantity=quantity)],
        contact=svc.Contact(name="Erika", email="erika@example.org"),
    ).reservation
    return product, reservation


@pytest.mark.django_db
def test_merchant_marks_ready_and_collects_and_on_hand_drops(api_client: APIClient) -> None:
    # given
    product, reservation = _reserved(2)
    api_key = ApiKeyFactory(shop=product.shop, raw_key="lk_testready_secretsecretsecret")
    api_client.credentials(HTTP_AUTHORIZATION="Api-Key lk_testready_secretsecretsecret")
    base = MERCHANT.format(slug=product.shop.slug) + f"{reservation.code}/"
    # when
    ready = api_client.post(f"{base}ready/")
    collected = api_client.post(f"{base}collect/")
    # then
    assert ready.status_code == 200, ready.json()
    assert ready.json()["status"] == "ready"
    assert collected.json()["status"] == "collected"
    assert state(product)[:2] == (3, 0)
    assert StockMovement.objects.filter(product=product, actor_api_key=api_key, on_hand_delta=-2).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["cancel", "no-show"])
def test_merchant_member_cancels_or_marks_no_show(api_client: APIClient, action: str) -> None:
    # given
    product, reservation = _reserved(2)
    member = MembershipFactory(shop=product.shop).user
    api_client.force_authenticate(member)
    # when
    response = api_client.post(MERCHANT.format(slug=product.shop.slug) + f"{reservation.code}/{action}/")
    # then
    assert response.status_code == 200
    assert response.json()["status"] == action.replace("-", "_") + ("led" if action == "cancel" else "")
    assert state(product)[:2] == (5, 0)


@pytest.mark.django_db
def test_merchant_invalid_transition_is_409_and_changes_nothing(api_client: APIClient) -> None:
    # given
    product, reservation = _reserved(2)
    member = MembershipFactory(shop=product.shop).user
    api_client.force_authenticate(member)
    base = MERCHANT.format(slug=product.shop.slug) + f"{reservation.code}/"
    api_client.post(f"{base}collect/")
    before = state(product)
    # when
    responses = [api_client.post(f"{base}{action}/") for action in ("ready", "collect", "cancel", "no-show")]
    # then
    assert [r.status_code for r in responses] == [409, 409, 409, 409]
    assert [r.json()["error"]["code"] for r in responses] == [
        "invalid_transition",
        "invalid_transition",
        "reservation_not_cancellable",
        "invalid_transition",
    ]
    assert state(product) == before


@pytest.mark.django_db
@pytest.mark.parametrize("caller", ["other_key", "other_member", "resident", "anonymous"])
@pytest.mark.parametrize("action", ["ready", "collect", "cancel", "no-show", "list"])
def test_merchant_actions_are_closed_to_other_tenants(
    api_client: APIClient, caller: str, action: str
) -> None:
    # given
    product, reservation = _reserved(2)
    other_shop = ShopFactory()
    if caller == "other_key":
        ApiKeyFactory(shop=other_shop, raw_key="lk_testother_secretsecretsecret")
        api_client.credentials(HTTP_AUTHORIZATION="Api-Key lk_testother_secretsecretsecret")
    elif caller == "other_member":
        api_client.force_authenticate(MembershipFactory(shop=other_shop).user)
    elif caller == "resident":
        api_client.force_authenticate(UserFactory())
    before = state(product)
    base = MERCHANT.format(slug=product.shop.slug)
    # when
    if action == "list":
        response = api_client.get(base)
    else:
        response = api_client.post(f"{base}{reservation.code}/{action}/")
    # then
    assert response.status_code == (401 if caller == "anonymous" else 404)
    assert state(product) == before
    reservation.refresh_from_db()
    assert reservation.status == "held"


@pytest.mark.django_db
def test_merchant_list_filters_by_status_in_fixed_queries(
    api_client: APIClient, django_assert_max_num_queries: Any
) -> None:
    # given
    shop = ShopFactory()
    products = [ProductFactory(shop=shop, quantity_on_hand=9) for _ in range(3)]
    for i in range(len(products)):
        svc.reservation_create(
            items=[svc.LineRequest(product_id=p.pk, quantity=1) for p in products[: i + 1]],
            contact=svc.Contact(name="E", email=f"e{i}@example.org"),
        )
    svc.reservation_cancel(reservation=Reservation.objects.order_by("pk").first(), by="merchant")
    api_client.force_authenticate(MembershipFactory(shop=shop).user)
    # when
    with django_assert_max_num_queries(6):
        response = api_client.get(MERCHANT.format(slug=shop.slug) + "?status=held")
    # then
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    assert [len(r["items"]) for r in data["results"]] in ([2, 3], [3, 2])
    assert {"customer", "stock_conflict", "pickup"} <= set(data["results"][0])
    assert api_client.get(MERCHANT.format(slug=shop.slug) + "?status=bogus").status_code == 400
