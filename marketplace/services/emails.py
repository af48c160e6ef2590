"""Every e-mail of the platform as plain text plus an HTML alternative, from one template per message.

The message's text template (`marketplace/email/<name>.txt`) is the one source of its content. The HTML part
is that same text laid out by one accessible layout (`marketplace/email/layout.html`): the town's name and
colours, paragraphs, links made clickable, optionally the QR code inline (a `cid:` attachment, never a
remote image) and the shop's address with a map link. No remote images, no tracking pixels, no tracked
links: nothing in an e-mail calls home (decision 2100).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.mime.image import MIMEImage
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from marketplace.models import Shop

QR_CONTENT_ID = "qr-code"
LAYOUT = "marketplace/email/layout.html"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


def _paragraphs(text: str) -> list[list[str]]:
    """The text part split into paragraphs (blank lines) of lines, for the HTML layout."""
    blocks: list[list[str]] = []
    for block in text.strip().split("\n\n"):
        lines = [line.rstrip() for line in block.strip("\n").split("\n") if line.strip()]
        if lines:
            blocks.append(lines)
    return blocks


def shop_map_url(shop: Shop) -> str:
    """A link (not an image) to the shop on OpenStreetMap."""
    lat, lng = round(shop.location.y, 6), round(shop.location.x, 6)
    return f"https://www.openstreetmap.org/?{urlencode({'mlat': lat, 'mlon': lng})}#map=18/{lat}/{lng}"


def email_compose(
    *,
    subject: str,
    template: str,
    context: Mapping[str, Any],
    to: Sequence[str],
    reply_to: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
    shop: Shop | None = None,
    qr_png: bytes | None = None,
    qr_label: str = "",
    attachments: Sequence[Attachment] = (),
) -> EmailMultiAlternatives:
    """Render `template` (text) once and lay it out as HTML; call inside the recipient's language.

    `shop` adds the shop's address with a map link; `qr_png` shows the QR code inline (Content-ID
    `qr-code`) and also keeps it as a PNG for clients that show no HTML.
    """
    text = render_to_string(template, dict(context))
    html = render_to_string(
        LAYOUT,
        {
            "subject": subject,
            "paragraphs": _paragraphs(text),
            "town": settings.LADENKARTE_TOWN,
            "colours": settings.LADENKARTE_EMAIL_COLOURS,
            "site_url": settings.SITE_URL,
            "language": translation.get_language() or settings.LANGUAGE_CODE,
            "shop": shop,
            "map_url": shop_map_url(shop) if shop is not None and shop.location else "",
            "qr_cid": QR_CONTENT_ID if qr_png else "",
            "qr_label": qr_label,
        },
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=list(to),
        reply_to=list(reply_to) if reply_to else None,
        headers=dict(headers or {}),
    )
    message.attach_alternative(html, "text/html")
    if qr_png:
        # multipart/related: the HTML part refers to the image by its Content-ID
        message.mixed_subtype = "related"
        image = MIMEImage(qr_png, "png")
        image.add_header("Content-ID", f"<{QR_CONTENT_ID}>")
        image.add_header("Content-Disposition", "inline", filename="qr-code.png")
        message.attach(image)
    for attachment in attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    return message
