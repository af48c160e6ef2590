"""Reservations: holds that never oversell, expire by timestamp, and release stock on every way out."""

from __future__ import annotations

import re
import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace import reservation_codes as codes
from marketplace.exceptions import (
    InsufficientStock,
    InvalidTransition,
    ReservationNotCancellable,
    ShopUnavailable,
    TooManyActiveReservations,
    TooManyUnits,
    ValidationFailed,
)
from marketplace.models import OutboxMessage, Product, Reservation, Shop, StockMovement, Webhook
from marketplace.selectors.pickup import pickup_board
from marketplace.selectors.stock import products_with_availability
from marketplace.services import reservations as svc
from tests.factories import ProductFactory, ShopFactory

BERLIN = ZoneInfo("Europe/Berlin")
CODE = re.compile(r"^[2-9A-HJ-NP-Z]{3}-[2-9A-HJ-NP-Z]{3}$")


def contact(email: str = "erika@example.org") -> svc.Contact:
    return svc.Contact(name="Erika Muster", email=email, phone="+49 4131 000000")


def reserve(
    product: Product, quantity: int = 1, *, email: str = "erika@example.org", now: datetime | None = None
):
    return svc.reservation_create(
        items=[svc.LineRequest(product_id=product.pk, quantity=quantity)], contact=contact(email), now=now
    )


def available(product: Product, now: datetime) -> int:
    return products_with_availability(Product.objects.filter(pk=product.pk), now=now).get().available


def snapshot(*products: Product) -> tuple:
    rows = tuple(
        Product.objects.filter(pk__in=[p.pk for p in products])
        .order_by("pk")
        .values_list("quantity_on_hand", "quantity_held")
    )
    return rows, Reservation.objects.count(), StockMovement.objects.count()


# --- creating -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_holds_stock_and_writes_a_movement() -> None:
    # given: enough stock that 2 units need no e-mail confirmation (decision 0201)
    product = ProductFactory(quantity_on_hand=10)
    now = timezone.now()
    # when
    created = svc.reservation_create(
        items=[svc.LineRequest(product_id=product.pk, quantity=2)], contact=contact(), language="en", now=now
    )
    # then
    reservation = created.reservation
    assert CODE.match(reservation.code)
    assert reservation.status == Reservation.Status.HELD
    assert reservation.token_hash == codes.reservation_token_hash(created.token)
    assert created.token not in reservation.token_hash
    assert reservation.language == "en"
    assert reservation.pickup_from >= now + timedelta(minutes=15)
    assert reservation.expires_at > reservation.pickup_from
    product.refresh_from_db()
    assert (product.quantity_on_hand, product.quantity_held) == (10, 2)
    assert available(product, now) == 8
    movement = StockMovement.objects.get(product=product)
    assert (movement.held_delta, movement.on_hand_after, movement.held_after) == (2, 10, 2)
    assert movement.reservation_id == reservation.pk
    assert movement.source == StockMovement.Source.RESERVATION


@pytest.mark.django_db
def test_create_runs_a_small_fixed_number_of_statements(django_assert_num_queries) -> None:
    # given: two products of a shop without webhooks; the per-process pickup board already built
    shop = ShopFactory()
    first, second = (
        ProductFactory(shop=shop, quantity_on_hand=10),
        ProductFactory(shop=shop, quantity_on_hand=10),
    )
    now = timezone.now()
    pickup_board(now=now)
    items = [
        svc.LineRequest(product_id=first.pk, quantity=1),
        svc.LineRequest(product_id=second.pk, quantity=2),
    ]
    # when: savepoint, products + person lock, per-person caps + limit check + insert, one UPDATE per line,
    # lines + movements, the outbox rows of the e-mails, release (no count of unconfirmed units: the held
    # counters stay within the allowance)
    with django_assert_num_queries(8):
        created = svc.reservation_create(items=items, contact=contact(), now=now)
    # then
    assert [(line.product_id, line.quantity) for line in created.lines] == [(first.pk, 1), (second.pk, 2)]
    assert all(line.pk for line in created.lines)
    assert snapshot(first, second) == (((10, 1), (10, 2)), 1, 2)
    movements = StockMovement.objects.filter(reservation=created.reservation).order_by("product_id")
    assert [(m.product_id, m.held_delta, m.held_after) for m in movements] == [
        (first.pk, 1, 1),
        (second.pk, 2, 2),
    ]


@pytest.mark.django_db
def test_shop_with_a_webhook_gets_the_created_event(django_capture_on_commit_callbacks) -> None:
    # given
    product = ProductFactory(quantity_on_hand=5)
    Webhook.objects.create(shop=product.shop, url="https://example.org/hook", secret_salt="s", events=[])
    # when
    with django_capture_on_commit_callbacks():
        reserve(product)
        # then: the webhook event and the e-mails are outbox rows of the reservation's own transaction
        queued = list(OutboxMessage.objects.order_by("kind").values_list("kind", "payload__event", "state"))
    assert queued == [
        ("email.reservation_merchant", "created", "pending"),
        ("email.reservation_resident", "created", "pending"),
        ("webhook.event", "reservation.created", "pending"),
    ]


@pytest.mark.django_db
def test_a_taken_code_is_retried_with_another(monkeypatch) -> None:
    # given: the first code drawn belongs to an existing reservation
    product = ProductFactory(quantity_on_hand=5)
    taken = reserve(product, email="first@example.org").reservation.code
    codes = iter([taken, "K7P-4QX"])
    monkeypatch.setattr(svc, "reservation_code_new", lambda: next(codes))
    # when
    created = reserve(product, email="second@example.org")
    # then
    assert created.reservation.code == "K7P-4QX"
    assert Reservation.objects.get(code=taken).customer_email == "first@example.org"
    assert snapshot(product) == (((5, 2),), 2, 2)


@pytest.mark.django_db
def test_hold_lasts_until_closing_of_the_first_pickup_day() -> None:
    # given: open 09:00-18:00 every day; it is 17:50 local, lead 15 minutes -> pickup tomorrow
    shop = ShopFactory(hours=[(d, time(9), time(18)) for d in range(7)])
    now = datetime(2026, 6, 2, 17, 50, tzinfo=BERLIN)
    product = ProductFactory(shop=shop, stock_updated_at=now)
    # when
    reservation = reserve(product, now=now).reservation
    # then
    assert reservation.pickup_from == datetime(2026, 6, 3, 9, 0, tzinfo=BERLIN)
    assert reservation.expires_at == datetime(2026, 6, 3, 18, 0, tzinfo=BERLIN)


@pytest.mark.django_db
def test_fixed_hold_minutes_start_at_pickup_and_stop_at_closing() -> None:
    # given
    shop = ShopFactory(hours=[(d, time(9), time(18)) for d in range(7)], hold_minutes=60)
    morning = datetime(2026, 6, 2, 10, 0, tzinfo=BERLIN)
    late = datetime(2026, 6, 2, 17, 20, tzinfo=BERLIN)
    product = ProductFactory(shop=shop, stock_updated_at=morning)
    # when
    first = reserve(product, now=morning, email="a@example.org").reservation
    second = reserve(product, now=late, email="b@example.org").reservation
    # then
    assert (first.pickup_from, first.expires_at) == (
        datetime(2026, 6, 2, 10, 15, tzinfo=BERLIN),
        datetime(2026, 6, 2, 11, 15, tzinfo=BERLIN),
    )
    assert (second.pickup_from, second.expires_at) == (
        datetime(2026, 6, 2, 17, 35, tzinfo=BERLIN),
        datetime(2026, 6, 2, 18, 0, tzinfo=BERLIN),
    )


@pytest.mark.django_db
def test_short_stock_is_409_with_available_per_line_and_nothing_half_reserved() -> None:
    # given
    shop = ShopFactory()
    plenty = ProductFactory(shop=shop, quantity_on_hand=5)
    scarce = ProductFactory(shop=shop, quantity_on_hand=1)
    before = snapshot(plenty, scarce)
    # when
    with pytest.raises(InsufficientStock) as error:
        svc.reservation_create(
            items=[
                svc.LineRequest(product_id=plenty.pk, quantity=2),
                svc.LineRequest(product_id=scarce.pk, quantity=2),
            ],
            contact=contact(),
        )
    # then
    assert error.value.details == {
        "items": [
            {"product_id": plenty.pk, "requested": 2, "available": 5},
            {"product_id": scarce.pk, "requested": 2, "available": 1},
        ]
    }
    assert snapshot(plenty, scarce) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setup", "error"),
    [
        ("unlisted", ValidationFailed),
        ("unknown", ValidationFailed),
        ("two_shops", ValidationFailed),
        ("stale", InsufficientStock),
        ("too_many_units", TooManyUnits),
        ("zero", ValidationFailed),
    ],
)
def test_invalid_requests_change_nothing(setup: str, error: type[Exception]) -> None:
    # given
    product = ProductFactory(quantity_on_hand=20)
    other = ProductFactory(quantity_on_hand=20)
    lines = [svc.LineRequest(product_id=product.pk, quantity=1)]
    if setup == "unlisted":
        Product.objects.filter(pk=product.pk).update(active=False)
    elif setup == "unknown":
        lines = [svc.LineRequest(product_id=product.pk + 10_000, quantity=1)]
    elif setup == "two_shops":
        lines.append(svc.LineRequest(product_id=other.pk, quantity=1))
    elif setup == "stale":
        Product.objects.filter(pk=product.pk).update(stock_updated_at=timezone.now() - timedelta(days=30))
    elif setup == "too_many_units":
        lines = [svc.LineRequest(product_id=product.pk, quantity=11)]
    elif setup == "zero":
        lines = [svc.LineRequest(product_id=product.pk, quantity=0)]
    before = snapshot(product, other)
    # when / then
    with pytest.raises(error):
        svc.reservation_create(items=lines, contact=contact())
    assert snapshot(product, other) == before


@pytest.mark.django_db
def test_suspended_shop_takes_no_reservations() -> None:
    # given
    product = ProductFactory()
    Shop.objects.filter(pk=product.shop_id).update(status=Shop.Status.SUSPENDED)
    before = snapshot(product)
    # when / then
    with pytest.raises(ShopUnavailable):
        reserve(product)
    assert snapshot(product) == before


@pytest.mark.django_db
def test_at_most_five_active_reservations_per_email_case_insensitive() -> None:
    # given
    product = ProductFactory(quantity_on_hand=50)
    now = timezone.now()
    for _ in range(5):
        reserve(product, email="Erika@Example.org", now=now)
    before = snapshot(product)
    # when / then
    with pytest.raises(TooManyActiveReservations) as error:
        reserve(product, email="erika@example.ORG", now=now)
    assert error.value.code == "too_many_active_reservations"
    assert snapshot(product) == before
    # and a cancelled one frees a slot
    svc.reservation_cancel(reservation=Reservation.objects.first(), by="resident", now=now)
    reserve(product, email="erika@example.org", now=now)


# --- expiry -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_expired_hold_stops_counting_at_that_instant_without_the_sweeper() -> None:
    # given: the only unit is held
    product = ProductFactory(quantity_on_hand=1)
    now = timezone.now()
    first = reserve(product, now=now, email="a@example.org").reservation
    expiry = first.expires_at
    # then: held until the instant of expiry, free from it on
    assert available(product, expiry - timedelta(microseconds=1)) == 0
    assert available(product, expiry) == 1
    with pytest.raises(InsufficientStock):
        reserve(product, now=expiry - timedelta(seconds=1), email="b@example.org")
    # when: someone reserves at the instant of expiry (the counter still says 1 held)
    second = reserve(product, now=expiry, email="b@example.org").reservation
    # then: the expired hold was tidied inline and the counter is exact
    first.refresh_from_db()
    product.refresh_from_db()
    assert first.status == Reservation.Status.EXPIRED
    assert second.status == Reservation.Status.HELD
    assert (product.quantity_on_hand, product.quantity_held) == (1, 1)
    assert StockMovement.objects.filter(
        product=product, source=StockMovement.Source.SWEEPER, held_delta=-1
    ).exists()


@pytest.mark.django_db
def test_sweeper_expires_past_due_and_releases_counters() -> None:
    # given
    shop = ShopFactory()
    a = ProductFactory(shop=shop, quantity_on_hand=5)
    b = ProductFactory(shop=shop, quantity_on_hand=5)
    now = timezone.now()
    old = svc.reservation_create(
        items=[svc.LineRequest(product_id=a.pk, quantity=2), svc.LineRequest(product_id=b.pk, quantity=1)],
        contact=contact("a@example.org"),
        now=now,
    ).reservation
    fresh = reserve(a, 1, email="b@example.org", now=old.expires_at - timedelta(minutes=1)).reservation
    # when
    swept = svc.reservations_sweep(now=old.expires_at, batch_size=1)
    # then
    assert swept == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == Reservation.Status.EXPIRED
    assert old.closed_at == old.expires_at
    assert fresh.status == Reservation.Status.HELD
    assert list(
        Product.objects.filter(pk__in=[a.pk, b.pk]).order_by("pk").values_list("quantity_held", flat=True)
    ) == [
        1,
        0,
    ]
    assert StockMovement.objects.filter(reservation=old, source=StockMovement.Source.SWEEPER).count() == 2
    assert svc.reservations_sweep(now=old.expires_at) == 0


@pytest.mark.django_db
def test_sweeper_batch_is_set_based_with_a_running_movement_per_line(django_assert_max_num_queries) -> None:
    # given: three expired reservations sharing two products, and one still running
    shop = ShopFactory()
    a = ProductFactory(shop=shop, quantity_on_hand=10)
    b = ProductFactory(shop=shop, quantity_on_hand=10)
    now = timezone.now()

    def hold(email: str, lines: list[tuple[Product, int]], at: datetime) -> Reservation:
        items = [svc.LineRequest(product_id=p.pk, quantity=q) for p, q in lines]
        return svc.reservation_create(items=items, contact=contact(email), now=at).reservation

    first = hold("1@example.org", [(a, 2)], now)
    second = hold("2@example.org", [(a, 1), (b, 3)], now)
    third = hold("3@example.org", [(b, 1)], now)
    due = first.expires_at
    running = hold("4@example.org", [(a, 1)], due - timedelta(minutes=1))
    # when: one batch for all of them; statements do not grow with the batch (one of them: the outbox rows of
    # the expiry e-mails)
    with django_assert_max_num_queries(11):
        swept = svc.reservations_sweep(now=due, batch_size=100)
    # then
    assert swept == 3
    assert set(
        Reservation.objects.filter(status=Reservation.Status.EXPIRED).values_list("pk", flat=True)
    ) == {
        first.pk,
        second.pk,
        third.pk,
    }
    assert Reservation.objects.get(pk=running.pk).status == Reservation.Status.HELD
    assert snapshot(a, b)[0] == ((10, 1), (10, 0))
    released = StockMovement.objects.filter(source=StockMovement.Source.SWEEPER).order_by("product_id", "id")
    assert [
        (m.product_id, m.reservation_id, m.held_delta, m.held_after, m.on_hand_after) for m in released
    ] == [
        (a.pk, first.pk, -2, 2, 10),
        (a.pk, second.pk, -1, 1, 10),
        (b.pk, second.pk, -3, 1, 10),
        (b.pk, third.pk, -1, 0, 10),
    ]
    assert all(m.created_at == due and m.note == "expired" for m in released)


# --- transitions --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ready_then_collect_lowers_on_hand_and_held() -> None:
    # given
    product = ProductFactory(quantity_on_hand=5)
    reservation = reserve(product, 2).reservation
    # when
    svc.reservation_mark_ready(reservation=reservation)
    svc.reservation_collect(reservation=reservation)
    # then
    reservation.refresh_from_db()
    product.refresh_from_db()
    assert reservation.status == Reservation.Status.COLLECTED
    assert reservation.ready_at is not None
    assert (product.quantity_on_hand, product.quantity_held) == (3, 0)
    movement = StockMovement.objects.filter(product=product).first()
    assert (movement.on_hand_delta, movement.held_delta, movement.on_hand_after, movement.held_after) == (
        -2,
        -2,
        3,
        0,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["cancel_resident", "cancel_merchant", "no_show"])
def test_release_actions_give_the_stock_back(action: str) -> None:
    # given
    product = ProductFactory(quantity_on_hand=5)
    reservation = reserve(product, 3).reservation
    # when
    if action == "no_show":
        svc.reservation_mark_no_show(reservation=reservation)
    else:
        svc.reservation_cancel(reservation=reservation, by=action.removeprefix("cancel_"))
    # then
    reservation.refresh_from_db()
    product.refresh_from_db()
    assert reservation.status == ("no_show" if action == "no_show" else "cancelled")
    assert (product.quantity_on_hand, product.quantity_held) == (5, 0)


ACTIONS = {
    "ready": lambda r, now: svc.reservation_mark_ready(reservation=r, now=now),
    "collect": lambda r, now: svc.reservation_collect(reservation=r, now=now),
    "cancel": lambda r, now: svc.reservation_cancel(reservation=r, by="resident", now=now),
    "no_show": lambda r, now: svc.reservation_mark_no_show(reservation=r, now=now),
}
# (status the reservation is in, action) pairs that must be refused; "expired_unswept" is held past expiry
INVALID = [
    *[(status, action) for status in ("collected", "cancelled", "expired", "no_show") for action in ACTIONS],
    ("ready", "ready"),
    ("expired_unswept", "ready"),
    ("expired_unswept", "collect"),
    ("expired_unswept", "cancel"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "action"), INVALID)
def test_invalid_transitions_are_409_and_change_nothing(status: str, action: str) -> None:
    # given
    product = ProductFactory(quantity_on_hand=5)
    now = timezone.now()
    reservation = reserve(product, 2, now=now).reservation
    if status == "expired_unswept":
        now = reservation.expires_at + timedelta(minutes=1)
    elif status != "held":
        setup = {"collected": "collect", "cancelled": "cancel", "no_show": "no_show", "ready": "ready"}
        if status == "expired":
            svc.reservations_sweep(now=reservation.expires_at)
        else:
            ACTIONS[setup[status]](reservation, now)
    reservation.refresh_from_db()
    before = (reservation.status, reservation.updated_at, snapshot(product))
    # when / then
    expected = ReservationNotCancellable if action == "cancel" else InvalidTransition
    with pytest.raises(expected) as error:
        ACTIONS[action](reservation, now)
    assert error.value.code == ("reservation_not_cancellable" if action == "cancel" else "invalid_transition")
    assert error.value.status == 409
    reservation.refresh_from_db()
    assert (reservation.status, reservation.updated_at, snapshot(product)) == before


@pytest.mark.django_db
def test_stock_conflicts_are_flagged_and_cleared() -> None:
    # given: 2 of 3 held, then the till says 1 on hand
    product = ProductFactory(quantity_on_hand=3)
    reservation = reserve(product, 2).reservation
    Product.objects.filter(pk=product.pk).update(quantity_on_hand=1)
    # when
    flagged = svc.reservations_flag_stock_conflicts(product_ids=[product.pk])
    # then
    reservation.refresh_from_db()
    assert flagged == 1
    assert reservation.stock_conflict is True
    # and when the stock is back, the flag goes
    Product.objects.filter(pk=product.pk).update(quantity_on_hand=4)
    assert svc.reservations_flag_stock_conflicts(product_ids=[product.pk]) == 0
    reservation.refresh_from_db()
    assert reservation.stock_conflict is False


@pytest.mark.django_db
def test_code_normalisation_accepts_what_people_type() -> None:
    assert codes.reservation_code_normalize(" k7p4qx ") == "K7P-4QX"
    assert codes.reservation_code_normalize("k7p-4qx") == "K7P-4QX"
    assert all(CODE.match(codes.reservation_code_new()) for _ in range(200))


# --- concurrency --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_one_line_hold_is_one_statement_after_the_products_lock(django_assert_num_queries) -> None:
    # given: a hold within the unconfirmed allowance (no count of unconfirmed units)
    product = ProductFactory(quantity_on_hand=10)
    pickup_board(now=timezone.now())
    # when: savepoint, products + person lock, the hold, the e-mails' outbox rows, release
    with django_assert_num_queries(5), CaptureQueriesContext(connection) as queries:
        reserve(product, quantity=1)
    # then: caps, limit, reservation, conditional update, line and movement in one statement; the line
    # and the movement are written only from the conditional update's row
    hold = " ".join(queries.captured_queries[2]["sql"].split())
    assert "quantity_on_hand - quantity_held >=" in hold
    assert hold.index("held AS ( UPDATE marketplace_product") < hold.index(
        "INSERT INTO marketplace_reservationline"
    )
    assert "FROM inserted, held RETURNING id" in hold
    assert "INSERT INTO marketplace_stockmovement" in hold
    product.refresh_from_db()
    assert (product.quantity_on_hand, product.quantity_held) == (10, 1)
    assert StockMovement.objects.get(product=product).held_after == 1


@pytest.mark.django_db
def test_a_one_line_hold_the_counter_refuses_writes_no_line_and_is_decided_exactly() -> None:
    # given: 3 units, 2 of them held by a reservation that expired a minute ago (the counter still says 2)
    product = ProductFactory(quantity_on_hand=3)
    now = timezone.now()
    old = reserve(product, quantity=2, now=now - timedelta(minutes=30), email="old@example.org").reservation
    Reservation.objects.filter(pk=old.pk).update(expires_at=now - timedelta(minutes=1))
    # when: 3 units asked: the one-statement hold's counter says no, the exact figure says yes
    created = reserve(product, quantity=3, now=now, email="new@example.org")
    # then: one line and one movement for it; the expired hold was tidied on the way
    product.refresh_from_db()
    assert (product.quantity_on_hand, product.quantity_held) == (3, 3)
    assert [(line.product_id, line.quantity) for line in created.lines] == [(product.pk, 3)]
    assert created.reservation.lines.count() == 1
    assert StockMovement.objects.filter(reservation=created.reservation).count() == 1
    old.refresh_from_db()
    assert old.status == Reservation.Status.EXPIRED


@pytest.mark.django_db
def test_several_lines_update_their_products_one_by_one_before_the_lines() -> None:
    # given
    shop = ShopFactory()
    first, second = (
        ProductFactory(shop=shop, quantity_on_hand=5),
        ProductFactory(shop=shop, quantity_on_hand=5),
    )
    # when
    with CaptureQueriesContext(connection) as queries:
        svc.reservation_create(
            items=[svc.LineRequest(second.pk, 1), svc.LineRequest(first.pk, 1)], contact=contact()
        )
    # then
    sql = [" ".join(q["sql"].split()) for q in queries.captured_queries]
    updates = [i for i, s in enumerate(sql) if s.startswith("UPDATE marketplace_product")]
    line_insert = next(i for i, s in enumerate(sql) if "INSERT INTO marketplace_reservationline" in s)
    assert len(updates) == 2
    assert all("quantity_on_hand - quantity_held >=" in sql[i] for i in updates)
    assert max(updates) < line_insert
    assert "held AS" not in " ".join(sql)


def _run_threads(count: int, target) -> list:
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_32_clients_racing_for_5_units_get_exactly_5_reservations() -> None:
    # given
    product = ProductFactory(quantity_on_hand=5)
    # when
    results = _run_threads(32, lambda i: reserve(product, email=f"r{i}@example.org"))
    # then
    won = [r for r in results if isinstance(r, svc.CreatedReservation)]
    lost = [r for r in results if isinstance(r, InsufficientStock)]
    assert (len(won), len(lost)) == (5, 27)
    assert all(e.details["items"][0]["available"] == 0 for e in lost)
    product.refresh_from_db()
    assert (product.quantity_on_hand, product.quantity_held) == (5, 5)
    assert Reservation.objects.filter(status="held").count() == 5
    assert StockMovement.objects.filter(product=product).count() == 5


@pytest.mark.django_db(transaction=True)
def test_sweeper_beside_concurrent_reservations_keeps_counters_exact() -> None:
    # given: 20 holds that expired, on a product with 20 units
    product = ProductFactory(quantity_on_hand=20)
    past = timezone.now() - timedelta(days=2)
    Product.objects.filter(pk=product.pk).update(stock_updated_at=past)
    for i in range(20):
        reserve(product, email=f"old{i}@example.org", now=past)
    Product.objects.filter(pk=product.pk).update(stock_updated_at=timezone.now())

    # when: two sweepers and 16 new reservations at the same time
    def work(i: int):
        if i < 2:
            return svc.reservations_sweep(batch_size=3)
        return reserve(product, email=f"new{i}@example.org")

    results = _run_threads(18, work)
    # then
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, InsufficientStock)]
    swept_later = svc.reservations_sweep()
    # every expired hold was released exactly once, by a sweeper or inline by a new reservation
    releases = StockMovement.objects.filter(product=product, source=StockMovement.Source.SWEEPER)
    assert releases.count() == 20
    assert sum(results[:2]) + swept_later == releases.filter(note="expired").count()
    product.refresh_from_db()
    held = Reservation.objects.filter(status="held").count()
    assert held == 16
    assert Reservation.objects.filter(status="expired").count() == 20
    assert (product.quantity_on_hand, product.quantity_held) == (20, 16)
    movements = StockMovement.objects.filter(product=product)
    assert sum(m.held_delta for m in movements) == 16
