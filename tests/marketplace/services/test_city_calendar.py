"""The city calendar: holiday import (idempotent, respects editors) and city days in the search."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from marketplace.exceptions import ValidationFailed
from marketplace.models import CityDay, SpecialDay
from marketplace.selectors.hours import shop_schedule
from marketplace.selectors.pickup import pickup_board_clear
from marketplace.selectors.search import SearchParams, product_search_nearby
from marketplace.services.city_calendar import city_day_set, city_holidays_import
from tests.factories import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS_9_TO_18 = [(d, time(9, 0), time(18, 0)) for d in range(7)]


def test_import_creates_the_states_holidays_and_is_idempotent() -> None:
    # when
    first = city_holidays_import(years=2, first_year=2026, state="NI")
    second = city_holidays_import(years=2, first_year=2026, state="NI")

    # then
    assert first.created == 20
    assert (second.created, second.updated, second.unchanged) == (0, 0, 20)
    christmas = CityDay.objects.get(date=date(2026, 12, 25))
    assert (christmas.name, christmas.kind, christmas.closed) == (
        "Erster Weihnachtstag",
        CityDay.Kind.HOLIDAY,
        True,
    )
    assert christmas.source == CityDay.Source.IMPORT
    assert CityDay.objects.filter(date=date(2026, 10, 31), name="Reformationstag").exists()  # NI only


def test_import_keeps_a_day_the_city_changed() -> None:
    # given
    city_holidays_import(years=1, first_year=2026, state="NI")
    city_day_set(
        day=date(2026, 10, 3),
        kind=CityDay.Kind.EVENT,
        name="Einheitsfest: Geschäfte offen",
        closed=False,
        intervals=["12:00-18:00"],
    )

    # when
    result = city_holidays_import(years=1, first_year=2026, state="NI")

    # then
    assert result.kept_manual == 1
    day = CityDay.objects.get(date=date(2026, 10, 3))
    assert (day.name, day.closed, day.intervals) == (
        "Einheitsfest: Geschäfte offen",
        False,
        [{"opens": "12:00", "closes": "18:00"}],
    )


def test_import_command_reports_counts(capsys: pytest.CaptureFixture[str]) -> None:
    # when
    call_command("import_holidays", "--years", "2", "--from-year", "2026", "--state", "NI")
    call_command("import_holidays", "--years", "2", "--from-year", "2026", "--state", "NI")

    # then
    out = capsys.readouterr().out.splitlines()
    assert "20 created" in out[0]
    assert "0 created" in out[1]
    assert "20 unchanged" in out[1]
    assert CityDay.objects.count() == 20


def test_city_day_set_rejects_open_day_without_hours_and_changes_nothing() -> None:
    # when
    with pytest.raises(ValidationFailed):
        city_day_set(day=date(2026, 12, 6), kind=CityDay.Kind.LATE_OPENING, name="Nikolaus", closed=False)
    with pytest.raises(ValidationFailed):
        city_day_set(
            day=date(2026, 12, 6),
            kind=CityDay.Kind.LATE_OPENING,
            name="Nikolaus",
            closed=False,
            intervals=["25:00-18:00"],
        )

    # then
    assert not CityDay.objects.exists()


def _search_shop_ids(now: datetime) -> set[int]:
    pickup_board_clear()
    result = product_search_nearby(
        params=SearchParams(lat=53.2489, lng=10.4077, radius_km=5, available_today=True), now=now
    )
    return {hit.shop_id for hit in result.hits}


def test_christmas_closes_every_shop_while_a_shops_special_day_opens_it() -> None:
    # given
    city_holidays_import(years=1, first_year=2026, state="NI")
    closed_shop = ShopFactory(hours=WEEKDAYS_9_TO_18)
    open_shop = ShopFactory(hours=WEEKDAYS_9_TO_18)
    confirmed = datetime(2026, 12, 22, 8, 0, tzinfo=BERLIN)
    ProductFactory(shop=closed_shop, stock_updated_at=confirmed)
    ProductFactory(shop=open_shop, stock_updated_at=confirmed)
    SpecialDay.objects.create(
        shop=open_shop,
        date=date(2026, 12, 25),
        closed=False,
        intervals=[{"opens": "10:00", "closes": "14:00"}],
        name="Weihnachtsmarkt",
    )
    christmas_morning = datetime(2026, 12, 25, 9, 0, tzinfo=BERLIN)
    day_before = datetime(2026, 12, 23, 9, 0, tzinfo=BERLIN)

    # when
    on_christmas = _search_shop_ids(christmas_morning)
    before = _search_shop_ids(day_before)

    # then
    assert on_christmas == {open_shop.pk}
    assert before == {closed_shop.pk, open_shop.pk}
    assert shop_schedule(closed_shop, now=christmas_morning).day(date(2026, 12, 25)).reason == (
        "Erster Weihnachtstag"
    )


def test_late_opening_sunday_opens_every_shop_unless_it_opts_out() -> None:
    # given: shops closed on Sundays
    weekdays_only = [(d, time(9, 0), time(18, 0)) for d in range(6)]
    joins = ShopFactory(hours=weekdays_only)
    opts_out = ShopFactory(hours=weekdays_only)
    confirmed = datetime(2026, 10, 31, 8, 0, tzinfo=BERLIN)
    ProductFactory(shop=joins, stock_updated_at=confirmed)
    ProductFactory(shop=opts_out, stock_updated_at=confirmed)
    sunday = date(2026, 11, 1)
    city_day_set(
        day=sunday,
        kind=CityDay.Kind.LATE_OPENING,
        name="Verkaufsoffener Sonntag",
        closed=False,
        intervals=["13:00-18:00"],
    )
    SpecialDay.objects.create(shop=opts_out, date=sunday, closed=True, name="Wir machen nicht mit")

    # when
    found = _search_shop_ids(datetime(2026, 11, 1, 12, 0, tzinfo=BERLIN))

    # then
    assert found == {joins.pk}
