"""Reads only the resident website needs: a shop's week as residents read it and a shop's shelf search.

Shops, products and curation come from `marketplace.selectors.shops` and `.curation`, shared with the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.postgres.search import SearchQuery
from django.db.models import Q, QuerySet

from geo.opening_hours import SOURCE_WEEKLY, EffectiveDay
from marketplace.models import SEARCH_CONFIG, Product, Shop
from marketplace.selectors.hours import pickup_lead, shop_schedule
from marketplace.selectors.shops import products_listed_for_shop

SPECIAL_DAYS_AHEAD = 60


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


@dataclass(frozen=True)
class ShopWeek:
    """A shop's hours as a resident reads them: this week Monday to Sunday, special days ahead, now."""

    week: list[EffectiveDay]
    today: date
    special_ahead: list[EffectiveDay]
    open_now: bool
    pickup_today_until: datetime | None
    next_pickup_from: datetime | None


def shop_week(*, shop: Shop, now: datetime) -> ShopWeek:
    """Effective hours of the current local week, the special or city days of the next 60 days, and
    whether the shop is open and until when an order placed now can be collected."""
    today = now.astimezone(ZoneInfo(shop.time_zone)).date()
    monday = today - timedelta(days=today.weekday())
    schedule = shop_schedule(shop, start=monday, days=(today - monday).days + SPECIAL_DAYS_AHEAD)
    lead = pickup_lead(shop)
    return ShopWeek(
        week=schedule.days(monday, 7),
        today=today,
        special_ahead=[
            day for day in schedule.days(today, SPECIAL_DAYS_AHEAD) if day.source != SOURCE_WEEKLY
        ],
        open_now=schedule.is_open(now),
        pickup_today_until=schedule.pickup_today_until(now, lead),
        # a shop that takes no reservations for later days offers nothing "from tomorrow" (decision 2100)
        next_pickup_from=schedule.next_pickup_from(now, lead) if shop.pickup_later_days else None,
    )
