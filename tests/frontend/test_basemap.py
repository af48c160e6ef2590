"""The self-hosted vector basemap: BASEMAP_PMTILES chooses it; the file is served with range requests.

Browser test: the home page's map is drawn from the local PMTiles file (a tiny one the test writes) by
protomaps-leaflet from our static files, and no request leaves 127.0.0.1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from frontend.views.basemap import byte_range
from tests.pmtiles_region import write_region


@pytest.fixture
def region(tmp_path: Path, settings: Any) -> Path:
    path = write_region(tmp_path / "lueneburg.pmtiles")
    settings.LADENKARTE_BASEMAP_PMTILES = str(path)
    settings.LADENKARTE_BASEMAP_URL = "/basemap/lueneburg.pmtiles"
    return path


# --- the file, with range requests ---------------------------------------------------------------------


def test_a_range_request_gets_206_with_exactly_those_bytes(client: Client, region: Path) -> None:
    # when (how a PMTiles reader starts: the 127-byte header and the root directory after it)
    response = client.get("/basemap/lueneburg.pmtiles", HTTP_RANGE="bytes=0-16383")
    # then
    data = region.read_bytes()
    body = b"".join(response.streaming_content)
    assert response.status_code == 206
    assert body == data[:16384] == data  # the whole tiny file fits in the first read
    assert body[:7] == b"PMTiles"
    assert body[7] == 3
    assert response["Content-Range"] == f"bytes 0-{len(data) - 1}/{len(data)}"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "application/vnd.pmtiles"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=10-19", (10, 19)),
        ("bytes=10-", (10, 99)),
        ("bytes=-5", (95, 99)),
        ("bytes=90-500", (90, 99)),
        ("bytes=-500", (0, 99)),
        ("bytes=100-", False),
        ("bytes=-0", False),
        ("bytes=0-1,5-6", None),  # several ranges: the whole file instead
        ("bytes=9-3", None),
        ("items=0-5", None),
        ("bytes=-", None),
    ],
)
def test_byte_range_follows_rfc_9110(header: str, expected: object) -> None:
    # then
    assert byte_range(header, 100) == expected


def test_the_middle_of_the_file_and_unsatisfiable_ranges(client: Client, region: Path) -> None:
    # given
    data = region.read_bytes()
    # when
    middle = client.get("/basemap/lueneburg.pmtiles", HTTP_RANGE="bytes=127-200")
    beyond = client.get("/basemap/lueneburg.pmtiles", HTTP_RANGE=f"bytes={len(data)}-")
    whole = client.get("/basemap/lueneburg.pmtiles")
    stale = client.get("/basemap/lueneburg.pmtiles", HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"other"')
    head = client.head("/basemap/lueneburg.pmtiles")
    # then
    assert b"".join(middle.streaming_content) == data[127:201]
    assert middle["Content-Length"] == "74"
    assert beyond.status_code == 416
    assert beyond["Content-Range"] == f"bytes */{len(data)}"
    assert whole.status_code == 200
    assert b"".join(whole.streaming_content) == data
    assert stale.status_code == 200  # If-Range no longer matches: the whole new file
    assert head.status_code == 200
    assert head["ETag"] == whole["ETag"]


def test_only_the_configured_file_is_served(client: Client, region: Path, settings: Any) -> None:
    # when
    other = client.get("/basemap/secrets.pmtiles")
    traversal = client.get("/basemap/..%2F..%2Fetc%2Fpasswd")
    post = client.post("/basemap/lueneburg.pmtiles")
    settings.LADENKARTE_BASEMAP_PMTILES = ""
    unset = client.get("/basemap/lueneburg.pmtiles")
    # then
    assert [other.status_code, traversal.status_code, post.status_code, unset.status_code] == [
        404,
        404,
        405,
        404,
    ]


# --- the setting chooses the basemap -------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_draw_the_vector_basemap_when_a_pmtiles_file_is_set(client: Client, region: Path) -> None:
    # when
    home = client.get("/").content.decode()
    register = client.get("/laden-anmelden/").content.decode()
    privacy = client.get("/datenschutz/").content.decode()
    # then every page with a map loads the vector basemap (register.js places the shop's pin on one)
    for page in (home, register):
        assert "vendor/protomaps-leaflet/protomaps-leaflet.js" in page
        assert page.index("protomaps-leaflet.js") < page.index("frontend/js/basemap.js")
    assert '"pmtilesUrl": "/basemap/lueneburg.pmtiles"' in home
    assert "tile.openstreetmap.org" not in privacy
    assert "auf unserem eigenen Server" in privacy


@pytest.mark.django_db
def test_without_it_raster_tiles_from_tile_url_stay(client: Client, settings: Any) -> None:
    # given
    settings.LADENKARTE_BASEMAP_PMTILES = settings.LADENKARTE_BASEMAP_URL = ""
    settings.LADENKARTE_TILE_URL = "https://tiles.example-stadt.de/{z}/{x}/{y}.png"
    # when
    home = client.get("/").content.decode()
    # then
    assert "protomaps-leaflet" not in home
    assert '"pmtilesUrl": ""' in home
    assert "https://tiles.example-stadt.de/{z}/{x}/{y}.png" in home


# --- in a browser: drawn from the local file, nothing leaves 127.0.0.1 --------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def page(live_server: Any) -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():  # pragma: no cover
        pytest.skip("Debian's chromium is not installed")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 800})
        context.set_default_timeout(20_000)
        yield context.new_page()
        context.close()
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_map_is_drawn_from_the_local_pmtiles_file_and_nothing_leaves_127_0_0_1(
    page: Any, live_server: Any, region: Path, tmp_path: Path, settings: Any
) -> None:
    # given the site at 127.0.0.1, and every request checked: 127.0.0.1 goes on, anything else is
    # recorded and refused
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    outside: list[str] = []
    basemap: list[tuple[int, str]] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).scheme in {"data", "blob"} or urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", guard)
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on(
        "response",
        lambda r: (
            basemap.append((r.status, r.request.headers.get("range", ""))) if "/basemap/" in r.url else None
        ),
    )
    # when the home page (search map) and the registration page (pin map) are opened
    for path in ("/laden-anmelden/", "/"):
        page.goto(live_server.url.replace("localhost", "127.0.0.1") + path)
        page.wait_for_selector(".leaflet-tile-pane canvas")
        page.wait_for_function(
            """() => [...document.querySelectorAll('.leaflet-tile-pane canvas')].some(c => {
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                const colours = new Set();
                for (let i = 0; i < d.length; i += 4 * 97) colours.add(d[i] << 16 | d[i + 1] << 8 | d[i + 2]);
                return colours.size >= 2;  // earth and water (and the road), not an empty canvas
            })"""
        )
    page.screenshot(path=str(tmp_path / "basemap.png"))
    if os.environ.get("LADENKARTE_SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["LADENKARTE_SCREENSHOT_DIR"], "basemap.png"))
    # then the map came from our file, read in ranges, and nothing went anywhere else
    assert basemap, "the PMTiles file was read"
    assert all(status == 206 and rng.startswith("bytes=") for status, rng in basemap)
    assert outside == []
    assert console_errors == []  # no CSP violation, no failed fetch
    assert page.locator(".leaflet-control-attribution").inner_text()
