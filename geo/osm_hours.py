"""OpenStreetMap `opening_hours` into weekly hours and special days, with what could not be carried over.

Values in, values out. The expression is parsed and evaluated by `opening-hours-py` (the maintained
OpenStreetMap parser); this module only turns the evaluated year into Ladenkarte's shape: a weekly rule
(for each weekday the hours it has most often), special days for the dates that differ within the horizon,
and a list of problems for what the shape cannot hold. Public holidays are the city calendar's business:
`PH off` is what the calendar does anyway, so holidays never become special days.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import opening_hours

from geo.opening_hours import DayRule, Interval

# Problem codes (stable: stored on the shop's OSM record and shown to the merchant).
SYNTAX = "syntax"  # the library cannot parse the expression
COMMENT = "comment"  # a comment such as "nach Vereinbarung" qualifies the hours
UNKNOWN = "unknown"  # "unknown" states or fallback rules
VARIABLE = "variable"  # sunrise/sunset, open ends ("18:00+"), school holidays: no fixed hours
HOLIDAY_HOURS = "holiday_hours"  # open on public holidays: the city calendar closes shops then
LATE_CLOSING = "late_closing"  # a day opening before 06:00 and closing past midnight
IRREGULAR = "irregular"  # too many dates differ from the weekly rule to list as special days
WHOLE_DAY = "whole_day"  # open around the clock (24/7): weekly hours have no whole-day interval

HORIZON_DAYS = 366
MAX_SPECIAL_DAYS = 60
LATEST_CLOSING_PAST_MIDNIGHT = time(6, 0)

_VARIABLE_TEXT = re.compile(r"sunrise|sunset|dawn|dusk|\d\+|\bSH\b", re.IGNORECASE)
_PH_RULE = re.compile(r"\bPH\b(?P<rest>[^;]*)")
_OFF_WORDS = frozenset({"off", "closed"})

_DayHours = tuple[Interval, ...]


@dataclass(frozen=True)
class OsmHours:
    """An `opening_hours` value as Ladenkarte can keep it; `problems` is empty when nothing was lost."""

    text: str
    weekly: dict[int, _DayHours] = field(default_factory=dict)
    special_days: dict[date, DayRule] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @property
    def exact(self) -> bool:
        return not self.problems


def osm_hours_parse(
    text: str,
    *,
    tz: ZoneInfo,
    start: date,
    public_holidays: Collection[date] = (),
    horizon_days: int = HORIZON_DAYS,
) -> OsmHours:
    """Parse `text` and evaluate it over `horizon_days` from `start` in the shop's zone.

    `public_holidays` are the town's public holidays: a closed public holiday is the city calendar's
    business and never becomes a special day.
    """
    text = text.strip()
    if not text:
        return OsmHours(text="")
    try:
        parsed = opening_hours.OpeningHours(text, timezone=tz, country="DE")
    except (SyntaxError, ValueError, opening_hours.ParserError):  # type: ignore[attr-defined]
        return OsmHours(text=text, problems=(SYNTAX,))
    problems: set[str] = set()
    if _VARIABLE_TEXT.search(text):
        problems.add(VARIABLE)
    if _opens_on_public_holidays(text):
        problems.add(HOLIDAY_HOURS)
    days = _evaluate(parsed, tz=tz, start=start, horizon_days=horizon_days, problems=problems)
    weekly = _weekly_rule(days)
    special: dict[date, DayRule] = {}
    for d, hours in sorted(days.items()):
        if hours == weekly.get(d.weekday(), ()):
            continue
        if not hours and d in public_holidays:
            continue  # the city calendar closes the town that day anyway
        special[d] = DayRule(closed=True) if not hours else DayRule(closed=False, intervals=hours)
    if VARIABLE in problems or len(special) > MAX_SPECIAL_DAYS:
        if VARIABLE not in problems:
            problems.add(IRREGULAR)
        special = {}
    return OsmHours(
        text=text,
        weekly={weekday: hours for weekday, hours in weekly.items() if hours},
        special_days=special,
        problems=tuple(sorted(problems)),
    )


def _opens_on_public_holidays(text: str) -> bool:
    for match in _PH_RULE.finditer(text):
        rest = match.group("rest").strip().strip(",").strip()
        if rest.lower() not in _OFF_WORDS:
            return True
    return False


def _evaluate(
    parsed: opening_hours.OpeningHours, *, tz: ZoneInfo, start: date, horizon_days: int, problems: set[str]
) -> dict[date, _DayHours]:
    """The open intervals of each local day, spans past midnight kept whole up to 06:00."""
    begin = datetime.combine(start, time(0), tzinfo=tz)
    end = datetime.combine(start + timedelta(days=horizon_days + 1), time(0), tzinfo=tz)
    by_day: dict[date, list[Interval]] = {start + timedelta(days=n): [] for n in range(horizon_days)}
    for opens_at, closes_at, state, comment in parsed.intervals(begin, end):
        if comment:
            problems.add(COMMENT)
        if state == opening_hours.State.UNKNOWN:
            problems.add(UNKNOWN)
            continue
        if state != opening_hours.State.OPEN:
            continue
        for d, interval in _split(opens_at.astimezone(tz), closes_at.astimezone(tz), problems):
            if d in by_day:
                by_day[d].append(interval)
    return {d: tuple(sorted(intervals, key=lambda i: i.opens)) for d, intervals in by_day.items()}


def _split(opens_at: datetime, closes_at: datetime, problems: set[str]) -> list[tuple[date, Interval]]:
    """One open span as intervals of the days it starts on; a span into the next morning (until 06:00)
    stays whole, as weekly hours keep it ("Fr 20:00-02:00")."""
    pieces: list[tuple[date, Interval]] = []
    cursor = opens_at
    while cursor < closes_at:
        day = cursor.date()
        next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=cursor.tzinfo)
        whole = closes_at <= next_midnight or (
            closes_at - next_midnight <= timedelta(hours=6) and cursor.time() > LATEST_CLOSING_PAST_MIDNIGHT
        )
        closes = closes_at.time() if whole else time(0)
        if cursor.time() == time(0) and closes == time(0):
            problems.add(WHOLE_DAY)  # open around the clock: opening hours here have no whole-day interval
        elif closes != time(0) and closes <= cursor.time() and cursor.time() <= LATEST_CLOSING_PAST_MIDNIGHT:
            problems.add(LATE_CLOSING)
        else:
            pieces.append((day, Interval(opens=cursor.time(), closes=closes)))
        if whole:
            break
        cursor = next_midnight
    return pieces


def _weekly_rule(days: dict[date, _DayHours]) -> dict[int, _DayHours]:
    """For each weekday the hours it has on most dates (ties: the earlier date's hours)."""
    counts: dict[int, Counter[_DayHours]] = {weekday: Counter() for weekday in range(7)}
    for _d, hours in sorted(days.items()):
        counts[_d.weekday()][hours] += 1
    return {weekday: counter.most_common(1)[0][0] for weekday, counter in counts.items() if counter}
