"""Opening hours of a shop: weekly hours, the city calendar and the shop's special days.

Values in, values out: nothing here touches the database. Rules hold local wall-clock times of the shop's
zone. Every datetime returned is aware and in that zone, and every comparison is made between instants (in
UTC), never between wall-clock readings: Python compares and subtracts two datetimes that share a tzinfo by
their wall clock, which is wrong around a DST change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SOURCE_WEEKLY = "weekly"
SOURCE_CITY = "city"
SOURCE_SHOP = "shop"

OSM_WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")

_ONE_DAY = timedelta(days=1)
_DIGITS = frozenset("0123456789")

# A span of time as two UTC instants, start inclusive, end exclusive.
_Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Interval:
    """Local wall-clock opening times; `closes <= opens` means the interval ends after midnight."""

    opens: time
    closes: time

    def __post_init__(self) -> None:
        for name in ("opens", "closes"):
            value = getattr(self, name)
            if not isinstance(value, time):
                raise TypeError(f"Interval.{name} must be a datetime.time, not {type(value).__name__}")
            if value.tzinfo is not None:
                raise ValueError(f"Interval.{name} must be a local wall-clock time without tzinfo")

    @property
    def past_midnight(self) -> bool:
        """True when the interval ends on the next day (`00:00` as closing time included)."""
        return self.closes <= self.opens

    def __str__(self) -> str:
        return f"{_hhmm(self.opens)}-{_hhmm(self.closes)}"


@dataclass(frozen=True)
class DayRule:
    """A city day (holiday, late-opening Sunday, town event) or a shop's special day."""

    closed: bool
    intervals: tuple[Interval, ...] = ()
    reason: str = ""

    def __post_init__(self) -> None:
        if self.closed and self.intervals:
            raise ValueError("a closed day rule cannot have opening intervals")
        if not self.closed and not self.intervals:
            raise ValueError("an open day rule needs at least one opening interval")


@dataclass(frozen=True)
class EffectiveDay:
    """The hours that apply on one date after weighing weekly hours, city calendar and special days."""

    date: date
    closed: bool
    intervals: tuple[Interval, ...]
    reason: str
    source: str


@dataclass(frozen=True)
class Window:
    """One opening interval as aware datetimes in the shop's zone."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _utc(self.start)
        if _utc(self.end) < _utc(self.start):
            raise ValueError("a window cannot end before it starts")

    @property
    def duration(self) -> timedelta:
        """Elapsed time (not the wall-clock difference, which is wrong across a DST change)."""
        return _utc(self.end) - _utc(self.start)

    def __contains__(self, at: datetime) -> bool:
        return _utc(self.start) <= _utc(at) < _utc(self.end)


@dataclass(frozen=True)
class Schedule:
    """A shop's opening hours; precedence is shop special day > city day > weekly hours."""

    tz: ZoneInfo
    weekly: Mapping[int, tuple[Interval, ...]]
    city_days: Mapping[date, DayRule] = field(default_factory=dict)
    special_days: Mapping[date, DayRule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_weekdays(self.weekly)

    def day(self, d: date) -> EffectiveDay:
        """The hours of `d`: the shop's special day, else the city day, else the weekly hours."""
        for source, rules in ((SOURCE_SHOP, self.special_days), (SOURCE_CITY, self.city_days)):
            rule = rules.get(d)
            if rule is not None:
                intervals = () if rule.closed else _sorted(rule.intervals)
                return EffectiveDay(
                    date=d, closed=not intervals, intervals=intervals, reason=rule.reason, source=source
                )
        intervals = _sorted(self.weekly.get(d.weekday(), ()))
        return EffectiveDay(
            date=d, closed=not intervals, intervals=intervals, reason="", source=SOURCE_WEEKLY
        )

    def days(self, start: date, count: int) -> list[EffectiveDay]:
        """`count` consecutive days from `start` on."""
        if count < 0:
            raise ValueError(f"count must not be negative, got {count}")
        return [self.day(start + timedelta(days=offset)) for offset in range(count)]

    def windows(self, d: date) -> list[Window]:
        """The opening windows that start on `d`, sorted, overlapping ones merged; DST-correct."""
        return [self._window(span) for span in self._spans(d)]

    def is_open(self, at: datetime) -> bool:
        """Whether the shop is open at the instant `at` (a window of the day before may still run)."""
        instant = _utc(at)
        return any(start <= instant < end for start, end in self._spans_touching(self._local_date(at)))

    def next_pickup(self, now: datetime, lead: timedelta, horizon_days: int = 14) -> Window | None:
        """The first window, today or later, whose end is at least `lead` after `now`.

        `start` is moved to `now + lead` when that is later. Looks at the shop's local today and the
        following `horizon_days` days.
        """
        found = self._find_pickup(now, lead, horizon_days)
        if found is None:
            return None
        _, span = found
        return self._window(span)

    def pickup_today_until(self, now: datetime, lead: timedelta) -> datetime | None:
        """Until when an order placed at `now` can be collected on the shop's local today, else None."""
        target = _utc(now) + _check_lead(lead)
        ends = [end for _, end in self._spans_touching(self._local_date(now))]
        if not ends or max(ends) < target:
            return None
        return max(ends).astimezone(self.tz)

    def next_pickup_from(self, now: datetime, lead: timedelta, horizon_days: int = 14) -> datetime | None:
        """When not collectable today: the earliest pickup on a later local day; None otherwise."""
        found = self._find_pickup(now, lead, horizon_days)
        if found is None:
            return None
        pickup_day, (start, _) = found
        if pickup_day == self._local_date(now):
            return None
        return start.astimezone(self.tz)

    def hold_until(self, now: datetime, lead: timedelta, horizon_days: int = 14) -> datetime | None:
        """Closing time of the first local day on which an order placed at `now` can still be collected."""
        found = self._find_pickup(now, lead, horizon_days)
        if found is None:
            return None
        pickup_day, _ = found
        return max(end for _, end in self._spans_touching(pickup_day)).astimezone(self.tz)

    def pickup_day(self, d: date, now: datetime, lead: timedelta) -> Window | None:
        """Pickup on the local day `d` for an order placed at `now`, else None (closed, or nothing left).

        `start` is the first moment of `d` at which the shop is open and `lead` has passed; `end` is the
        day's last closing time (what a hold on `d` lasts until, as `hold_until` for the first day).
        """
        target = _utc(now) + _check_lead(lead)
        spans = self._spans_touching(d)
        first = _first_span_ending_after(spans, target)
        if first is None:
            return None
        return self._window((max(first[0], target), max(end for _, end in spans)))

    def _local_date(self, at: datetime) -> date:
        return _utc(at).astimezone(self.tz).date()

    def _window(self, span: _Span) -> Window:
        return Window(start=span[0].astimezone(self.tz), end=span[1].astimezone(self.tz))

    def _spans(self, d: date) -> list[_Span]:
        spans = []
        for interval in self.day(d).intervals:
            start = _instant(d, interval.opens, self.tz, latest=False)
            closing_day = d + _ONE_DAY if interval.past_midnight else d
            end = _instant(closing_day, interval.closes, self.tz, latest=True)
            if start < end:  # an interval inside a skipped DST hour has no length
                spans.append((start, end))
        merged: list[_Span] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged

    def _spans_touching(self, d: date) -> list[_Span]:
        """The spans of `d` preceded by those of the day before that run past `d`'s midnight."""
        midnight = _instant(d, time(0), self.tz, latest=False)
        carried = [span for span in self._spans(d - _ONE_DAY) if span[1] > midnight]
        return carried + self._spans(d)

    def _find_pickup(self, now: datetime, lead: timedelta, horizon_days: int) -> tuple[date, _Span] | None:
        if horizon_days < 0:
            raise ValueError(f"horizon_days must not be negative, got {horizon_days}")
        target = _utc(now) + _check_lead(lead)
        today = self._local_date(now)
        for offset in range(horizon_days + 1):
            d = today + timedelta(days=offset)
            span = _first_span_ending_after(self._spans_touching(d), target)
            if span is not None:
                return d, (max(span[0], target), span[1])
        return None


def _first_span_ending_after(spans: Iterable[_Span], target: datetime) -> _Span | None:
    """The first span in which pickup at `target` (order time plus lead) is still possible."""
    return next((span for span in spans if span[1] >= target), None)


def parse_interval(text: str) -> Interval:
    """Parse "09:00-18:30" (also "20:00-02:00" past midnight and "24:00" as closing time)."""
    parts = text.replace("\u2013", "-").split("-")
    if len(parts) != 2:
        raise ValueError(f"opening interval {text!r} must look like 09:00-18:30")
    opens = _parse_time(parts[0], text, closing=False)
    closes = _parse_time(parts[1], text, closing=True)
    if opens == closes and parts[1].strip() != "24:00":
        raise ValueError(
            f"opening interval {text!r} opens and closes at the same time; use 00:00-24:00 for a whole day"
        )
    return Interval(opens=opens, closes=closes)


def to_osm_opening_hours(
    weekly: Mapping[int, tuple[Interval, ...]], *, public_holidays_closed: bool = True
) -> str:
    """Weekly hours in OpenStreetMap `opening_hours` syntax: "Mo-Fr 09:00-18:00; Sa 09:00-14:00; PH off"."""
    _check_weekdays(weekly)
    days_by_hours: dict[tuple[Interval, ...], list[int]] = {}
    for weekday in range(7):
        intervals = _sorted(weekly.get(weekday, ()))
        if intervals:
            days_by_hours.setdefault(intervals, []).append(weekday)
    if not days_by_hours:
        return "off"
    rules = [
        f"{_osm_days(weekdays)} {','.join(_osm_interval(interval) for interval in intervals)}"
        for intervals, weekdays in days_by_hours.items()
    ]
    if public_holidays_closed:
        rules.append("PH off")
    return "; ".join(rules)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"an aware datetime is required, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _check_lead(lead: timedelta) -> timedelta:
    if lead < timedelta(0):
        raise ValueError(f"lead time must not be negative, got {lead}")
    return lead


def _check_weekdays(weekly: Mapping[int, Iterable[Interval]]) -> None:
    unknown = sorted(set(weekly) - set(range(7)))
    if unknown:
        raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), got {unknown}")


def _sorted(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    return tuple(sorted(intervals, key=lambda interval: (interval.opens, interval.closes)))


def _instant(d: date, t: time, tz: ZoneInfo, *, latest: bool) -> datetime:
    """The UTC instant at which the shop's clock reads `t` on `d`.

    A reading that happens twice (autumn) gives the first one, or the last one when `latest` (closing
    times); a reading that never happens (spring) gives the moment the clock jumps over it.
    """
    first = datetime.combine(d, t.replace(fold=0), tzinfo=tz).astimezone(UTC)
    second = datetime.combine(d, t.replace(fold=1), tzinfo=tz).astimezone(UTC)
    if first <= second:
        return second if latest else first
    # Skipped reading: `second` uses the offset after the jump and lies before it, `first` the reverse.
    # Search the whole second at which the offset changes.
    offset_after = first.astimezone(tz).utcoffset()
    low, high = int(second.timestamp()), int(first.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz=tz).utcoffset() == offset_after:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, tz=UTC)


def _parse_time(part: str, text: str, *, closing: bool) -> time:
    value = part.strip()
    hours, colon, minutes = value.partition(":")
    if not colon or not (1 <= len(hours) <= 2) or len(minutes) != 2 or not set(hours + minutes) <= _DIGITS:
        raise ValueError(f"opening interval {text!r}: {value!r} is not a time like 09:00")
    hour, minute = int(hours), int(minutes)
    if closing and (hour, minute) == (24, 0):
        return time(0, 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"opening interval {text!r}: {value!r} is not a valid time of day")
    return time(hour, minute)


def _hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _osm_interval(interval: Interval) -> str:
    for t in (interval.opens, interval.closes):
        if t.second or t.microsecond:
            raise ValueError(f"OpenStreetMap opening_hours has minutes only, got {t.isoformat()}")
    # OSM writes "until midnight" as 24:00; other closing times before opening wrap past midnight.
    closes = "24:00" if interval.closes == time(0, 0) else _hhmm(interval.closes)
    return f"{_hhmm(interval.opens)}-{closes}"


def _osm_days(weekdays: list[int]) -> str:
    runs: list[list[int]] = []
    for weekday in weekdays:
        if runs and runs[-1][-1] == weekday - 1:
            runs[-1].append(weekday)
        else:
            runs.append([weekday])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{OSM_WEEKDAYS[run[0]]}-{OSM_WEEKDAYS[run[-1]]}")
        else:
            parts.extend(OSM_WEEKDAYS[weekday] for weekday in run)
    return ",".join(parts)
