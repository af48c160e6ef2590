"""Opening hours: weekly hours, city calendar, special days, DST and pickup windows (no Django needed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from geo.opening_hours import (
    DayRule,
    EffectiveDay,
    Interval,
    Schedule,
    Window,
    parse_interval,
    to_osm_opening_hours,
)

BERLIN = ZoneInfo("Europe/Berlin")
LEAD = timedelta(minutes=15)

MONDAY = date(2026, 6, 1)
FRIDAY = date(2026, 6, 5)
SATURDAY = date(2026, 6, 6)
SUNDAY = date(2026, 6, 7)
SPRING_FORWARD = date(2026, 3, 29)  # Sunday; 02:00 CET -> 03:00 CEST
FALL_BACK = date(2026, 10, 25)  # Sunday; 03:00 CEST -> 02:00 CET
CHRISTMAS = date(2026, 12, 25)  # Friday
WHIT_MONDAY = date(2026, 5, 25)


def hours(*texts: str) -> tuple[Interval, ...]:
    return tuple(parse_interval(text) for text in texts)


def local(d: date, hh: int, mm: int = 0, *, fold: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm, fold=fold), tzinfo=BERLIN)


def utc(year: int, month: int, day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(year, month, day, hh, mm, tzinfo=UTC)


def as_utc(window: Window) -> tuple[datetime, datetime]:
    return window.start.astimezone(UTC), window.end.astimezone(UTC)


WORKDAY = hours("09:00-13:00", "14:00-18:00")
SHOP_WEEKLY = dict.fromkeys(range(5), WORKDAY) | {5: hours("09:00-14:00")}


def shop(
    weekly: dict[int, tuple[Interval, ...]] | None = None,
    city_days: dict[date, DayRule] | None = None,
    special_days: dict[date, DayRule] | None = None,
) -> Schedule:
    return Schedule(
        tz=BERLIN,
        weekly=SHOP_WEEKLY if weekly is None else weekly,
        city_days=city_days or {},
        special_days=special_days or {},
    )


# --- weekly hours -------------------------------------------------------------------------------------


def test_weekly_hours_with_lunch_break_give_two_windows():
    # given
    schedule = shop()

    # when
    windows = schedule.windows(MONDAY)

    # then
    assert windows == [
        Window(start=local(MONDAY, 9), end=local(MONDAY, 13)),
        Window(start=local(MONDAY, 14), end=local(MONDAY, 18)),
    ]
    assert all(window.start.tzinfo is BERLIN for window in windows)


@pytest.mark.parametrize(
    ("hh", "mm", "expected"),
    [
        (8, 59, False),
        (9, 0, True),
        (12, 59, True),
        (13, 0, False),
        (13, 30, False),
        (14, 0, True),
        (17, 59, True),
        (18, 0, False),
    ],
)
def test_is_open_respects_lunch_break_and_closing_time(hh, mm, expected):
    # given
    schedule = shop()

    # when
    result = schedule.is_open(local(MONDAY, hh, mm))

    # then
    assert result is expected


def test_saturday_is_a_short_day():
    # given
    schedule = shop()

    # when
    day = schedule.day(SATURDAY)

    # then
    assert day == EffectiveDay(
        date=SATURDAY, closed=False, intervals=hours("09:00-14:00"), reason="", source="weekly"
    )
    assert schedule.is_open(local(SATURDAY, 13, 59)) is True
    assert schedule.is_open(local(SATURDAY, 15)) is False


def test_sunday_missing_from_weekly_hours_is_closed():
    # given
    schedule = shop()

    # when
    day = schedule.day(SUNDAY)

    # then
    assert day == EffectiveDay(date=SUNDAY, closed=True, intervals=(), reason="", source="weekly")
    assert schedule.windows(SUNDAY) == []
    assert schedule.is_open(local(SUNDAY, 12)) is False


def test_intervals_are_sorted_and_overlapping_ones_merge_into_one_window():
    # given
    schedule = shop(weekly={0: hours("14:00-18:00", "09:00-13:00", "12:00-14:30")})

    # when
    day = schedule.day(MONDAY)
    windows = schedule.windows(MONDAY)

    # then
    assert day.intervals == hours("09:00-13:00", "12:00-14:30", "14:00-18:00")
    assert windows == [Window(start=local(MONDAY, 9), end=local(MONDAY, 18))]


def test_equal_opening_and_closing_time_is_open_around_the_clock():
    # given
    schedule = shop(weekly={0: (Interval(opens=time(0), closes=time(0)),)})

    # when
    windows = schedule.windows(MONDAY)

    # then
    assert windows == [Window(start=local(MONDAY, 0), end=local(MONDAY + timedelta(days=1), 0))]
    assert schedule.is_open(local(MONDAY, 23, 59)) is True


# --- past midnight ------------------------------------------------------------------------------------


def test_interval_past_midnight_ends_on_the_next_day():
    # given
    schedule = shop(weekly={4: hours("20:00-02:00")})

    # when
    windows = schedule.windows(FRIDAY)

    # then
    assert windows == [Window(start=local(FRIDAY, 20), end=local(SATURDAY, 2))]
    assert windows[0].duration == timedelta(hours=6)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (local(FRIDAY, 19, 59), False),
        (local(FRIDAY, 23), True),
        (local(SATURDAY, 0), True),
        (local(SATURDAY, 1), True),
        (local(SATURDAY, 1, 59), True),
        (local(SATURDAY, 2), False),
        (local(SATURDAY, 21), False),
    ],
)
def test_is_open_includes_the_previous_days_window_past_midnight(moment, expected):
    # given
    schedule = shop(weekly={4: hours("20:00-02:00")})

    # when
    result = schedule.is_open(moment)

    # then
    assert result is expected


def test_closing_at_midnight_ends_at_the_next_days_start():
    # given
    schedule = shop(weekly={4: hours("18:00-00:00")})

    # when
    windows = schedule.windows(FRIDAY)

    # then
    assert windows == [Window(start=local(FRIDAY, 18), end=local(SATURDAY, 0))]
    assert schedule.is_open(local(SATURDAY, 0)) is False


def test_pickup_just_after_midnight_uses_the_window_still_running_from_yesterday():
    # given
    schedule = shop(weekly={4: hours("20:00-02:00"), 5: hours("10:00-14:00")})
    now = local(SATURDAY, 1)

    # when
    until = schedule.pickup_today_until(now, LEAD)
    pickup = schedule.next_pickup(now, LEAD)
    held = schedule.hold_until(now, LEAD)

    # then
    assert until == local(SATURDAY, 14)
    assert pickup == Window(start=local(SATURDAY, 1, 15), end=local(SATURDAY, 2))
    assert held == local(SATURDAY, 14)


# --- DST ----------------------------------------------------------------------------------------------


def test_spring_forward_night_interval_is_two_hours_long():
    # given
    schedule = shop(weekly={6: hours("01:00-04:00", "09:00-18:00")})

    # when
    night, day = schedule.windows(SPRING_FORWARD)

    # then
    assert as_utc(night) == (utc(2026, 3, 29, 0), utc(2026, 3, 29, 2))
    assert night.duration == timedelta(hours=2)
    assert as_utc(day) == (utc(2026, 3, 29, 7), utc(2026, 3, 29, 16))
    assert day.duration == timedelta(hours=9)


def test_fall_back_night_interval_lasts_four_real_hours():
    # given: 01:00 CEST to 04:00 CET, the clock passes 02:00-03:00 twice
    schedule = shop(weekly={6: hours("01:00-04:00", "09:00-18:00")})

    # when
    night, day = schedule.windows(FALL_BACK)

    # then
    assert as_utc(night) == (utc(2026, 10, 24, 23), utc(2026, 10, 25, 3))
    assert night.duration == timedelta(hours=4)
    assert as_utc(day) == (utc(2026, 10, 25, 8), utc(2026, 10, 25, 17))
    assert day.duration == timedelta(hours=9)


def test_opening_time_skipped_by_spring_forward_opens_when_the_clock_jumps():
    # given: 02:30 never happens on the spring-forward night
    schedule = shop(weekly={6: hours("02:30-05:00")})

    # when
    (window,) = schedule.windows(SPRING_FORWARD)

    # then
    assert as_utc(window) == (utc(2026, 3, 29, 1), utc(2026, 3, 29, 3))
    assert window.start.isoformat() == "2026-03-29T03:00:00+02:00"


def test_closing_time_repeated_by_fall_back_is_the_later_reading():
    # given: 02:30 happens twice on the fall-back night
    schedule = shop(weekly={6: hours("00:00-02:30")})

    # when
    (window,) = schedule.windows(FALL_BACK)

    # then
    assert window.end.isoformat() == "2026-10-25T02:30:00+01:00"
    assert window.duration == timedelta(hours=3, minutes=30)
    assert schedule.is_open(local(FALL_BACK, 2, 20, fold=1)) is True
    assert schedule.is_open(local(FALL_BACK, 2, 40, fold=1)) is False


def test_overnight_interval_into_spring_forward_morning():
    # given
    saturday = SPRING_FORWARD - timedelta(days=1)
    schedule = shop(weekly={5: hours("22:00-04:00")})

    # when
    (window,) = schedule.windows(saturday)

    # then
    assert as_utc(window) == (utc(2026, 3, 28, 21), utc(2026, 3, 29, 2))
    assert window.duration == timedelta(hours=5)
    assert schedule.is_open(local(SPRING_FORWARD, 3, 59)) is True


def test_lead_time_is_added_in_real_time_across_spring_forward():
    # given: 01:50 CET + 15 minutes is 03:05 CEST
    schedule = shop(weekly={6: hours("01:00-04:00")})
    now = local(SPRING_FORWARD, 1, 50)

    # when
    pickup = schedule.next_pickup(now, LEAD)

    # then
    assert pickup is not None
    assert pickup.start.isoformat() == "2026-03-29T03:05:00+02:00"
    assert pickup.end.isoformat() == "2026-03-29T04:00:00+02:00"


def test_collectable_in_the_first_pass_of_the_repeated_fall_back_hour():
    # given: 02:40 CEST + 30 minutes is 02:10 CET, before the shop closes at 02:45 CET
    schedule = shop(weekly={6: hours("00:00-02:45")})
    now = local(FALL_BACK, 2, 40, fold=0)

    # when
    until = schedule.pickup_today_until(now, timedelta(minutes=30))

    # then
    assert until is not None
    assert until.astimezone(UTC) == utc(2026, 10, 25, 1, 45)


def test_lead_time_is_added_in_real_time_across_fall_back():
    # given: 02:40 CEST + 30 minutes is 02:10 CET, not 03:10
    schedule = shop(weekly={6: hours("00:00-04:00")})
    now = local(FALL_BACK, 2, 40, fold=0)

    # when
    pickup = schedule.next_pickup(now, timedelta(minutes=30))

    # then
    assert pickup is not None
    assert pickup.start.isoformat() == "2026-10-25T02:10:00+01:00"
    assert as_utc(pickup) == (utc(2026, 10, 25, 1, 10), utc(2026, 10, 25, 3))


def test_interval_entirely_inside_the_skipped_hour_has_no_window():
    # given: 02:15-02:45 never happens on the spring-forward night
    schedule = shop(weekly={6: hours("02:15-02:45", "09:00-18:00")})

    # when
    windows = schedule.windows(SPRING_FORWARD)

    # then
    assert windows == [Window(start=local(SPRING_FORWARD, 9), end=local(SPRING_FORWARD, 18))]


def test_not_collectable_in_the_second_pass_of_the_repeated_fall_back_hour():
    # given
    schedule = shop(weekly={6: hours("00:00-02:45")})
    now = local(FALL_BACK, 2, 40, fold=1)

    # when
    until = schedule.pickup_today_until(now, timedelta(minutes=30))

    # then
    assert until is None


# --- city calendar and special days -------------------------------------------------------------------


def test_public_holiday_closes_the_shop():
    # given
    christmas = DayRule(closed=True, reason="1. Weihnachtstag")
    schedule = shop(city_days={CHRISTMAS: christmas})

    # when
    day = schedule.day(CHRISTMAS)

    # then
    assert day == EffectiveDay(
        date=CHRISTMAS, closed=True, intervals=(), reason="1. Weihnachtstag", source="city"
    )
    assert schedule.windows(CHRISTMAS) == []
    assert schedule.is_open(local(CHRISTMAS, 10)) is False
    assert schedule.is_open(local(CHRISTMAS - timedelta(days=1), 10)) is True


def test_late_opening_sunday_opens_a_shop_closed_on_sundays():
    # given
    sunday = DayRule(closed=False, intervals=hours("13:00-18:00"), reason="Verkaufsoffener Sonntag")
    schedule = shop(city_days={SUNDAY: sunday})

    # when
    day = schedule.day(SUNDAY)

    # then
    assert day == EffectiveDay(
        date=SUNDAY,
        closed=False,
        intervals=hours("13:00-18:00"),
        reason="Verkaufsoffener Sonntag",
        source="city",
    )
    assert schedule.is_open(local(SUNDAY, 14)) is True
    assert schedule.is_open(local(SUNDAY, 12)) is False


def test_shop_special_day_opens_on_a_public_holiday():
    # given
    schedule = shop(
        city_days={CHRISTMAS: DayRule(closed=True, reason="1. Weihnachtstag")},
        special_days={CHRISTMAS: DayRule(closed=False, intervals=hours("10:00-12:00"), reason="Punsch")},
    )

    # when
    day = schedule.day(CHRISTMAS)

    # then
    assert day == EffectiveDay(
        date=CHRISTMAS, closed=False, intervals=hours("10:00-12:00"), reason="Punsch", source="shop"
    )
    assert schedule.is_open(local(CHRISTMAS, 11)) is True


def test_shop_special_day_closes_on_a_normal_day():
    # given
    schedule = shop(special_days={MONDAY: DayRule(closed=True, reason="Inventur")})

    # when
    day = schedule.day(MONDAY)

    # then
    assert day == EffectiveDay(date=MONDAY, closed=True, intervals=(), reason="Inventur", source="shop")
    assert schedule.is_open(local(MONDAY, 10)) is False


def test_shop_special_day_stays_closed_on_a_late_opening_sunday():
    # given
    schedule = shop(
        city_days={SUNDAY: DayRule(closed=False, intervals=hours("13:00-18:00"), reason="Stadtfest")},
        special_days={SUNDAY: DayRule(closed=True, reason="Betriebsausflug")},
    )

    # when
    day = schedule.day(SUNDAY)

    # then
    assert (day.closed, day.source, day.reason) == (True, "shop", "Betriebsausflug")
    assert schedule.is_open(local(SUNDAY, 14)) is False


def test_days_lists_a_range_with_sources_and_reasons():
    # given
    schedule = shop(
        city_days={
            date(2026, 12, 24): DayRule(closed=False, intervals=hours("09:00-14:00"), reason="Heiligabend"),
            CHRISTMAS: DayRule(closed=True, reason="1. Weihnachtstag"),
            date(2026, 12, 26): DayRule(closed=True, reason="2. Weihnachtstag"),
        },
        special_days={date(2026, 12, 28): DayRule(closed=True, reason="Inventur")},
    )

    # when
    days = schedule.days(date(2026, 12, 23), 6)

    # then
    assert [(day.date, day.closed, day.source, day.reason) for day in days] == [
        (date(2026, 12, 23), False, "weekly", ""),
        (date(2026, 12, 24), False, "city", "Heiligabend"),
        (date(2026, 12, 25), True, "city", "1. Weihnachtstag"),
        (date(2026, 12, 26), True, "city", "2. Weihnachtstag"),
        (date(2026, 12, 27), True, "weekly", ""),
        (date(2026, 12, 28), True, "shop", "Inventur"),
    ]
    assert days[0].intervals == WORKDAY
    assert days[1].intervals == hours("09:00-14:00")


def test_days_with_zero_count_is_empty_and_negative_count_is_an_error():
    # given
    schedule = shop()

    # when / then
    assert schedule.days(MONDAY, 0) == []
    with pytest.raises(ValueError, match="count must not be negative"):
        schedule.days(MONDAY, -1)


# --- pickup ---------------------------------------------------------------------------------------------


def test_lead_time_edge_at_closing_time_is_still_collectable():
    # given: closes 18:00, lead 15 minutes
    schedule = shop()
    now = local(MONDAY, 17, 45)

    # when
    until = schedule.pickup_today_until(now, LEAD)
    later = schedule.next_pickup_from(now, LEAD)
    pickup = schedule.next_pickup(now, LEAD)

    # then
    assert until == local(MONDAY, 18)
    assert later is None
    assert pickup == Window(start=local(MONDAY, 18), end=local(MONDAY, 18))


def test_lead_time_edge_one_minute_later_moves_pickup_to_the_next_opening():
    # given
    schedule = shop()
    now = local(MONDAY, 17, 46)

    # when
    until = schedule.pickup_today_until(now, LEAD)
    later = schedule.next_pickup_from(now, LEAD)
    pickup = schedule.next_pickup(now, LEAD)

    # then
    assert until is None
    assert later == local(MONDAY + timedelta(days=1), 9)
    assert pickup == Window(
        start=local(MONDAY + timedelta(days=1), 9), end=local(MONDAY + timedelta(days=1), 13)
    )


def test_during_lunch_break_today_is_collectable_until_evening_closing():
    # given
    schedule = shop()
    now = local(MONDAY, 12, 50)

    # when
    until = schedule.pickup_today_until(now, LEAD)
    pickup = schedule.next_pickup(now, LEAD)

    # then
    assert until == local(MONDAY, 18)
    assert pickup == Window(start=local(MONDAY, 14), end=local(MONDAY, 18))


def test_next_pickup_inside_a_window_starts_after_the_lead_time():
    # given
    schedule = shop()
    now = local(MONDAY, 10, 5)

    # when
    pickup = schedule.next_pickup(now, LEAD)

    # then
    assert pickup == Window(start=local(MONDAY, 10, 20), end=local(MONDAY, 13))


def test_before_opening_pickup_starts_at_opening_time():
    # given
    schedule = shop()
    now = local(MONDAY, 7)

    # when
    pickup = schedule.next_pickup(now, LEAD)
    until = schedule.pickup_today_until(now, LEAD)

    # then
    assert pickup == Window(start=local(MONDAY, 9), end=local(MONDAY, 13))
    assert until == local(MONDAY, 18)


def test_next_pickup_skips_the_weekend_and_a_public_holiday():
    # given: Friday evening before Whit Monday, shop open Monday to Friday only
    schedule = shop(
        weekly={weekday: hours("09:00-18:00") for weekday in range(5)},
        city_days={WHIT_MONDAY: DayRule(closed=True, reason="Pfingstmontag")},
    )
    now = local(date(2026, 5, 22), 18, 30)

    # when
    pickup = schedule.next_pickup(now, LEAD)
    later = schedule.next_pickup_from(now, LEAD)
    held = schedule.hold_until(now, LEAD)

    # then
    tuesday = date(2026, 5, 26)
    assert pickup == Window(start=local(tuesday, 9), end=local(tuesday, 18))
    assert later == local(tuesday, 9)
    assert held == local(tuesday, 18)


def test_no_pickup_within_the_horizon():
    # given: closed for the whole horizon
    schedule = shop(special_days={MONDAY + timedelta(days=n): DayRule(closed=True) for n in range(15)})
    now = local(MONDAY, 8)

    # when / then
    assert schedule.next_pickup(now, LEAD) is None
    assert schedule.next_pickup_from(now, LEAD) is None
    assert schedule.hold_until(now, LEAD) is None
    assert schedule.pickup_today_until(now, LEAD) is None


def test_horizon_counts_today_plus_horizon_days():
    # given: next opening is Saturday, five days after Monday
    schedule = shop(weekly={5: hours("09:00-14:00")})
    now = local(MONDAY, 8)

    # when
    too_short = schedule.next_pickup(now, LEAD, horizon_days=4)
    just_enough = schedule.next_pickup(now, LEAD, horizon_days=5)

    # then
    assert too_short is None
    assert just_enough == Window(start=local(SATURDAY, 9), end=local(SATURDAY, 14))


def test_hold_until_same_day_closing_time():
    # given
    schedule = shop()

    # when
    held = schedule.hold_until(local(MONDAY, 10), LEAD)

    # then
    assert held == local(MONDAY, 18)


def test_hold_until_next_days_closing_time_when_too_late_today():
    # given
    schedule = shop()

    # when
    held_friday = schedule.hold_until(local(FRIDAY, 17, 50), LEAD)
    held_saturday = schedule.hold_until(local(SATURDAY, 13, 50), LEAD)

    # then
    assert held_friday == local(SATURDAY, 14)
    assert held_saturday == local(MONDAY + timedelta(days=7), 18)


def test_now_in_utc_gives_the_same_answers_as_local_time():
    # given
    schedule = shop()
    now_local = local(MONDAY, 17, 45)
    now_utc = utc(2026, 6, 1, 15, 45)

    # when
    until_local = schedule.pickup_today_until(now_local, LEAD)
    until_utc = schedule.pickup_today_until(now_utc, LEAD)

    # then
    assert now_local == now_utc
    assert until_utc == until_local == local(MONDAY, 18)
    assert until_utc is not None
    assert until_utc.tzinfo is BERLIN
    assert schedule.next_pickup(now_utc, LEAD) == schedule.next_pickup(now_local, LEAD)
    assert schedule.hold_until(now_utc, LEAD) == schedule.hold_until(now_local, LEAD)


def test_now_in_utc_uses_the_shops_local_date():
    # given: 23:30 UTC on Friday is 01:30 on Saturday in Berlin
    schedule = shop()
    now = utc(2026, 6, 5, 23, 30)

    # when
    until = schedule.pickup_today_until(now, LEAD)
    later = schedule.next_pickup_from(now, LEAD)
    held = schedule.hold_until(now, LEAD)

    # then
    assert until == local(SATURDAY, 14)
    assert later is None
    assert held == local(SATURDAY, 14)
    assert schedule.is_open(utc(2026, 6, 6, 7, 30)) is True
    assert schedule.is_open(utc(2026, 6, 6, 12, 30)) is False


# --- bad input ------------------------------------------------------------------------------------------


def test_naive_datetime_is_rejected():
    # given
    schedule = shop()
    naive = datetime(2026, 6, 1, 10, 0)  # noqa: DTZ001

    # when / then
    with pytest.raises(ValueError, match="aware datetime is required"):
        schedule.is_open(naive)
    with pytest.raises(ValueError, match="aware datetime is required"):
        schedule.next_pickup(naive, LEAD)


def test_negative_lead_and_horizon_are_rejected():
    # given
    schedule = shop()
    now = local(MONDAY, 10)

    # when / then
    with pytest.raises(ValueError, match="lead time must not be negative"):
        schedule.pickup_today_until(now, -LEAD)
    with pytest.raises(ValueError, match="horizon_days must not be negative"):
        schedule.next_pickup(now, LEAD, horizon_days=-1)


def test_unknown_weekday_is_rejected():
    # when / then
    with pytest.raises(ValueError, match=r"0 \(Monday\) to 6 \(Sunday\), got \[7\]"):
        Schedule(tz=BERLIN, weekly={7: WORKDAY})


@pytest.mark.parametrize(
    ("closed", "intervals", "message"),
    [
        (True, hours("09:00-12:00"), "closed day rule cannot have opening intervals"),
        (False, (), "open day rule needs at least one opening interval"),
    ],
)
def test_inconsistent_day_rule_is_rejected(closed, intervals, message):
    # when / then
    with pytest.raises(ValueError, match=message):
        DayRule(closed=closed, intervals=intervals)


def test_interval_with_a_time_zone_is_rejected():
    # when / then
    with pytest.raises(ValueError, match="local wall-clock time without tzinfo"):
        Interval(opens=time(9, tzinfo=UTC), closes=time(18))


# --- parse_interval -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00-18:30", Interval(opens=time(9), closes=time(18, 30))),
        (" 9:00 - 18:30 ", Interval(opens=time(9), closes=time(18, 30))),
        ("09:00\u201318:30", Interval(opens=time(9), closes=time(18, 30))),
        ("20:00-02:00", Interval(opens=time(20), closes=time(2))),
        ("18:00-24:00", Interval(opens=time(18), closes=time(0))),
        ("00:00-24:00", Interval(opens=time(0), closes=time(0))),
    ],
)
def test_parse_interval(text, expected):
    # when
    interval = parse_interval(text)

    # then
    assert interval == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "must look like 09:00-18:30"),
        ("09:00", "must look like 09:00-18:30"),
        ("09:00-12:00-18:00", "must look like 09:00-18:30"),
        ("9-18", "'9' is not a time like 09:00"),
        ("09:0-18:00", "'09:0' is not a time like 09:00"),
        ("ab:cd-18:00", "'ab:cd' is not a time like 09:00"),
        ("09:00-18:\u00b2\u00b2", "is not a time like 09:00"),
        ("25:00-18:00", "'25:00' is not a valid time of day"),
        ("09:60-18:00", "'09:60' is not a valid time of day"),
        ("24:00-02:00", "'24:00' is not a valid time of day"),
        ("09:00-09:00", "opens and closes at the same time"),
    ],
)
def test_parse_interval_rejects_bad_input_with_a_clear_message(text, message):
    # when / then
    with pytest.raises(ValueError, match=message) as error:
        parse_interval(text)
    assert repr(text) in str(error.value)


def test_interval_str_round_trips_through_parse_interval():
    # given
    interval = Interval(opens=time(9, 5), closes=time(18, 30))

    # when
    text = str(interval)

    # then
    assert text == "09:05-18:30"
    assert parse_interval(text) == interval


# --- OpenStreetMap --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weekly", "expected"),
    [
        (
            {d: hours("09:00-18:00") for d in range(5)} | {5: hours("09:00-14:00")},
            "Mo-Fr 09:00-18:00; Sa 09:00-14:00; PH off",
        ),
        (
            {d: hours("14:00-18:00", "09:00-13:00") for d in range(5)},
            "Mo-Fr 09:00-13:00,14:00-18:00; PH off",
        ),
        ({4: hours("20:00-02:00")}, "Fr 20:00-02:00; PH off"),
        ({4: hours("18:00-24:00")}, "Fr 18:00-24:00; PH off"),
        ({d: hours("00:00-24:00") for d in range(7)}, "Mo-Su 00:00-24:00; PH off"),
        ({5: hours("10:00-16:00"), 6: hours("10:00-16:00")}, "Sa,Su 10:00-16:00; PH off"),
        (
            {
                0: hours("09:00-18:00"),
                1: hours("09:00-18:00"),
                2: hours("09:00-18:00"),
                3: hours("09:00-20:00"),
                4: hours("09:00-18:00"),
            },
            "Mo-We,Fr 09:00-18:00; Th 09:00-20:00; PH off",
        ),
        ({0: (), 2: hours("10:00-12:00")}, "We 10:00-12:00; PH off"),
        ({}, "off"),
    ],
)
def test_to_osm_opening_hours(weekly, expected):
    # when
    text = to_osm_opening_hours(weekly)

    # then
    assert text == expected


def test_to_osm_opening_hours_without_public_holiday_rule():
    # given
    weekly = {d: hours("09:00-18:00") for d in range(6)}

    # when
    text = to_osm_opening_hours(weekly, public_holidays_closed=False)

    # then
    assert text == "Mo-Sa 09:00-18:00"


def test_to_osm_opening_hours_rejects_seconds():
    # given
    weekly = {0: (Interval(opens=time(9, 0, 30), closes=time(18)),)}

    # when / then
    with pytest.raises(ValueError, match="minutes only"):
        to_osm_opening_hours(weekly)
