"""DSFinV-K `lines.csv`, the tax-audit export of German cloud tills: the catalogue built from what was sold.

Each sales line names the article (`ART_NR`, `GTIN`, `ARTIKELTEXT`) and its gross unit price (`STK_BR`);
the newest line of an article gives its title and price and `Z_ERSTELLUNG` its last sale. The export has no
stock figures: new products start uncounted at 0 on hand, known ones keep their count, and "sold in the
last N days" is shown as a likely-in-stock signal, never as a count (decision 1601).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from marketplace.models import TillConnector
from marketplace.services.connectors.base import (
    FILE,
    Adapter,
    ConnectorError,
    Parsed,
    TillRow,
    gtin_of,
    price_of,
    read_csv,
    row_error,
)

SALE_TYPES = frozenset({"", "umsatz"})  # GV_TYP: a plain sale (not a deposit, discount, voucher, ...)


def _when(value: str, tz: ZoneInfo) -> datetime | None:
    text = value.strip().replace(" ", "T")
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.strptime(text[:10], "%d.%m.%Y")  # noqa: DTZ007 - made aware below
        except ValueError:
            return None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(UTC)


class DsfinvkAdapter(Adapter):
    kind = TillConnector.Kind.DSFINVK
    transport = FILE

    def parse_file(self, data: bytes, *, connector: TillConnector) -> Parsed:
        header, rows = read_csv(data)
        if "STK_BR" not in header or not ({"ART_NR", "GTIN"} & set(header)):
            raise ConnectorError(
                _("This is not a DSFinV-K lines.csv: expected the columns ART_NR, GTIN, ARTIKELTEXT, STK_BR.")
            )
        tz = ZoneInfo(connector.shop.time_zone)
        parsed = Parsed()
        newest: dict[str, TillRow] = {}
        for line, cells in rows:
            parsed.lines += 1
            if cells.get("GV_TYP", "").lower() not in SALE_TYPES or cells.get("P_STORNO", "0") not in (
                "",
                "0",
            ):
                continue  # deposits, discounts, cancelled lines: no article of the range
            gtin = gtin_of(cells.get("GTIN"))
            sku = cells.get("ART_NR", "") or (gtin or "")
            if not sku:
                parsed.errors.append(
                    row_error(line, "", "invalid_sku", _("neither ART_NR nor a valid GTIN."))
                )
                continue
            price = price_of(cells.get("STK_BR"))
            if price is None:
                parsed.errors.append(
                    row_error(
                        line,
                        sku,
                        "invalid_price",
                        _("STK_BR “%(value)s” is not a price.") % {"value": cells.get("STK_BR", "")},
                    )
                )
                continue
            sold_at = _when(cells.get("Z_ERSTELLUNG", ""), tz)
            row = TillRow(
                sku=sku,
                title=cells.get("ARTIKELTEXT") or None,
                price=price,
                quantity=None,
                gtin=gtin,
                sold_at=sold_at,
                line=line,
            )
            before = newest.get(sku)
            if before is None or (
                sold_at is not None and (before.sold_at is None or sold_at >= before.sold_at)
            ):
                newest[sku] = TillRow(
                    sku=sku,
                    title=row.title or (before.title if before else None),
                    price=price,
                    quantity=None,
                    gtin=gtin or (before.gtin if before else None),
                    sold_at=sold_at,
                    line=line,
                )
        parsed.rows = list(newest.values())
        return parsed
