"""Error reports (SENTRY_DSN) arrive without personal data: checked at a local fake Sentry on 127.0.0.1.

The app runs in a subprocess (the SDK patches Django process-wide) with SENTRY_DSN pointing at a server
in this test; what the SDK sends there is decompressed and searched for the data a request carried.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "erika.muster@example.org"
TOKEN = "tok-9f8e7d6c5b4a"
API_KEY = "lk_abcdefghj_0123456789abcdefghijABCDEFGHIJ0123456"
SESSION = "sess-1a2b3c4d5e6f"

APP = f"""
import django, sentry_sdk
django.setup()
from django.test import Client, override_settings
with override_settings(ROOT_URLCONF="tests.ops.failing_urls", ALLOWED_HOSTS=["testserver"]):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "{SESSION}"
    response = client.post(
        "/boom/?token={TOKEN}&email={EMAIL}",
        {{"email": "{EMAIL}", "phone": "+49 4131 555123"}},
        HTTP_AUTHORIZATION="Api-Key {API_KEY}",
        HTTP_X_FORWARDED_FOR="198.51.100.23",
    )
    assert response.status_code == 500, response.status_code
sentry_sdk.flush(timeout=10)
"""


class FakeSentry(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli  # type: ignore[import-not-found]

            body = brotli.decompress(body)
        FakeSentry.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_sentry() -> Iterator[str]:
    FakeSentry.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeSentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://publickey@127.0.0.1:{server.server_address[1]}/1"
    server.shutdown()


def test_an_error_report_carries_no_personal_data(fake_sentry: str) -> None:
    # when a request with an e-mail address in body, query and message fails
    env = {key: value for key, value in os.environ.items() if not key.startswith("SENTRY_")}
    result = subprocess.run(  # noqa: S603 - our interpreter, our script
        [sys.executable, "-c", APP],
        cwd=ROOT,
        env=env
        | {"SENTRY_DSN": fake_sentry, "DJANGO_SETTINGS_MODULE": "backend.settings", "LOG_LEVEL": "CRITICAL"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then the report arrived ...
    assert result.returncode == 0, result.stderr[-3000:]
    sent = b"\n".join(FakeSentry.received).decode()
    assert "ValueError" in sent
    assert "could not send the confirmation to" in sent
    assert "/boom/" in sent
    # ... without the e-mail address, the token, the API key, the session, the phone number or the client's IP
    for secret in (EMAIL, EMAIL.replace("@", "%40"), TOKEN, API_KEY, SESSION, "555123", "198.51.100.23"):
        assert secret not in sent
