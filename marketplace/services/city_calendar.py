"""The city calendar: public holidays of the Bundesland, late-opening Sundays and town events.

A city day applies to every shop; a shop opts out with its own special day (the schedule's precedence is
shop special day > city day > weekly hours). Imported holidays carry `source=import`; once a city editor
changes such a day it becomes `manual` and the import leaves it alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import holidays
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo.opening_hours import parse_interval
from marketplace.exceptions import ValidationFailed
from marketplace.models import CityDay


@dataclass(frozen=True)
class HolidayImport:
    """What an import did: days created, renamed, unchanged, and left alone because an editor owns them."""

    created: int
    updated: int
    unchanged: int
    kept_manual: int
    years: tuple[int, ...]


def intervals_clean(raw: Iterable[Mapping[str, str]] | Iterable[str]) -> list[dict[str, str]]:
    """Validate opening intervals given as [{"opens", "closes"}] or ["10:00-18:00"]; normalised, sorted."""
    cleaned = []
    for item in raw:
        text = item if isinstance(item, str) else f"{item.get('opens', '')}-{item.get('closes', '')}"
        try:
            interval = parse_interval(str(text))
        except ValueError as exc:
            raise ValidationFailed(
                _("Enter opening times like 10:00-18:00."), details={"intervals": [str(exc)]}
            ) from exc
        closes = "24:00" if interval.past_midnight and interval.closes.hour == 0 else None
        cleaned.append({"opens": f"{interval.opens:%H:%M}", "closes": closes or f"{interval.closes:%H:%M}"})
    return sorted(cleaned, key=lambda item: item["opens"])


def public_holidays(*, years: Iterable[int], state: str | None = None) -> dict[date, str]:
    """The public holidays of the Bundesland (German names), from the `holidays` package."""
    calendar = holidays.country_holidays(
        "DE", subdiv=state or settings.LADENKARTE_STATE, years=list(years), language="de"
    )
    return dict(sorted(calendar.items()))


@transaction.atomic
def city_holidays_import(
    *, years: int = 2, first_year: int | None = None, state: str | None = None, today: date | None = None
) -> HolidayImport:
    """Add the public holidays of `years` years from `first_year` (this year); safe to run again.

    Creates missing days as closed holidays; renames days it created earlier when the package renamed
    them; never touches a day a city editor created or changed.
    """
    if not 1 <= years <= 10:
        raise ValidationFailed(_("Import between 1 and 10 years."), details={"years": [str(years)]})
    first_year = first_year or (today or timezone.localdate()).year
    span = tuple(range(first_year, first_year + years))
    wanted = public_holidays(years=span, state=state)
    existing = {day.date: day for day in CityDay.objects.select_for_update().filter(date__in=list(wanted))}
    created = updated = unchanged = kept = 0
    to_create = []
    for day_date, name in wanted.items():
        current = existing.get(day_date)
        if current is None:
            to_create.append(
                CityDay(
                    date=day_date,
                    kind=CityDay.Kind.HOLIDAY,
                    name=name[:120],
                    closed=True,
                    intervals=[],
                    source=CityDay.Source.IMPORT,
                )
            )
            created += 1
        elif current.source == CityDay.Source.MANUAL:
            kept += 1
        elif (current.name, current.kind, current.closed) != (name[:120], CityDay.Kind.HOLIDAY, True):
            current.name, current.kind, current.closed, current.intervals = (
                name[:120],
                CityDay.Kind.HOLIDAY,
                True,
                [],
            )
            current.save(update_fields=["name", "kind", "closed", "intervals"])
            updated += 1
        else:
            unchanged += 1
    # ignore_conflicts: a day an editor added concurrently wins over the import.
    CityDay.objects.bulk_create(to_create, ignore_conflicts=True)
    return HolidayImport(created=created, updated=updated, unchanged=unchanged, kept_manual=kept, years=span)


@transaction.atomic
def city_day_set(
    *,
    day: date,
    kind: str,
    name: str,
    closed: bool,
    intervals: Iterable[Mapping[str, str]] | Iterable[str] = (),
) -> CityDay:
    """Create or change the city day on `day` as a city editor (the holiday import keeps its hands off).

    Late-opening Sundays and town events are open days with hours for all shops; holidays usually close.
    """
    if kind not in CityDay.Kind.values:
        raise ValidationFailed(details={"kind": [_("Unknown kind of day.")]})
    if not name.strip():
        raise ValidationFailed(details={"name": [_("This field is required.")]})
    cleaned = [] if closed else intervals_clean(intervals)
    if not closed and not cleaned:
        raise ValidationFailed(
            _("An open day needs opening times."), details={"intervals": [_("Enter opening times.")]}
        )
    city_day, _created = CityDay.objects.update_or_create(
        date=day,
        defaults={
            "kind": kind,
            "name": name.strip()[:120],
            "closed": closed,
            "intervals": cleaned,
            "source": CityDay.Source.MANUAL,
        },
    )
    return city_day
