"""Finding 7 (the parts done): the webhook secret is sealed in the idempotency record, and a transient
`409 concurrent_update` is not kept for replay."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.response import Response
from rest_framework.test import APIClient

from api.idempotency import _keep
from marketplace.models import IdempotencyRecord
from tests.factories import ApiKeyFactory, ShopFactory

pytestmark = pytest.mark.django_db

RAW_KEY = "lk_smallfix_0123456789abcdef"


def test_the_webhook_secret_is_sealed_in_the_idempotency_record(settings: Any, fake_dns: Any):
    # given
    fake_dns.table["hooks.example.test"] = [["93.184.215.14"]]
    ApiKeyFactory(shop=ShopFactory(slug="mein-laden"), raw_key=RAW_KEY)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {RAW_KEY}", HTTP_IDEMPOTENCY_KEY="hook-1")
    body = {"url": "https://hooks.example.test/h"}
    # when: the same request twice
    first = client.post("/api/v1/merchant/shops/mein-laden/webhooks/", body, format="json")
    replay = client.post("/api/v1/merchant/shops/mein-laden/webhooks/", body, format="json")
    # then: the secret is not readable in the stored record, and the replay still shows it
    secret = first.json()["secret"]
    assert first.status_code == 201
    assert replay.json()["secret"] == secret
    assert replay["Idempotent-Replayed"] == "true"
    assert secret not in str(list(IdempotencyRecord.objects.values()))


def test_a_transient_conflict_is_not_kept_but_a_final_one_is():
    # given
    transient = Response({"error": {"code": "concurrent_update"}}, status=409)
    final = Response({"error": {"code": "insufficient_stock"}}, status=409)
    # when / then
    assert _keep(transient) is False
    assert _keep(final) is True
