"""Values shown to residents, formatted for the active language: prices, distances, stock, pickup times.

Times are always shown in the shop's own time zone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import get_language, gettext, ngettext, pgettext

from marketplace.selectors.stock import availability_label


def _lang() -> str:
    return (get_language() or "de").split("-")[0]


def money(value: Decimal | float | int | None) -> str:
    """ "12,90 €" in German, "€12.90" in English."""
    if value is None:
        return ""
    number = formats.number_format(Decimal(value), decimal_pos=2, use_l10n=True, force_grouping=True)
    if _lang() == "de":
        return f"{number}\u00a0€"
    return f"€{number}"


def distance(metres: float | int | None) -> str:
    """ "350 m" below one kilometre, else "1,2 km" (one decimal below 10 km)."""
    if metres is None:
        return ""
    metres = float(metres)
    if metres < 1000:
        return f"{round(metres / 10) * 10:.0f}\u00a0m"
    km = metres / 1000
    decimals = 1 if km < 10 else 0
    return f"{formats.number_format(km, decimal_pos=decimals, use_l10n=True)}\u00a0km"


def availability_words(available: int | None, *, fresh: bool = True, mode: str = "counted") -> str:
    """ "3 in stock", "only 1 left", "out of stock" (German: "3 auf Lager", "nur noch 1", "ausverkauft");
    "stock not confirmed" when the shop has not confirmed the figure recently (`stock_fresh` false). By
    stock mode (decision 1600): "in stock" without a count, "always available", "orderable for the next
    opening day"."""
    if mode == "always":
        return gettext("always available")
    if mode == "next_day":
        return gettext("orderable for the next opening day")
    if not fresh:
        return gettext("stock not confirmed")
    count = int(available or 0)
    label = availability_label(count, mode)
    if label == "out_of_stock":
        return gettext("out of stock")
    if mode == "toggle":
        return gettext("in stock (no count)")
    if label == "limited":
        return ngettext("only %(count)s left", "only %(count)s left", count) % {"count": count}
    return ngettext("%(count)s in stock", "%(count)s in stock", count) % {"count": count}


def stock_mode_note(mode: str) -> str:
    """What a stock mode means for a resident, in one plain sentence ("" for counted stock)."""
    if mode == "toggle":
        return gettext(
            "The shop says whether it has this in stock, without a count. You can reserve 1 or 2; "
            "the shop confirms that they are there before your reservation counts."
        )
    if mode == "always":
        return gettext("Always available: a service or made to order. Reserve it for any pickup day.")
    if mode == "next_day":
        return gettext(
            "Not on the shelf, but the shop can get it by its next opening day: you can pick it up from then."
        )
    return ""


def freshness(updated_at: datetime | None, *, now: datetime | None = None) -> str:
    """ "Stock updated 12 min ago" (German: "Bestand vor 12 Min. aktualisiert")."""
    if updated_at is None:
        return ""
    now = now or timezone.now()
    age = max(now - updated_at, timedelta(0))
    minutes = int(age.total_seconds() // 60)
    if minutes < 1:
        return gettext("Stock updated just now")
    if minutes < 60:
        return gettext("Stock updated %(count)s min ago") % {"count": minutes}
    hours = minutes // 60
    if hours < 24:
        return gettext("Stock updated %(count)s h ago") % {"count": hours}
    days = hours // 24
    return ngettext("Stock updated %(count)s day ago", "Stock updated %(count)s days ago", days) % {
        "count": days
    }


def local(moment: datetime, tz_name: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz_name))


def clock(moment: datetime, tz_name: str) -> str:
    """The wall-clock time in the shop's zone, "18:00"."""
    return local(moment, tz_name).strftime("%H:%M")


def day_label(day: date, *, today: date) -> str:
    """ "today", "tomorrow" or a short date such as "Sa., 12. Okt." / "Sat 12 Oct"."""
    if day == today:
        return gettext("today")
    if day == today + timedelta(days=1):
        return gettext("tomorrow")
    return formats.date_format(day, pgettext("short date with weekday (Django date format)", "D j M"))


def pickup_words(
    *,
    pickup_today_until: datetime | None,
    next_pickup_from: datetime | None,
    tz_name: str,
    now: datetime | None = None,
) -> str:
    """ "pick up today until 18:00" or "pick up from tomorrow 09:00"; empty when no pickup is known."""
    if pickup_today_until is not None:
        return gettext("pick up today until %(time)s") % {"time": clock(pickup_today_until, tz_name)}
    if next_pickup_from is not None:
        today = local(now or timezone.now(), tz_name).date()
        start = local(next_pickup_from, tz_name)
        return gettext("pick up from %(day)s %(time)s") % {
            "day": day_label(start.date(), today=today),
            "time": clock(start, tz_name),
        }
    return gettext("no pickup possible in the next days")


def pickup_day_label(
    *, day: date, starts: datetime, ends: datetime, tz_name: str, now: datetime, until_only: bool = False
) -> str:
    """A pickup day as the form and the confirmation show it: "Heute bis 19:00", "Morgen, Mi 09:30-19:00",
    "Do., 10. Dez., 09:30-19:00" (`until_only`: today, when pickup is possible right away)."""
    today = local(now, tz_name).date()
    start, end = clock(starts, tz_name), clock(ends, tz_name)
    if day == today:
        if until_only:
            return gettext("Today until %(end)s") % {"end": end}
        return gettext("Today, %(start)s-%(end)s") % {"start": start, "end": end}
    if day == today + timedelta(days=1):
        return gettext("Tomorrow, %(weekday)s %(start)s-%(end)s") % {
            "weekday": formats.date_format(day, "D"),
            "start": start,
            "end": end,
        }
    return gettext("%(day)s, %(start)s-%(end)s") % {
        "day": day_label(day, today=today),
        "start": start,
        "end": end,
    }


def date_long(moment: datetime | date, tz_name: str | None = None) -> str:
    """ "Samstag, 12. Oktober" / "Saturday 12 October"."""
    if isinstance(moment, datetime) and tz_name:
        moment = local(moment, tz_name).date()
    return formats.date_format(moment, pgettext("long date with weekday (Django date format)", "l j F"))
