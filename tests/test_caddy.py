"""deploy/Caddyfile: valid for Caddy, and it behaves as the compose deployment needs.

Caddy runs here on 127.0.0.1 (plain HTTP, admin API off) in front of a small upstream that answers with
the headers it received, so the test sees what gunicorn would see.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CADDYFILE = ROOT / "deploy" / "Caddyfile"
CADDY = shutil.which("caddy")
pytestmark = pytest.mark.skipif(CADDY is None and not os.environ.get("CI"), reason="caddy not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EchoUpstream(BaseHTTPRequestHandler):
    """Answers every request with the path and headers it got (what gunicorn would see)."""

    seen: list[dict[str, Any]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        record = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}}
        EchoUpstream.seen.append(record)
        body = json.dumps(record | {"padding": "x" * 2000}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


def caddy_env(tmp_path: Path, port: int, upstream: int) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "LADENKARTE_DOMAIN": f"http://127.0.0.1:{port}",
        "LADENKARTE_UPSTREAM": f"127.0.0.1:{upstream}",
        "CADDY_ADMIN": "off",
        "CADDY_SRV": str(tmp_path / "srv"),
    }


def test_the_caddyfile_is_valid_for_the_production_domain(tmp_path: Path) -> None:
    # when
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LADENKARTE_DOMAIN": "karte.example.org"}
    result = subprocess.run(  # noqa: S603 - Debian's caddy
        [str(CADDY), "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # then
    assert result.returncode == 0, result.stderr
    assert "Valid configuration" in result.stdout + result.stderr


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp_path = tmp_path_factory.mktemp("caddy")
    srv = tmp_path / "srv"
    (srv / "static" / "frontend").mkdir(parents=True)
    (srv / "static" / "frontend" / "site.0123456789ab.css").write_text("body{color:red}" * 100)
    (srv / "media").mkdir()
    (srv / "media" / "shop.jpg").write_bytes(b"\xff\xd8jpeg")
    (srv / "basemap").mkdir()
    (srv / "basemap" / "region.pmtiles").write_bytes(bytes(range(256)) * 40)
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), EchoUpstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = free_port()
    log = (tmp_path / "caddy.log").open("w+")
    process = subprocess.Popen(  # noqa: S603 - Debian's caddy on loopback
        [str(CADDY), "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=caddy_env(tmp_path, port, upstream.server_address[1]),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield {"port": port, "log": tmp_path / "caddy.log"}
    process.terminate()
    process.wait(timeout=10)
    upstream.shutdown()
    log.close()


def request(proxy: dict[str, Any], method: str, path: str, body: bytes | None = None, **headers: str) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", proxy["port"], timeout=10)
    connection.request(method, path, body=body, headers={k.replace("_", "-"): v for k, v in headers.items()})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def test_forwarded_headers_are_the_proxys_never_the_clients(proxy: dict[str, Any]) -> None:
    # when a client claims HTTPS and another address
    response = request(proxy, "GET", "/healthz", X_Forwarded_Proto="https", X_Forwarded_For="203.0.113.7")
    # then the app sees what the proxy knows (here: plain HTTP from 127.0.0.1)
    seen = json.loads(response.body)["headers"]
    assert response.status == 200
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-forwarded-for"] == "127.0.0.1"


def test_metrics_are_never_forwarded(proxy: dict[str, Any]) -> None:
    # given
    EchoUpstream.seen.clear()
    # when
    responses = [request(proxy, "GET", path) for path in ("/metrics", "/metrics/", "/metrics?x=1")]
    # then
    assert [r.status for r in responses] == [404, 404, 404]
    assert EchoUpstream.seen == []


def test_static_files_are_served_by_the_proxy_compressed_and_cached(proxy: dict[str, Any]) -> None:
    # given
    EchoUpstream.seen.clear()
    # when
    hashed = request(proxy, "GET", "/static/frontend/site.0123456789ab.css", Accept_Encoding="gzip")
    media = request(proxy, "GET", "/media/shop.jpg")
    # then
    assert hashed.status == 200
    assert hashed.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    assert hashed.getheader("Content-Encoding") == "gzip"
    assert media.status == 200
    assert media.body == b"\xff\xd8jpeg"
    assert media.getheader("X-Content-Type-Options") == "nosniff"
    assert EchoUpstream.seen == []


def test_the_basemap_answers_range_requests(proxy: dict[str, Any]) -> None:
    # when
    response = request(proxy, "GET", "/basemap/region.pmtiles", Range="bytes=256-263")
    # then
    assert response.status == 206
    assert response.body == bytes(range(8))
    assert response.getheader("Content-Range") == f"bytes 256-263/{256 * 40}"


def test_bodies_larger_than_the_apps_limit_are_refused(proxy: dict[str, Any]) -> None:
    # given the largest body the app accepts: a CSV import of LADENKARTE_CSV_MAX_BYTES (10 MiB)
    csv_limit = 10 * 1024 * 1024
    # when
    fits = request(proxy, "POST", "/api/v1/x/", body=b"a" * csv_limit, Content_Type="text/csv")
    too_big = request(proxy, "POST", "/api/v1/x/", body=b"a" * (12 * 1024 * 1024), Content_Type="text/csv")
    # then
    assert fits.status == 200
    # 413 from Caddy 2.7 on (the compose image); Debian's 2.6 cuts the body off and answers 502
    assert too_big.status in (413, 502)


def test_the_town_extract_upload_may_be_as_large_as_the_app_accepts(proxy: dict[str, Any]) -> None:
    """The city admin's OSM import takes LADENKARTE_OSM_MAX_BYTES; only that path gets the larger limit."""
    from django.conf import settings

    # given an extract larger than the CSV limit, within the app's limit for OSM files
    extract = b"o" * (20 * 1024 * 1024)
    assert len(extract) < settings.LADENKARTE_OSM_MAX_BYTES
    too_big = b"o" * (settings.LADENKARTE_OSM_MAX_BYTES + 2 * 1024 * 1024)
    # when
    upload = request(proxy, "POST", "/admin/marketplace/osmimportrun/import/", body=extract)
    # then
    assert upload.status == 200
    assert refused(proxy, "/admin/marketplace/shop/add/", extract)
    assert refused(proxy, "/admin/marketplace/osmimportrun/import/", too_big)


def refused(proxy: dict[str, Any], path: str, body: bytes) -> bool:
    """413 from Caddy 2.7 on (the compose image); Debian's 2.6 cuts the body off (502, or the connection
    drops while the client is still sending)."""
    try:
        return request(proxy, "POST", path, body=body).status in (413, 502)
    except (BrokenPipeError, ConnectionResetError):
        return True


def test_proxied_answers_are_compressed(proxy: dict[str, Any]) -> None:
    # when
    response = request(proxy, "GET", "/api/v1/search/", Accept_Encoding="gzip")
    # then
    assert response.getheader("Content-Encoding") == "gzip"


def test_the_access_log_has_no_token_or_credentials(proxy: dict[str, Any]) -> None:
    # when
    request(proxy, "GET", "/reservierung/ABC-234/?token=very-secret-token-123", Cookie="sessionid=s3ss10n")
    request(proxy, "GET", "/api/v1/merchant/shops/x/", Authorization="Api-Key lk_abcdefghj_keykeykeykey")
    request(proxy, "GET", "/laden-anmelden/code/?code=SHRB-EF69-MQZ4")  # the claim letter's QR code
    time.sleep(0.5)  # the log is written after the response
    log = proxy["log"].read_text()
    assert "/laden-anmelden/code/" in log
    assert "SHRB-EF69" not in log
    # then
    assert "/reservierung/ABC-234/" in log
    for secret in ("very-secret-token-123", "s3ss10n", "lk_abcdefghj_keykeykeykey"):
        assert secret not in log
