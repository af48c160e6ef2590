"""What the city has curated and is live now: featured shops and collections within their publish window.

Only active shops and listed products (active, of an active shop) are ever shown to residents.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from marketplace.exceptions import NotFound
from marketplace.models import Collection, CollectionItem, FeaturedShop, Product, Shop
from marketplace.selectors.stock import products_with_availability

_VISIBLE_ITEM = Q(items__shop__status=Shop.Status.ACTIVE) | Q(
    items__product__active=True, items__product__shop_active=True
)


def featured_shops_live(*, now: datetime | None = None) -> QuerySet[FeaturedShop]:
    """Featured slots live at `now` whose shop is active, in the city's order (one query)."""
    now = now or timezone.now()
    return (
        FeaturedShop.objects.live(at=now)
        .filter(shop__status=Shop.Status.ACTIVE)
        .select_related("shop")
        .order_by("position", "-publish_from", "pk")
    )


def collections_live(*, now: datetime | None = None) -> QuerySet[Collection]:
    """Collections live at `now`, each with `item_count` (visible items only), in the city's order."""
    now = now or timezone.now()
    live = cast(QuerySet[Collection], Collection.objects.live(at=now))
    return live.annotate(item_count=Count("items", filter=_VISIBLE_ITEM, distinct=True)).order_by(
        "position", "title", "pk"
    )


def collection_items_visible(*, now: datetime | None = None) -> QuerySet[CollectionItem]:
    """Collection items residents may see: active shops and listed products (with `available`)."""
    now = now or timezone.now()
    products = products_with_availability(Product.objects.all(), now=now)
    return (
        CollectionItem.objects.filter(
            Q(shop__status=Shop.Status.ACTIVE) | Q(product__active=True, product__shop_active=True)
        )
        .select_related("shop")
        .prefetch_related(Prefetch("product", queryset=products.select_related("shop", "category")))
        .order_by("position", "pk")
    )


def collection_get_live(*, slug: str, now: datetime | None = None) -> Collection:
    """One live collection with its visible items prefetched as `visible_items`; NotFound otherwise."""
    now = now or timezone.now()
    live = cast(QuerySet[Collection], Collection.objects.live(at=now))
    collection = (
        live.prefetch_related(
            Prefetch("items", queryset=collection_items_visible(now=now), to_attr="visible_items")
        )
        .filter(slug=slug)
        .first()
    )
    if collection is None:
        raise NotFound()
    return collection
