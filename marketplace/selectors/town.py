"""How the town is doing: daily figures for the city workspace ("The town this week") and the monthly
report for the council.

Days are local days of the site's time zone. Flows (searches, reservations placed, collected, not
collected) are counted per day from their own timestamps, so any past week or month can be recounted.
States (shops on the map, shops with fresh stock, products with fresh stock) exist only as of now: the
database keeps no history of them, and the pages say "as of" (docs/decisions/0502-city-workspace.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from marketplace.models import Product, Reservation, Shop
from marketplace.selectors.insights import (
    Period,
    QueryRow,
    insights_top_searches,
    insights_zero_result_searches,
)
from marketplace.selectors.stock import stock_fresh_q

# metric key -> (table, time column, extra condition); the SQL below counts rows per local day.
_FLOWS: dict[str, tuple[str, str, str]] = {
    "searches": ("marketplace_searchevent", "created_at", "TRUE"),
    "zero_results": ("marketplace_searchevent", "created_at", "result_count = 0"),
    "reservations": ("marketplace_reservation", "created_at", "TRUE"),
    "collected": ("marketplace_reservation", "closed_at", f"status = '{Reservation.Status.COLLECTED}'"),
    "no_show": ("marketplace_reservation", "closed_at", f"status = '{Reservation.Status.NO_SHOW}'"),
}
FLOW_KEYS = tuple(_FLOWS)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=_zone())


def daily_counts(*, metric: str, first: date, last: date) -> list[int]:
    """Count of `metric` for every local day from `first` to `last` (inclusive), zeros included."""
    table, column, condition = _FLOWS[metric]
    sql = f"""
        SELECT ({column} AT TIME ZONE %s)::date AS day, count(*)
        FROM {table}
        WHERE {column} >= %s AND {column} < %s AND {condition}
        GROUP BY 1
    """  # noqa: S608 - table, column and condition come from _FLOWS, never from input
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [settings.TIME_ZONE, local_midnight(first), local_midnight(last + timedelta(days=1))]
        )
        found = dict(cursor.fetchall())
    days = (last - first).days + 1
    return [int(found.get(first + timedelta(days=offset), 0)) for offset in range(days)]


@dataclass(frozen=True)
class Trend:
    """A flow over the last weeks: the daily values (oldest first), this week's and last week's sums."""

    key: str
    daily: tuple[int, ...]
    this_week: int
    last_week: int

    @property
    def change(self) -> int:
        return self.this_week - self.last_week

    @property
    def change_percent(self) -> int | None:
        if not self.last_week:
            return None
        return round(100 * self.change / self.last_week)


@dataclass(frozen=True)
class TownState:
    """The town as of now: shops on the map, those with fresh stock, products with fresh stock."""

    shops_listed: int
    shops_live: int
    shops_pending: int
    shops_osm_listed: int  # listings from OpenStreetMap nobody has claimed yet (on the map, no stock)
    products_listed: int
    products_fresh: int

    @property
    def fresh_share(self) -> float | None:
        return self.products_fresh / self.products_listed if self.products_listed else None

    @property
    def coverage(self) -> float | None:
        """Share of the shops on the map that show stock someone confirmed recently."""
        return self.shops_live / self.shops_listed if self.shops_listed else None


@dataclass(frozen=True)
class TownWeek:
    today: date
    trends: dict[str, Trend]
    state: TownState
    not_found: list[QueryRow]
    top: list[QueryRow]


def town_state(*, now: datetime | None = None) -> TownState:
    """Shops on the map (active), shops with fresh stock ("live"), listed and fresh products, as of now."""
    now = now or timezone.now()
    listed = Product.objects.listed()
    fresh = listed.filter(stock_fresh_q(now=now))
    shops = Shop.objects.aggregate(
        listed=Count("pk", filter=Q(status=Shop.Status.ACTIVE)),
        pending=Count("pk", filter=Q(status=Shop.Status.PENDING)),
        osm_listed=Count("pk", filter=Q(status=Shop.Status.LISTED)),
    )
    live = (
        Shop.objects.active()
        .filter(Exists(Product.objects.filter(stock_fresh_q(now=now), shop=OuterRef("pk"), active=True)))
        .count()
    )
    return TownState(
        shops_listed=shops["listed"],
        shops_live=live,
        shops_pending=shops["pending"],
        shops_osm_listed=shops["osm_listed"],
        products_listed=listed.count(),
        products_fresh=fresh.count(),
    )


def town_week(*, now: datetime | None = None, weeks: int = 4) -> TownWeek:
    """The last `weeks` weeks day by day (sparklines), this week = the last 7 days including today."""
    now = now or timezone.now()
    today = timezone.localdate(now, _zone())
    first = today - timedelta(days=7 * weeks - 1)
    trends = {}
    for key in FLOW_KEYS:
        daily = daily_counts(metric=key, first=first, last=today)
        trends[key] = Trend(
            key=key, daily=tuple(daily), this_week=sum(daily[-7:]), last_week=sum(daily[-14:-7])
        )
    week = Period(start=local_midnight(today - timedelta(days=6)), end=now)
    return TownWeek(
        today=today,
        trends=trends,
        state=town_state(now=now),
        not_found=insights_zero_result_searches(period=week, limit=10),
        top=insights_top_searches(period=week, limit=10),
    )


# --- the monthly report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthReport:
    """The council's monthly figures: flows of the month, the state as of `as_of`, what was not found."""

    month: date  # the first day of the month
    as_of: datetime
    days: tuple[date, ...]
    daily: dict[str, tuple[int, ...]]
    totals: dict[str, int]
    shops_registered: int
    shops_approved: int
    reservations_cancelled: int
    reservations_expired: int
    state: TownState
    top: list[QueryRow]
    not_found: list[QueryRow]

    @property
    def pickup_rate(self) -> float | None:
        """Of the reservations that ended at the counter, the share that was collected."""
        ended = self.totals["collected"] + self.totals["no_show"]
        return self.totals["collected"] / ended if ended else None

    @property
    def zero_share(self) -> float | None:
        return self.totals["zero_results"] / self.totals["searches"] if self.totals["searches"] else None


def month_first(value: date) -> date:
    return value.replace(day=1)


def month_after(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_report(*, month: date, now: datetime | None = None) -> MonthReport:
    """The figures of one calendar month (local time); the state figures are as of `now`."""
    now = now or timezone.now()
    first = month_first(month)
    after = month_after(first)
    last = after - timedelta(days=1)
    start, end = local_midnight(first), local_midnight(after)
    daily = {key: tuple(daily_counts(metric=key, first=first, last=last)) for key in FLOW_KEYS}
    period = Period(start=start, end=end)
    ended = Reservation.objects.filter(closed_at__gte=start, closed_at__lt=end)
    return MonthReport(
        month=first,
        as_of=now,
        days=tuple(first + timedelta(days=offset) for offset in range((last - first).days + 1)),
        daily=daily,
        totals={key: sum(values) for key, values in daily.items()},
        shops_registered=Shop.objects.filter(created_at__gte=start, created_at__lt=end).count(),
        shops_approved=Shop.objects.filter(approved_at__gte=start, approved_at__lt=end).count(),
        reservations_cancelled=ended.filter(status=Reservation.Status.CANCELLED).count(),
        reservations_expired=ended.filter(status=Reservation.Status.EXPIRED).count(),
        state=town_state(now=now),
        top=insights_top_searches(period=period, limit=10),
        not_found=insights_zero_result_searches(period=period, limit=10),
    )
