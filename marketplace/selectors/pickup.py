"""Which active shops can still hand over an order today: a small per-process board, rebuilt every minute.

The nearby search must know, for thousands of shops, whether pickup is still possible today and until when
(weekly hours, then the city calendar, then the shop's special days; the last interval of the local day must
end at least the shop's lead time after now). Doing that in SQL would duplicate `geo.opening_hours`; doing it
per request in Python would cost milliseconds. So the board loads every active shop's schedule once, keeps the
opening spans that touch the shop's local today as UTC timestamps, and answers "collectable at `now`?" by a
binary search over the sorted order deadlines (last closing time minus lead time). The answer is exact at
the instant asked for; only data changes (new hours, a newly approved shop) take up to `BOARD_TTL_SECONDS`
to show.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from geo.opening_hours import Schedule
from marketplace.infrastructure.process_cache import ProcessCache
from marketplace.models import Shop
from marketplace.selectors.hours import schedules_for_shops, shop_schedule

BOARD_TTL_SECONDS = 60.0

# Schedules cover the day before today (intervals running past midnight) and the pickup horizon.
PICKUP_HORIZON_DAYS = 14
_SCHEDULE_DAYS = PICKUP_HORIZON_DAYS + 3


@dataclass(frozen=True)
class ShopDay:
    """One shop's opening spans touching its local today, as UTC POSIX timestamps (start, end)."""

    shop_id: int
    tz: ZoneInfo
    lead_seconds: float
    spans: tuple[tuple[float, float], ...]

    @property
    def last_end(self) -> float | None:
        return max((end for _, end in self.spans), default=None)

    @property
    def deadline(self) -> float | None:
        """The latest instant at which an order can still be collected today."""
        last = self.last_end
        return None if last is None else last - self.lead_seconds

    def pickup_today_until(self, now_ts: float) -> datetime | None:
        last = self.last_end
        if last is None or last < now_ts + self.lead_seconds:
            return None
        return datetime.fromtimestamp(last, tz=UTC).astimezone(self.tz)

    def is_open(self, now_ts: float) -> bool:
        return any(start <= now_ts < end for start, end in self.spans)


def array_literal(ids: list[int]) -> str:
    """A PostgreSQL array literal of integer ids: `{1,2,3}` (cast with `::bigint[]` in the statement)."""
    return "{" + ",".join(map(str, ids)) + "}"


class PickupBoard:
    """Today's pickup state of all active shops, valid for one local day (cached for `BOARD_TTL_SECONDS`)."""

    def __init__(
        self,
        *,
        days: dict[int, ShopDay],
        schedules: dict[int, Schedule],
        valid_from: float,
        valid_until: float,
        today_only: frozenset[int] = frozenset(),
    ) -> None:
        self.days = days
        # shops that take no reservations for later days (`Shop.pickup_later_days` off): no "from tomorrow"
        self.today_only = today_only
        self.schedules = schedules
        self.valid_from = valid_from
        self.valid_until = valid_until
        ordered = sorted(
            ((day.deadline, shop_id) for shop_id, day in days.items() if day.deadline is not None),
        )
        self._deadlines = [deadline for deadline, _ in ordered]
        self._deadline_ids = [shop_id for _, shop_id in ordered]
        never = {shop_id for shop_id, day in days.items() if day.deadline is None}
        self._never_today = sorted(never)
        self._literals: dict[tuple[bool, int], str] = {}

    def id_array_literal(self, now_ts: float, *, collectable: bool) -> str:
        """`collectable_ids` (or `not_collectable_ids`) as a PostgreSQL array literal, built once per board
        and cut-off time (the search passes it as one text parameter)."""
        cut = bisect_left(self._deadlines, now_ts)
        key = (collectable, cut)
        literal = self._literals.get(key)
        if literal is None:
            ids = self._deadline_ids[cut:] if collectable else self._never_today + self._deadline_ids[:cut]
            literal = array_literal(ids)
            if len(self._literals) > 16:  # a board lives a minute: a few cut-offs at most
                self._literals = {}
            self._literals[key] = literal
        return literal

    def covers_day(self, now_ts: float) -> bool:
        return self.valid_from <= now_ts < self.valid_until

    def collectable_ids(self, now_ts: float) -> list[int]:
        """Shops at which an order placed at `now` can still be collected today."""
        return self._deadline_ids[bisect_left(self._deadlines, now_ts) :]

    def not_collectable_ids(self, now_ts: float) -> list[int]:
        """The other active shops (closed today, or too close to closing time)."""
        return self._never_today + self._deadline_ids[: bisect_left(self._deadlines, now_ts)]

    def open_ids(self, now_ts: float) -> list[int]:
        return [shop_id for shop_id, day in self.days.items() if day.is_open(now_ts)]

    def pickup_today_until(self, shop_id: int, now: datetime) -> datetime | None:
        day = self.days.get(shop_id)
        return None if day is None else day.pickup_today_until(now.timestamp())

    def next_pickup_from(self, shop_id: int, now: datetime) -> datetime | None:
        schedule = self.schedules.get(shop_id)
        day = self.days.get(shop_id)
        if schedule is None or day is None or shop_id in self.today_only:
            return None
        return schedule.next_pickup_from(
            now, timedelta(seconds=day.lead_seconds), horizon_days=PICKUP_HORIZON_DAYS
        )

    def next_day_pickup_from(self, shop_id: int, now: datetime) -> datetime | None:
        """For a "next day" product (decision 1600): the first pickup on an opening day after today, also
        from a shop that takes no orders for later days (the product's mode says it can)."""
        schedule = self.schedules.get(shop_id)
        day = self.days.get(shop_id)
        if schedule is None or day is None:
            return None
        later = later_pickup_windows(schedule, now=now, lead=timedelta(seconds=day.lead_seconds))
        first = next(later, None)
        return None if first is None else first[1].astimezone(schedule.tz)

    def is_open(self, shop_id: int, now: datetime) -> bool:
        day = self.days.get(shop_id)
        return day is not None and day.is_open(now.timestamp())


def _local_midnight(d: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(0), tzinfo=tz).astimezone(UTC)


def _today_spans(schedule: Schedule, today: date) -> tuple[tuple[float, float], ...]:
    """Spans of `today` plus the ones of yesterday that run past midnight (as `Schedule` sees them)."""
    midnight = _local_midnight(today, schedule.tz).timestamp()
    spans = [
        (window.start.timestamp(), window.end.timestamp())
        for window in schedule.windows(today - timedelta(days=1))
        if window.end.timestamp() > midnight
    ]
    spans += [(window.start.timestamp(), window.end.timestamp()) for window in schedule.windows(today)]
    return tuple(spans)


def _shop_day(
    shop_id: int,
    schedule: Schedule,
    *,
    today: date,
    lead: timedelta,
    memo: dict[tuple[object, ...], tuple[tuple[float, float], ...]],
) -> ShopDay:
    # Most shops share their hours ("Mo-Fr 09:00-18:00"): compute the spans once per distinct pair of days.
    key = (schedule.tz.key, schedule.day(today - timedelta(days=1)), schedule.day(today))
    spans = memo.get(key)
    if spans is None:
        spans = memo[key] = _today_spans(schedule, today)
    return ShopDay(shop_id=shop_id, tz=schedule.tz, lead_seconds=lead.total_seconds(), spans=spans)


def pickup_board_build(*, now: datetime, shops: Iterable[Shop] | None = None) -> PickupBoard:
    """Load the schedules of all active shops (four queries) and compute today's spans."""
    shop_list = list(
        shops
        if shops is not None
        else Shop.objects.active().only("id", "time_zone", "pickup_lead_minutes", "pickup_later_days")
    )
    zones = {shop.time_zone for shop in shop_list} or {timezone.get_current_timezone_name()}
    local_dates = {zone: now.astimezone(ZoneInfo(zone)).date() for zone in zones}
    start = min(local_dates.values()) - timedelta(days=1)
    schedules = schedules_for_shops(shop_list, start=start, days=_SCHEDULE_DAYS)
    memo: dict[tuple[object, ...], tuple[tuple[float, float], ...]] = {}
    days = {
        shop.pk: _shop_day(
            shop.pk,
            schedules[shop.pk],
            today=local_dates[shop.time_zone],
            lead=timedelta(minutes=shop.pickup_lead_minutes),
            memo=memo,
        )
        for shop in shop_list
    }
    valid_from = max(_local_midnight(d, ZoneInfo(zone)).timestamp() for zone, d in local_dates.items())
    valid_until = min(
        _local_midnight(d + timedelta(days=1), ZoneInfo(zone)).timestamp() for zone, d in local_dates.items()
    )
    today_only = frozenset(shop.pk for shop in shop_list if not shop.pickup_later_days)
    return PickupBoard(
        days=days, schedules=schedules, valid_from=valid_from, valid_until=valid_until, today_only=today_only
    )


_BOARD: ProcessCache[PickupBoard] = ProcessCache(
    "pickup-board", ttl_seconds=BOARD_TTL_SECONDS, background_refresh=True
)


def pickup_board(*, now: datetime) -> PickupBoard:
    """The cached board for `now`.

    No board yet, or `now` on another local day: built in the request. A board older than a minute is
    rebuilt in a background thread (setting `LADENKARTE_CACHE_BACKGROUND_REFRESH`) and used meanwhile.
    """
    now_ts = now.timestamp()
    return _BOARD.get(
        lambda: pickup_board_build(now=now),
        valid=lambda board: board.covers_day(now_ts),
        rebuild=lambda: pickup_board_build(now=timezone.now()),
    )


def pickup_board_clear() -> None:
    """Forget the cached board (tests; after bulk changes of opening hours in this process)."""
    _BOARD.clear()


# --- the days a resident may choose for pickup (issue 21, decision 2100) ---------------------------------


@dataclass(frozen=True)
class PickupDay:
    """One day offered for pickup: from when (whole minutes, after the lead time) until when the items are
    held - that day's closing, or earlier with the shop's shorter hold (`Shop.hold_minutes`)."""

    date: date
    starts: datetime
    ends: datetime
    today: bool
    # today with less than the shop's minimum useful window left: offered, but not suggested
    short: bool = False


@dataclass(frozen=True)
class PickupOptions:
    """The pickup days a shop offers to an order placed at one instant, in date order."""

    days: tuple[PickupDay, ...]

    @property
    def first(self) -> PickupDay | None:
        """The first possible day: what a reservation without a chosen day gets (as before issue 21)."""
        return self.days[0] if self.days else None

    @property
    def suggested(self) -> PickupDay | None:
        """What the form preselects: the first day that is not a short today."""
        return next((day for day in self.days if not day.short), self.first)

    @property
    def today_short(self) -> bool:
        return bool(self.days) and self.days[0].today and self.days[0].short

    def get(self, d: date) -> PickupDay | None:
        return next((day for day in self.days if day.date == d), None)

    def after(self, d: date) -> PickupDay | None:
        """The first offered day after `d` (moving a reservation to the next opening day)."""
        return next((day for day in self.days if day.date > d), None)


def _ceil_minute(value: datetime) -> datetime:
    floored = value.replace(second=0, microsecond=0)
    return floored if floored == value else floored + timedelta(minutes=1)


def later_pickup_windows(
    schedule: Schedule, *, now: datetime, lead: timedelta
) -> Iterator[tuple[date, datetime, datetime]]:
    """(day, pickup from in whole minutes, closing) of each opening day after today within
    `PICKUP_HORIZON_DAYS`, for an order placed at `now`: the days a "next day" product can be collected."""
    today = now.astimezone(schedule.tz).date()
    for offset in range(1, PICKUP_HORIZON_DAYS + 1):
        d = today + timedelta(days=offset)
        window = schedule.pickup_day(d, now, lead)
        if window is not None:
            yield d, min(_ceil_minute(window.start), window.end), window.end


def _held_until(shop: Shop, *, starts: datetime, closing: datetime) -> datetime:
    """The end of a hold that starts at `starts`: closing time, or the shop's shorter hold from `starts`
    (never through a night). The form, the API and the reservation all read it from `PickupDay.ends`."""
    if shop.hold_minutes:
        return min(starts + timedelta(minutes=shop.hold_minutes), closing)
    return closing


def pickup_options(
    *, shop: Shop, schedule: Schedule, now: datetime, from_next_day: bool = False
) -> PickupOptions:
    """The days an order placed at `now` can be collected: the one rule the form, the API and moves use.

    Today, if the shop is still open after its lead time (`short` when less than
    `pickup_min_window_minutes` is left); then, if the shop takes reservations for later days
    (`pickup_later_days`), its next `pickup_days_ahead` opening days within `PICKUP_HORIZON_DAYS`. A day
    is an opening day by the effective hours (weekly hours, city calendar, special days: `Schedule.day`).

    `from_next_day` (an order with a "next day" product, decision 1600): never today, and at least the next
    opening day even when the shop takes no orders for later days (the product's mode says it can).
    """
    lead = timedelta(minutes=shop.pickup_lead_minutes)
    today = now.astimezone(schedule.tz).date()
    days: list[PickupDay] = []
    if from_next_day:
        wanted = max(shop.pickup_days_ahead, 1) if shop.pickup_later_days else 1
        for d, starts, closing in later_pickup_windows(schedule, now=now, lead=lead):
            if len(days) >= wanted:
                break
            ends = _held_until(shop, starts=starts, closing=closing)
            days.append(PickupDay(date=d, starts=starts, ends=ends, today=False))
        return PickupOptions(days=tuple(days))

    def offer(d: date) -> PickupDay | None:
        window = schedule.pickup_day(d, now, lead)
        if window is None:
            return None
        starts = min(_ceil_minute(window.start), window.end)  # "from 10:16" reads better than 10:15:27
        short = d == today and window.duration < timedelta(minutes=shop.pickup_min_window_minutes)
        ends = _held_until(shop, starts=starts, closing=window.end)
        return PickupDay(date=d, starts=starts, ends=ends, today=d == today, short=short)

    first = offer(today)
    if first is not None:
        days.append(first)
    if shop.pickup_later_days:
        for offset in range(1, PICKUP_HORIZON_DAYS + 1):
            if len(days) - (first is not None) >= shop.pickup_days_ahead:
                break
            day = offer(today + timedelta(days=offset))
            if day is not None:
                days.append(day)
    return PickupOptions(days=tuple(days))


# --- a shop's pickup status: what the shop and product pages of the API and the website say -------------


@dataclass(frozen=True)
class PickupStatus:
    """One shop at one instant as residents see it: open now, until when an order placed now can be
    collected today (else from when), and the days a reservation may choose. API and website share it."""

    open_now: bool
    pickup_today_until: datetime | None
    next_pickup_from: datetime | None
    options: PickupOptions


def pickup_status(
    *, shop: Shop, schedule: Schedule, now: datetime, from_next_day: bool = False
) -> PickupStatus:
    """The pickup status of `shop` at `now` from its schedule (the one rule the detail pages use).

    Only an active shop hands over orders: a listing shows whether it is open, nothing else. "From when"
    is asked only when today is over, and never of a shop that takes no later days (decision 2100).
    `from_next_day`: the status of a "next day" product (decision 1600): never today, from the first day
    offered after it.
    """
    lead = timedelta(minutes=shop.pickup_lead_minutes)
    if not shop.is_active:
        return PickupStatus(
            open_now=schedule.is_open(now),
            pickup_today_until=None,
            next_pickup_from=None,
            options=PickupOptions(days=()),
        )
    if from_next_day:
        options = pickup_options(shop=shop, schedule=schedule, now=now, from_next_day=True)
        return PickupStatus(
            open_now=schedule.is_open(now),
            pickup_today_until=None,
            next_pickup_from=options.first.starts if options.first else None,
            options=options,
        )
    until = schedule.pickup_today_until(now, lead)
    following = None
    if until is None and shop.pickup_later_days:
        following = schedule.next_pickup_from(now, lead, horizon_days=PICKUP_HORIZON_DAYS)
    return PickupStatus(
        open_now=schedule.is_open(now),
        pickup_today_until=until,
        next_pickup_from=following,
        options=pickup_options(shop=shop, schedule=schedule, now=now),
    )


def shop_pickup_status(*, shop: Shop, now: datetime, from_next_day: bool = False) -> PickupStatus:
    """`pickup_status` with the shop's schedule loaded (three queries): the product pages (API, website)."""
    return pickup_status(
        shop=shop, schedule=shop_schedule(shop, now=now), now=now, from_next_day=from_next_day
    )
