"""Shopify: the product CSV export (`Handle`, `Variant SKU`, `Variant Price`, ...) and the inventory CSV
export (`Handle`, `SKU`, `Location`, `Available`, `On hand`). The file's header tells which one it is."""

from __future__ import annotations

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


class ShopifyAdapter(Adapter):
    kind = TillConnector.Kind.SHOPIFY
    transport = FILE

    def parse_file(self, data: bytes, *, connector: TillConnector) -> Parsed:
        header, rows = read_csv(data)
        if "Location" in header and ("Available" in header or "On hand" in header):
            return self._inventory(rows, location=str(connector.options.get("location", "")).strip())
        if "Handle" in header and "Variant SKU" in header:
            return self._products(rows)
        raise ConnectorError(
            _(
                "This is not a Shopify export: expected the product CSV (Handle, Variant SKU, ...) or the "
                "inventory CSV (Handle, SKU, Location, Available, On hand)."
            )
        )

    def _products(self, rows) -> Parsed:  # type: ignore[no-untyped-def]
        parsed = Parsed()
        titles: dict[str, str] = {}
        seen: dict[str, int] = {}
        for line, cells in rows:
            parsed.lines += 1
            handle = cells.get("Handle", "")
            if cells.get("Title"):
                titles[handle] = cells["Title"]
            sku = cells.get("Variant SKU", "")
            price = cells.get("Variant Price", "")
            if not sku and not price:
                continue  # an extra image row of the product above
            if not sku:
                parsed.errors.append(row_error(line, handle, "invalid_sku", _("the variant has no SKU.")))
                continue
            duplicate = duplicate_sku(seen, sku=sku, line=line)
            if duplicate is not None:
                parsed.errors.append(duplicate)
                continue
            title = titles.get(handle) or handle
            option = cells.get("Option1 Value", "")
            if option and option != "Default Title":
                title = f"{title} - {option}"
            quantity = (
                quantity_of(cells.get("Variant Inventory Qty")) if "Variant Inventory Qty" in cells else None
            )
            parsed.rows.append(
                TillRow(
                    sku=sku,
                    title=title,
                    price=price_of(price),
                    quantity=quantity,
                    gtin=gtin_of(cells.get("Variant Barcode")),
                    line=line,
                )
            )
        return parsed

    def _inventory(self, rows, *, location: str) -> Parsed:  # type: ignore[no-untyped-def]
        parsed = Parsed()
        totals: dict[str, TillRow] = {}
        for line, cells in rows:
            parsed.lines += 1
            if location and cells.get("Location", "") != location:
                continue
            sku = cells.get("SKU", "")
            if not sku:
                parsed.errors.append(
                    row_error(line, cells.get("Handle", ""), "invalid_sku", _("the row has no SKU."))
                )
                continue
            raw = cells.get("Available", "")
            if raw.lower() in ("", "not stocked"):
                raw = cells.get("On hand", "")
            if raw.lower() in ("", "not stocked"):
                continue  # not stocked at this location
            quantity = quantity_of(raw)
            if quantity is None:
                parsed.errors.append(
                    row_error(
                        line, sku, "invalid_quantity", _("“%(value)s” is not a number.") % {"value": raw}
                    )
                )
                continue
            title = cells.get("Title") or cells.get("Handle") or None
            before = totals.get(sku)
            # one SKU at several locations: the shop sells what all of them hold
            totals[sku] = TillRow(
                sku=sku,
                title=before.title if before else title,
                quantity=quantity + ((before.quantity or 0) if before else 0),
                line=before.line if before else line,
            )
        parsed.rows = list(totals.values())
        return parsed
