"""The pickup board answers exactly what `geo.opening_hours.Schedule` answers, minute by minute."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from marketplace.models import CityDay, SpecialDay
from marketplace.selectors.hours import shop_schedule
from marketplace.selectors.pickup import pickup_board, pickup_board_build
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 6, 5),  # an ordinary Friday
        date(2026, 3, 29),  # spring forward (02:00 -> 03:00)
        date(2026, 10, 25),  # fall back (03:00 -> 02:00)
        date(2026, 12, 24),  # the shop's special day
        date(2026, 12, 25),  # a city holiday
    ],
)
def test_board_matches_schedule_every_five_minutes(day):
    # given shops with lunch breaks, a bar past midnight, different lead times, a special and a city day
    shops = [
        ShopFactory(
            pickup_lead_minutes=15,
            hours=[(d, time(9), time(12, 30)) for d in range(7)]
            + [(d, time(14), time(18)) for d in range(6)],
        ),
        ShopFactory(pickup_lead_minutes=45, hours=[(d, time(18), time(2)) for d in range(7)]),
        ShopFactory(pickup_lead_minutes=0, hours=[(d, time(1), time(3, 30)) for d in range(7)]),
    ]
    SpecialDay.objects.create(
        shop=shops[0],
        date=date(2026, 12, 24),
        closed=False,
        intervals=[{"opens": "08:00", "closes": "13:00"}],
    )
    CityDay.objects.create(
        date=date(2026, 12, 25), kind=CityDay.Kind.HOLIDAY, name="Weihnachten", closed=True
    )
    start = datetime.combine(day, time(0), tzinfo=BERLIN)
    board = pickup_board_build(now=start)
    schedules = {shop.pk: shop_schedule(shop, start=day, days=1) for shop in shops}
    # when / then
    moment = start
    while moment.date() == day:
        for shop in shops:
            lead = timedelta(minutes=shop.pickup_lead_minutes)
            expected = schedules[shop.pk].pickup_today_until(moment, lead)
            assert board.pickup_today_until(shop.pk, moment) == expected, (shop.pk, moment)
            assert (shop.pk in board.collectable_ids(moment.timestamp())) == (expected is not None)
            assert board.is_open(shop.pk, moment) == schedules[shop.pk].is_open(moment)
        moment = (moment + timedelta(minutes=5)).astimezone(BERLIN)


def test_board_is_rebuilt_for_another_day(django_assert_num_queries):
    # given a board built on Friday
    ShopFactory()
    friday = datetime(2026, 6, 5, 12, tzinfo=BERLIN)
    board = pickup_board(now=friday)
    # when / then: the same day reuses it without a query, the next day rebuilds it
    with django_assert_num_queries(0):
        assert pickup_board(now=friday + timedelta(hours=6)) is board
    assert pickup_board(now=friday + timedelta(days=1)) is not board
