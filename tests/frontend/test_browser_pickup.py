"""Choosing the pickup day in a real browser (issue 21): a phone-sized page reserves for tomorrow.

Set `LADENKARTE_SCREENSHOT_DIR` to also write the confirmation page and the HTML confirmation e-mail
(rendered in Chromium, the inline QR code shown from its `cid:` part) as PNGs, as in docs/screenshots/.
"""

from __future__ import annotations

import base64
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from marketplace.models import Reservation
from marketplace.services.reservation_emails import reservation_qr_png, reservation_resident_email
from tests.frontend.test_browser import Session, browser, phone, town  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("LADENKARTE_SCREENSHOT_DIR", "")


def test_phone_reserves_for_tomorrow_and_sees_morgen(phone: Session, town: dict[str, Any]) -> None:  # noqa: F811
    # given: the product page on a 360 px phone
    s = phone
    tube = town["tube"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    s.goto(f"/produkt/{tube.pk}/")
    s.page.wait_for_selector("[data-testid=pickup-days]")
    # when: the resident picks tomorrow and reserves
    s.page.check(f"input[name=pickup_date][value='{tomorrow}']")
    if SCREENSHOTS:
        s.page.locator("[data-testid=pickup-days]").screenshot(
            path=str(Path(SCREENSHOTS) / "phone-pickup-days.png")
        )
    s.page.fill("#id_name", "Erika Muster")
    s.page.fill("#id_email", "erika@example.org")
    s.page.check("#id_consent")
    s.page.click("#reservieren button[type=submit]")
    s.page.wait_for_selector("[data-testid=reservation-code]")
    # then: the confirmation names tomorrow, nothing scrolls sideways, the hold is for tomorrow
    day = s.page.inner_text("[data-testid=pickup-day]")
    assert "Morgen" in day, day
    assert s.page_width() <= 360
    reservation = Reservation.objects.get(customer_email="erika@example.org")
    assert reservation.pickup_date.isoformat() == tomorrow
    assert s.csp_errors == []
    if SCREENSHOTS:
        out = Path(SCREENSHOTS)
        s.page.screenshot(path=str(out / "phone-confirmation-tomorrow.png"), full_page=True)
        _email_screenshot(s, reservation, out / "email-confirmation.png")


def _email_screenshot(s: Session, reservation: Reservation, path: Path) -> None:
    """The HTML part as a mail client shows it: the `cid:` QR code swapped for its bytes."""
    message = reservation_resident_email(reservation, event="created", token="demo-token")
    html = str(message.alternatives[0][0])
    data = base64.b64encode(reservation_qr_png(reservation.code)).decode()
    page = s.context.new_page()
    page.set_viewport_size({"width": 420, "height": 900})
    page.set_content(html.replace("cid:qr-code", f"data:image/png;base64,{data}"))
    page.screenshot(path=str(path), full_page=True)
    page.close()
