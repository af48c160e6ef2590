"""A local HTTP server speaking Nominatim's protocol, so geocoding tests run geopy for real without internet.

Use the `fake_nominatim` fixture: add places with `server.add(query, lat, lng, ...)`, switch `server.mode`
to "error" (HTTP 500) or "slow" (answers after `server.delay` seconds), read `server.requests`.
`geocoder_settings` points the site's geocoder (settings.GEOCODER_URL) at it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class FakeNominatim:
    url: str = ""
    mode: str = "ok"
    delay: float = 2.0
    places: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        query: str,
        lat: float,
        lng: float,
        *,
        road: str = "",
        house_number: str = "",
        postcode: str = "",
        city: str = "",
        suburb: str = "",
    ) -> None:
        address = {
            key: value
            for key, value in {
                "road": road,
                "house_number": house_number,
                "postcode": postcode,
                "city": city,
                "suburb": suburb,
                "country": "Deutschland",
                "country_code": "de",
            }.items()
            if value
        }
        display = ", ".join(v for v in (f"{house_number}".strip(), road, suburb, city, postcode) if v)
        self.places[" ".join(query.split()).casefold()] = {
            "place_id": len(self.places) + 1,
            "licence": "Data © OpenStreetMap contributors, ODbL 1.0.",
            "osm_type": "node",
            "osm_id": 1000 + len(self.places),
            "lat": f"{lat:.7f}",
            "lon": f"{lng:.7f}",
            "class": "place",
            "type": "house",
            "importance": 0.5,
            "display_name": display or query,
            "address": address,
            "boundingbox": [str(lat - 0.0001), str(lat + 0.0001), str(lng - 0.0001), str(lng + 0.0001)],
        }


def _handler(server: FakeNominatim) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            params = {key: values[0] for key, values in parse_qs(parts.query).items()}
            server.requests.append(
                {"path": parts.path, "params": params, "user_agent": self.headers.get("User-Agent", "")}
            )
            if server.mode == "slow":
                time.sleep(server.delay)
            if server.mode == "error":
                self._send(500, {"error": "internal error"})
                return
            if parts.path == "/search" and params.get("format") == "json":
                place = server.places.get(" ".join(params.get("q", "").split()).casefold())
                self._send(200, [place] if place else [])
                return
            if parts.path == "/reverse" and params.get("format") == "json":
                lat, lng = float(params["lat"]), float(params["lon"])
                nearest = min(
                    server.places.values(),
                    key=lambda p: (float(p["lat"]) - lat) ** 2 + (float(p["lon"]) - lng) ** 2,
                    default=None,
                )
                self._send(200, nearest or {"error": "Unable to geocode"})
                return
            self._send(400, {"error": {"code": 400, "message": "Parameter 'format' must be json"}})

    return Handler


@pytest.fixture
def fake_nominatim() -> Iterator[FakeNominatim]:
    fake = FakeNominatim()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    httpd.daemon_threads = True
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield fake
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def geocoder_settings(settings: Any, fake_nominatim: FakeNominatim) -> Iterator[FakeNominatim]:
    """Point the site's geocoder at the fake server, without delays, with a fresh cache."""
    from django.core.cache import cache

    from marketplace.infrastructure.geocoding import geocoder_reset

    settings.GEOCODER = "nominatim"
    settings.GEOCODER_URL = fake_nominatim.url
    settings.GEOCODER_TIMEOUT = 1
    settings.GEOCODER_MIN_DELAY_SECONDS = 0
    cache.clear()
    geocoder_reset()
    yield fake_nominatim
    geocoder_reset()
