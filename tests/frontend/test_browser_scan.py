"""Scan to list in a real browser: a generated EAN-13 shown to a fake camera (a canvas stream in place of
getUserMedia) is read by the barcode-detector polyfill (its .wasm served by us), filled from the open
product data and listed; and the walk-through of a merchant without a till listing 20 products on a phone.

Set LADENKARTE_SCREENSHOT_DIR=docs/screenshots to write the walk-through's phone screenshots."""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from marketplace.models import Product, StockMovement
from marketplace.services.product_data import product_data_import, sample_gtin, sample_write
from tests.barcode_image import ean13_png
from tests.factories import MembershipFactory, ShopFactory
from tests.frontend.test_browser import Session, browser  # noqa: F401 - the module-scoped browser fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAKE_CAMERA = """
(() => {
  const canvas = document.createElement("canvas");
  canvas.width = 640; canvas.height = 400;
  const ctx = canvas.getContext("2d");
  let image = null;
  window.__setBarcode = (src) => {
    const next = new Image();
    next.onload = () => { image = next; };
    next.src = src;
  };
  function draw() {
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (image) {
      const w = Math.min(560, image.width), h = image.height * w / image.width;
      ctx.drawImage(image, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
    }
  }
  setInterval(draw, 60);
  if (!navigator.mediaDevices) Object.defineProperty(navigator, "mediaDevices", { value: {} });
  navigator.mediaDevices.getUserMedia = async () => { draw(); return canvas.captureStream(15); };
})();
"""


def barcode_url(code: str) -> str:
    return "data:image/png;base64," + base64.b64encode(ean13_png(code)).decode()


@pytest.fixture
def shop_without_till() -> dict[str, Any]:
    import io

    shop = ShopFactory(name="Laden Südstadt", slug="suedstadt")
    owner = MembershipFactory(shop=shop).user
    buffer = io.BytesIO()
    sample_write(buffer, rows=30)
    buffer.seek(0)
    product_data_import(handle=buffer, source="off")
    return {"shop": shop, "owner": owner}


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Session]:  # noqa: F811
    s = Session(
        browser, live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    s.context.add_init_script(FAKE_CAMERA)
    yield s
    s.context.close()


def _logged_in(s: Session, user: Any) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    s.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": s.base}])


def _confirm_form(s: Session, code: str) -> Any:
    """The confirm form of `code` once it has settled: the price field has its autofocus. (Filled before,
    the focus could move to the price field between focusing the quantity field and typing into it, and
    the quantity went into the price: "7,997" and an empty quantity, a flaky test.)"""
    form = s.page.wait_for_selector(
        f"[data-testid=scan-confirm]:has(small:text-is('{code}'))", timeout=30_000
    )
    s.page.wait_for_function("() => document.activeElement && document.activeElement.id === 'scan-price'")
    return form


def _scan_and_list(s: Session, code: str, *, price: str, quantity: str) -> str:
    s.page.evaluate("src => window.__setBarcode(src)", barcode_url(code))
    form = _confirm_form(s, code)
    title = s.page.input_value("#scan-title")
    s.page.fill("#scan-price", price)
    s.page.fill("#scan-quantity", quantity)
    form.query_selector("[data-testid=scan-submit]").click()
    s.page.wait_for_selector("[data-testid=scan-done]")
    return title


def test_a_scanned_barcode_is_read_filled_from_open_data_and_listed(phone, shop_without_till):
    # given: the merchant on the scan page of a phone, the camera sees a pack's EAN-13
    s = phone
    requested: list[str] = []
    s.page.on("request", lambda request: requested.append(request.url))
    _logged_in(s, shop_without_till["owner"])
    s.goto("/mein-laden/suedstadt/scannen/")
    s.page.wait_for_selector("[data-testid=scan-status]")
    code = sample_gtin(3)
    # when
    s.page.evaluate("src => window.__setBarcode(src)", barcode_url(code))
    _confirm_form(s, code)
    # then: name, brand and the attribution from the open product data
    assert s.page.input_value("#scan-title") == "Apfelschorle naturtrüb 0,5 l"
    assert s.page.input_value("#scan-brand") == "Grüne Wiese"
    assert "Open Food Facts" in s.page.inner_text("[data-testid=attribution]")
    # when: price and stock confirmed
    s.page.fill("#scan-price", "1,29")
    s.page.fill("#scan-quantity", "12")
    s.page.click("[data-testid=scan-submit]")
    s.page.wait_for_selector("[data-testid=scan-done]")
    # then: live, through the product service
    product = Product.objects.get(shop=shop_without_till["shop"])
    assert (product.gtin, product.title, str(product.price), product.quantity_on_hand) == (
        code,
        "Apfelschorle naturtrüb 0,5 l",
        "1.29",
        12,
    )
    assert product.movements.get().source == StockMovement.Source.SCAN
    assert "Apfelschorle" in s.page.inner_text("[data-testid=scan-listed]")
    # the reader is the polyfill (Chromium on Linux has no native BarcodeDetector), its .wasm from our server
    wasm = [url for url in requested if url.endswith("zxing_reader.wasm")]
    assert wasm
    assert all(url.startswith(s.base) for url in wasm)
    assert s.page_width() <= 390
    assert s.csp_errors == []


def test_walk_through_a_shop_without_a_till_lists_20_products_from_the_phone(phone, shop_without_till):
    shots = os.environ.get("LADENKARTE_SCREENSHOT_DIR", "")

    def shot(name: str) -> None:
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            s.page.screenshot(path=str(Path(shots) / f"phone-scan-{name}.png"), full_page=False)

    # given: the owner opens my shop on the phone
    s = phone
    _logged_in(s, shop_without_till["owner"])
    started = time.monotonic()
    s.goto("/mein-laden/suedstadt/")
    s.page.wait_for_selector("[data-testid=till-summary]")
    s.page.locator("[data-testid=till-summary]").scroll_into_view_if_needed()
    shot("1-my-shop")
    # when: taps "scan to list" and scans 20 packs one after the other
    s.page.click("[data-testid=scan-link]")
    s.page.wait_for_selector("[data-testid=scan-status]")
    for n in range(1, 21):
        if n == 1:
            s.page.evaluate("src => window.__setBarcode(src)", barcode_url(sample_gtin(n)))
            s.page.wait_for_timeout(150)  # the pack in front of the camera, before the answer comes
            shot("2-camera")
            _confirm_form(s, sample_gtin(n))
            s.page.fill("#scan-price", "2,49")
            s.page.fill("#scan-quantity", "6")
            shot("3-confirm")
            s.page.click("[data-testid=scan-submit]")
            s.page.wait_for_selector("[data-testid=scan-done]")
            shot("4-listed")
        else:
            _scan_and_list(s, sample_gtin(n), price=f"{n},99", quantity=str(n))
    elapsed = time.monotonic() - started
    s.page.evaluate("() => document.getElementById('scan-recent').scrollIntoView()")
    shot("5-twenty-listed")
    # then: 20 products live, each from the scan
    listed = Product.objects.filter(shop=shop_without_till["shop"])
    assert listed.count() == 20
    assert set(listed.values_list("gtin", flat=True)) == {sample_gtin(n) for n in range(1, 21)}
    assert StockMovement.objects.filter(product__shop=shop_without_till["shop"], source="scan").count() == 20
    assert elapsed > 0  # the browser's share of the walk-through; the report names it (no timing goal here)
    assert s.csp_errors == []
