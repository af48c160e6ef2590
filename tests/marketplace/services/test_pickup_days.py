"""Pickup day choice (issue 21, decision 2100): offered days, holds, reminders and the one move.

The clock is frozen (time_machine) at the instants the issue names; the shop is open Mo-Sa 09:30-19:00.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from marketplace.exceptions import (
    PickupDateClosed,
    PickupDateInPast,
    PickupDateTooFar,
    PickupLaterDaysOff,
    ReservationMoveNotPossible,
    ValidationFailed,
)
from marketplace.models import CityDay, Product, Reservation, Shop
from marketplace.selectors.hours import shop_schedule
from marketplace.selectors.pickup import pickup_board_clear, pickup_options
from marketplace.selectors.stock import availability_now
from marketplace.services import pickup_days
from marketplace.services import reservations as svc
from tests.factories import ProductFactory, ShopFactory

BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY = date(2026, 12, 8)
SATURDAY = date(2026, 12, 12)
HOLIDAY_MONDAY = date(2026, 12, 14)


def at(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm), tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def _no_board() -> Iterator[None]:
    pickup_board_clear()
    yield
    pickup_board_clear()


def _shop(**fields: Any) -> Shop:
    hours = [(weekday, time(9, 30), time(19, 0)) for weekday in range(6)]  # Mo-Sa, Sunday closed
    return ShopFactory(hours=hours, email="laden@example.org", **fields)


def _options(shop: Shop, now: datetime) -> list[tuple[date, bool]]:
    options = pickup_options(shop=shop, schedule=shop_schedule(shop, now=now), now=now)
    return [(day.date, day.short) for day in options.days]


def _reserve(
    product: Product, now: datetime, *, pickup_date: date | None = None, qty: int = 1
) -> Reservation:
    with time_machine.travel(now, tick=False):
        created = svc.reservation_create(
            items=[svc.LineRequest(product_id=product.pk, quantity=qty)],
            contact=svc.Contact(name="Erika Muster", email="erika@example.org"),
            pickup_date=pickup_date,
            now=now,
        )
    return created.reservation


@pytest.mark.django_db
def test_at_18_34_today_is_offered_short_and_tomorrow_is_suggested() -> None:
    # given: a Tuesday 18:34, the shop closes at 19:00 (lead 15 min: 11 minutes are left)
    shop = _shop()
    now = at(TUESDAY, 18, 34)
    # when
    options = pickup_options(shop=shop, schedule=shop_schedule(shop, now=now), now=now)
    # then: today (short), then the next two opening days; the form preselects tomorrow
    assert [(d.date, d.short) for d in options.days] == [
        (TUESDAY, True),
        (TUESDAY + timedelta(days=1), False),
        (TUESDAY + timedelta(days=2), False),
    ]
    assert options.today_short
    assert options.suggested is not None
    assert options.suggested.date == TUESDAY + timedelta(days=1)
    assert options.days[0].starts == at(TUESDAY, 18, 49)
    assert options.days[1].starts == at(TUESDAY + timedelta(days=1), 9, 30)
    assert options.days[1].ends == at(TUESDAY + timedelta(days=1), 19, 0)


@pytest.mark.django_db
def test_at_18_00_today_is_not_short() -> None:
    shop = _shop()
    assert _options(shop, at(TUESDAY, 18, 0))[0] == (TUESDAY, False)


@pytest.mark.django_db
def test_saturday_evening_skips_sunday_and_the_public_holiday() -> None:
    # given: Saturday 19:30 (closed for today), Sunday closed, Monday a public holiday in the city calendar
    shop = _shop()
    CityDay.objects.create(
        date=HOLIDAY_MONDAY, kind=CityDay.Kind.HOLIDAY, name="Feiertag", closed=True, intervals=[]
    )
    # when / then: Tuesday and Wednesday
    assert _options(shop, at(SATURDAY, 19, 30)) == [
        (date(2026, 12, 15), False),
        (date(2026, 12, 16), False),
    ]


@pytest.mark.django_db
def test_a_special_day_of_the_shop_opens_a_sunday() -> None:
    shop = _shop(pickup_days_ahead=1)
    shop.special_days.create(
        date=SATURDAY + timedelta(days=1),
        closed=False,
        intervals=[{"opens": "12:00", "closes": "16:00"}],
        name="Verkaufsoffener Sonntag",
    )
    assert _options(shop, at(SATURDAY, 19, 30)) == [(date(2026, 12, 13), False)]


@pytest.mark.django_db
def test_the_shops_maximum_days_and_later_days_off_are_honoured() -> None:
    now = at(TUESDAY, 10, 0)
    seven = _shop(pickup_days_ahead=7)
    assert len(_options(seven, now)) == 1 + 7
    assert _options(seven, now)[-1][0] == date(2026, 12, 16)  # 7 opening days, Sunday skipped
    none = _shop(pickup_later_days=False)
    assert _options(none, now) == [(TUESDAY, False)]
    # in the evening, with later days off, nothing is left
    assert _options(none, at(TUESDAY, 19, 30)) == []


@pytest.mark.django_db
def test_choosing_a_day_that_is_not_offered_is_a_clear_error_and_holds_nothing() -> None:
    shop = _shop()
    product = ProductFactory(shop=shop, quantity_on_hand=5)
    now = at(TUESDAY, 18, 34)
    cases = [
        (TUESDAY - timedelta(days=1), PickupDateInPast),
        (date(2026, 12, 13), PickupDateClosed),  # a Sunday
        (date(2026, 12, 11), PickupDateTooFar),  # the third opening day ahead, the shop allows two
    ]
    for chosen, error in cases:
        with pytest.raises(error) as raised:
            _reserve(product, now, pickup_date=chosen)
        assert raised.value.details["offered"] == ["2026-12-08", "2026-12-09", "2026-12-10"]
    Shop.objects.filter(pk=shop.pk).update(pickup_later_days=False)
    with pytest.raises(PickupLaterDaysOff):
        _reserve(product, now, pickup_date=TUESDAY + timedelta(days=1))
    product.refresh_from_db()
    assert product.quantity_held == 0
    assert not Reservation.objects.exists()


@pytest.mark.django_db
def test_a_hold_for_tomorrow_lasts_until_tomorrows_closing_and_holds_stock_from_now() -> None:
    # given
    shop = _shop()
    product = ProductFactory(shop=shop, quantity_on_hand=10)
    now = at(TUESDAY, 18, 34)
    tomorrow = TUESDAY + timedelta(days=1)
    # when
    reservation = _reserve(product, now, pickup_date=tomorrow, qty=2)
    # then
    assert reservation.pickup_date == tomorrow
    assert reservation.pickup_from == at(tomorrow, 9, 30)
    assert reservation.expires_at == at(tomorrow, 19, 0)
    assert availability_now([product.pk], now=now)[product.pk] == 8
    assert availability_now([product.pk], now=at(TUESDAY, 23, 0))[product.pk] == 8  # held through the night
    # the sweeper leaves it alone until tomorrow's closing
    assert svc.reservations_sweep(now=at(tomorrow, 18, 59)) == 0
    assert svc.reservations_sweep(now=at(tomorrow, 19, 0)) == 1
    assert availability_now([product.pk], now=at(tomorrow, 19, 0))[product.pk] == 10


@pytest.mark.django_db
def test_the_shops_shorter_hold_counts_from_the_chosen_days_opening() -> None:
    shop = _shop(hold_minutes=60)
    product = ProductFactory(shop=shop)
    tomorrow = TUESDAY + timedelta(days=1)
    reservation = _reserve(product, at(TUESDAY, 18, 34), pickup_date=tomorrow)
    assert reservation.expires_at == at(tomorrow, 10, 30)


@pytest.mark.django_db
def test_the_days_offered_say_how_long_the_shorter_hold_lasts(client) -> None:
    # given: a shop that holds for 60 minutes from opening (9:30-19:00), an evening order
    shop = _shop(hold_minutes=60)
    product = ProductFactory(shop=shop, title="Tee")
    now = at(TUESDAY, 18, 34)
    tomorrow = TUESDAY + timedelta(days=1)
    # when: the days the form and the API offer
    options = pickup_options(shop=shop, schedule=shop_schedule(shop, now=now), now=now)
    # then: tomorrow runs 9:30-10:30, the hold the reservation gets, not the opening hours
    offered = options.get(tomorrow)
    assert offered is not None
    assert (offered.starts, offered.ends) == (at(tomorrow, 9, 30), at(tomorrow, 10, 30))
    with time_machine.travel(now, tick=False):
        page = client.get(f"/produkt/{product.pk}-tee/").content.decode()
    assert "09:30\N{EN DASH}10:30" in page
    assert "09:30\N{EN DASH}19:00" not in page


@pytest.mark.django_db
def test_without_a_chosen_day_the_first_possible_day_is_taken_as_before() -> None:
    shop = _shop()
    product = ProductFactory(shop=shop)
    reservation = _reserve(product, at(TUESDAY, 18, 34))
    assert (reservation.pickup_date, reservation.expires_at) == (TUESDAY, at(TUESDAY, 19, 0))


@pytest.mark.django_db
def test_the_reminder_is_sent_once_on_the_morning_of_the_pickup_day(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: reserved on Tuesday evening for Wednesday
    shop = _shop()
    product = ProductFactory(shop=shop, title="Stadtplan")
    tomorrow = TUESDAY + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        reservation = _reserve(product, at(TUESDAY, 18, 34), pickup_date=tomorrow)
    mail.outbox.clear()
    # when: the beat task runs every 5 minutes through the night and the morning
    runs = {}
    with django_capture_on_commit_callbacks(execute=True):
        for moment in (at(TUESDAY, 23, 0), at(tomorrow, 6, 55), at(tomorrow, 7, 0), at(tomorrow, 7, 5)):
            runs[moment.strftime("%a %H:%M")] = svc.reservations_remind(now=moment)
    # then: exactly one reminder, at 07:00 on Wednesday
    assert runs == {"Tue 23:00": [], "Wed 06:55": [], "Wed 07:00": [reservation.pk], "Wed 07:05": []}
    assert [m.subject for m in mail.outbox] == [
        f"Erinnerung: {reservation.code} heute bei {shop.name} abholen"
    ]
    assert "heute ist dein Abholtag" in mail.outbox[0].body


@pytest.mark.django_db
def test_no_reminder_for_a_same_day_pickup_made_less_than_two_hours_before() -> None:
    shop = _shop()
    product = ProductFactory(shop=shop, quantity_on_hand=20)
    night = _reserve(product, at(TUESDAY, 4, 30))  # 150 minutes before 07:00
    early_morning = _reserve(product, at(TUESDAY, 5, 30))  # 90 minutes before
    late = _reserve(product, at(TUESDAY, 10, 0))  # after the morning reminder time
    assert late.remind_at is None
    assert early_morning.remind_at is None
    assert night.remind_at == at(TUESDAY, 7, 0)
    assert svc.reservations_remind(now=at(TUESDAY, 12, 0)) == [night.pk]


@pytest.mark.django_db
def test_moving_to_the_next_opening_day_keeps_the_stock_held_once(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: a short today at 18:34
    shop = _shop()
    product = ProductFactory(shop=shop, quantity_on_hand=10)  # 2 of 10 need no e-mail confirmation
    now = at(TUESDAY, 18, 34)
    reservation = _reserve(product, now, qty=2)
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        moved = pickup_days.reservation_move_next_day(reservation=reservation, now=at(TUESDAY, 18, 40))
    # then: Wednesday until closing, the units still held (counter and availability), both sides told
    tomorrow = TUESDAY + timedelta(days=1)
    assert (moved.pickup_date, moved.pickup_from, moved.expires_at) == (
        tomorrow,
        at(tomorrow, 9, 30),
        at(tomorrow, 19, 0),
    )
    product.refresh_from_db()
    assert product.quantity_held == 2
    assert availability_now([product.pk], now=at(TUESDAY, 20, 0))[product.pk] == 8
    assert sorted(m.to[0] for m in mail.outbox) == ["erika@example.org", "laden@example.org"]
    assert moved.remind_at == at(tomorrow, 7, 0)
    # a second move is refused and changes nothing
    with pytest.raises(ReservationMoveNotPossible) as raised:
        pickup_days.reservation_move_next_day(reservation=reservation, now=at(TUESDAY, 18, 45))
    assert raised.value.details == {"reason": "already_moved"}
    reservation.refresh_from_db()
    assert reservation.pickup_date == tomorrow


@pytest.mark.django_db
def test_moving_is_refused_when_the_shop_disallows_it_or_the_hold_is_over() -> None:
    shop = _shop(pickup_move_allowed=False)
    product = ProductFactory(shop=shop, quantity_on_hand=3)
    reservation = _reserve(product, at(TUESDAY, 18, 34))
    with pytest.raises(ReservationMoveNotPossible) as raised:
        pickup_days.reservation_move_next_day(reservation=reservation, now=at(TUESDAY, 18, 40))
    assert raised.value.details == {"reason": "not_allowed"}
    reservation.refresh_from_db()
    assert reservation.pickup_date == TUESDAY
    assert reservation.moved_at is None
    # allowed, but the hold ended by timestamp (the sweeper has not run): no stock is held any more
    Shop.objects.filter(pk=shop.pk).update(pickup_move_allowed=True)
    with pytest.raises(ReservationMoveNotPossible) as raised:
        pickup_days.reservation_move_next_day(reservation=reservation, now=at(TUESDAY, 19, 1))
    assert raised.value.details == {"reason": "not_active"}
    # the last offered day has no later one
    last = _reserve(product, at(TUESDAY, 18, 34), pickup_date=date(2026, 12, 10))
    with pytest.raises(ReservationMoveNotPossible) as raised:
        pickup_days.reservation_move_next_day(reservation=last, now=at(TUESDAY, 18, 40))
    assert raised.value.details == {"reason": "no_later_day"}


@pytest.mark.django_db
def test_later_day_holds_count_for_the_anti_hoarding_limits(settings: Any) -> None:
    settings.LADENKARTE_MAX_ACTIVE_RESERVATIONS_PER_EMAIL = 1
    shop = _shop()
    product = ProductFactory(shop=shop, quantity_on_hand=5)
    _reserve(product, at(TUESDAY, 18, 34), pickup_date=date(2026, 12, 10))
    from marketplace.exceptions import TooManyActiveReservations

    with pytest.raises(TooManyActiveReservations):
        _reserve(product, at(TUESDAY, 23, 0))


@pytest.mark.django_db
def test_pickup_settings_are_checked_all_or_nothing() -> None:
    shop = _shop()
    with pytest.raises(ValidationFailed) as raised:
        pickup_days.shop_pickup_settings_update(
            shop=shop, changes={"pickup_days_ahead": 8, "pickup_min_window_minutes": 45}
        )
    assert list(raised.value.details) == ["pickup_days_ahead"]
    shop.refresh_from_db()
    assert (shop.pickup_days_ahead, shop.pickup_min_window_minutes) == (2, 30)
    updated = pickup_days.shop_pickup_settings_update(
        shop=shop, changes={"pickup_days_ahead": 7, "pickup_later_days": False, "hold_minutes": None}
    )
    assert (updated.pickup_days_ahead, updated.pickup_later_days) == (7, False)
