"""CSV stock import: `;` or `,`, UTF-8 with or without BOM, German or English headers, German decimal commas.

Every error names its line. Nothing is written when any line has an error unless `partial` is asked for;
`dry_run` reports what would change. Files with more than `LADENKARTE_CSV_ASYNC_ROWS` rows run in Celery
as an `ImportJob` whose progress (`rows_done` of `rows_total`) and report the merchant can watch.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.exceptions import DomainError
from marketplace.models import Category, ImportJob, OutboxMessage, Shop
from marketplace.services.inventory import (
    MODE_SET,
    RowError,
    SyncRejected,
    SyncResult,
    SyncRow,
    inventory_sync,
    max_rows,
    row_from_item,
)
from marketplace.services.outbox import outbox_put
from marketplace.services.products import Actor, category_names_for

logger = logging.getLogger(__name__)

# canonical column -> accepted header names (compared lower-case, without spaces, dots, dashes, underscores)
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "sku": ("sku", "artikelnummer", "artikelnr", "artnr", "itemnumber"),
    "title": ("title", "bezeichnung", "titel", "name", "artikelbezeichnung", "produkt", "product"),
    "quantity": ("quantity", "bestand", "menge", "qty", "stock", "anzahl", "lagerbestand"),
    "price": ("price", "preis", "vk", "verkaufspreis", "vkpreis"),
    "gtin": ("gtin", "ean", "ean13", "barcode"),
    "category": ("category", "kategorie", "warengruppe"),
    "stock_mode": ("stockmode", "bestandsart", "verfuegbarkeit", "verfügbarkeit", "modus"),
}
# stock mode cells (decision 1600): the API's codes, or German words (compared lower-case, trimmed)
STOCK_MODE_WORDS: dict[str, str] = {
    "counted": "counted",
    "gezählt": "counted",
    "gezaehlt": "counted",
    "toggle": "toggle",
    "ja/nein": "toggle",
    "vorrätig/ausverkauft": "toggle",
    "always": "always",
    "immer": "always",
    "immer verfügbar": "always",
    "next_day": "next_day",
    "nächster tag": "next_day",
    "naechster tag": "next_day",
    "bestellbar": "next_day",
}
REQUIRED_COLUMNS = ("sku", "quantity")


class CsvInvalid(DomainError):
    code = "csv_invalid"
    status = 400
    default_message = gettext_lazy("The CSV file cannot be read.")


class CsvTooLarge(DomainError):
    code = "csv_too_large"
    status = 413
    default_message = gettext_lazy("The CSV file is too large.")


@dataclass
class ParsedCsv:
    rows: list[SyncRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    delimiter: str = ";"
    columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    lines: int = 0  # data rows read


def _on_line(line: int, message: str) -> str:
    return _("Line %(line)d: %(message)s") % {"line": line, "message": message}


def _normalise_header(name: str) -> str:
    return "".join(ch for ch in name.strip().lower() if ch not in " ._-/")


def _column_for(header: str) -> str | None:
    key = _normalise_header(header)
    for column, aliases in HEADER_ALIASES.items():
        if key in aliases:
            return column
    return None


def _detect_delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ";"


def decode(data: bytes) -> str:
    """UTF-8 text without NUL characters (a BOM is dropped); a clear error naming the line otherwise."""
    if len(data) > settings.LADENKARTE_CSV_MAX_BYTES:
        raise CsvTooLarge(
            _("The file has %(size)d bytes; at most %(max)d are accepted.")
            % {"size": len(data), "max": settings.LADENKARTE_CSV_MAX_BYTES},
            details={"max_bytes": settings.LADENKARTE_CSV_MAX_BYTES},
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvInvalid(
            _("Line %(line)d is not UTF-8 text. Please save the file as “CSV UTF-8”.") % {"line": line},
            details={"line": line},
        ) from None
    if "\x00" in text:  # PostgreSQL text cannot hold it (it was a 500); a spreadsheet never writes one
        line = text[: text.index("\x00")].count("\n") + 1
        raise CsvInvalid(
            _(
                "Line %(line)d contains a NUL character, which text cannot hold. Please save "
                "the file as “CSV UTF-8”."
            )
            % {"line": line},
            details={"line": line},
        )
    return text


def _categories() -> dict[str, Category]:
    lookup: dict[str, Category] = {}
    for category in Category.objects.select_related("parent"):
        for key in (category.slug, category.name, category.name_en):
            if key:
                lookup.setdefault(key.strip().lower(), category)
    return lookup


def parse_csv(data: bytes) -> ParsedCsv:
    """Read the file into sync rows (`mode=set`) and line-numbered errors; writes nothing."""
    text = decode(data)
    if not text.strip():
        raise CsvInvalid(_("The file is empty."))
    parsed = ParsedCsv(delimiter=_detect_delimiter(text.splitlines()[0]))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=parsed.delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise CsvInvalid(_on_line(1, str(exc)), details={"line": 1}) from None
    columns: list[str | None] = []
    for name in header:
        column = _column_for(name)
        if column is not None and column in columns:
            raise CsvInvalid(
                _on_line(1, _("the column “%(name)s” appears twice.") % {"name": name}), details={"line": 1}
            )
        columns.append(column)
        if column is None and name.strip():
            parsed.ignored_columns.append(name.strip())
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise CsvInvalid(
            _on_line(
                1,
                _(
                    "missing column(s) %(columns)s. Expected a header like "
                    "sku;title;quantity;price;gtin;category "
                    "(or Artikelnummer;Bezeichnung;Bestand;Preis;EAN;Kategorie)."
                )
                % {"columns": ", ".join(missing)},
            ),
            details={"line": 1, "missing": missing},
        )
    parsed.columns = [column for column in columns if column]
    categories: dict[str, Category] | None = None
    seen: dict[str, int] = {}
    index = 0
    try:
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            index += 1
            if index > settings.LADENKARTE_CSV_MAX_ROWS:
                raise CsvTooLarge(
                    _on_line(
                        line, _("at most %(max)d rows per file.") % {"max": settings.LADENKARTE_CSV_MAX_ROWS}
                    ),
                    details={"line": line, "max_rows": settings.LADENKARTE_CSV_MAX_ROWS},
                )
            row_index = index - 1
            if len(values) > len(columns):
                sku = values[columns.index("sku")].strip() if len(values) > columns.index("sku") else ""
                parsed.errors.append(
                    RowError(
                        row_index,
                        sku,
                        "invalid_row",
                        _on_line(
                            line,
                            _("%(count)d fields, the header has %(columns)d.")
                            % {"count": len(values), "columns": len(columns)},
                        ),
                        line,
                    )
                )
                continue
            cells = {column: value.strip() for column, value in zip(columns, values, strict=False) if column}
            item: dict[str, Any] = {"sku": cells.get("sku", ""), "quantity": cells.get("quantity", "")}
            for optional in ("title", "gtin"):
                if cells.get(optional):
                    item[optional] = cells[optional]
            if cells.get("price"):
                item["price"] = cells["price"]
            if cells.get("stock_mode"):
                # an unknown word goes through as typed: the row check names the accepted ones
                item["stock_mode"] = STOCK_MODE_WORDS.get(cells["stock_mode"].lower(), cells["stock_mode"])
            row = row_from_item(item, index=row_index, mode=MODE_SET, line=line)
            if isinstance(row, RowError):
                parsed.errors.append(replace(row, message=_on_line(line, row.message)))
                continue
            if cells.get("category"):
                if categories is None:
                    categories = _categories()
                category = categories.get(cells["category"].lower())
                if category is None:
                    parsed.errors.append(
                        RowError(
                            row_index,
                            row.sku,
                            "unknown_category",
                            _on_line(line, _("unknown category “%(name)s”.") % {"name": cells["category"]}),
                            line,
                        )
                    )
                    continue
                row = replace(
                    row,
                    set_category=True,
                    category_id=category.pk,
                    category_names=category_names_for(category),
                )
            if row.sku in seen:
                parsed.errors.append(
                    RowError(
                        row_index,
                        row.sku,
                        "duplicate_sku",
                        _on_line(
                            line,
                            _("SKU “%(sku)s” already appears on line %(first)d.")
                            % {"sku": row.sku, "first": seen[row.sku]},
                        ),
                        line,
                    )
                )
                continue
            seen[row.sku] = line
            parsed.rows.append(row)
    except csv.Error as exc:
        raise CsvInvalid(_on_line(reader.line_num, str(exc)), details={"line": reader.line_num}) from None
    parsed.lines = index
    return parsed


def _with_line(error: RowError) -> RowError:
    if error.line is not None and not error.message.startswith(_on_line(error.line, "")):
        return replace(error, message=_on_line(error.line, error.message))
    return error


def _merge(total: SyncResult, part: SyncResult) -> None:
    total.created += part.created
    total.updated += part.updated
    total.unchanged += part.unchanged
    total.errors += [_with_line(error) for error in part.errors]
    total.changes += part.changes


def _chunks(rows: list[SyncRow]) -> list[list[SyncRow]]:
    size = max_rows()
    return [rows[start : start + size] for start in range(0, len(rows), size)] or [[]]


def _report(parsed: ParsedCsv, result: SyncResult) -> dict[str, Any]:
    result.errors.sort(key=lambda error: error.index)
    return {
        **result.as_dict(),
        "lines": parsed.lines,
        "delimiter": parsed.delimiter,
        "columns": parsed.columns,
        "ignored_columns": parsed.ignored_columns,
    }


def csv_import(
    *,
    shop: Shop,
    data: bytes,
    dry_run: bool = False,
    partial: bool = False,
    actor: Actor,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Import a CSV file into `shop`'s stock (`mode=set`); returns the report.

    Raises `SyncRejected` with every line's error when a line is bad and `partial` is false (nothing
    written). `progress(done, total)` is called after each chunk of the checking and the writing pass.
    """
    now = now or timezone.now()
    parsed = parse_csv(data)
    total = len(parsed.rows)
    checked = SyncResult(errors=list(parsed.errors), dry_run=True, partial=partial)
    done = 0
    for chunk in _chunks(parsed.rows):
        _merge(
            checked, inventory_sync(shop=shop, rows=chunk, dry_run=True, partial=True, actor=actor, now=now)
        )
        done += len(chunk)
        if progress is not None and not dry_run:
            progress(done // 2, total)
    if dry_run:
        return _report(parsed, checked)
    if checked.errors and not partial:
        report = _report(parsed, replace(checked, dry_run=False, changes=[]))
        raise SyncRejected(details=report)
    written = SyncResult(errors=list(parsed.errors), partial=partial)
    done = 0
    with transaction.atomic():
        for chunk in _chunks(parsed.rows):
            _merge(written, inventory_sync(shop=shop, rows=chunk, partial=partial, actor=actor, now=now))
            done += len(chunk)
            if progress is not None:
                progress(total // 2 + done // 2, total)
    return _report(parsed, written)


def csv_row_count(data: bytes) -> int:
    """Data rows as `parse_csv` counts them (any line ending: `\\n`, `\\r\\n` or a lone `\\r`; quoted line
    breaks; blank rows skipped): decides between running now and in the background. Undecodable or
    unreadable files count 0 (the import itself reports why)."""
    try:
        text = decode(data)
    except DomainError:
        return 0
    lines = text.splitlines()
    if not lines:
        return 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_detect_delimiter(lines[0]))
    try:
        rows = sum(1 for values in reader if any(value.strip() for value in values))
    except csv.Error:
        return 0
    return max(rows - 1, 0)


@transaction.atomic
def import_job_create(
    *,
    shop: Shop,
    data: bytes,
    name: str,
    dry_run: bool,
    partial: bool,
    actor: Actor,
    now: datetime | None = None,
) -> ImportJob:
    """Store the file and queue the import (after commit)."""
    decode(data)  # size and encoding errors right away, not later in the background
    job = ImportJob(
        shop=shop,
        created_by_id=actor.user_id,
        api_key=actor.api_key,
        original_name=name[:200],
        dry_run=dry_run,
        partial=partial,
        rows_total=csv_row_count(data),
        created_at=now or timezone.now(),
    )
    # a random name in private storage: not guessable, not served (decision 1200)
    job.file.save(f"{secrets.token_urlsafe(18)}.csv", ContentFile(data), save=False)
    job.save()
    outbox_put(kind="csv_import.run", payload={"job_id": job.pk}, shop=shop)
    return job


def import_job_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: run the queued import (a job that already ran is left alone)."""
    import_job_run(job_id=int(message.payload["job_id"]))


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a queued import; each progress step is committed so the merchant can watch it."""
    job = ImportJob.objects.select_related("shop", "api_key", "created_by").get(pk=job_id)
    if job.state != ImportJob.State.PENDING:
        return job
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING, updated_at=timezone.now())
    source = "csv"
    actor = Actor(source=source, user=job.created_by, api_key=job.api_key)

    def progress(done: int, total: int) -> None:
        if not transaction.get_connection().in_atomic_block:
            ImportJob.objects.filter(pk=job.pk).update(rows_total=total, rows_done=min(done, total))

    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        report = csv_import(
            shop=job.shop, data=data, dry_run=job.dry_run, partial=job.partial, actor=actor, progress=progress
        )
        state = ImportJob.State.DONE
    except DomainError as exc:
        report = {"error": {"code": exc.code, "message": exc.message, "details": exc.details}}
        state = ImportJob.State.FAILED
    except Exception:
        logger.exception("CSV import %s failed", job.pk)
        report = {
            "error": {
                "code": "internal_error",
                "message": _("The import failed unexpectedly."),
                "details": {},
            }
        }
        state = ImportJob.State.FAILED
    rows = int(report.get("lines", job.rows_total)) if state == ImportJob.State.DONE else job.rows_total
    ImportJob.objects.filter(pk=job.pk).update(
        state=state, report=report, rows_total=rows, rows_done=rows, updated_at=timezone.now()
    )
    job.refresh_from_db()
    return job
