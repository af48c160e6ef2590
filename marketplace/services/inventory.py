"""Bulk stock and price sync from a till (POS) or a CSV file: up to 10,000 rows in one set-based write.

One call: take the shop's sync lock, read the rows' products (locked, in primary-key order), decide per row
in Python (create / update / unchanged / error), then write with a handful of statements over `unnest()`
arrays: one UPDATE for changed rows, one INSERT for new products, one INSERT for the stock movements and a
narrow freshness UPDATE for confirmed rows. Unchanged rows are not rewritten (their tsvector is not
recomputed); their `stock_updated_at` is refreshed only when older than `LADENKARTE_STOCK_CONFIRM_SECONDS`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial as partial_fn
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.exceptions import DomainError
from marketplace.metrics import SYNC_ROWS
from marketplace.models import UNCOUNTED_MODES, Product, Shop, StockMode, StockMovement
from marketplace.services.alerts import alerts_match_schedule
from marketplace.services.products import Actor, flag_stock_conflicts, stock_changed_notify
from marketplace.services.search_index import search_words_refresh_schedule

MODE_SET = "set"
MODE_ADJUST = "adjust"
MODES = (MODE_SET, MODE_ADJUST)
ITEM_FIELDS = frozenset({"sku", "quantity", "price", "expected_quantity", "title", "gtin", "stock_mode"})
MAX_QUANTITY = 1_000_000_000
CHANGES_REPORTED = 1000  # a dry run lists at most this many changes
_GTIN = re.compile(r"^(\d{8}|\d{12}|\d{13}|\d{14})$")
_SYNC_LOCK_NAMESPACE = 0x4C4B  # "LK": pg_advisory_xact_lock(namespace, shop id)


class TooManyRows(DomainError):
    code = "too_many_rows"
    status = 400
    default_message = gettext_lazy("Too many rows in one call.")


class SyncRejected(DomainError):
    code = "sync_rejected"
    status = 422
    default_message = gettext_lazy(
        "Nothing was written: at least one row has an error (send partial=true to skip them)."
    )


class SyncConflict(DomainError):
    code = "concurrent_update"
    status = 409
    default_message = gettext_lazy(
        "Another write created some of these products at the same time; please retry."
    )


@dataclass(frozen=True)
class SyncRow:
    """One validated row: a quantity (set) or a change (adjust), optional price and catalogue data."""

    index: int
    sku: str
    quantity: int
    price: Decimal | None = None
    expected_quantity: int | None = None
    title: str | None = None
    gtin: str | None = None
    set_category: bool = False
    category_id: int | None = None
    category_names: str = ""
    line: int | None = None  # CSV line number
    stock_mode: str | None = None  # None: keep the product's mode (new products: "counted"), decision 1600


@dataclass(frozen=True)
class RowError:
    index: int
    sku: str
    code: str
    message: str
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "index": self.index,
            "sku": self.sku,
            "code": self.code,
            "message": self.message,
        }
        if self.line is not None:
            data["line"] = self.line
        return data


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False
    partial: bool = False

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [error.as_dict() for error in self.errors],
        }
        if self.dry_run:
            data["dry_run"] = True
            data["would_write"] = self.partial or not self.errors
            data["changes"] = self.changes[:CHANGES_REPORTED]
            data["changes_truncated"] = len(self.changes) > CHANGES_REPORTED
        return data


def max_rows() -> int:
    return int(settings.LADENKARTE_SYNC_MAX_ROWS)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,10}", value.strip()):
        return int(value.strip())
    return None


def parse_price(value: Any) -> Decimal | None:
    """A price as a decimal string ("19.90"), a number, or German "19,90"; None when not a valid price."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip().replace("\u20ac", "").strip()
    if isinstance(value, str) and "," in text:
        text = text.replace(".", "").replace(",", ".") if "." in text else text.replace(",", ".")
    try:
        price = Decimal(text)
    except InvalidOperation:
        return None
    if not price.is_finite() or price < 0 or price > settings.LADENKARTE_MAX_PRICE:
        return None
    if price.as_tuple().exponent < -2:  # type: ignore[operator]
        return None
    return price.quantize(Decimal("0.01"))


def row_from_item(item: Any, *, index: int, mode: str, line: int | None = None) -> SyncRow | RowError:
    """Validate one payload item (a dict); unknown fields are an error, never ignored."""
    if not isinstance(item, Mapping):
        return RowError(index, "", "invalid_row", _("Each item must be an object."), line)
    raw_sku = item.get("sku")
    sku = raw_sku.strip() if isinstance(raw_sku, str) else ""

    def error(code: str, message: str) -> RowError:
        return RowError(index, sku, code, message, line)

    unknown = sorted(set(item) - ITEM_FIELDS)
    if unknown:
        return error(
            "unknown_field",
            _("Unknown or read-only field(s): %(fields)s.") % {"fields": ", ".join(map(str, unknown))},
        )
    if not sku or len(sku) > 64:
        return error("invalid_sku", _("sku is required (1 to 64 characters)."))
    stock_mode = item.get("stock_mode")
    if stock_mode is not None and stock_mode not in StockMode.values:
        return error(
            "invalid_stock_mode",
            _("stock_mode must be one of %(modes)s.") % {"modes": ", ".join(StockMode.values)},
        )
    raw_quantity = item.get("quantity")
    if stock_mode in UNCOUNTED_MODES and raw_quantity in (None, ""):
        raw_quantity = 0  # no stock figure: the quantity may be left out
    quantity = _int(raw_quantity)
    if quantity is None:
        return error("invalid_quantity", _("quantity must be a whole number."))
    if mode == MODE_SET and not 0 <= quantity <= MAX_QUANTITY:
        return error("invalid_quantity", _("quantity must be between 0 and 1000000000."))
    if mode == MODE_ADJUST and abs(quantity) > MAX_QUANTITY:
        return error("invalid_quantity", _("quantity change is too large."))
    price = None
    if item.get("price") is not None:
        price = parse_price(item["price"])
        if price is None:
            return error(
                "invalid_price",
                _("price must be a decimal between 0.00 and %(max)s.")
                % {"max": settings.LADENKARTE_MAX_PRICE},
            )
    expected = None
    if item.get("expected_quantity") is not None:
        expected = _int(item["expected_quantity"])
        if expected is None or not 0 <= expected <= MAX_QUANTITY:
            return error("invalid_expected_quantity", _("expected_quantity must be a whole number >= 0."))
    title = item.get("title")
    if title is not None and (not isinstance(title, str) or not title.strip() or len(title.strip()) > 200):
        return error("invalid_title", _("title must be 1 to 200 characters."))
    gtin = item.get("gtin")
    if gtin is not None and (not isinstance(gtin, str) or (gtin.strip() and not _GTIN.match(gtin.strip()))):
        return error("invalid_gtin", _("A GTIN has 8, 12, 13 or 14 digits."))
    return SyncRow(
        index=index,
        sku=sku,
        quantity=quantity,
        price=price,
        expected_quantity=expected,
        title=title.strip() if isinstance(title, str) else None,
        gtin=gtin.strip() if isinstance(gtin, str) and gtin.strip() else None,
        line=line,
        stock_mode=stock_mode,
    )


def rows_from_payload(items: Sequence[Any], *, mode: str) -> tuple[list[SyncRow], list[RowError]]:
    """Validate the `items` of a sync call; returns the good rows and the row errors."""
    if len(items) > max_rows():
        raise TooManyRows(
            _("At most %(max)d rows per call; got %(count)d.") % {"max": max_rows(), "count": len(items)},
            details={"max_rows": max_rows()},
        )
    rows: list[SyncRow] = []
    errors: list[RowError] = []
    for index, item in enumerate(items):
        parsed = row_from_item(item, index=index, mode=mode)
        (errors if isinstance(parsed, RowError) else rows).append(parsed)  # type: ignore[arg-type]
    return rows, errors


def _duplicates(rows: list[SyncRow]) -> tuple[list[SyncRow], list[RowError]]:
    seen: set[str] = set()
    unique: list[SyncRow] = []
    errors: list[RowError] = []
    for row in rows:
        if row.sku in seen:
            errors.append(
                RowError(
                    row.index,
                    row.sku,
                    "duplicate_sku",
                    _("The SKU appears more than once in this call."),
                    row.line,
                )
            )
        else:
            seen.add(row.sku)
            unique.append(row)
    return unique, errors


@dataclass
class _Current:
    id: int
    quantity: int
    held: int
    price: Decimal
    title: str
    gtin: str
    category_id: int | None
    stock_mode: str = StockMode.COUNTED


def _load_current(*, shop: Shop, skus: list[str], lock: bool) -> dict[str, _Current]:
    table = Product._meta.db_table
    sql = (
        "SELECT id, sku, quantity_on_hand, quantity_held, price, title, gtin, category_id, stock_mode "  # noqa: S608
        f"FROM {table} "
        "WHERE shop_id = %s AND sku = ANY(%s::varchar[]) ORDER BY id"
    )
    if lock:
        sql += " FOR NO KEY UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [shop.pk, skus])
        return {
            sku: _Current(
                id=pk,
                quantity=quantity,
                held=held,
                price=price,
                title=title,
                gtin=gtin,
                category_id=cat,
                stock_mode=mode,
            )
            for pk, sku, quantity, held, price, title, gtin, cat, mode in cursor.fetchall()
        }


@dataclass
class _Plan:
    inserts: list[SyncRow] = field(default_factory=list)
    updates: list[tuple[SyncRow, _Current, int]] = field(default_factory=list)
    confirmed_ids: list[int] = field(default_factory=list)


def _new_words(row: SyncRow, existing: _Current) -> bool:
    """Whether the row changes what the search's word list is built from (title or category)."""
    return (row.title is not None and row.title != existing.title) or (
        row.set_category and row.category_id != existing.category_id
    )


def _plan(rows: list[SyncRow], current: dict[str, _Current], *, mode: str, result: SyncResult) -> _Plan:
    plan = _Plan()
    for row in rows:
        existing = current.get(row.sku)
        if existing is None:
            if mode == MODE_ADJUST or row.title is None or row.price is None:
                result.errors.append(
                    RowError(
                        row.index,
                        row.sku,
                        "unknown_sku",
                        _("No product with this SKU; to create one, send mode=set with title and price."),
                        row.line,
                    )
                )
            elif row.expected_quantity not in (None, 0):
                result.errors.append(
                    RowError(
                        row.index,
                        row.sku,
                        "stale_quantity",
                        _("Expected quantity does not match: 0 on hand."),
                        row.line,
                    )
                )
            else:
                plan.inserts.append(row)
                result.changes.append(
                    {
                        "index": row.index,
                        "line": row.line,
                        "sku": row.sku,
                        "action": "create",
                        "quantity": [None, row.quantity],
                        "price": [None, str(row.price)],
                        "title": row.title,
                        "stock_mode": row.stock_mode or StockMode.COUNTED.value,
                    }
                )
            continue
        if row.expected_quantity is not None and row.expected_quantity != existing.quantity:
            result.errors.append(
                RowError(
                    row.index,
                    row.sku,
                    "stale_quantity",
                    _("Expected quantity %(expected)d, but %(on_hand)d on hand.")
                    % {"expected": row.expected_quantity, "on_hand": existing.quantity},
                    row.line,
                )
            )
            continue
        new_quantity = row.quantity if mode == MODE_SET else existing.quantity + row.quantity
        if new_quantity < 0:
            result.errors.append(
                RowError(
                    row.index,
                    row.sku,
                    "negative_quantity",
                    _("On hand would drop below 0 (%(on_hand)d %(change)+d).")
                    % {"on_hand": existing.quantity, "change": row.quantity},
                    row.line,
                )
            )
            continue
        if new_quantity > MAX_QUANTITY:
            result.errors.append(
                RowError(row.index, row.sku, "invalid_quantity", _("quantity is too large."), row.line)
            )
            continue
        change: dict[str, Any] = {}
        if new_quantity != existing.quantity:
            change["quantity"] = [existing.quantity, new_quantity]
        if row.price is not None and row.price != existing.price:
            change["price"] = [str(existing.price), str(row.price)]
        if row.title is not None and row.title != existing.title:
            change["title"] = [existing.title, row.title]
        if row.gtin is not None and row.gtin != existing.gtin:
            change["gtin"] = [existing.gtin, row.gtin]
        if row.set_category and row.category_id != existing.category_id:
            change["category"] = [existing.category_id, row.category_id]
        if row.stock_mode is not None and row.stock_mode != existing.stock_mode:
            change["stock_mode"] = [existing.stock_mode, row.stock_mode]
        if change:
            plan.updates.append((row, existing, new_quantity))
            result.changes.append(
                {"index": row.index, "line": row.line, "sku": row.sku, "action": "update", **change}
            )
        else:
            plan.confirmed_ids.append(existing.id)
    return plan


def _write(*, shop: Shop, plan: _Plan, actor: Actor, now: datetime) -> list[tuple[int, str, int, int, int]]:
    """Apply the plan; returns (product id, sku, on-hand delta, on-hand after, held) of stock changes."""
    product_table = Product._meta.db_table
    movement_table = StockMovement._meta.db_table
    moved: list[tuple[int, str, int, int, int]] = []
    notes: dict[int, str] = {}  # movement notes: a new stock mode
    with connection.cursor() as cursor:
        if plan.updates:
            cursor.execute(
                f"""
                UPDATE {product_table} AS p SET
                    quantity_on_hand = v.quantity,
                    price = COALESCE(v.price, p.price),
                    title = COALESCE(v.title, p.title),
                    gtin = COALESCE(v.gtin, p.gtin),
                    category_id = CASE WHEN v.set_category THEN v.category_id ELSE p.category_id END,
                    category_names = CASE WHEN v.set_category THEN v.category_names ELSE p.category_names END,
                    stock_mode = COALESCE(v.stock_mode, p.stock_mode),
                    stock_updated_at = %s,
                    updated_at = %s
                FROM unnest(%s::bigint[], %s::integer[], %s::numeric[], %s::varchar[], %s::varchar[],
                            %s::boolean[], %s::bigint[], %s::varchar[], %s::varchar[])
                     AS v(id, quantity, price, title, gtin, set_category, category_id, category_names,
                          stock_mode)
                WHERE p.id = v.id
                """,  # noqa: S608
                [
                    now,
                    now,
                    [existing.id for _, existing, _ in plan.updates],
                    [quantity for _, _, quantity in plan.updates],
                    [row.price for row, _, _ in plan.updates],
                    [row.title for row, _, _ in plan.updates],
                    [row.gtin for row, _, _ in plan.updates],
                    [row.set_category for row, _, _ in plan.updates],
                    [row.category_id for row, _, _ in plan.updates],
                    [row.category_names for row, _, _ in plan.updates],
                    [row.stock_mode for row, _, _ in plan.updates],
                ],
            )
            # a new mode is logged like a stock change (a movement with its source), even without a delta
            notes.update(
                {
                    existing.id: f"mode {row.stock_mode}"
                    for row, existing, _ in plan.updates
                    if row.stock_mode is not None and row.stock_mode != existing.stock_mode
                }
            )
            moved += [
                (existing.id, row.sku, quantity - existing.quantity, quantity, existing.held)
                for row, existing, quantity in plan.updates
                if quantity != existing.quantity
                or (row.stock_mode is not None and row.stock_mode != existing.stock_mode)
            ]
        if plan.confirmed_ids:
            confirm_before = now - timedelta(seconds=settings.LADENKARTE_STOCK_CONFIRM_SECONDS)
            cursor.execute(
                f"UPDATE {product_table} SET stock_updated_at = %s "  # noqa: S608
                "WHERE id = ANY(%s::bigint[]) AND stock_updated_at < %s",
                [now, plan.confirmed_ids, confirm_before],
            )
        if plan.inserts:
            cursor.execute(
                f"""
                INSERT INTO {product_table} (shop_id, sku, title, price, quantity_on_hand, quantity_held,
                    gtin, description, brand, image, category_id, category_names, active, stock_updated_at,
                    location,
                    shop_active, created_at, updated_at, stock_mode)
                SELECT %s, v.sku, v.title, v.price, v.quantity, 0, COALESCE(v.gtin, ''), '', '', '',
                       v.category_id, v.category_names, TRUE, %s, %s::geography, %s, %s, %s,
                       COALESCE(v.stock_mode, 'counted')
                FROM unnest(%s::varchar[], %s::varchar[], %s::numeric[], %s::integer[], %s::varchar[],
                            %s::bigint[], %s::varchar[], %s::varchar[])
                     AS v(sku, title, price, quantity, gtin, category_id, category_names, stock_mode)
                ON CONFLICT (shop_id, sku) DO NOTHING
                RETURNING id, sku, quantity_on_hand, stock_mode
                """,  # noqa: S608
                [
                    shop.pk,
                    now,
                    shop.location.ewkt,
                    shop.is_active,
                    now,
                    now,
                    [row.sku for row in plan.inserts],
                    [row.title for row in plan.inserts],
                    [row.price for row in plan.inserts],
                    [row.quantity for row in plan.inserts],
                    [row.gtin for row in plan.inserts],
                    [row.category_id for row in plan.inserts],
                    [row.category_names for row in plan.inserts],
                    [row.stock_mode for row in plan.inserts],
                ],
            )
            created = cursor.fetchall()
            if len(created) != len(plan.inserts):
                raise SyncConflict()
            moved += [
                (pk, sku, quantity, quantity, 0)
                for pk, sku, quantity, mode in created
                if quantity or mode != StockMode.COUNTED
            ]
            notes.update({pk: f"mode {mode}" for pk, _sku, _q, mode in created if mode != StockMode.COUNTED})
        if moved:
            cursor.execute(
                f"""
                INSERT INTO {movement_table} (product_id, source, on_hand_delta, held_delta, on_hand_after,
                    held_after, actor_user_id, actor_api_key_id, note, created_at)
                SELECT v.id, %s, v.delta, 0, v.after, v.held, %s, %s, v.note, %s
                FROM unnest(%s::bigint[], %s::integer[], %s::integer[], %s::integer[], %s::varchar[])
                     AS v(id, delta, after, held, note)
                """,  # noqa: S608
                [
                    actor.source,
                    actor.user_id,
                    actor.api_key_id,
                    now,
                    [item[0] for item in moved],
                    [item[2] for item in moved],
                    [item[3] for item in moved],
                    [item[4] for item in moved],
                    [notes.get(item[0], "") for item in moved],
                ],
            )
    return moved


def _count_sync_rows(*, source: str, result: SyncResult) -> None:
    for outcome, n in (
        ("created", result.created),
        ("updated", result.updated),
        ("unchanged", result.unchanged),
        ("error", len(result.errors)),
    ):
        if n:
            SYNC_ROWS.labels(source=source, outcome=outcome).inc(n)


@transaction.atomic
def inventory_sync(
    *,
    shop: Shop,
    rows: list[SyncRow],
    mode: str = MODE_SET,
    partial: bool = False,
    dry_run: bool = False,
    row_errors: Sequence[RowError] = (),
    actor: Actor,
    now: datetime | None = None,
) -> SyncResult:
    """Apply stock (and price/catalogue) rows to one shop's products; all-or-nothing unless `partial`.

    `row_errors` are errors found while parsing (they count like any other). Raises `SyncRejected`
    (nothing written) when there is an error and `partial` is false. `dry_run` decides and reports only.
    """
    if mode not in MODES:
        raise DomainError(_("mode must be one of %(modes)s.") % {"modes": ", ".join(MODES)})
    if len(rows) + len(row_errors) > max_rows():
        raise TooManyRows(
            _("At most %(max)d rows per call.") % {"max": max_rows()}, details={"max_rows": max_rows()}
        )
    now = now or timezone.now()
    result = SyncResult(errors=list(row_errors), dry_run=dry_run, partial=partial)
    rows, duplicate_errors = _duplicates(rows)
    result.errors += duplicate_errors
    if not dry_run:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_SYNC_LOCK_NAMESPACE, shop.pk])
    current = _load_current(shop=shop, skus=[row.sku for row in rows], lock=not dry_run)
    plan = _plan(rows, current, mode=mode, result=result)
    result.errors.sort(key=lambda error: error.index)
    result.created = len(plan.inserts)
    result.updated = len(plan.updates)
    result.unchanged = len(plan.confirmed_ids)
    if dry_run:
        return result
    if result.errors and not partial:
        report = result.as_dict()
        raise SyncRejected(details=report)
    moved = _write(shop=shop, plan=plan, actor=actor, now=now)
    transaction.on_commit(partial_fn(_count_sync_rows, source=str(actor.source), result=result), robust=True)
    if plan.inserts or any(_new_words(row, existing) for row, existing, _ in plan.updates):
        search_words_refresh_schedule()
    conflicted = [pk for pk, _, _, _, held in moved if held > 0]  # flags set or cleared
    flag_stock_conflicts(product_ids=conflicted)
    # "tell me when it's here": matched later by the outbox dispatcher, never in this request
    alerts_match_schedule(product_ids=[pk for pk, _, delta, _, _ in moved if delta > 0])
    stock_changed_notify(
        shop=shop, products=[(sku, after) for _, sku, _, after, _ in moved], source=actor.source
    )
    return result
