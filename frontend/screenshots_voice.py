"""Screenshots of the shops' own voice for docs/screenshots/: jobs page, a shop with a post, share cards.

Run against a site with the demo town (`make demo`, or `manage.py seed_demo` + `runserver`):

    .venv/bin/python -m frontend.screenshots_voice --base-url http://127.0.0.1:8000 --out docs/screenshots

Desktop and phone: the jobs page, the town feed `/neu/` and the shop page of the demo bakery (with its
post); the wide card of a product in the bakery's post and the square card of the post, as served.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from urllib.request import urlopen

from playwright.sync_api import sync_playwright

from frontend.screenshots import CHROMIUM, CHROMIUM_ARGS, VIEWPORTS, blank_tile, route_tiles, shoot

SHOP = "/laden/baeckerei-harms/"


def _loopback(url: str) -> str:
    if not re.match(r"^http://(127\.0\.0\.1|localhost)(:\d+)?/", url):
        raise SystemExit(f"refusing to fetch {url}: only the local demo server")
    return url


def run(base_url: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tile = blank_tile()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for name, viewport in VIEWPORTS.items():
            context = browser.new_context(
                viewport=viewport, locale="de-DE", is_mobile=name == "phone", has_touch=name == "phone"
            )
            page = context.new_page()
            route_tiles(page, tile)
            page.goto(base_url + "/jobs/")
            shoot(page, out, f"{name}-jobs", full_page=name == "desktop")
            page.goto(base_url + "/neu/")
            shoot(page, out, f"{name}-news")
            page.goto(base_url + SHOP)
            page.locator("#news-title").scroll_into_view_if_needed()
            shoot(page, out, f"{name}-shop-post")
            if name == "desktop":
                # the product named in the bakery's post (price, "heute vorrätig") and the post itself
                product = page.locator(".post__products a").first.get_attribute("href") or ""
                post = page.locator(".post__title a").first.get_attribute("href") or ""
                for fmt, path in (("wide", product), ("square", post)):
                    page.goto(base_url + path)
                    image = page.locator('meta[property="og:image"]').get_attribute("content") or ""
                    url = image.replace("-wide.png", f"-{fmt}.png")
                    with urlopen(_loopback(url)) as response:  # noqa: S310 - loopback only, checked above
                        (out / f"share-card-{fmt}.png").write_bytes(response.read())
                    print(f"screenshots: {out / f'share-card-{fmt}.png'}")  # noqa: T201
            context.close()
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args(argv)
    run(args.base_url.rstrip("/"), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
