"""Any other CSV: the merchant maps its columns once (preview, then save) and every later file reuses it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from marketplace.models import TillConnector
from marketplace.services.connectors.base import (
    FILE,
    Adapter,
    ConnectorError,
    Parsed,
    TillRow,
    duplicate_sku,
    gtin_of,
    price_of,
    quantity_of,
    read_csv,
    row_error,
)

FIELDS = ("sku", "title", "price", "quantity", "gtin")
REQUIRED = ("sku",)
PREVIEW_ROWS = 5


def mapping_guess(header: list[str]) -> dict[str, str]:
    """A first mapping from the header names we know (German and English), for the preview."""
    from marketplace.services.csv_import import _column_for

    guess: dict[str, str] = {}
    for name in header:
        column = _column_for(name)
        if column in FIELDS and column not in guess:
            guess[column] = name
    return guess


def mapping_preview(data: bytes) -> dict[str, Any]:
    """The header, a guessed mapping and the first rows: what the merchant checks before saving."""
    header, rows = read_csv(data)
    sample = []
    for _line, cells in rows:
        sample.append([cells.get(name, "") for name in header])
        if len(sample) >= PREVIEW_ROWS:
            break
    return {"header": header, "guess": mapping_guess(header), "rows": sample}


def mapping_clean(mapping: dict[str, Any], *, header: list[str] | None = None) -> dict[str, str]:
    """Keep the known fields; the SKU column is required; columns must exist in `header` when given."""
    clean = {key: str(value) for key, value in mapping.items() if key in FIELDS and value}
    if "sku" not in clean:
        raise ConnectorError(_("Choose the column that holds the article number (SKU)."))
    if header is not None:
        missing = sorted(value for value in clean.values() if value not in header)
        if missing:
            raise ConnectorError(
                _("The file has no column(s) %(columns)s.") % {"columns": ", ".join(missing)}
            )
    return clean


class MappedCsvAdapter(Adapter):
    kind = TillConnector.Kind.MAPPED_CSV
    transport = FILE

    def parse_file(self, data: bytes, *, connector: TillConnector) -> Parsed:
        if not connector.column_mapping:
            raise ConnectorError(_("Save a column mapping first (upload a file to preview it)."))
        header, rows = read_csv(data)
        mapping = mapping_clean(connector.column_mapping, header=header)
        parsed = Parsed()
        seen: dict[str, int] = {}
        for line, cells in rows:
            parsed.lines += 1
            sku = cells.get(mapping["sku"], "")
            if not sku:
                parsed.errors.append(row_error(line, "", "invalid_sku", _("the article number is empty.")))
                continue
            duplicate = duplicate_sku(seen, sku=sku, line=line)
            if duplicate is not None:
                parsed.errors.append(duplicate)
                continue
            quantity = None
            if "quantity" in mapping:
                raw = cells.get(mapping["quantity"], "")
                quantity = quantity_of(raw)
                if quantity is None and raw:
                    parsed.errors.append(
                        row_error(
                            line, sku, "invalid_quantity", _("“%(value)s” is not a number.") % {"value": raw}
                        )
                    )
                    continue
            price = None
            if "price" in mapping and cells.get(mapping["price"]):
                price = price_of(cells[mapping["price"]])
                if price is None:
                    parsed.errors.append(
                        row_error(
                            line,
                            sku,
                            "invalid_price",
                            _("“%(value)s” is not a price.") % {"value": cells[mapping["price"]]},
                        )
                    )
                    continue
            parsed.rows.append(
                TillRow(
                    sku=sku,
                    title=cells.get(mapping.get("title", ""), "") or None,
                    price=price,
                    quantity=quantity,
                    gtin=gtin_of(cells.get(mapping.get("gtin", ""), "")),
                    line=line,
                )
            )
        return parsed
