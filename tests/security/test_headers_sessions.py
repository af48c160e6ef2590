"""Finding 8, headers and sessions: HSTS and secure cookies in production, admin logins throttled,
`check --deploy` clean (the deploy checks themselves: tests/test_settings.py)."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.test_settings import run

pytestmark = pytest.mark.django_db

PROBE = """
import django, json
django.setup()
from django.conf import settings
from django.test import Client
response = Client().get("/healthz", secure=True, HTTP_HOST="ladenkarte.example")
print(json.dumps({
    "hsts": response.get("Strict-Transport-Security", ""),
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
}))
"""


def test_production_sends_hsts_and_marks_cookies_secure():
    # when: production settings (DEBUG off, a real secret key)
    result = run(
        ["-c", PROBE],
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="ladenkarte.example",
        BEHIND_TLS_PROXY="1",
    )
    # then
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert (probe["session_secure"], probe["csrf_secure"], probe["session_httponly"]) == (True, True, True)
    assert probe["ssl_redirect"] is True


def test_admin_logins_are_throttled_per_client_and_name(settings: Any):
    # given: an admin account and a limit of 3 attempts
    settings.LADENKARTE_ADMIN_LOGIN_RATE = "3/h"
    admin_user = UserFactory(username="stadt", is_staff=True)
    admin_user.set_password("richtig-und-lang")
    admin_user.save()
    client = Client()
    # when: three wrong guesses, then a fourth attempt
    guesses = [
        client.post("/admin/login/", {"username": "stadt", "password": f"falsch{n}"}).status_code
        for n in range(3)
    ]
    blocked = client.post("/admin/login/", {"username": "stadt", "password": "falsch"})
    # and another client trying the same name
    other = Client(REMOTE_ADDR="203.0.113.9").post("/admin/login/", {"username": "STADT", "password": "x"})
    # then
    assert guesses == [200, 200, 200]
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert other.status_code == 429
