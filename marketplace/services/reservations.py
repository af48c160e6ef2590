"""Reservations: hold stock for pickup without ever overselling, and release it on every way out.

Counters: `Product.quantity_held` is the sum of the lines of reservations in an active status (held, ready),
including ones past `expires_at` that nobody has tidied yet. Reads subtract only unexpired holds
(`marketplace.selectors.stock`), so expiry is exact by timestamp; the sweeper only tidies.

Lock order (the one order of every stock and reservation write; decision "Stock truth"):

    0. an API write with an `Idempotency-Key` first claims the key with a try-lock (two-key advisory lock,
       `services.idempotency`); it never waits, so it cannot close a cycle;
    1. advisory locks: the e-mail address of a new reservation (`pg_advisory_xact_lock`), or the shop of
       a till sync (`inventory_sync`); a transaction takes at most one of them, before any row;
    2. product rows, in primary-key order;
    3. reservation rows, in primary-key order.

Who takes what: a new hold (1 e-mail, 2 via the conditional UPDATE per line, 3 only with SKIP LOCKED when
tidying expired holds); collect / cancel / no-show (2 the reservation's products, read from its immutable
lines first, then 3 the reservation); ready (3 only); the sweeper (2 the products of a batch of due
reservations, then 3 those reservations with SKIP LOCKED); till sync, CSV import, admin, my-shop and the
API PATCH (`products.product_update`, 1 shop for syncs, 2 the product rows, then 3 when flagging stock
conflicts). Nobody waits for a product row while holding a reservation row, so there is no cycle.

The shop row is no step: every write takes `FOR KEY SHARE` on it late (the foreign-key checks of new
reservations, movements and outbox rows, e.g. a cancel's e-mails after its product rows), so changes to a
shop that then write its products (approve / suspend / move, OSM import) lock it `FOR NO KEY UPDATE`,
which does not block those checks; a plain `FOR UPDATE` there deadlocked with a cancel.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.db.models import Model, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.actors import NOBODY, Actor
from marketplace.exceptions import (
    ConfirmationNotPossible,
    InsufficientStock,
    InvalidTransition,
    PickupUnavailable,
    ReservationNotCancellable,
    ShopUnavailable,
    TooManyActiveReservations,
    TooManyUnits,
    ValidationFailed,
)
from marketplace.infrastructure.prepared import prepared_cursor
from marketplace.models import (
    Product,
    Reservation,
    ReservationLine,
    Shop,
    StockMode,
    StockMovement,
    Webhook,
)
from marketplace.reservation_codes import (
    reservation_code_new,
    reservation_code_normalize,
    reservation_token_hash,
    reservation_token_new,
)
from marketplace.selectors.stock import availability_now, collectable_today, stock_is_fresh
from marketplace.services.feedback import feedback_request_queue
from marketplace.services.hoarding import (
    ACTIVE_STATUSES_SQL,
    PERSON_LINES_SQL,
    email_identity,
    needs_confirmation,
    person_limits_enforce,
    unconfirmed_allowance,
    unconfirmed_units,
)
from marketplace.services.pickup_days import (
    pickup_day_choose,
    pickup_hold,
    reminder_due_at,
    reservation_expiry,
    shop_confirm_deadline,
    shop_schedule_now,
)
from marketplace.services.reservation_emails import reservation_emails_queue, reservation_emails_queue_many
from marketplace.services.webhooks import webhook_event_emit

CODE_ATTEMPTS = 8
# Tidy at most this many expired reservations inline per product while reserving; the sweeper does the rest.
INLINE_TIDY_LIMIT = 50

_PRODUCT = Product._meta.db_table
_RESERVATION = Reservation._meta.db_table
_LINE = ReservationLine._meta.db_table

CancelledBy = Literal["resident", "merchant"]
_M = TypeVar("_M", bound=Model)


@dataclass(frozen=True)
class LineRequest:
    """One requested product and quantity."""

    product_id: int
    quantity: int


@dataclass(frozen=True)
class Contact:
    """Who reserves: name, e-mail, optional phone."""

    name: str
    email: str
    phone: str = ""


@dataclass(frozen=True)
class CreatedReservation:
    """A new reservation and its access token: the token exists only here, the database keeps its hash."""

    reservation: Reservation
    token: str
    lines: list[ReservationLine]
    # set when the hold must be confirmed from the e-mail link (sent only by e-mail)
    confirm_token: str = ""


def _merge_lines(items: Iterable[LineRequest]) -> dict[int, int]:
    merged: dict[int, int] = defaultdict(int)
    for item in items:
        if item.quantity < 1:
            raise ValidationFailed(
                _("The input is not valid."), details={"items": [_("Every quantity must be at least 1.")]}
            )
        merged[item.product_id] += item.quantity
    if not merged:
        raise ValidationFailed(
            _("The input is not valid."), details={"items": [_("At least one item is required.")]}
        )
    return dict(sorted(merged.items()))


def _email_lock_key(person: str) -> int:
    """The advisory lock of one person (`hoarding.email_identity`): step 1 of the lock order."""
    digest = hashlib.sha256(f"reservation-email:{person}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _ceil_minute(value: datetime) -> datetime:
    floored = value.replace(second=0, microsecond=0)
    return floored if floored == value else floored + timedelta(minutes=1)


def reservation_window(
    *, shop: Shop, now: datetime, pickup_date: date | None = None, from_next_day: bool = False
) -> tuple[date, datetime, datetime]:
    """(pickup day, pickup from, held until) for an order placed at `now` for `pickup_date`.

    The day defaults to the first possible one (with `from_next_day`, for "next day" products: the first
    opening day after today); the hold lasts until that day's closing, or the shop's shorter
    `hold_minutes` (`services.pickup_days`, decision 2100). Raises `PickupUnavailable` or one of the
    `PickupDateNotOffered` errors.
    """
    schedule = shop_schedule_now(shop, now=now)
    day = pickup_day_choose(
        shop=shop, schedule=schedule, now=now, pickup_date=pickup_date, from_next_day=from_next_day
    )
    pickup_from, expires_at = pickup_hold(shop=shop, day=day)
    if expires_at <= now:
        raise PickupUnavailable(_("The shop has no opening hours in the coming days in which to collect."))
    return day.date, pickup_from, expires_at


def _insufficient(lines: dict[int, int], *, now: datetime) -> InsufficientStock:
    available = availability_now(list(lines), now=now)
    return InsufficientStock(
        _("Not enough stock for at least one item."),
        details={
            "items": [
                {
                    "product_id": pk,
                    "requested": quantity,
                    "available": available.get(pk, 0),
                }
                for pk, quantity in lines.items()
            ]
        },
    )


# The whole no-oversell rule in one statement: the row lock and the check are the same UPDATE. By stock mode
# (decision 1600): counted stock must cover it; "in stock / sold out" must be in stock and the hold small;
# "always" and "next day" have no figure to check. The held counter counts every mode's units. Named
# parameters `pid`, `q`, `toggle_max`; `_insert_reservation` runs it in its statement for a one-line hold.
_HOLD_UPDATE = (
    f"UPDATE {_PRODUCT} SET quantity_held = quantity_held + %(q)s "  # noqa: S608 - table name from the model
    f"WHERE id = %(pid)s AND CASE WHEN stock_mode = '{StockMode.COUNTED.value}' "
    "THEN quantity_on_hand - quantity_held >= %(q)s "
    f"WHEN stock_mode = '{StockMode.TOGGLE.value}' THEN quantity_on_hand > 0 AND %(q)s <= %(toggle_max)s "
    "ELSE TRUE END"
)


def _hold_conditional(cursor: Any, *, product_id: int, quantity: int) -> tuple[int, int] | None:
    cursor.execute(
        _HOLD_UPDATE + " RETURNING quantity_on_hand, quantity_held",
        {"q": quantity, "pid": product_id, "toggle_max": settings.LADENKARTE_TOGGLE_MAX_UNITS},
    )
    row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def _hold_lines(
    cursor: Any, *, lines: dict[int, int], now: datetime, counter_said_no: bool = False
) -> list[tuple[int, int, int, int]]:
    """Hold every line, product rows in primary-key order: (product, quantity, on hand after, held after).

    `counter_said_no`: the conditional update of the (only) line already ran and refused. Raises
    `InsufficientStock` when a line cannot be held."""
    held: list[tuple[int, int, int, int]] = []
    locked: set[int] = set()
    for product_id, quantity in lines.items():  # primary-key order
        row = None if counter_said_no else _hold_conditional(cursor, product_id=product_id, quantity=quantity)
        if row is None:
            row = _hold_exact(cursor, product_id=product_id, quantity=quantity, now=now, locked=locked)
        if row is None:
            raise _insufficient(lines, now=now)
        locked.add(product_id)
        held.append((product_id, quantity, row[0], row[1]))
    return held


def _hold_exact(
    cursor: Any, *, product_id: int, quantity: int, now: datetime, locked: set[int]
) -> tuple[int, int] | None:
    """The counter said no: lock the row, tidy expired holds, and decide on the exact figure at `now`."""
    cursor.execute(f"SELECT id FROM {_PRODUCT} WHERE id = %s FOR UPDATE", [product_id])  # noqa: S608
    if cursor.fetchone() is None:
        return None
    _tidy_expired_on_product(product_id=product_id, now=now, locked=locked | {product_id})
    row = _hold_conditional(cursor, product_id=product_id, quantity=quantity)
    if row is not None:
        return row
    # Expired holds the tidy had to skip (locked by the sweeper) still inflate the counter: count exactly.
    if availability_now([product_id], now=now).get(product_id, 0) < quantity:
        return None
    cursor.execute(
        f"UPDATE {_PRODUCT} SET quantity_held = quantity_held + %s WHERE id = %s "  # noqa: S608
        "RETURNING quantity_on_hand, quantity_held",
        [quantity, product_id],
    )
    row = cursor.fetchone()
    return (row[0], row[1])


def _tidy_expired_on_product(*, product_id: int, now: datetime, locked: set[int]) -> None:
    """Expire past-due reservations on a product whose rows we hold, without waiting."""
    candidates = list(
        Reservation.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status__in=Reservation.ACTIVE_STATUSES, expires_at__lte=now, lines__product_id=product_id)
        .order_by("pk")
        .values_list("pk", flat=True)[:INLINE_TIDY_LIMIT]
    )
    if not candidates:
        return
    lines = list(
        ReservationLine.objects.filter(reservation_id__in=candidates).values_list(
            "reservation_id", "product_id"
        )
    )
    products_of: dict[int, set[int]] = defaultdict(set)
    for reservation_id, line_product_id in lines:
        products_of[reservation_id].add(line_product_id)
    # Only reservations whose every product row is already ours: taking more rows here could deadlock.
    tidy = [pk for pk in candidates if products_of[pk] <= locked]
    if tidy:
        _expire_locked(reservation_ids=tidy, now=now, note="expired (tidied while reserving)")


def _fields(model: Any, names: set[str]) -> tuple[str, ...]:
    """Column names in the model's field order (what `Model.from_db` expects for deferred loading)."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in names)


_PRODUCT_FIELDS = _fields(
    Product,
    {"id", "shop_id", "sku", "gtin", "title", "brand", "price", "active", "shop_active", "stock_updated_at"}
    | {"stock_mode"},
)
_SHOP_FIELDS = _fields(
    Shop,
    {"id", "slug", "name", "street", "postcode", "city", "district", "phone", "time_zone", "status"}
    | {"pickup_lead_minutes", "hold_minutes", "pickup_days_ahead", "pickup_min_window_minutes"}
    | {"pickup_later_days", "pickup_move_allowed"},
)


def _products_locking_email(product_ids: list[int], *, person: str) -> dict[int, Product]:
    """The requested products with their shop, in one statement that also takes the e-mail address lock.

    The lock (`pg_advisory_xact_lock`) serialises reservations of one address until the transaction ends,
    so the per-address count taken by a later statement cannot race. Each product gets `shop_hooked`
    (whether its shop has an active webhook). Model instances carry only the fields the reservation uses;
    any other field is loaded on access (Django's deferred fields).
    """
    columns = ", ".join(
        [f"p.{name}" for name in _PRODUCT_FIELDS]
        + [f"s.{name}" for name in _SHOP_FIELDS]
        + ["ST_X(s.location::geometry)", "ST_Y(s.location::geometry)"]
    )
    webhook, shop_table = Webhook._meta.db_table, Shop._meta.db_table
    with prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, "  # noqa: S608 - identifiers are ours, values are parameters
            f"EXISTS (SELECT 1 FROM {webhook} w WHERE w.shop_id = p.shop_id AND w.active), "
            "pg_advisory_xact_lock(%s)::text "
            f"FROM {_PRODUCT} p JOIN {shop_table} s ON s.id = p.shop_id "
            # one product (the usual hold) by `=`: with `= ANY($n)` the prepared statement is planned afresh
            # on every run (PostgreSQL's generic plan assumes an array of ten)
            + ("WHERE p.id = %s" if len(product_ids) == 1 else "WHERE p.id = ANY(%s)"),
            [_email_lock_key(person), product_ids[0] if len(product_ids) == 1 else product_ids],
        )
        rows = cursor.fetchall()
    products: dict[int, Product] = {}
    split = len(_PRODUCT_FIELDS)
    end = split + len(_SHOP_FIELDS)
    for row in rows:
        product = Product.from_db("default", _PRODUCT_FIELDS, row[:split])
        shop = Shop.from_db("default", _SHOP_FIELDS, row[split:end])
        shop.location = Point(row[end], row[end + 1], srid=4326)
        product.shop = shop
        product.shop_hooked = row[end + 2]  # type: ignore[attr-defined]
        products[product.pk] = product
    return products


@transaction.atomic
def reservation_create(
    *,
    items: Sequence[LineRequest],
    contact: Contact,
    language: str = "de",
    now: datetime | None = None,
    actor: Actor = NOBODY,
    pickup_date: date | None = None,
) -> CreatedReservation:
    """Hold the requested quantities of one shop's products for pickup, all lines or none.

    `pickup_date`: the local day the resident will collect (default: the first possible day).
    Raises `InsufficientStock` (with per-line `available`), `TooManyUnits`, `TooManyActiveReservations`,
    `ShopUnavailable`, `PickupUnavailable`, a `PickupDateNotOffered` error or `ValidationFailed`; nothing
    is held then.
    """
    now = now or timezone.now()
    lines = _merge_lines(items)
    max_units = settings.LADENKARTE_MAX_UNITS_PER_LINE
    over = [pk for pk, quantity in lines.items() if quantity > max_units]
    if over:
        raise TooManyUnits(
            _("At most %(max)d units of one item can be reserved.") % {"max": max_units},
            details={"max_units_per_line": max_units, "product_ids": over},
        )
    email = contact.email.strip()
    person = email_identity(email)  # every per-person rule counts by this (decision 0201)
    products = _products_locking_email(list(lines), person=person)
    unknown = [
        pk for pk in lines if pk not in products or not (products[pk].active and products[pk].shop_active)
    ]
    if unknown:
        raise ValidationFailed(
            _("The input is not valid."),
            details={
                "items": [_("Unknown or unlisted product: %(ids)s") % {"ids": ", ".join(map(str, unknown))}]
            },
        )
    shops = {p.shop_id for p in products.values()}
    if len(shops) != 1:
        raise ValidationFailed(
            _("The input is not valid."), details={"items": [_("All items must belong to one shop.")]}
        )
    first = next(iter(products.values()))
    shop = first.shop
    if not shop.is_active:
        raise ShopUnavailable(_("The shop does not take reservations at the moment."))
    if any(not stock_is_fresh(p.stock_updated_at, now=now, mode=p.stock_mode) for p in products.values()):
        raise _insufficient(lines, now=now)  # stale stock counts as 0 available (the availability rule)
    # one "next day" product makes the whole reservation start on the next opening day (decision 1600)
    next_day = any(not collectable_today(p.stock_mode) for p in products.values())
    day, pickup_from, expires_at = reservation_window(
        shop=shop, now=now, pickup_date=pickup_date, from_next_day=next_day
    )
    token = reservation_token_new()
    # One line (the usual hold): the reservation, the conditional update, the line and its movement are one
    # statement. Several lines lock their product rows one by one, in primary-key order (the lock order).
    only = next(iter(lines.items())) if len(lines) == 1 else None
    inserted = _insert_reservation(
        shop=shop,
        contact=contact,
        email=email,
        person=person,
        language=language,
        token=token,
        now=now,
        pickup_from=pickup_from,
        expires_at=expires_at,
        pickup_date=day,
        lines=lines,
        hold=_OneLine(*only, price=products[only[0]].price, actor=actor) if only else None,
    )
    reservation = inserted.reservation
    if first.shop_hooked:  # type: ignore[attr-defined] # set by _products_locking_email
        hook_items = [(pk, products[pk].sku, quantity) for pk, quantity in lines.items()]
        _emit(reservation, "created", items=hook_items)  # an outbox row, sent after the commit

    with prepared_cursor() as cursor:
        if inserted.held is not None:  # held by the reservation's own statement
            held = [inserted.held]
        else:
            held = _hold_lines(cursor, lines=lines, now=now, counter_said_no=only is not None)
        # the product rows are ours now: the share of unconfirmed holds is exact
        counted = [line for line in held if products[line[0]].stock_mode == StockMode.COUNTED]
        confirm_token = _confirmation_if_needed(reservation, held=counted, now=now)
        if any(products[pk].stock_mode == StockMode.TOGGLE for pk in lines):
            _shop_confirmation_needed(reservation, now=now)
        if inserted.held is not None:
            line_ids = {inserted.held[0]: inserted.line_id}
        else:
            line_ids = _insert_lines_and_movements(
                cursor, reservation=reservation, held=held, products=products, actor=actor, now=now
            )
    created_lines = [
        _saved(
            ReservationLine(
                id=line_ids[pk],
                reservation=reservation,
                product=products[pk],
                quantity=quantity,
                unit_price=products[pk].price,
            )
        )
        for pk, quantity in lines.items()
    ]
    reservation_emails_queue(
        reservation=reservation, event="created", token=token, confirm_token=confirm_token
    )
    return CreatedReservation(
        reservation=reservation, token=token, lines=created_lines, confirm_token=confirm_token
    )


def _confirmation_if_needed(
    reservation: Reservation, *, held: list[tuple[int, int, int, int]], now: datetime
) -> str:
    """Turn a hold that is too large to keep unconfirmed into one that expires unless confirmed from the
    e-mail link within `LADENKARTE_HOLD_CONFIRM_MINUTES`; returns the link's secret ("" if not needed)."""
    # Unconfirmed units are a part of the held counter, so a line whose whole counter stays within the
    # allowance cannot need confirmation: the common case answers without counting (issue 14).
    if all(
        quantity <= settings.LADENKARTE_HOLD_CONFIRM_ABOVE_UNITS
        and held_after <= unconfirmed_allowance(on_hand)
        for _pk, quantity, on_hand, held_after in held
    ):
        return ""
    before = unconfirmed_units([pk for pk, _q, _on_hand, _held in held], now=now, besides=reservation.pk)
    if not any(
        needs_confirmation(quantity=quantity, unconfirmed_after=before.get(pk, 0) + quantity, on_hand=on_hand)
        for pk, quantity, on_hand, _held in held
    ):
        return ""
    confirm_token = reservation_token_new()
    confirm_by = _ceil_minute(now + timedelta(minutes=settings.LADENKARTE_HOLD_CONFIRM_MINUTES))
    reservation.confirm_token_hash = reservation_token_hash(confirm_token)
    reservation.confirm_by = confirm_by
    reservation.hold_until = reservation.expires_at
    reservation.expires_at = min(reservation.expires_at, confirm_by)
    with prepared_cursor() as cursor:  # a hot product past its allowance: every further hold comes here
        cursor.execute(
            f"UPDATE {Reservation._meta.db_table} SET confirm_token_hash = %s, confirm_by = %s, "  # noqa: S608
            "hold_until = %s, expires_at = %s WHERE id = %s",
            [
                reservation.confirm_token_hash,
                confirm_by,
                reservation.hold_until,
                reservation.expires_at,
                reservation.pk,
            ],
        )
    return confirm_token


def _shop_confirmation_needed(reservation: Reservation, *, now: datetime) -> None:
    """A hold of an "in stock / sold out" product (no count) lasts only until the shop confirms it has the
    items (marks it ready), by `shop_confirm_deadline` (decision 1600)."""
    if reservation.hold_until is None:
        reservation.hold_until = reservation.expires_at
    reservation.shop_confirm_by = shop_confirm_deadline(reservation=reservation, now=now)
    reservation.expires_at = reservation_expiry(reservation)
    Reservation.objects.filter(pk=reservation.pk).update(
        shop_confirm_by=reservation.shop_confirm_by,
        hold_until=reservation.hold_until,
        expires_at=reservation.expires_at,
    )


def reservation_awaits_shop(reservation: Reservation, *, now: datetime) -> bool:
    """Whether the shop still has to confirm this hold (an "in stock / sold out" item, not ready yet)."""
    return (
        reservation.shop_confirm_by is not None
        and reservation.ready_at is None
        and reservation.status == Reservation.Status.HELD
        and reservation.expires_at > now
    )


@transaction.atomic
def reservation_confirm(*, code: str, confirm_token: str, now: datetime | None = None) -> Reservation:
    """Confirm a hold from the e-mail link: it then lasts its full time (until `hold_until`).

    Raises `ConfirmationNotPossible` for a wrong secret, a hold that needed no confirmation, one already
    confirmed (idempotent: returns it), or one past its deadline (then it has expired, the stock is free).
    """
    now = now or timezone.now()
    reservation = (
        Reservation.objects.select_for_update(of=("self",))  # step 3 only: no counter changes
        .select_related("shop")
        .filter(code=reservation_code_normalize(code))
        .first()
    )
    if (
        reservation is None
        or not reservation.confirm_token_hash
        or not secrets.compare_digest(reservation.confirm_token_hash, reservation_token_hash(confirm_token))
    ):
        raise ConfirmationNotPossible()
    if reservation.confirmed_at is not None and reservation.status in Reservation.ACTIVE_STATUSES:
        return reservation
    if not reservation.is_active_at(now) or reservation.hold_until is None:
        raise ConfirmationNotPossible(
            _("Too late: the reservation was not confirmed in time and the items are free again.")
        )
    reservation.confirmed_at = now
    reservation.expires_at = reservation_expiry(reservation)  # the shop's deadline may still be pending
    reservation.save(update_fields=["confirmed_at", "expires_at", "updated_at"])
    return reservation


def _saved(instance: _M) -> _M:
    """Mark a model instance built from a row we inserted in SQL as loaded from the database."""
    instance._state.adding = False
    instance._state.db = "default"
    return instance


def _insert_lines_and_movements(
    cursor: Any,
    *,
    reservation: Reservation,
    held: list[tuple[int, int, int, int]],
    products: dict[int, Product],
    actor: Actor,
    now: datetime,
) -> dict[int, int]:
    """The reservation's lines and one `StockMovement` per held line, in one statement; line id by product."""
    movement = StockMovement._meta.db_table
    product_ids = [pk for pk, _q, _on_hand, _held in held]
    cursor.execute(
        f"""
        WITH line AS (
            INSERT INTO {_LINE} (reservation_id, product_id, quantity, unit_price)
            SELECT %(reservation)s, v.pid, v.q, v.price
            FROM unnest(%(pids)s::bigint[], %(qs)s::int[], %(prices)s::numeric[]) AS v(pid, q, price)
            RETURNING id, product_id
        ), movement AS (
            INSERT INTO {movement} (product_id, source, on_hand_delta, held_delta, on_hand_after, held_after,
                reservation_id, actor_user_id, actor_api_key_id, note, created_at)
            SELECT v.pid, %(source)s, 0, v.q, v.on_hand, v.held, %(reservation)s, %(user)s, %(key)s, 'held',
                %(now)s
            FROM unnest(%(pids)s::bigint[], %(qs)s::int[], %(on_hand)s::int[], %(held)s::int[])
                AS v(pid, q, on_hand, held)
        )
        SELECT product_id, id FROM line
        """,  # noqa: S608 - table names from the models, values are parameters
        {
            "reservation": reservation.pk,
            "pids": product_ids,
            "qs": [quantity for _pk, quantity, _on_hand, _held in held],
            "prices": [products[pk].price for pk in product_ids],
            "on_hand": [on_hand for _pk, _q, on_hand, _held in held],
            "held": [held_after for _pk, _q, _on_hand, held_after in held],
            "source": StockMovement.Source.RESERVATION.value,
            "user": actor.user_id,
            "key": actor.api_key_id,
            "now": now,
        },
    )
    return dict(cursor.fetchall())


@dataclass(frozen=True)
class _OneLine:
    """The line of a one-line hold, held by the reservation's own statement."""

    product_id: int
    quantity: int
    price: Any
    actor: Actor


@dataclass(frozen=True)
class _Inserted:
    reservation: Reservation
    # a one-line hold the statement could take: (product, quantity, on hand after, held after), its line
    held: tuple[int, int, int, int] | None = None
    line_id: int = 0


def _insert_reservation(
    *,
    shop: Shop,
    contact: Contact,
    email: str,
    person: str,
    language: str,
    token: str,
    now: datetime,
    pickup_from: datetime,
    expires_at: datetime,
    pickup_date: date,
    lines: dict[int, int],
    hold: _OneLine | None = None,
) -> _Inserted:
    """Check the per-person caps and the per-address limit and insert the reservation in one statement (the
    e-mail lock is held); with `hold`, the same statement holds the line (`_HOLD_UPDATE`) and inserts it
    with its stock movement - if the counter said no, nothing of it is written and the caller decides
    exactly (`_hold_lines`).

    The caps are checked on what the statement read (a refusal rolls all of it back). A code already taken
    inserts nothing (ON CONFLICT DO NOTHING) and is retried with another one, without a savepoint.
    """
    max_active = settings.LADENKARTE_MAX_ACTIVE_RESERVATIONS_PER_EMAIL
    name, phone, updated = contact.name.strip(), contact.phone.strip(), timezone.now()
    token_hash = reservation_token_hash(token)
    values: dict[str, Any] = {
        "person": person,
        "active": list(Reservation.ACTIVE_STATUSES),
        "now": now,
        "updated": updated,
        "max_active": max_active,
        "token_hash": token_hash,
        "shop": shop.pk,
        "name": name,
        "email": email,
        "phone": phone,
        "language": language,
        "status": Reservation.Status.HELD.value,
        "pickup_from": pickup_from,
        "expires_at": expires_at,
        "pickup_date": pickup_date,
        "remind_at": reminder_due_at(day=pickup_date, tz=ZoneInfo(shop.time_zone), created_at=now),
    }
    held_part, held_columns = "", ""
    if hold is not None:
        values |= {
            "pid": hold.product_id,
            "q": hold.quantity,
            "price": hold.price,
            "toggle_max": settings.LADENKARTE_TOGGLE_MAX_UNITS,
            "source": StockMovement.Source.RESERVATION.value,
            "user": hold.actor.user_id,
            "key": hold.actor.api_key_id,
        }
        held_part = f"""
            , held AS (
                {_HOLD_UPDATE} AND EXISTS (SELECT 1 FROM inserted)
                RETURNING quantity_on_hand, quantity_held
            ), line AS (
                INSERT INTO {_LINE} (reservation_id, product_id, quantity, unit_price)
                SELECT inserted.id, %(pid)s, %(q)s, %(price)s FROM inserted, held
                RETURNING id
            ), movement AS (
                INSERT INTO {StockMovement._meta.db_table} (product_id, source, on_hand_delta, held_delta,
                    on_hand_after, held_after, reservation_id, actor_user_id, actor_api_key_id, note,
                    created_at)
                SELECT %(pid)s, %(source)s, 0, %(q)s, held.quantity_on_hand, held.quantity_held, inserted.id,
                    %(user)s::bigint, %(key)s::bigint, 'held', %(now)s
                FROM inserted, held
            )"""  # noqa: S608 - table names from the models, values are parameters
        held_columns = (
            ", (SELECT quantity_on_hand FROM held), (SELECT quantity_held FROM held), (SELECT id FROM line)"
        )
    for _attempt in range(CODE_ATTEMPTS):
        code = values["code"] = reservation_code_new()
        with prepared_cursor() as cursor:
            cursor.execute(
                f"""
                WITH active AS (
                    SELECT count(*) AS n FROM {_RESERVATION}
                    WHERE contact_key = %(person)s AND status IN {ACTIVE_STATUSES_SQL}
                        AND expires_at > %(now)s
                ), mine AS ({PERSON_LINES_SQL}), inserted AS (
                    INSERT INTO {_RESERVATION} (created_at, updated_at, code, token_hash, shop_id,
                        customer_name, customer_email, customer_phone, language, status, pickup_from,
                        expires_at, stock_conflict, cancelled_by, contact_key, confirm_token_hash,
                        pickup_date, remind_at)
                    SELECT %(now)s, %(updated)s, %(code)s, %(token_hash)s, %(shop)s, %(name)s, %(email)s,
                        %(phone)s, %(language)s, %(status)s, %(pickup_from)s, %(expires_at)s, false, '',
                        %(person)s, '', %(pickup_date)s, %(remind_at)s::timestamptz
                    FROM active WHERE n < %(max_active)s
                    ON CONFLICT (code) DO NOTHING
                    RETURNING id
                ){held_part}
                SELECT active.n, (SELECT id FROM inserted),
                    (SELECT array_agg(product_id) FROM mine), (SELECT array_agg(quantity) FROM mine)
                    {held_columns}
                FROM active
                """,  # noqa: S608 - table names from the models, values are parameters
                values,
            )
            row = cursor.fetchone()
        active, reservation_id, mine_products, mine_quantities = row[:4]
        person_limits_enforce(
            held_lines=zip(mine_products or [], mine_quantities or [], strict=True), lines=lines
        )
        if active >= max_active:
            raise TooManyActiveReservations(
                _("This e-mail address already has %(max)d open reservations.") % {"max": max_active},
                details={"max_active_reservations": max_active},
            )
        if reservation_id is not None:
            reservation = _saved(
                Reservation(
                    id=reservation_id,
                    created_at=now,
                    updated_at=updated,
                    code=code,
                    token_hash=token_hash,
                    shop=shop,
                    customer_name=name,
                    customer_email=email,
                    customer_phone=phone,
                    contact_key=person,
                    language=language,
                    status=Reservation.Status.HELD,
                    pickup_from=pickup_from,
                    expires_at=expires_at,
                    pickup_date=pickup_date,
                    remind_at=values["remind_at"],
                )
            )
            if hold is not None and row[6] is not None:
                return _Inserted(
                    reservation, held=(hold.product_id, hold.quantity, row[4], row[5]), line_id=row[6]
                )
            return _Inserted(reservation)
    raise RuntimeError("could not find a free reservation code")  # 2**30 codes: practically unreachable


def _emit(
    reservation: Reservation, event: str, *, items: Sequence[tuple[int, str, int]] | None = None
) -> None:
    """Schedule the webhook event `reservation.<event>` (sent after commit, if the shop has webhooks)."""
    if items is None:
        items = list(
            reservation.lines.order_by("product_id").values_list("product_id", "product__sku", "quantity")
        )
    payload = {
        "code": reservation.code,
        "status": reservation.status,
        "pickup_date": reservation.pickup_date.isoformat() if reservation.pickup_date else None,
        "pickup_from": reservation.pickup_from.isoformat(),
        "expires_at": reservation.expires_at.isoformat(),
        "customer": {"name": reservation.customer_name},
        "items": [{"product_id": pk, "sku": sku, "quantity": quantity} for pk, sku, quantity in items],
    }
    webhook_event_emit(shop=reservation.shop, event=f"reservation.{event}", payload=payload)


# --- releasing -------------------------------------------------------------------------------------------


def _release(
    *,
    lines: Sequence[tuple[int, int, int]],
    now: datetime,
    source: str,
    note: str,
    collect: bool = False,
    actor: Actor = NOBODY,
) -> None:
    """Give back held units of (reservation_id, product_id, quantity) lines; `collect` also lowers on-hand.

    Locks the product rows in primary-key order first, then one UPDATE for all and a movement per line.
    """
    if not lines:
        return
    product_ids = sorted({product_id for _, product_id, _ in lines})
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, quantity_on_hand, quantity_held, stock_mode FROM {_PRODUCT} "  # noqa: S608
            "WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
            [product_ids],
        )
        rows = cursor.fetchall()
        current = {pk: [on_hand, held] for pk, on_hand, held, _mode in rows}
        # only counted stock goes down when collected: the other modes have no count (decision 1600)
        counted = {pk for pk, _on_hand, _held, mode in rows if mode == StockMode.COUNTED}
        movements = []
        totals: dict[int, int] = defaultdict(int)
        for reservation_id, product_id, quantity in sorted(lines, key=lambda line: (line[1], line[0])):
            state = current[product_id]
            on_hand_delta = -min(quantity, state[0]) if collect and product_id in counted else 0
            state[0] += on_hand_delta
            state[1] -= quantity
            totals[product_id] += quantity
            movements.append(
                StockMovement(
                    product_id=product_id,
                    source=source,
                    on_hand_delta=on_hand_delta,
                    held_delta=-quantity,
                    on_hand_after=state[0],
                    held_after=state[1],
                    reservation_id=reservation_id,
                    actor_user_id=actor.user_id,
                    actor_api_key_id=actor.api_key_id,
                    note=note,
                    created_at=now,
                )
            )
        ids = list(totals)
        quantities = [totals[pk] for pk in ids]
        on_hand_sql = (
            f"quantity_on_hand = CASE WHEN p.stock_mode = '{StockMode.COUNTED.value}' "
            "THEN GREATEST(p.quantity_on_hand - v.q, 0) ELSE p.quantity_on_hand END, "
            if collect
            else ""
        )
        cursor.execute(
            f"UPDATE {_PRODUCT} p SET {on_hand_sql}quantity_held = p.quantity_held - v.q "  # noqa: S608
            "FROM unnest(%s::bigint[], %s::int[]) AS v(id, q) WHERE p.id = v.id",
            [ids, quantities],
        )
    StockMovement.objects.bulk_create(movements)


def _expire_locked(*, reservation_ids: list[int], now: datetime, note: str = "expired") -> None:
    """Mark locked, past-due reservations `expired`, release their holds, notify after commit."""
    Reservation.objects.filter(pk__in=reservation_ids).update(
        status=Reservation.Status.EXPIRED, closed_at=now, updated_at=now
    )
    _release_expired(reservation_ids=reservation_ids, now=now, note=note)


def _lock_products_of(*, reservation_ids: list[int]) -> bool:
    """Lock the product rows of these reservations' lines in primary-key order; False if there are none."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {_PRODUCT} WHERE id IN ("  # noqa: S608 - table names from the models
            f"SELECT product_id FROM {_LINE} WHERE reservation_id = ANY(%s)) ORDER BY id FOR UPDATE",
            [reservation_ids],
        )
        return bool(cursor.fetchall())


def _release_expired(
    *, reservation_ids: list[int], now: datetime, note: str, products_locked: bool = False
) -> None:
    """Give back the holds of reservations just marked `expired`, set-based (the sweeper's batches).

    Two statements whatever the batch size: lock the product rows in primary-key order, then one UPDATE of
    the counters from the aggregated lines together with one INSERT of a `StockMovement` per line (its
    `held_after` is the running figure per product, in reservation order, as a line-by-line release gives).
    """
    movement = StockMovement._meta.db_table
    if not products_locked and not _lock_products_of(reservation_ids=reservation_ids):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH line AS (
                SELECT reservation_id, product_id, quantity FROM {_LINE} WHERE reservation_id = ANY(%(ids)s)
            ), total AS (
                SELECT product_id, SUM(quantity) AS quantity FROM line GROUP BY product_id
            ), counter AS (
                UPDATE {_PRODUCT} p SET quantity_held = p.quantity_held - total.quantity
                FROM total WHERE p.id = total.product_id
                RETURNING p.id, p.quantity_on_hand, p.quantity_held + total.quantity AS held_before
            )
            INSERT INTO {movement} (product_id, source, on_hand_delta, held_delta, on_hand_after, held_after,
                reservation_id, actor_user_id, actor_api_key_id, note, created_at)
            SELECT line.product_id, %(source)s, 0, -line.quantity, counter.quantity_on_hand,
                counter.held_before - SUM(line.quantity) OVER (
                    PARTITION BY line.product_id ORDER BY line.reservation_id ROWS UNBOUNDED PRECEDING
                ),
                line.reservation_id, NULL, NULL, %(note)s, %(now)s
            FROM line JOIN counter ON counter.id = line.product_id
            ORDER BY line.product_id, line.reservation_id
            """,  # noqa: S608 - table names from the models, values are parameters
            {"ids": reservation_ids, "source": StockMovement.Source.SWEEPER.value, "note": note, "now": now},
        )
    hooked = Webhook.objects.filter(active=True, shop__reservations__in=reservation_ids).values("shop_id")
    for reservation in Reservation.objects.filter(pk__in=reservation_ids, shop_id__in=hooked).select_related(
        "shop"
    ):
        _emit(reservation, "expired")
    reservation_emails_queue_many(reservation_ids=list(reservation_ids), event="expired")


def reservations_sweep(*, now: datetime | None = None, batch_size: int = 1000) -> int:
    """Expire active reservations past `expires_at` in batches (SKIP LOCKED); returns how many were expired.

    Every batch is its own transaction, so a long sweep never holds many locks and runs beside reservations.
    A batch picks and marks its reservations in one statement and releases their holds in two more.
    """
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            due = list(
                Reservation.objects.filter(status__in=Reservation.ACTIVE_STATUSES, expires_at__lte=now)
                .order_by("expires_at", "pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not due:
                break
            # the lock order: product rows of the batch (primary-key order), then its reservations,
            # skipping any another transaction has locked (it is changing it; the next run sees it)
            _lock_products_of(reservation_ids=due)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    WITH due AS (
                        SELECT id FROM {_RESERVATION}
                        WHERE id = ANY(%(ids)s) AND status = ANY(%(active)s) AND expires_at <= %(now)s
                        ORDER BY id FOR UPDATE SKIP LOCKED
                    )
                    UPDATE {_RESERVATION} r
                    SET status = %(expired)s, closed_at = %(now)s, updated_at = %(now)s
                    FROM due WHERE r.id = due.id RETURNING r.id
                    """,  # noqa: S608 - table name from the model, values are parameters
                    {
                        "ids": due,
                        "active": list(Reservation.ACTIVE_STATUSES),
                        "now": now,
                        "expired": Reservation.Status.EXPIRED.value,
                    },
                )
                ids = sorted(row[0] for row in cursor.fetchall())
            if ids:
                _release_expired(reservation_ids=ids, now=now, note="expired", products_locked=True)
        if not ids:
            break  # every due one is locked by someone else: they finish it, or the next run does
        total += len(ids)
    return total


# --- state changes of one reservation ----------------------------------------------------------------------


def _lock(reservation: Reservation) -> Reservation:
    """Lock one reservation row for a change that touches no product row (`held` -> `ready`)."""
    return Reservation.objects.select_for_update(of=("self",)).select_related("shop").get(pk=reservation.pk)


def _lock_products(product_ids: Iterable[int]) -> None:
    """Lock product rows in primary-key order (step 2 of the lock order)."""
    ids = sorted(set(product_ids))
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {_PRODUCT} WHERE id = ANY(%s) ORDER BY id FOR UPDATE",  # noqa: S608
                [ids],
            )
            cursor.fetchall()


def _lock_for_release(reservation: Reservation) -> Reservation:
    """Lock a reservation whose holds will be released: its product rows first (primary-key order), then
    the reservation row, as the module's lock order says. Lines never change after creation, so reading
    them before taking any lock is safe."""
    _lock_products(
        ReservationLine.objects.filter(reservation_id=reservation.pk).values_list("product_id", flat=True)
    )
    return _lock(reservation)


def _lines_of(reservation: Reservation) -> list[tuple[int, int, int]]:
    return list(reservation.lines.values_list("reservation_id", "product_id", "quantity"))


def _transition_error(reservation: Reservation, *, now: datetime, cancel: bool = False) -> InvalidTransition:
    expired = reservation.status in Reservation.ACTIVE_STATUSES and reservation.expires_at <= now
    status = Reservation.Status.EXPIRED.value if expired else reservation.status
    details = {"status": status}
    if cancel:
        return ReservationNotCancellable(
            _("The reservation can no longer be cancelled (status: %(status)s).") % {"status": status},
            details=details,
        )
    return InvalidTransition(
        _("The reservation cannot change to this state (status: %(status)s).") % {"status": status},
        details=details,
    )


@transaction.atomic
def reservation_cancel(
    *, reservation: Reservation, by: CancelledBy, now: datetime | None = None, actor: Actor = NOBODY
) -> Reservation:
    """Cancel an active, unexpired reservation (the resident with the token, or the merchant)."""
    now = now or timezone.now()
    reservation = _lock_for_release(reservation)
    if not reservation.is_active_at(now):
        raise _transition_error(reservation, now=now, cancel=True)
    reservation.status = Reservation.Status.CANCELLED
    reservation.cancelled_by = by
    reservation.closed_at = now
    reservation.save(update_fields=["status", "cancelled_by", "closed_at", "updated_at"])
    _release(
        lines=_lines_of(reservation),
        now=now,
        source=StockMovement.Source.RESERVATION,
        note=f"cancelled by {by}",
        actor=actor,
    )
    _emit(reservation, "cancelled")
    reservation_emails_queue(reservation=reservation, event="cancelled", by=by)
    return reservation


@transaction.atomic
def reservation_mark_ready(*, reservation: Reservation, now: datetime | None = None) -> Reservation:
    """The merchant has put the items aside: `held` -> `ready` (the hold keeps its expiry)."""
    now = now or timezone.now()
    reservation = _lock(reservation)
    if reservation.status != Reservation.Status.HELD or reservation.expires_at <= now:
        raise _transition_error(reservation, now=now)
    reservation.status = Reservation.Status.READY
    reservation.ready_at = now
    # being ready is the shop's confirmation of a no-count hold (decision 1600): it then lasts its full time
    reservation.expires_at = reservation_expiry(reservation)
    reservation.save(update_fields=["status", "ready_at", "expires_at", "updated_at"])
    _emit(reservation, "ready")
    reservation_emails_queue(reservation=reservation, event="ready")
    return reservation


@transaction.atomic
def reservation_collect(
    *, reservation: Reservation, now: datetime | None = None, actor: Actor = NOBODY
) -> Reservation:
    """The resident picked the items up: on-hand and held both drop by the reserved quantities."""
    now = now or timezone.now()
    reservation = _lock_for_release(reservation)
    if not reservation.is_active_at(now):
        raise _transition_error(reservation, now=now)
    reservation.status = Reservation.Status.COLLECTED
    reservation.closed_at = now
    reservation.save(update_fields=["status", "closed_at", "updated_at"])
    _release(
        lines=_lines_of(reservation),
        now=now,
        source=StockMovement.Source.RESERVATION,
        note="collected",
        collect=True,
        actor=actor,
    )
    _emit(reservation, "collected")
    reservation_emails_queue(reservation=reservation, event="collected")
    feedback_request_queue(reservation=reservation)
    return reservation


@transaction.atomic
def reservation_mark_no_show(
    *, reservation: Reservation, now: datetime | None = None, actor: Actor = NOBODY
) -> Reservation:
    """The resident did not come: releases the hold. Allowed for any active reservation, expired or not."""
    now = now or timezone.now()
    reservation = _lock_for_release(reservation)
    if reservation.status not in Reservation.ACTIVE_STATUSES:
        raise _transition_error(reservation, now=now)
    reservation.status = Reservation.Status.NO_SHOW
    reservation.closed_at = now
    reservation.save(update_fields=["status", "closed_at", "updated_at"])
    _release(
        lines=_lines_of(reservation),
        now=now,
        source=StockMovement.Source.RESERVATION,
        note="no-show",
        actor=actor,
    )
    _emit(reservation, "no_show")
    reservation_emails_queue(reservation=reservation, event="no_show")
    return reservation


@transaction.atomic
def reservations_flag_stock_conflicts(*, product_ids: Iterable[int], now: datetime | None = None) -> int:
    """After a stock change: flag active reservations on products whose on-hand is below what they hold.

    Clears the flag again where the stock is back. For the POS sync, CSV import and admin to call.
    Returns how many reservations are flagged on these products now.
    """
    now = now or timezone.now()
    ids = sorted(set(product_ids))
    if not ids:
        return 0
    active = Reservation.objects.filter(status__in=Reservation.ACTIVE_STATUSES, expires_at__gt=now)
    affected = list(active.filter(lines__product_id__in=ids).distinct().values_list("pk", flat=True))
    if not affected:
        return 0
    # step 3 of the lock order: the reservation rows in primary-key order before any is updated
    list(
        Reservation.objects.select_for_update(of=("self",))
        .filter(pk__in=affected)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    lines = list(
        ReservationLine.objects.filter(reservation_id__in=affected).values_list(
            "reservation_id", "product_id"
        )
    )
    products = sorted({product_id for _, product_id in lines})
    held = dict(
        ReservationLine.objects.filter(
            product_id__in=products,
            reservation__status__in=Reservation.ACTIVE_STATUSES,
            reservation__expires_at__gt=now,
        )
        .order_by()
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "total")
    )
    stock = {
        pk: (on_hand, mode)
        for pk, on_hand, mode in Product.objects.filter(pk__in=products).values_list(
            "pk", "quantity_on_hand", "stock_mode"
        )
    }

    def is_short(pk: int) -> bool:
        on_hand, mode = stock.get(pk, (0, StockMode.COUNTED))
        if mode == StockMode.TOGGLE:  # no count: short only once it is "sold out"
            return on_hand <= 0 and (held.get(pk) or 0) > 0
        if mode != StockMode.COUNTED:  # always / next day: nothing can run short
            return False
        return on_hand < (held.get(pk) or 0)

    short = {pk for pk in products if is_short(pk)}
    flagged = sorted({reservation_id for reservation_id, product_id in lines if product_id in short})
    Reservation.objects.filter(pk__in=flagged, stock_conflict=False).update(
        stock_conflict=True, updated_at=now
    )
    Reservation.objects.filter(pk__in=affected, stock_conflict=True).exclude(pk__in=flagged).update(
        stock_conflict=False, updated_at=now
    )
    return len(flagged)


@transaction.atomic
def reservations_remind(*, now: datetime | None = None) -> list[int]:
    """Claim the reservations whose pickup-day reminder is due (the morning of the chosen day, once each;
    `pickup_days.reminder_due_at`) and e-mail them after commit."""
    now = now or timezone.now()
    due = Reservation.objects.filter(
        status__in=Reservation.ACTIVE_STATUSES,
        reminder_sent_at__isnull=True,
        remind_at__lte=now,
        expires_at__gt=now,
    )
    ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True))
    Reservation.objects.filter(pk__in=ids).update(reminder_sent_at=now)
    reservation_emails_queue_many(reservation_ids=ids, event="reminder")
    return ids
