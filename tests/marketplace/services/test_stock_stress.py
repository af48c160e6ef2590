"""Stress: till syncs against collect / cancel / no-show / new holds / the sweeper on the same products.

Real threads through the real HTTP stack (API views, services, PostGIS) for a few seconds. Afterwards and
all along (a monitor thread, one statement = one snapshot): no deadlock (PostgreSQL's own counter,
`pg_stat_database.deadlocks`), no 5xx answer, `quantity_held` equals the units of active reservation lines,
nothing negative. The figures are printed (`pytest -s`) for the record;
the test asserts correctness only, never timings.
"""

from __future__ import annotations

import itertools
import queue
import random
import re
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.models import Product, Reservation, ReservationLine
from marketplace.services import reservations as svc
from tests.factories import ApiKeyFactory, ProductFactory, ShopFactory

RAW_KEY = "lk_test_stress_secretsecretsecretsecret"
SECONDS = 4.0  # at least this long ...
# ... and until this much happened (a loaded machine is slow)
MIN_OPS = {"sync": 40, "hold": 40, "closed": 25}
HARD_STOP = 40.0  # but never longer (CI budget)
TILL_CYCLE = [1, 0, 3]  # set mode: the till's figure goes 1 -> 0 -> 3 -> 1 ...


def _invariants(product_ids: list[int]) -> list[tuple[int, int, int, int]]:
    """(product, on hand, held counter, units of active lines) in one statement (one snapshot)."""
    product, line, reservation = (
        Product._meta.db_table,
        ReservationLine._meta.db_table,
        Reservation._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT p.id, p.quantity_on_hand, p.quantity_held,
                   COALESCE(SUM(l.quantity) FILTER (WHERE r.status IN ('held', 'ready')), 0)
            FROM {product} p
            LEFT JOIN {line} l ON l.product_id = p.id
            LEFT JOIN {reservation} r ON r.id = l.reservation_id
            WHERE p.id = ANY(%s) GROUP BY p.id ORDER BY p.id
            """,  # noqa: S608 - table names from the models
            [product_ids],
        )
        return list(cursor.fetchall())


def _deadlocks() -> int:
    """Deadlocks PostgreSQL has detected in this database so far (its own counter, whatever the request
    answered: a deadlock is an OperationalError, which the middleware turns into a 503)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def _bad(rows: list[tuple[int, int, int, int]]) -> int:
    return sum(1 for _pk, on_hand, held, lines in rows if held != lines or held < 0 or on_hand < 0)


@pytest.mark.django_db(transaction=True)
def test_till_syncs_against_reservation_actions_no_deadlock_no_500_counters_exact(settings: Any) -> None:
    # given: one shop, three products with 3 units each, a till key; no rate limit in the way
    settings.LADENKARTE_RESERVATION_RATE = "1000000/h"
    shop = ShopFactory(slug="stress")
    ApiKeyFactory(shop=shop, raw_key=RAW_KEY)
    products = [ProductFactory(shop=shop, sku=f"S-{i}", quantity_on_hand=3) for i in range(3)]
    ids = [p.pk for p in products]
    # and 8 holds per product made two days ago: expired, still counted until the sweeper or a hold tidies
    past = timezone.now() - timedelta(days=2)
    Product.objects.filter(pk__in=ids).update(quantity_on_hand=8, stock_updated_at=past)
    for pk, n in itertools.product(ids, range(8)):
        svc.reservation_create(
            items=[svc.LineRequest(product_id=pk, quantity=1)],
            contact=svc.Contact(name="Old", email=f"old{pk}-{n}@example.org"),
            now=past,
        )
    Product.objects.filter(pk__in=ids).update(quantity_on_hand=3, stock_updated_at=timezone.now())
    base = f"/api/v1/merchant/shops/{shop.slug}/"
    codes: queue.Queue[str] = queue.Queue()
    ops: Counter[str] = Counter()
    statuses: Counter[tuple[str, int]] = Counter()
    errors: list[str] = []
    mismatches = [0, 0]  # snapshots checked, snapshots with a broken counter
    lock = threading.Lock()
    deadlocks_before = _deadlocks()
    started = time.monotonic()

    def running() -> bool:
        elapsed = time.monotonic() - started
        closed = ops["collect"] + ops["cancel"] + ops["no-show"]
        enough = (
            ops["sync"] >= MIN_OPS["sync"] and ops["hold"] >= MIN_OPS["hold"] and closed >= MIN_OPS["closed"]
        )
        return elapsed < HARD_STOP and (elapsed < SECONDS or not enough)

    def record(kind: str, status: int, body: bytes = b"") -> None:
        with lock:
            ops[kind] += 1
            statuses[(kind, status)] += 1
            if status >= 500 or b"deadlock" in body.lower():
                errors.append(f"{kind} {status} {body[:200]!r}")

    def merchant() -> APIClient:
        client = APIClient(raise_request_exception=False)
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {RAW_KEY}")
        return client

    def till(seed: int) -> None:
        client = merchant()
        for quantity in itertools.cycle(TILL_CYCLE[seed:] + TILL_CYCLE[:seed]):
            if not running():
                return
            items = [{"sku": p.sku, "quantity": quantity} for p in products]
            response = client.post(base + "inventory/", {"mode": "set", "items": items}, format="json")
            record("sync", response.status_code, response.content)

    def holder(seed: int) -> None:
        client = APIClient(raise_request_exception=False)
        rng = random.Random(seed)
        while running():
            lines = sorted(rng.sample(ids, rng.choice([1, 1, 2])))
            body = {
                "items": [{"product_id": pk, "quantity": 1} for pk in lines],
                "customer": {"name": "Stress", "email": f"s{uuid.uuid4().hex[:12]}@example.org"},
            }
            response = client.post("/api/v1/reservations/", body, format="json")
            record("hold", response.status_code, response.content)
            if response.status_code == 201:
                codes.put(response.json()["code"])

    def closer(seed: int) -> None:
        client = merchant()
        rng = random.Random(seed)
        while running():
            try:
                code = codes.get(timeout=0.05)
            except queue.Empty:
                continue
            action = rng.choice(["collect", "collect", "cancel", "no-show", "ready"])
            response = client.post(f"{base}reservations/{code}/{action}/")
            record(action, response.status_code, response.content)
            if action == "ready" and response.status_code == 200:
                codes.put(code)

    def sweeper(_seed: int) -> None:
        while running():
            try:
                svc.reservations_sweep(batch_size=50)
                record("sweep", 200)
            except Exception as exc:  # a deadlock here is a finding, not a crash of the test
                record("sweep", 500, str(exc).encode())
            time.sleep(0.02)

    def monitor(_seed: int) -> None:
        while running():
            rows = _invariants(ids)
            with lock:
                mismatches[0] += 1
                mismatches[1] += _bad(rows)
            time.sleep(0.01)

    workers = [till, till, holder, holder, closer, closer, sweeper, monitor]

    def run(index: int) -> None:
        try:
            workers[index](index)
        except Exception as exc:
            with lock:
                errors.append(f"{workers[index].__name__} crashed: {exc!r}")
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    elapsed = time.monotonic() - started
    final = _invariants(ids)
    expired_left = Reservation.objects.filter(status="held", expires_at__lte=timezone.now()).count()
    time.sleep(0.6)  # the workers' statistics reach pg_stat_database when their connections close
    deadlocks = _deadlocks() - deadlocks_before
    server_errors = sum(n for (_kind, status), n in statuses.items() if status >= 500)
    total = sum(ops.values())
    print(  # noqa: T201 - the figures of the run, for the record (pytest -s)
        f"\nstress: {total} operations in {elapsed:.1f} s {dict(ops)}; "
        f"statuses {dict(sorted(statuses.items()))}; deadlocks {deadlocks}; 5xx {server_errors}; "
        f"snapshots {mismatches[0]}, counter mismatches {mismatches[1]}; expired left {expired_left}; "
        f"final {final}"
    )
    assert deadlocks == 0
    assert errors == []
    assert mismatches[1] == 0
    assert _bad(final) == 0
    assert expired_left == 0  # the sweeper (or a hold's inline tidy) released every expired hold
    assert ops["sync"] >= MIN_OPS["sync"]
    assert ops["hold"] >= MIN_OPS["hold"]
    assert ops["collect"] + ops["cancel"] + ops["no-show"] >= MIN_OPS["closed"]


def _first(sql: list[str], pattern: str) -> int:
    return next(i for i, statement in enumerate(sql) if re.search(pattern, " ".join(statement.split())))


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["collect", "cancel", "no_show"])
def test_reservation_actions_lock_products_before_the_reservation(action: str) -> None:
    # given
    product = ProductFactory(quantity_on_hand=5)
    created = svc.reservation_create(
        items=[svc.LineRequest(product_id=product.pk, quantity=1)],
        contact=svc.Contact(name="Erika", email="erika@example.org"),
    )
    run = {
        "collect": lambda r: svc.reservation_collect(reservation=r),
        "cancel": lambda r: svc.reservation_cancel(reservation=r, by="merchant"),
        "no_show": lambda r: svc.reservation_mark_no_show(reservation=r),
    }[action]
    # when
    with CaptureQueriesContext(connection) as queries:
        run(created.reservation)
    # then: step 2 (product rows) before step 3 (the reservation row)
    sql = [q["sql"] for q in queries.captured_queries]
    products_locked = _first(sql, r"FROM \"?marketplace_product\"? .*FOR UPDATE")
    reservation_locked = _first(sql, r"FROM \"marketplace_reservation\" .*FOR UPDATE")
    assert products_locked < reservation_locked


@pytest.mark.django_db
def test_sweeper_locks_products_before_reservations() -> None:
    # given: an expired hold
    product = ProductFactory(quantity_on_hand=5)
    past = timezone.now() - timedelta(days=2)
    Product.objects.filter(pk=product.pk).update(stock_updated_at=past)
    svc.reservation_create(
        items=[svc.LineRequest(product_id=product.pk, quantity=1)],
        contact=svc.Contact(name="Erika", email="erika@example.org"),
        now=past,
    )
    # when
    with CaptureQueriesContext(connection) as queries:
        assert svc.reservations_sweep() == 1
    # then
    sql = [q["sql"] for q in queries.captured_queries]
    assert _first(sql, r"FROM \"?marketplace_product\"? .*FOR UPDATE") < _first(
        sql, r"FOR UPDATE SKIP LOCKED"
    )


def _blocked_by_me(cursor: Any) -> int:
    cursor.execute("SELECT pg_stat_clear_snapshot()")
    cursor.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))"
    )
    return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("city_action", ["suspend", "move"])
def test_city_changing_a_shop_while_a_merchant_cancels_does_not_deadlock(city_action: str) -> None:
    """The shop row is no step of the lock order: a city change locks it without blocking the foreign-key
    checks (`FOR NO KEY UPDATE`), so a cancel holding a product row can still write its outbox e-mail."""
    from marketplace.services import shops as shop_services

    # given: an active reservation on a product of the shop
    shop = ShopFactory()
    product = ProductFactory(shop=shop, quantity_on_hand=5)
    created = svc.reservation_create(
        items=[svc.LineRequest(product_id=product.pk, quantity=1)],
        contact=svc.Contact(name="Erika", email="erika@example.org"),
    )
    failures: list[str] = []

    def city() -> None:
        try:
            if city_action == "suspend":
                shop_services.shop_suspend(shop=shop, message="Bitte Bestand prüfen.")
            else:
                shop_services.shop_move(shop=shop, lat=53.25, lng=10.41)
        except Exception as exc:
            failures.append(f"city: {exc!r}")
        finally:
            connections.close_all()

    # when: the merchant's cancel holds the product row (step 2) when the city's change starts; the city
    # waits for that row, then the cancel goes on to the reservation and its e-mails (outbox rows of the shop)
    thread = threading.Thread(target=city)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            list(Product.objects.select_for_update().filter(pk=product.pk))
            thread.start()
            deadline = time.monotonic() + 10
            while not _blocked_by_me(cursor) and time.monotonic() < deadline:
                time.sleep(0.02)
            svc.reservation_cancel(reservation=created.reservation, by="merchant")
    except Exception as exc:
        failures.append(f"cancel: {exc!r}")
    thread.join()
    # then: both went through
    assert failures == []
    assert Reservation.objects.get(pk=created.reservation.pk).status == Reservation.Status.CANCELLED
