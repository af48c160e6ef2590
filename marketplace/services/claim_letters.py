"""Claim letters: one page per listing with its data, a one-time code and a QR code (PDF by WeasyPrint),
or the same code by e-mail to the shop's address from OpenStreetMap.

Codes are made in one transaction (`claim_code_create`); the PDF is rendered after it, the e-mail is an
outbox row of that transaction. The code exists only in the letter or the e-mail: the database keeps its
hash (and, until the e-mail is sent, the outbox row's sealed secret, wiped after delivery).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.exceptions import ValidationFailed
from marketplace.models import ClaimCode, OutboxMessage, Shop
from marketplace.selectors.shops import shop_week
from marketplace.services.claims import claim_code_create, claim_code_hash
from marketplace.services.emails import email_compose
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
    """E-mail a new code to the shop's address (from OSM or the city): an outbox row written with the
    code, which it keeps sealed (encrypted) until the e-mail is sent."""
    if not shop.email:
        raise ValidationFailed(
            _("%(shop)s has no e-mail address; print a letter instead.") % {"shop": shop.name},
            details={"email": [_("No e-mail address.")]},
        )
    letter = claim_letters_create(shops=[shop], channel=ClaimCode.Channel.EMAIL, user=user, now=now)[0]
    claim = ClaimCode.objects.get(code_hash=claim_code_hash(letter.code))
    outbox_put(kind="email.claim_code", payload={"claim_code_id": claim.pk}, secret=letter.code, shop=shop.pk)
    return claim


def claim_code_email_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: send the claim e-mail; nothing when the code was used, revoked or has expired since,
    or the shop has no address any more."""
    claim = (
        ClaimCode.objects.filter(pk=int(message.payload["claim_code_id"]), code_hash=claim_code_hash(secret))
        .select_related("shop")
        .first()
    )
    if (
        claim is None
        or claim.used_at is not None
        or claim.revoked_at is not None
        or claim.expires_at <= timezone.now()
        or not claim.shop.email
    ):
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "shop": claim.shop,
            "code": secret,
            "url": claim_url(secret),
            "expires_at": claim.expires_at,
            "operator": settings.LADENKARTE_OPERATOR,
            "town": settings.LADENKARTE_TOWN,
        }
        subject = _("Your shop on Ladenkarte %(town)s: take it over for free") % {
            "town": settings.LADENKARTE_TOWN
        }
        email = email_compose(
            subject=subject,
            template="marketplace/email/claim_code.txt",
            context=context,
            to=[claim.shop.email],
            headers={"Message-ID": outbox_message_id(message)},
            shop=claim.shop,
        )
    email.send()
