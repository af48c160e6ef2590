"""Claim letters: one page per listing with its data, a one-time code and a QR code (PDF by WeasyPrint),
or the same code by e-mail to the shop's address from OpenStreetMap.

Codes are made in one transaction (`claim_code_create`); the PDF is rendered after it, the e-mail is an
outbox row of the same transaction. The code exists only in the letter or the e-mail: the database keeps its
hash (the outbox row holds it sealed until the e-mail went out).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.exceptions import ValidationFailed
from marketplace.models import ClaimCode, OutboxMessage, Shop
from marketplace.selectors.website import shop_week
from marketplace.services.claims import claim_code_create, claim_code_hash
from marketplace.services.outbox import outbox_message_id, outbox_put


@dataclass(frozen=True)
class ClaimLetter:
    """One letter: the shop, its code (shown only here) and where to enter it."""

    shop: Shop
    code: str
    url: str
    expires_at: datetime


def claim_page_url() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("city:claim")
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def claim_url(code: str) -> str:
    """The claim page with the code filled in (what the QR code opens)."""
    return f"{claim_page_url()}?{urlencode({'code': code})}"


@transaction.atomic
def claim_letters_create(
    *,
    shops: Iterable[Shop],
    channel: str = ClaimCode.Channel.LETTER,
    user: Any = None,
    now: datetime | None = None,
) -> list[ClaimLetter]:
    """A new code for each listing (earlier codes revoked); raises for shops that are not listings."""
    now = now or timezone.now()
    letters = []
    for shop in sorted(shops, key=lambda s: s.pk):
        claim, code = claim_code_create(shop=shop, channel=channel, user=user, now=now)
        letters.append(
            ClaimLetter(shop=claim.shop, code=code, url=claim_url(code), expires_at=claim.expires_at)
        )
    return letters


def claim_letters_pdf(*, letters: list[ClaimLetter], now: datetime | None = None) -> bytes:
    """All letters as one PDF, one A4 page each, in German."""
    from weasyprint import HTML  # type: ignore[import-untyped] # loads Pango: only when a letter is printed

    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        pages = [
            {
                "letter": letter,
                "qr": segno.make(letter.url, error="m").svg_data_uri(scale=3, border=0),
                "hours": shop_week(shop=letter.shop, now=now).week,
                "has_hours": letter.shop.opening_hours.exists(),
                "osm": getattr(letter.shop, "osm", None),
            }
            for letter in letters
        ]
        html = render_to_string(
            "marketplace/claim_letter.html",
            {
                "pages": pages,
                "operator": settings.LADENKARTE_OPERATOR,
                "town": settings.LADENKARTE_TOWN,
                "today": now,
                "claim_page": claim_page_url(),
            },
        )
    pdf: bytes = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    return pdf


@transaction.atomic
def claim_code_send_email(*, shop: Shop, user: Any = None, now: datetime | None = None) -> ClaimCode:
    """E-mail a new code to the shop's address (from OSM or the city): an outbox row of this transaction
    (the code rides sealed in the row and is wiped once the e-mail went out)."""
    if not shop.email:
        raise ValidationFailed(
            _("%(shop)s has no e-mail address; print a letter instead.") % {"shop": shop.name},
            details={"email": [_("No e-mail address.")]},
        )
    letter = claim_letters_create(shops=[shop], channel=ClaimCode.Channel.EMAIL, user=user, now=now)[0]
    outbox_put(kind="email.claim_code", payload={"shop_id": shop.pk}, secret=letter.code, shop=shop, now=now)
    return ClaimCode.objects.get(code_hash=claim_code_hash(letter.code))


def claim_code_email_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: the claim e-mail of one code (the row's sealed secret)."""
    claim_code_email_write(
        shop_id=int(message.payload["shop_id"]),
        code=secret,
        headers={"Message-ID": outbox_message_id(message)},
    )


def claim_code_email_write(*, shop_id: int, code: str, headers: dict[str, str] | None = None) -> int:
    """Write the claim e-mail; nothing when the code was used or revoked meanwhile."""
    claim = (
        ClaimCode.objects.filter(code_hash=claim_code_hash(code), shop_id=shop_id)
        .select_related("shop")
        .first()
    )
    if claim is None or claim.used_at is not None or claim.revoked_at is not None or not claim.shop.email:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "shop": claim.shop,
            "code": code,
            "url": claim_url(code),
            "expires_at": claim.expires_at,
            "operator": settings.LADENKARTE_OPERATOR,
            "town": settings.LADENKARTE_TOWN,
        }
        subject = _("Your shop on Ladenkarte %(town)s: take it over for free") % {
            "town": settings.LADENKARTE_TOWN
        }
        body = render_to_string("marketplace/email/claim_code.txt", context)
    return EmailMessage(subject=subject, body=body, to=[claim.shop.email], headers=headers).send()
