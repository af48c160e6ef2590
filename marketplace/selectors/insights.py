"""Demand insights for the city: what residents search for, what they do not find, where and when;
how reservations go per shop; which shops let their stock go stale.

Everything here is aggregated. `SearchEvent` holds no personal data (no IP, no user, the location rounded
to 0.01°, about 1 km); query texts are shown only when at least `min_count` searches used them
(LADENKARTE_INSIGHTS_MIN_COUNT), so a one-off text that could identify someone stays hidden if the city
wants that. Districts: a search is assigned the district of the nearest shop that has one (within
DISTRICT_MAX_KM), see docs/decisions/0501-insights-districts.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import Lower, Trim
from django.utils import timezone

from marketplace.models import Product, Reservation, SearchEvent
from marketplace.selectors.data_health import stale_stock_shops

DISTRICT_MAX_KM = 3.0
NO_LOCATION = ""
OUTSIDE = "-"


@dataclass(frozen=True)
class Period:
    """A half-open time span [start, end) of the report."""

    start: datetime
    end: datetime

    @classmethod
    def last_days(cls, days: int, *, now: datetime | None = None) -> Period:
        now = now or timezone.now()
        return cls(start=now - timedelta(days=days), end=now)


@dataclass(frozen=True)
class QueryRow:
    query: str
    searches: int
    zero_results: int
    last_seen: datetime

    @property
    def zero_share(self) -> float:
        return self.zero_results / self.searches if self.searches else 0.0


@dataclass(frozen=True)
class WeekRow:
    year: int
    week: int
    week_start: date
    searches: int
    zero_results: int


@dataclass(frozen=True)
class DistrictRow:
    district: str  # NO_LOCATION: searches without a location; OUTSIDE: farther than DISTRICT_MAX_KM
    searches: int
    zero_results: int


@dataclass(frozen=True)
class ShopReservationRow:
    shop_id: int
    shop_name: str
    total: int
    collected: int
    no_show: int
    cancelled: int
    expired: int
    active: int

    @property
    def no_show_rate(self) -> float | None:
        """Share of the reservations that ended at the counter which were not collected."""
        ended = self.collected + self.no_show
        return self.no_show / ended if ended else None


@dataclass(frozen=True)
class StaleShopRow:
    shop_id: int
    shop_name: str
    products: int
    stale_products: int
    last_stock_update: datetime | None


def _min_count(min_count: int | None) -> int:
    return max(1, min_count if min_count is not None else settings.LADENKARTE_INSIGHTS_MIN_COUNT)


def _events(period: Period) -> QuerySet[SearchEvent]:
    return SearchEvent.objects.filter(created_at__gte=period.start, created_at__lt=period.end)


def _query_rows(period: Period, *, zero_only: bool, limit: int, min_count: int | None) -> list[QueryRow]:
    rows = (
        _events(period)
        .exclude(query="")
        .annotate(text=Lower(Trim("query")))
        .values("text")
        .annotate(
            searches=Count("pk"),
            zero_results=Count("pk", filter=Q(result_count=0)),
            last_seen=Max("created_at"),
        )
        .filter(searches__gte=_min_count(min_count))
    )
    if zero_only:
        rows = rows.filter(zero_results__gt=0).order_by("-zero_results", "-searches", "text")
    else:
        rows = rows.order_by("-searches", "-zero_results", "text")
    return [
        QueryRow(
            query=row["text"],
            searches=row["searches"],
            zero_results=row["zero_results"],
            last_seen=row["last_seen"],
        )
        for row in rows[:limit]
    ]


def insights_top_searches(*, period: Period, limit: int = 20, min_count: int | None = None) -> list[QueryRow]:
    """The most frequent search texts (case and surrounding spaces ignored)."""
    return _query_rows(period, zero_only=False, limit=limit, min_count=min_count)


def insights_zero_result_searches(
    *, period: Period, limit: int = 20, min_count: int | None = None
) -> list[QueryRow]:
    """Search texts that found nothing: what residents want and no shop offers (or calls otherwise)."""
    return _query_rows(period, zero_only=True, limit=limit, min_count=min_count)


def insights_by_week(*, period: Period) -> list[WeekRow]:
    """Searches and zero-result searches per ISO week (in the site's time zone)."""
    sql = """
        SELECT date_trunc('week', created_at AT TIME ZONE %s)::date AS week_start,
               count(*) AS searches,
               count(*) FILTER (WHERE result_count = 0) AS zero_results
        FROM marketplace_searchevent
        WHERE created_at >= %s AND created_at < %s
        GROUP BY 1 ORDER BY 1
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [settings.TIME_ZONE, period.start, period.end])
        rows = cursor.fetchall()
    result = []
    for week_start, searches, zero_results in rows:
        year, week, _weekday = week_start.isocalendar()
        result.append(
            WeekRow(year=year, week=week, week_start=week_start, searches=searches, zero_results=zero_results)
        )
    return result


def insights_by_district(*, period: Period) -> list[DistrictRow]:
    """Searches per district: each rounded location takes the district of the nearest shop that has one.

    The events are grouped by their (already rounded) cell first, so the nearest-shop lookup (a KNN index
    scan on the shops' GiST index) runs once per cell, not once per search.
    """
    sql = """
        WITH cells AS (
            SELECT lat, lng, count(*) AS searches, count(*) FILTER (WHERE result_count = 0) AS zero_results
            FROM marketplace_searchevent
            WHERE created_at >= %s AND created_at < %s
            GROUP BY lat, lng
        )
        SELECT CASE
                   WHEN cells.lat IS NULL OR cells.lng IS NULL THEN %s
                   WHEN nearest.district IS NULL OR nearest.distance_m > %s THEN %s
                   ELSE nearest.district
               END AS district,
               sum(cells.searches)::int, sum(cells.zero_results)::int
        FROM cells
        LEFT JOIN LATERAL (
            SELECT s.district,
                   ST_Distance(s.location, ST_SetSRID(ST_MakePoint(cells.lng, cells.lat), 4326)::geography)
                       AS distance_m
            FROM marketplace_shop s
            WHERE s.district <> '' AND cells.lat IS NOT NULL AND cells.lng IS NOT NULL
            ORDER BY s.location <-> ST_SetSRID(ST_MakePoint(cells.lng, cells.lat), 4326)::geography
            LIMIT 1
        ) nearest ON true
        GROUP BY 1
        ORDER BY 2 DESC, 1
    """
    params: list[datetime | str | float] = [
        period.start,
        period.end,
        NO_LOCATION,
        DISTRICT_MAX_KM * 1000,
        OUTSIDE,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [DistrictRow(district=row[0], searches=row[1], zero_results=row[2]) for row in rows]


def insights_reservations_by_shop(*, period: Period) -> list[ShopReservationRow]:
    """Reservations made in the period per shop, by outcome, with the no-show rate."""
    status = Reservation.Status
    rows = (
        Reservation.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
        .values("shop_id", "shop__name")
        .annotate(
            total=Count("pk"),
            collected=Count("pk", filter=Q(status=status.COLLECTED)),
            no_show=Count("pk", filter=Q(status=status.NO_SHOW)),
            cancelled=Count("pk", filter=Q(status=status.CANCELLED)),
            expired=Count("pk", filter=Q(status=status.EXPIRED)),
            active=Count("pk", filter=Q(status__in=Reservation.ACTIVE_STATUSES)),
        )
        .order_by("-total", "shop__name")
    )
    return [
        ShopReservationRow(
            shop_id=row["shop_id"],
            shop_name=row["shop__name"],
            total=row["total"],
            collected=row["collected"],
            no_show=row["no_show"],
            cancelled=row["cancelled"],
            expired=row["expired"],
            active=row["active"],
        )
        for row in rows
    ]


def insights_stale_stock_shops(*, now: datetime | None = None, limit: int = 50) -> list[StaleShopRow]:
    """Active shops with listed products whose stock was not confirmed recently, the stalest first."""
    now = now or timezone.now()
    return [
        StaleShopRow(
            shop_id=stale.shop.pk,
            shop_name=stale.shop.name,
            products=stale.listed_products,
            stale_products=stale.stale_products,
            last_stock_update=stale.last_stock_update,
        )
        for stale in stale_stock_shops(now=now, limit=limit)
    ]


def insights_summary(*, period: Period) -> dict[str, int | Decimal]:
    """Headline numbers of the period: searches, zero-result searches, reservations, listed products."""
    searches = _events(period).aggregate(total=Count("pk"), zero=Count("pk", filter=Q(result_count=0)))
    return {
        "searches": searches["total"],
        "zero_results": searches["zero"],
        "reservations": Reservation.objects.filter(
            created_at__gte=period.start, created_at__lt=period.end
        ).count(),
        "listed_products": Product.objects.listed().count(),
    }
