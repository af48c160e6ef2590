"""The city's curation: featured shops and themed collections of shops and products, with publish windows.

The admin forms call these services (through `clean`/`save_model`), so the rules hold wherever curation
happens: a window ends after it starts; a collection item is a shop or a product, never both, never twice.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from marketplace.exceptions import ValidationFailed
from marketplace.models import Collection, CollectionItem, FeaturedShop, Product, Shop
from marketplace.services.shops import shop_slug_for


def publish_window_check(*, publish_from: datetime | None, publish_until: datetime | None) -> None:
    """Aware datetimes only, and the end after the start."""
    for name, value in (("publish_from", publish_from), ("publish_until", publish_until)):
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise ValidationFailed(details={name: [_("A time with time zone is required.")]})
    if publish_from is not None and publish_until is not None and publish_until <= publish_from:
        raise ValidationFailed(
            _("The publish window ends before it starts."),
            details={"publish_until": [_("Must be later than “publish from”.")]},
        )


@transaction.atomic
def featured_shop_create(
    *,
    shop: Shop,
    title: str = "",
    text: str = "",
    position: int | None = None,
    publish_from: datetime | None = None,
    publish_until: datetime | None = None,
) -> FeaturedShop:
    """Feature a shop on the home page for a while (it shows only while the shop is active)."""
    publish_window_check(publish_from=publish_from, publish_until=publish_until)
    if position is None:
        position = (FeaturedShop.objects.aggregate(top=Max("position"))["top"] or 0) + 1
    return FeaturedShop.objects.create(
        shop=shop,
        title=title.strip(),
        text=text.strip(),
        position=position,
        publish_from=publish_from,
        publish_until=publish_until,
    )


@transaction.atomic
def collection_create(
    *,
    title: str,
    text: str = "",
    slug: str = "",
    title_en: str = "",
    text_en: str = "",
    position: int = 0,
    publish_from: datetime | None = None,
    publish_until: datetime | None = None,
) -> Collection:
    """A new themed collection (empty; add shops and products with `collection_item_add`)."""
    if not title.strip():
        raise ValidationFailed(details={"title": [_("This field is required.")]})
    publish_window_check(publish_from=publish_from, publish_until=publish_until)
    slug = slug or shop_slug_for(title)  # the same transliteration; uniqueness is checked below
    if Collection.objects.filter(slug=slug).exists():
        raise ValidationFailed(details={"slug": [_("This address is taken already.")]})
    return Collection.objects.create(
        title=title.strip(),
        title_en=title_en.strip(),
        slug=slug,
        text=text,
        text_en=text_en,
        position=position,
        publish_from=publish_from,
        publish_until=publish_until,
    )


@transaction.atomic
def collection_item_add(
    *,
    collection: Collection,
    shop: Shop | None = None,
    product: Product | None = None,
    position: int | None = None,
    note: str = "",
) -> CollectionItem:
    """Add a shop or a product (exactly one) to a collection, at the end unless `position` is given."""
    if (shop is None) == (product is None):
        raise ValidationFailed(
            _("Choose either a shop or a product."),
            details={"shop": [_("Choose either a shop or a product.")]},
        )
    if position is None:
        position = (collection.items.aggregate(top=Max("position"))["top"] or 0) + 1
    try:
        with transaction.atomic():
            return CollectionItem.objects.create(
                collection=collection, shop=shop, product=product, position=position, note=note.strip()
            )
    except IntegrityError:
        raise ValidationFailed(
            _("This is in the collection already."),
            details={"item": [_("This is in the collection already.")]},
        ) from None
