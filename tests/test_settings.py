"""Production settings: refuse an unsafe secret key, pass Django's deployment checks."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SETUP = "import django; django.setup()"
# What a developer's or `make test`'s environment may relax; production leaves these at their defaults.
PRODUCTION_OVERRIDES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "CSRF_TRUSTED_ORIGINS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests in this process; never in deployment
    "BEHIND_TLS_PROXY",
    "LOG_FORMAT",
    "SENTRY_DSN",
}


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """Run Python in a fresh process with production settings, changed only by `env`."""
    clean = {key: value for key, value in os.environ.items() if key not in PRODUCTION_OVERRIDES}
    clean["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"DEBUG": "0"},
        {"SECRET_KEY": "django-insecure-ladenkarte-development-only"},
        {"SECRET_KEY": "too-short-0123456789"},
        {"DEBUG": "false", "SECRET_KEY": "x" * 49},
    ],
    ids=["unset", "debug-off-unset", "default", "short", "49-chars"],
)
def test_production_refuses_an_unsafe_secret_key(env: dict[str, str]) -> None:
    # when
    result = run(["-c", SETUP], **env)
    # then
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_long_secret_key() -> None:
    # when
    result = run(["-c", SETUP], SECRET_KEY=secrets.token_urlsafe(64))
    # then
    assert result.returncode == 0, result.stderr


def deploy_check(*extra: str) -> subprocess.CompletedProcess[str]:
    return run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING", *extra],
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="example.org",
    )


def test_deploy_security_checks_pass() -> None:
    # when only Django's security checks run (HTTPS, HSTS, cookies, secret key, hosts)
    result = deploy_check("--tag", "security")
    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_checks_pass() -> None:
    # when every deployment check runs, including the API schema's (drf-spectacular)
    result = deploy_check()
    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PRINT_TUNABLES = (
    "from django.conf import settings as s; print(s.GEOCODER_COUNTRY_CODES, s.GEOCODER_MIN_DELAY_SECONDS, "
    "s.LADENKARTE_SEARCH_EVENT_BATCH, s.LADENKARTE_SEARCH_EVENT_MAX_AGE, s.LADENKARTE_INSIGHTS_MIN_COUNT)"
)


def test_tunables_are_settings_with_defaults_and_read_from_the_environment() -> None:
    # when
    defaults = run(["-c", f"{SETUP}; {PRINT_TUNABLES}"], DEBUG="1")
    changed = run(
        ["-c", f"{SETUP}; {PRINT_TUNABLES}"],
        DEBUG="1",
        GEOCODER_COUNTRY_CODES="de,at",
        GEOCODER_MIN_DELAY_SECONDS="2.5",
        LADENKARTE_SEARCH_EVENT_BATCH="7",
        LADENKARTE_SEARCH_EVENT_MAX_AGE="0.5",
        LADENKARTE_INSIGHTS_MIN_COUNT="3",
    )
    # then
    assert defaults.returncode == 0, defaults.stderr
    assert defaults.stdout.split() == ["de", "1.0", "50", "5.0", "1"]
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.split() == ["de,at", "2.5", "7", "0.5", "3"]


PRINT_PROXY = "from django.conf import settings as s; print(getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "None"),
        ({"BEHIND_TLS_PROXY": "0"}, "None"),
        ({"BEHIND_TLS_PROXY": "1"}, "('HTTP_X_FORWARDED_PROTO', 'https')"),
    ],
    ids=["default", "off", "behind-caddy"],
)
def test_x_forwarded_proto_is_trusted_only_behind_the_proxy(env: dict[str, str], expected: str) -> None:
    """gunicorn published directly must not let a client claim HTTPS with a header of its own."""
    # when
    result = run(["-c", f"{SETUP}; {PRINT_PROXY}"], SECRET_KEY=secrets.token_urlsafe(64), **env)
    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize(("debug", "expected"), [("0", "json"), ("1", "console")])
def test_logs_are_json_in_production_and_readable_in_development(debug: str, expected: str) -> None:
    # when
    result = run(
        [
            "-c",
            f"{SETUP}; from django.conf import settings as s; "
            "print(s.LOGGING['handlers']['console']['formatter'])",
        ],
        DEBUG=debug,
        SECRET_KEY=secrets.token_urlsafe(64),
    )
    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
