"""Finding 7: the API's error messages speak German too: "payload too large" and the 500 answer."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory
from django.utils import translation
from rest_framework.test import APIClient

from api.errors import server_error
from tests.factories import ApiKeyFactory, ShopFactory

RAW_KEY = "lk_errormsg_0123456789abcdef"


@pytest.mark.django_db
def test_payload_too_large_is_answered_in_german(settings: Any):
    # given: a small body limit and a body over it
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    ApiKeyFactory(shop=ShopFactory(slug="mein-laden"), raw_key=RAW_KEY)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {RAW_KEY}")
    # when
    response = client.put(
        "/api/v1/merchant/shops/mein-laden/hours/",
        {"weekly": [{"weekday": 0, "opens": "09:00", "closes": "18:00"}] * 5},
        format="json",
        HTTP_ACCEPT_LANGUAGE="de",
        secure=True,
    )
    # then
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert response.json()["error"]["message"].startswith("Die Anfrage hat ")
    assert response.json()["error"]["details"] == {"max_bytes": 100}


def test_the_api_500_answer_is_german():
    # given / when
    with translation.override("de"):
        response = server_error(RequestFactory().get("/api/v1/search/"))
    # then
    assert response.status_code == 500
    assert b"Interner Serverfehler." in response.content
