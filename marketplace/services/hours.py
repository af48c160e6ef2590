"""A shop's weekly opening hours (replaced as a whole) and its special days (closed or other hours)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from itertools import pairwise

from django.db import transaction
from django.utils.translation import gettext

from marketplace.exceptions import ValidationFailed
from marketplace.models import OpeningHours, Shop, SpecialDay

MAX_INTERVALS_PER_DAY = 4
LATEST_PAST_MIDNIGHT = time(6, 0)


@dataclass(frozen=True)
class HoursInterval:
    weekday: int
    opens: time
    closes: time


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _span(opens: time, closes: time) -> tuple[int, int]:
    end = _minutes(closes)
    if closes <= opens:
        end += 24 * 60
    return _minutes(opens), end


def check_intervals(intervals: list[tuple[time, time]], *, label: str) -> list[str]:
    """Errors of one day's intervals: order, past-midnight limit, overlaps, count."""
    errors = []
    if len(intervals) > MAX_INTERVALS_PER_DAY:
        errors.append(
            gettext("%(day)s: at most %(max)d intervals a day.")
            % {"day": label, "max": MAX_INTERVALS_PER_DAY}
        )
    spans = []
    for opens, closes in intervals:
        if opens == closes:
            errors.append(
                gettext("%(day)s: %(interval)s opens and closes at the same time.")
                % {"day": label, "interval": f"{opens:%H:%M}-{closes:%H:%M}"}
            )
            continue
        if closes < opens and (closes > LATEST_PAST_MIDNIGHT or opens <= LATEST_PAST_MIDNIGHT):
            errors.append(
                gettext("%(day)s: %(interval)s closes before it opens.")
                % {"day": label, "interval": f"{opens:%H:%M}-{closes:%H:%M}"}
            )
            continue
        spans.append(_span(opens, closes))
    spans.sort()
    for (_, end), (start, _) in pairwise(spans):
        if start < end:
            errors.append(gettext("%(day)s: intervals overlap.") % {"day": label})
            break
    return errors


@transaction.atomic
def opening_hours_replace(*, shop: Shop, intervals: list[HoursInterval]) -> list[OpeningHours]:
    """Replace the shop's whole week at once; an invalid week changes nothing."""
    errors: dict[str, list[str]] = {}
    by_day: dict[int, list[tuple[time, time]]] = {}
    for interval in intervals:
        if not 0 <= interval.weekday <= 6:
            errors.setdefault("weekday", []).append("weekday must be 0 (Monday) to 6 (Sunday).")
            continue
        by_day.setdefault(interval.weekday, []).append((interval.opens, interval.closes))
    for weekday, day_intervals in sorted(by_day.items()):
        problems = check_intervals(day_intervals, label=f"weekday {weekday}")
        if problems:
            errors[str(weekday)] = problems
    if errors:
        raise ValidationFailed(details=errors)
    Shop.objects.select_for_update().filter(pk=shop.pk).first()
    OpeningHours.objects.filter(shop=shop).delete()
    return OpeningHours.objects.bulk_create(
        [
            OpeningHours(shop=shop, weekday=interval.weekday, opens=interval.opens, closes=interval.closes)
            for interval in sorted(intervals, key=lambda item: (item.weekday, item.opens))
        ]
    )


def _interval_json(opens: time, closes: time) -> dict[str, str]:
    return {"opens": f"{opens:%H:%M}", "closes": f"{closes:%H:%M}"}


@transaction.atomic
def special_day_set(
    *, shop: Shop, day: date, closed: bool, intervals: list[tuple[time, time]], name: str = ""
) -> SpecialDay:
    """Add or replace the shop's rule for `day`: closed, or open with other intervals."""
    if closed and intervals:
        raise ValidationFailed(details={"intervals": [gettext("A closed day has no opening intervals.")]})
    if not closed and not intervals:
        raise ValidationFailed(
            details={"intervals": [gettext("An open special day needs at least one interval.")]}
        )
    problems = check_intervals(intervals, label=f"{day:%Y-%m-%d}")
    if problems:
        raise ValidationFailed(details={"intervals": problems})
    special, _ = SpecialDay.objects.update_or_create(
        shop=shop,
        date=day,
        defaults={
            "closed": closed,
            "intervals": [_interval_json(opens, closes) for opens, closes in sorted(intervals)],
            "name": name[:120],
        },
    )
    return special


@transaction.atomic
def special_day_delete(*, shop: Shop, day: date) -> bool:
    """Remove the shop's rule for `day`; returns whether there was one."""
    deleted, _ = SpecialDay.objects.filter(shop=shop, date=day).delete()
    return bool(deleted)
