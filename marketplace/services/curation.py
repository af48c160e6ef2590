"""The city's curation: featured shops and themed collections of shops and products, with publish windows.

The admin saves through these services (`save_model`, `save_formset`), so the rules hold wherever curation
happens: a window ends after it starts; a collection item is a shop or a product, never both, never twice;
a slot or an item without a position goes to the end.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.core.files import File
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
    image: File | None = None,
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
        image=image or "",
    )


FEATURED_FIELDS = frozenset({"shop", "title", "text", "image", "position", "publish_from", "publish_until"})


@transaction.atomic
def featured_shop_update(*, featured: FeaturedShop, changes: dict[str, Any]) -> FeaturedShop:
    """Change a featured slot (`changes`: field -> new value, `FEATURED_FIELDS`); the window stays ordered."""
    _apply(featured, changes, allowed=FEATURED_FIELDS, strip={"title", "text"})
    publish_window_check(publish_from=featured.publish_from, publish_until=featured.publish_until)
    if changes:
        featured.save(update_fields=sorted(changes))
    return featured


def _apply(obj: Any, changes: dict[str, Any], *, allowed: frozenset[str], strip: set[str]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    for name, value in changes.items():
        if name in strip and isinstance(value, str):
            value = value.strip()
        if name == "image" and not value:
            value = ""
        setattr(obj, name, value)


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
    image: File | None = None,
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
        image=image or "",
    )


COLLECTION_FIELDS = frozenset(
    {"title", "title_en", "slug", "text", "text_en", "image", "position", "publish_from", "publish_until"}
)


@transaction.atomic
def collection_update(*, collection: Collection, changes: dict[str, Any]) -> Collection:
    """Change a collection (`changes`: field -> new value of `COLLECTION_FIELDS`), checked like a new one."""
    _apply(collection, changes, allowed=COLLECTION_FIELDS, strip={"title", "title_en"})
    if not collection.title:
        raise ValidationFailed(details={"title": [_("This field is required.")]})
    publish_window_check(publish_from=collection.publish_from, publish_until=collection.publish_until)
    taken = Collection.objects.filter(slug=collection.slug).exclude(pk=collection.pk)
    if "slug" in changes and taken.exists():
        raise ValidationFailed(details={"slug": [_("This address is taken already.")]})
    if changes:
        collection.save(update_fields=sorted(changes))
    return collection


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
        raise _in_collection_already() from None


def _in_collection_already() -> ValidationFailed:
    return ValidationFailed(
        _("This is in the collection already."), details={"item": [_("This is in the collection already.")]}
    )


@transaction.atomic
def collection_item_update(
    *,
    item: CollectionItem,
    shop: Shop | None,
    product: Product | None,
    position: int | None = None,
    note: str = "",
) -> CollectionItem:
    """Change what an item shows (a shop or a product, exactly one), its position (None: the end) and note."""
    if (shop is None) == (product is None):
        raise ValidationFailed(
            _("Choose either a shop or a product."),
            details={"shop": [_("Choose either a shop or a product.")]},
        )
    if position is None:
        others = item.collection.items.exclude(pk=item.pk)
        position = (others.aggregate(top=Max("position"))["top"] or 0) + 1
    item.shop, item.product, item.position, item.note = shop, product, position, note.strip()
    try:
        with transaction.atomic():
            item.save(update_fields=["shop", "product", "position", "note"])
    except IntegrityError:
        raise _in_collection_already() from None
    return item


@transaction.atomic
def collection_item_remove(*, item: CollectionItem) -> None:
    """Take an item out of its collection."""
    item.delete()


COLLECTION_FROM_SEARCH_ITEMS = 12


@transaction.atomic
def collection_start_from_search(
    *, query: str, now: datetime | None = None, limit: int = COLLECTION_FROM_SEARCH_ITEMS
) -> Collection:
    """Start a collection from what residents searched for: titled after the search, holding up to `limit`
    listed products of active shops that match it (at most two per shop, the freshest stock first).

    It starts scheduled for tomorrow 00:00 (local), so the editor reviews it before residents see it.
    """
    from django.contrib.postgres.search import SearchQuery
    from django.db.models import Q
    from django.utils import timezone

    from marketplace.models import SEARCH_CONFIG

    now = now or timezone.now()
    text = " ".join(query.split())[:100]
    if not text:
        raise ValidationFailed(details={"query": [_("This field is required.")]})
    matches = (
        Product.objects.listed()
        .filter(
            Q(search_vector=SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch"))
            | Q(title__unaccent__icontains=text)
        )
        .order_by("-stock_updated_at", "pk")
        .only("pk", "shop_id")[: limit * 10]
    )
    chosen: list[Product] = []
    per_shop: dict[int, int] = {}
    for product in matches:
        if per_shop.get(product.shop_id, 0) < 2:
            per_shop[product.shop_id] = per_shop.get(product.shop_id, 0) + 1
            chosen.append(product)
        if len(chosen) >= limit:
            break
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    title = text[:1].upper() + text[1:]
    base = shop_slug_for(title)
    slug, counter = base, 2
    while Collection.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    collection = collection_create(
        title=title,
        slug=slug,
        publish_from=datetime.combine(tomorrow, time(0), tzinfo=timezone.get_current_timezone()),
    )
    CollectionItem.objects.bulk_create(
        CollectionItem(collection=collection, product=product, position=index)
        for index, product in enumerate(chosen, start=1)
    )
    return collection
