"""Screenshots of the resident website for docs/screenshots/, taken with Playwright and Debian's Chromium.

Run against a site with the demo town (`make demo`, or `manage.py seed_demo` + `runserver`):

    .venv/bin/python -m frontend.screenshots --base-url http://127.0.0.1:8000 --out docs/screenshots

It searches from the home page, opens a product, reserves it (as "Erika Muster"), photographs the
confirmation, then cancels the reservation so the demo stock is unchanged. Map tiles are answered with a
plain local tile (the machine may have no internet).
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, Route, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}
TILE_PATTERN = re.compile(r"https?://([a-z0-9-]+\.)*tile\.openstreetmap\.org/.*")


def blank_tile() -> bytes:
    """A 256x256 PNG in the colour of an empty map, for tile requests without internet."""
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (233, 238, 232)).save(buffer, format="PNG")
    return buffer.getvalue()


def route_tiles(page: Page, tile: bytes) -> None:
    def fulfil(route: Route) -> None:
        route.fulfill(status=200, content_type="image/png", body=tile)

    page.route(TILE_PATTERN, fulfil)


def shoot(page: Page, out: Path, name: str, *, full_page: bool = False) -> None:
    page.wait_for_load_state("networkidle")
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"screenshots: {path}")  # noqa: T201 - a command-line tool


def run(base_url: str, out: Path, query: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tile = blank_tile()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for kind, viewport in VIEWPORTS.items():
            context = browser.new_context(viewport=viewport, locale="de-DE", device_scale_factor=1)
            page = context.new_page()
            route_tiles(page, tile)
            page.goto(f"{base_url}/")
            shoot(page, out, f"{kind}-home")
            page.fill("#id_q", query)
            page.click("form.search-box button[type=submit]")
            page.wait_for_selector(".result")
            page.wait_for_selector(".map-pin")
            shoot(page, out, f"{kind}-results")
            page.click(".result .result__title a")
            page.wait_for_selector("#reserve-title")
            shoot(page, out, f"{kind}-product")
            shop_href = page.get_attribute(".breadcrumbs li:nth-child(2) a", "href")
            page.fill("#id_name", "Erika Muster")
            page.fill("#id_email", f"erika.{kind}@example.org")
            page.check("#id_consent")
            page.click("form[data-once] button[type=submit]")
            page.wait_for_selector("[data-testid=reservation-code]")
            shoot(page, out, f"{kind}-confirmation")
            status_href = page.get_attribute("[data-testid=status-link]", "href")
            page.goto(f"{base_url}{shop_href}")
            shoot(page, out, f"{kind}-shop")
            # English variant of the results page.
            page.goto(f"{base_url}/en/suche/?q={query}")
            page.wait_for_selector(".result")
            shoot(page, out, f"{kind}-results-en")
            # Tidy up: cancel the reservation so the demo stock is back.
            page.goto(f"{base_url}{status_href}")
            page.click("form[data-once] .btn--danger")
            page.wait_for_selector(".status-pill--cancelled")
            context.close()
        browser.close()


def run_city(base_url: str, out: Path, *, username: str = "stadt", password: str = "stadt-demo") -> None:  # noqa: S107 - the documented demo login
    """The city workspace's start page (desktop) and page 1 of last month's council report (pdftoppm)."""
    import subprocess
    import tempfile

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="de-DE", device_scale_factor=1)
        page = context.new_page()
        page.goto(f"{base_url}/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/stadt/")
        shoot(page, out, "desktop-city-workspace", full_page=True)
        report = context.request.get(f"{base_url}/admin/stadt/bericht.pdf").body()
        browser.close()
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "report.pdf"
        pdf.write_bytes(report)
        target = out / "city-report-page1"
        subprocess.run(  # noqa: S603 - fixed arguments, our own file
            [
                "/usr/bin/pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(target),
            ],
            check=True,
        )
    print(f"screenshots: {target}.png")  # noqa: T201 - a command-line tool


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--query", default="Kaffee")
    parser.add_argument(
        "--city", action="store_true", help="the city workspace and the monthly report instead"
    )
    args = parser.parse_args(argv)
    if args.city:
        run_city(args.base_url.rstrip("/"), args.out)
    else:
        run(args.base_url.rstrip("/"), args.out, args.query)
    return 0


if __name__ == "__main__":
    sys.exit(main())
