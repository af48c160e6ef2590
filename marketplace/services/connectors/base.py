"""The till-connector interface: every adapter turns its till's data into `TillRow`s; one service writes them.

An adapter is `pull` (we fetch from the till's API in the background), `push` (the till calls our signed
endpoint) or `file` (the merchant uploads an export). Whatever the adapter, the rows reach the shop through
`inventory_sync` (one availability rule, stock movements with the connector as their source), and the run
is recorded on the `TillConnector` (state, last error, last success) for my-shop and the city's board.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.exceptions import DomainError
from marketplace.models import Product, Shop, TillConnector
from marketplace.services.inventory import (
    MAX_QUANTITY,
    MODE_ADJUST,
    MODE_SET,
    RowError,
    SyncResult,
    SyncRow,
    inventory_sync,
    max_rows,
    parse_price,
    row_from_item,
)
from marketplace.services.products import Actor

logger = logging.getLogger(__name__)

PULL = "pull"
PUSH = "push"
FILE = "file"


class ConnectorError(DomainError):
    """The till's data cannot be read (a bad file, an unreachable or refusing API)."""

    code = "connector_error"
    status = 400
    default_message = gettext_lazy("The till's data cannot be read.")


@dataclass(frozen=True)
class TillRow:
    """One article as a till reports it. `quantity` None: the till does not count it (keep ours)."""

    sku: str
    title: str | None = None
    price: Decimal | None = None
    quantity: int | None = None
    gtin: str | None = None
    sold_at: datetime | None = None
    line: int | None = None


@dataclass
class Parsed:
    """What an adapter read: rows (one per SKU) and the lines it could not use."""

    rows: list[TillRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    lines: int = 0


class Adapter:
    """Base of the adapters; subclasses set `kind`, `transport` and implement what their transport needs."""

    kind: ClassVar[str]
    transport: ClassVar[str]

    def parse_file(self, data: bytes, *, connector: TillConnector) -> Parsed:
        raise ConnectorError(_("This till sends no files."))

    def pull(self, *, connector: TillConnector, credentials: str, since: str, now: datetime) -> Parsed:
        raise ConnectorError(_("This till cannot be pulled."))

    def parse_push(self, payload: Any, *, connector: TillConnector) -> Parsed:
        raise ConnectorError(_("This till does not push."))


# --- reading helpers shared by the adapters ----------------------------------------------------------------


def quantity_of(value: Any) -> int | None:
    """A till's stock figure ("12", "12,000", "12.5", 3.0) as whole units >= 0; None when not a number."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().replace(" ", "")
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        number = Decimal(text)
    except ArithmeticError:
        return None
    if not number.is_finite():
        return None
    whole = int(number)  # a fraction of a unit (weighed goods) is not a sellable unit
    return max(0, min(whole, MAX_QUANTITY))


def gtin_of(value: Any) -> str | None:
    """A GTIN as digits (spaces dropped, "4.00638E+12" from a spreadsheet refused); None if invalid."""
    text = str(value or "").strip().replace(" ", "")
    if not text or not text.isdigit() or len(text) not in (8, 12, 13, 14):
        return None
    return text


def price_of(value: Any) -> Decimal | None:
    return parse_price(value) if value not in (None, "") else None


def read_csv(data: bytes) -> tuple[list[str], Iterable[tuple[int, dict[str, str]]]]:
    """UTF-8 (BOM ok) CSV with `;`, `,` or tab: the header and (line number, row by header) pairs."""
    from marketplace.services.csv_import import CsvInvalid, decode

    text = decode(data)
    if not text.strip():
        raise CsvInvalid(_("The file is empty."))
    first = text.splitlines()[0]
    counts = {d: first.count(d) for d in (";", ",", "\t", "|")}
    delimiter = max(counts, key=lambda d: counts[d])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter if counts[delimiter] else ";")
    try:
        header = [name.strip() for name in next(reader)]
    except (csv.Error, StopIteration):
        raise CsvInvalid(_("Line 1 cannot be read.")) from None

    def rows() -> Iterable[tuple[int, dict[str, str]]]:
        try:
            for values in reader:
                if any(value.strip() for value in values):
                    yield (
                        reader.line_num,
                        {name: value.strip() for name, value in zip(header, values, strict=False)},
                    )
        except csv.Error as exc:
            raise CsvInvalid(
                _("Line %(line)d: %(message)s") % {"line": reader.line_num, "message": str(exc)}
            ) from None

    return header, rows()


def row_error(line: int | None, sku: str, code: str, message: str, index: int = 0) -> RowError:
    text = _("Line %(line)d: %(message)s") % {"line": line, "message": message} if line else message
    return RowError(index, sku, code, text, line)


def duplicate_sku(seen: dict[str, int], *, sku: str, line: int) -> RowError | None:
    """The one rule for a SKU seen again in a file: the later line is refused, naming the first one;
    otherwise the SKU is remembered with its line and None returned."""
    if sku in seen:
        message = _("SKU “%(sku)s” already appears on line %(first)d.") % {"sku": sku, "first": seen[sku]}
        return row_error(line, sku, "duplicate_sku", message)
    seen[sku] = line
    return None


# --- secrets -----------------------------------------------------------------------------------------------


def _fernet() -> Fernet:
    key = hmac.new(settings.SECRET_KEY.encode(), b"ladenkarte-connector-seal", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def credentials_seal(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def credentials_unseal(connector: TillConnector) -> str:
    if not connector.credentials_sealed:
        return ""
    try:
        return _fernet().decrypt(connector.credentials_sealed.encode()).decode()
    except InvalidToken:
        raise ConnectorError(_("The stored access token cannot be read; please enter it again.")) from None


def push_secret(connector: TillConnector) -> str:
    """The push endpoint's signing secret: derived from SECRET_KEY and the salt, never stored."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"ladenkarte-till-push:{connector.push_salt}".encode(), hashlib.sha256
    ).hexdigest()
    return f"tillsec_{digest}"


def push_signature_valid(connector: TillConnector, *, body: bytes, signature: str) -> bool:
    if not connector.push_salt or not signature:
        return False
    expected = "sha256=" + hmac.new(push_secret(connector).encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip())


def new_push_salt() -> str:
    return secrets.token_hex(16)


# --- writing -----------------------------------------------------------------------------------------------


def _existing_skus(shop: Shop, skus: list[str]) -> set[str]:
    return set(Product.objects.filter(shop=shop, sku__in=skus).values_list("sku", flat=True))


def _sync_rows(rows: list[TillRow], *, mode: str, start: int) -> tuple[list[SyncRow], list[RowError]]:
    good: list[SyncRow] = []
    bad: list[RowError] = []
    for offset, row in enumerate(rows):
        item: dict[str, Any] = {"sku": row.sku, "quantity": row.quantity or 0}
        if row.title:
            item["title"] = row.title[:200]
        if row.price is not None:
            item["price"] = str(row.price)
        if row.gtin:
            item["gtin"] = row.gtin
        parsed = row_from_item(item, index=start + offset, mode=mode, line=row.line)
        if isinstance(parsed, RowError):
            bad.append(row_error(row.line, row.sku, parsed.code, parsed.message, parsed.index))
        else:
            good.append(parsed)
    return good, bad


def _merge(total: SyncResult, part: SyncResult) -> None:
    total.created += part.created
    total.updated += part.updated
    total.unchanged += part.unchanged
    total.errors += part.errors


def _chunks(rows: list[SyncRow]) -> Iterable[list[SyncRow]]:
    size = max_rows()
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _mark_sold(shop: Shop, rows: list[TillRow]) -> int:
    """Set `last_sold_at` (only ever forward) for the rows a sales export reports."""
    sold = [(row.sku, row.sold_at) for row in rows if row.sold_at is not None]
    if not sold:
        return 0
    table = Product._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS p SET last_sold_at = v.sold_at "  # noqa: S608
            "FROM unnest(%s::varchar[], %s::timestamptz[]) AS v(sku, sold_at) "
            "WHERE p.shop_id = %s AND p.sku = v.sku "
            "AND (p.last_sold_at IS NULL OR p.last_sold_at < v.sold_at)",
            [[sku for sku, _ in sold], [at for _, at in sold], shop.pk],
        )
        return int(cursor.rowcount)


@transaction.atomic
def till_rows_apply(
    *, shop: Shop, parsed: Parsed, source: str, actor_user: Any = None, now: datetime | None = None
) -> dict[str, Any]:
    """Write an adapter's rows through `inventory_sync`: counted rows set the stock, uncounted rows (no
    quantity) update price and title of known products and create new ones with 0 on hand. Bad rows are
    skipped and reported (a till sync does not stop for one odd article)."""
    now = now or timezone.now()
    actor = Actor(source=source, user=actor_user)
    counted = [row for row in parsed.rows if row.quantity is not None]
    uncounted = [row for row in parsed.rows if row.quantity is None]
    known = _existing_skus(shop, [row.sku for row in uncounted]) if uncounted else set()
    total = SyncResult(errors=list(parsed.errors))
    batches = (
        (MODE_SET, counted),
        (MODE_ADJUST, [row for row in uncounted if row.sku in known]),
        (MODE_SET, [row for row in uncounted if row.sku not in known]),
    )
    start = 0
    for mode, rows in batches:
        good, bad = _sync_rows(rows, mode=mode, start=start)
        start += len(rows)
        total.errors += bad
        for chunk in _chunks(good):
            _merge(
                total, inventory_sync(shop=shop, rows=chunk, mode=mode, partial=True, actor=actor, now=now)
            )
    sold = _mark_sold(shop, parsed.rows)
    total.errors.sort(key=lambda error: (error.line or 0, error.index))
    report = total.as_dict()
    report["errors"] = report["errors"][:200]
    report.update(lines=parsed.lines, rows=len(parsed.rows), error_count=len(total.errors), sold_marked=sold)
    return report
