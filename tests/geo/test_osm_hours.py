"""OSM opening_hours into weekly hours and special days (opening-hours-py evaluates, geo/ reshapes)."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

import pytest

from geo.opening_hours import Interval, parse_interval, to_osm_opening_hours
from geo.osm_hours import (
    COMMENT,
    HOLIDAY_HOURS,
    SYNTAX,
    VARIABLE,
    WHOLE_DAY,
    osm_hours_parse,
)

BERLIN = ZoneInfo("Europe/Berlin")
START = date(2026, 11, 30)  # a Monday
CHRISTMAS = date(2026, 12, 25)  # Friday


def week(text: str) -> dict[int, tuple[str, ...]]:
    return {
        day: tuple(str(i) for i in intervals)
        for day, intervals in osm_hours_parse(text, tz=BERLIN, start=START).weekly.items()
    }


def test_weekdays_saturday_and_public_holidays_off() -> None:
    # when
    parsed = osm_hours_parse(
        "Mo-Fr 09:00-18:00; Sa 09:00-14:00; PH off", tz=BERLIN, start=START, public_holidays={CHRISTMAS}
    )
    # then: the weekly rule, no special day for a holiday the city calendar closes anyway
    assert parsed.exact
    assert {d: [str(i) for i in v] for d, v in parsed.weekly.items()} == {
        **{d: ["09:00-18:00"] for d in range(5)},
        5: ["09:00-14:00"],
    }
    assert CHRISTMAS not in parsed.special_days


def test_public_holiday_the_city_calendar_does_not_know_becomes_a_closed_special_day() -> None:
    parsed = osm_hours_parse("Mo-Fr 09:00-18:00; PH off", tz=BERLIN, start=START, public_holidays=set())
    assert parsed.special_days[CHRISTMAS].closed


def test_lunch_break_is_two_intervals() -> None:
    assert week("Mo-Fr 10:00-13:00,14:00-18:30")[0] == ("10:00-13:00", "14:00-18:30")


def test_month_range_becomes_special_days_within_the_horizon() -> None:
    # when
    parsed = osm_hours_parse("Mo-Fr 10:00-18:00; Jul-Aug Sa 10:00-14:00", tz=BERLIN, start=START)
    # then: Saturdays of July and August are open special days; the weekly rule has no Saturday
    assert parsed.exact
    assert 5 not in parsed.weekly
    saturdays = sorted(parsed.special_days)
    assert saturdays[0] == date(2027, 7, 3)
    assert saturdays[-1] == date(2027, 8, 28)
    assert all(d.weekday() == 5 and d.month in (7, 8) for d in saturdays)
    assert parsed.special_days[date(2027, 7, 3)].intervals == (Interval(time(10), time(14)),)


def test_past_midnight_interval_stays_whole() -> None:
    assert week("Fr 20:00-02:00") == {4: ("20:00-02:00",)}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("24/7", WHOLE_DAY),
        ("Mo-Fr 8-18", SYNTAX),
        ('Mo-Fr 09:00-18:00 "nach Vereinbarung"', COMMENT),
        ("Mo-Sa 10:00-18:00+", VARIABLE),
        ("sunrise-sunset", VARIABLE),
        ("Mo-Fr 09:00-18:00; PH 10:00-12:00", HOLIDAY_HOURS),
    ],
)
def test_what_cannot_be_represented_is_kept_as_text_and_flagged(text: str, problem: str) -> None:
    parsed = osm_hours_parse(text, tz=BERLIN, start=START)
    assert parsed.text == text
    assert problem in parsed.problems
    assert not parsed.exact


def test_unparsable_and_whole_day_give_no_weekly_hours() -> None:
    assert osm_hours_parse("Mo-Fr 8-18", tz=BERLIN, start=START).weekly == {}
    assert osm_hours_parse("24/7", tz=BERLIN, start=START).weekly == {}


def test_variable_hours_never_produce_special_days() -> None:
    assert osm_hours_parse("sunrise-sunset", tz=BERLIN, start=START).special_days == {}


@pytest.mark.parametrize(
    "text",
    [
        "Mo-Fr 09:00-18:00; Sa 09:00-14:00; PH off",
        "Mo-Fr 10:00-13:00,14:00-18:30; PH off",
        "Fr 20:00-02:00; PH off",
    ],
)
def test_export_of_parsed_weekly_hours_gives_the_same_text(text: str) -> None:
    parsed = osm_hours_parse(text, tz=BERLIN, start=START)
    assert to_osm_opening_hours(parsed.weekly) == text


def test_empty_text_is_no_hours_and_no_problem() -> None:
    parsed = osm_hours_parse("  ", tz=BERLIN, start=START)
    assert parsed.text == ""
    assert parsed.exact
    assert parsed.weekly == {}


def test_parse_interval_round_trip_for_generated_weeks() -> None:
    weekly = {
        0: (parse_interval("09:00-12:30"), parse_interval("13:30-18:00")),
        5: (parse_interval("10:00-14:00"),),
    }
    text = to_osm_opening_hours(weekly)
    assert osm_hours_parse(text, tz=BERLIN, start=START).weekly == weekly
