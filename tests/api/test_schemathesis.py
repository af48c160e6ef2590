"""Schemathesis over the whole API: a live server (runserver, DEBUG off as in production) of the test
database on 127.0.0.1, every operation, every check. Public operations run anonymously, merchant
ones with a real write key of the test shop; a webhook the run registers points at a local receiver
(tests/api/schemathesis_hooks.py).
Configuration (seed, example count, per-operation parameters): tests/api/schemathesis.toml."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from marketplace.models import Webhook
from marketplace.services import reservations as svc
from tests.factories import ApiKeyFactory, CategoryFactory, ProductFactory, ShopFactory
from tests.faults.conftest import ROOT, Receiver, free_port, wait_until

pytestmark = pytest.mark.slow

RAW_KEY = "lk_fuzz00000_secretsecretsecret"


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgresql://{db['USER'] or 'postgres'}{password}@{host}:{port}/{db['NAME']}"


def test_schemathesis_finds_nothing(transactional_db: None, tmp_path: Path) -> None:
    # given: a shop with products, its write key, a held reservation and a webhook at the local receiver
    category = CategoryFactory()
    shop = ShopFactory(email="laden@example.org")
    shop.categories.add(category)
    products = [ProductFactory(shop=shop, quantity_on_hand=50, category=category) for _ in range(3)]
    ApiKeyFactory(shop=shop, raw_key=RAW_KEY)
    reservation = svc.reservation_create(
        items=[svc.LineRequest(product_id=products[0].pk, quantity=1)],
        contact=svc.Contact(name="Erika", email="erika@example.org"),
    )
    receiver = Receiver()
    Webhook.objects.create(shop=shop, url=receiver.url, events=[], secret_salt="fuzz")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "REDIS_URL": "",  # no broker: outbox rows are delivered after each commit, in the server
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "LADENKARTE_RESERVATION_RATE": "100000/h",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "server.log").open("ab")
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until(lambda: _up(port), timeout=60, what="the server")
        # when
        started = time.monotonic()
        run = subprocess.run(  # noqa: S603 - fixed arguments
            [
                str(Path(sys.executable).with_name("schemathesis")),
                "--no-color",
                "--config-file",
                str(ROOT / "tests/api/schemathesis.toml"),
                "run",
                f"http://127.0.0.1:{port}/api/schema/?format=json",
                "--url",
                f"http://127.0.0.1:{port}",
                # every check by schemathesis 4's default: `--checks all` here would outrank the toml's
                # per-operation `enabled = false` (a command-line choice wins over the file)
            ],
            cwd=ROOT,
            env={
                **env,
                "PYTHONPATH": str(ROOT),
                "LK_SCHEMATHESIS_KEY": RAW_KEY,
                "LK_SCHEMATHESIS_SLUG": shop.slug,
                "LK_SCHEMATHESIS_CODE": reservation.reservation.code,
                "LK_SCHEMATHESIS_TOKEN": reservation.token,
                "LK_SCHEMATHESIS_RECEIVER": receiver.url,
            },
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        seconds = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=20)
        receiver.server.shutdown()
        receiver.server.server_close()
    report = ROOT / "test-results" / "schemathesis.txt"  # the whole report, for a failing run
    report.parent.mkdir(exist_ok=True)
    report.write_text(run.stdout + run.stderr)
    summary = run.stdout[run.stdout.find("=== SUMMARY") :]
    print(f"schemathesis in {seconds:.0f} s:\n{summary}")  # noqa: T201 - the numbers for the closing note
    # then: no failure of any check, and every webhook the run made points at the receiver
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-3000:]
    selected = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", summary)
    assert selected, summary
    assert selected.group(1) == selected.group(2) == selected.group(3), "not every operation was tested"
    assert set(Webhook.objects.values_list("url", flat=True)) <= {receiver.url}


def _up(port: int) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def test_the_toml_turns_off_only_what_it_says(monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's check set as the CLI resolves it from the toml: every check everywhere, except what an
    operation's entry turns off (a `--checks` option on the command line would silently undo that)."""
    import json

    import schemathesis
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer
    from schemathesis.config import SchemathesisConfig
    from schemathesis.config._checks import _BUILTIN_CHECK_NAMES

    # given: the configuration and the schema the run uses
    for name in ("KEY", "SLUG", "CODE", "TOKEN", "RECEIVER"):
        monkeypatch.setenv(f"LK_SCHEMATHESIS_{name}", "x")
    config = SchemathesisConfig.from_path(str(ROOT / "tests/api/schemathesis.toml"))
    document = json.loads(
        OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
    )
    schema = schemathesis.openapi.from_dict(document, config=config)

    def off(path: str, method: str) -> set[str]:
        checks = schema.config.checks_config_for(operation=schema[path][method], phase="fuzzing")
        return {name for name in _BUILTIN_CHECK_NAMES if not checks.get_by_name(name=name).enabled}

    # when / then: the sync's rows are validated one by one (a bad row is a row error in a 200)
    assert off("/api/v1/merchant/shops/{slug}/inventory/", "POST") == {
        "max_response_time",
        "negative_data_rejection",
    }
    assert off("/api/v1/jobs/", "GET") == {"max_response_time"}
    assert off("/api/v1/merchant/shops/{slug}/products/{sku}/", "PATCH") == {"max_response_time"}
