"""Load shops' weekly hours, special days and the city calendar into `geo.opening_hours.Schedule` values."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from geo.opening_hours import DayRule, Interval, Schedule
from marketplace.models import CityDay, OpeningHours, Shop, SpecialDay

# Schedules cover this many days around the reference date: enough for hold lengths and the hours endpoint.
DEFAULT_SPAN_DAYS = 70
# ... and this many days past the last day asked for (the pickup horizon).
SCHEDULE_MARGIN_DAYS = 15


def _parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def intervals_from_json(raw: Iterable[dict[str, str]]) -> tuple[Interval, ...]:
    """Intervals stored as [{"opens": "10:00", "closes": "14:00"}] on special and city days."""
    return tuple(
        Interval(opens=_parse_hhmm(item["opens"]), closes=_parse_hhmm(item["closes"])) for item in raw
    )


def _rule(*, closed: bool, intervals: Iterable[dict[str, str]], reason: str) -> DayRule:
    return DayRule(closed=closed, intervals=() if closed else intervals_from_json(intervals), reason=reason)


def city_day_rules(*, start: date, end: date) -> dict[date, DayRule]:
    """The city calendar between `start` and `end` (inclusive) as day rules."""
    return {
        day.date: _rule(closed=day.closed, intervals=day.intervals, reason=day.name)
        for day in CityDay.objects.filter(date__gte=start, date__lte=end)
    }


def schedules_for_shops(
    shops: Iterable[Shop],
    *,
    start: date | None = None,
    days: int = DEFAULT_SPAN_DAYS,
    city_days: dict[date, DayRule] | None = None,
) -> dict[int, Schedule]:
    """Schedules of several shops in three queries (weekly hours, special days, city days)."""
    shops = list(shops)
    start = start or timezone.localdate() - timedelta(days=1)
    end = start + timedelta(days=days)
    ids = [shop.pk for shop in shops]
    weekly: dict[int, dict[int, list[Interval]]] = defaultdict(lambda: defaultdict(list))
    # plain tuples, not model instances: the search's pickup board loads the hours of every shop
    rows = OpeningHours.objects.filter(shop_id__in=ids).order_by("weekday", "opens")
    for shop_id, weekday, opens, closes in rows.values_list("shop_id", "weekday", "opens", "closes"):
        weekly[shop_id][weekday].append(Interval(opens=opens, closes=closes))
    special: dict[int, dict[date, DayRule]] = defaultdict(dict)
    for day in SpecialDay.objects.filter(shop_id__in=ids, date__gte=start, date__lte=end):
        special[day.shop_id][day.date] = _rule(closed=day.closed, intervals=day.intervals, reason=day.name)
    if city_days is None:
        city_days = city_day_rules(start=start, end=end)
    return {
        shop.pk: Schedule(
            tz=ZoneInfo(shop.time_zone),
            weekly={weekday: tuple(items) for weekday, items in weekly[shop.pk].items()},
            city_days=city_days,
            special_days=special[shop.pk],
        )
        for shop in shops
    }


def shop_schedule(
    shop: Shop,
    *,
    start: date | None = None,
    days: int = DEFAULT_SPAN_DAYS,
    now: datetime | None = None,
) -> Schedule:
    """One shop's schedule from the day before `start` (default: today at `now`) to `days` days after it,
    plus the pickup horizon (a hold or pickup day chosen on the last day still finds its hours)."""
    start = start or timezone.localdate(now or timezone.now())
    span = days + 1 + SCHEDULE_MARGIN_DAYS
    return schedules_for_shops([shop], start=start - timedelta(days=1), days=span)[shop.pk]


def pickup_lead(shop: Shop) -> timedelta:
    return timedelta(minutes=shop.pickup_lead_minutes)
