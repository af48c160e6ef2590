"""Reads only the resident website needs: a shop's shelf search.

Shops, products, a shop's week and curation come from `marketplace.selectors.shops` and `.curation`, shared
with the API.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.postgres.search import SearchQuery
from django.db.models import Q, QuerySet

from marketplace.models import SEARCH_CONFIG, Product, Shop
from marketplace.selectors.shops import products_listed_for_shop


def shop_products_matching(*, shop: Shop, now: datetime, q: str = "") -> QuerySet[Product]:
    """A shop's listed products (with `available`), those in stock first; `q` filters by German text
    search or a part of the title."""
    products = products_listed_for_shop(shop=shop, now=now)
    q = q.strip()
    if q:
        products = products.filter(
            Q(search_vector=SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch"))
            | Q(title__unaccent__icontains=q)
        )
    return products.order_by("-available", "title", "pk")
