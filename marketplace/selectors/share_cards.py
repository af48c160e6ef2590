"""What a share card shows for a shop, product, post or job, and the content hash that names its image.

The hash covers every value drawn on the card (and the language), so a changed title, price, stock state
or photo gives a new image URL: caches and social networks never show an outdated card, and the image at
one URL never changes (it may be cached for a year).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _

from marketplace.models import JobPosting, Post, Product, Shop

CARD_VERSION = 1  # bump when the drawing changes, so every URL changes with it
FORMATS: dict[str, tuple[int, int]] = {"wide": (1200, 630), "square": (1080, 1080)}

CardKind = Literal["shop", "product", "post", "job"]


@dataclass(frozen=True)
class ShareCard:
    """The values drawn on one card; `photo` is a storage name (or empty: the shop's initial is drawn)."""

    kind: CardKind
    object_id: int
    language: str
    label: str
    title: str
    line: str
    shop_name: str
    town: str
    photo: str
    highlight: bool = False  # "in stock today" is drawn as a green badge

    @property
    def content_hash(self) -> str:
        payload = json.dumps({"v": CARD_VERSION, **asdict(self)}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def card_for_shop(shop: Shop) -> ShareCard:
    return ShareCard(
        kind="shop",
        object_id=shop.pk,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        label=_("Shop"),
        title=shop.name,
        line=f"{shop.street}, {shop.postcode} {shop.city}",
        shop_name=shop.name,
        town=settings.LADENKARTE_TOWN,
        photo=shop.photo.name if shop.photo else "",
    )


def card_for_product(product: Product, *, price: str) -> ShareCard:
    """A product with `available` annotated by `marketplace.selectors.stock` (the one availability rule);
    `price` is the price as the website writes it in the active language."""
    available = int(getattr(product, "available", 0))
    line = price
    if available > 0:
        in_stock = _("in stock today")
        line = f"{line} · {in_stock}"
    return ShareCard(
        kind="product",
        object_id=product.pk,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        label=_("Product"),
        title=product.title,
        line=line,
        shop_name=product.shop.name,
        town=settings.LADENKARTE_TOWN,
        photo=product.image.name
        if product.image
        else (product.shop.photo.name if product.shop.photo else ""),
        highlight=available > 0,
    )


def card_for_post(post: Post, *, tz_name: str | None = None) -> ShareCard:
    ends = post.ends_at.astimezone(ZoneInfo(tz_name or post.shop.time_zone))
    return ShareCard(
        kind="post",
        object_id=post.pk,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        label=str(post.get_kind_display()).capitalize(),
        title=post.title,
        line=_("until %(date)s") % {"date": formats.date_format(ends, "D, j. N")},
        shop_name=post.shop.name,
        town=settings.LADENKARTE_TOWN,
        photo=post.photo.name if post.photo else (post.shop.photo.name if post.shop.photo else ""),
    )


def card_for_job(job: JobPosting) -> ShareCard:
    parts = [str(job.get_kind_display()).capitalize()]
    if job.hours_per_week:
        parts.append(_("%(h)s h/week") % {"h": job.hours_per_week})
    return ShareCard(
        kind="job",
        object_id=job.pk,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        label=_("We are hiring"),
        title=job.title,
        line=" · ".join(parts),
        shop_name=job.shop.name,
        town=settings.LADENKARTE_TOWN,
        photo=job.shop.photo.name if job.shop.photo else "",
    )
