"""Lightspeed Retail (R-Series): `GET /API/V3/Account/{id}/Item.json` with `ItemShops` loaded and
`modified_since`, paged by `offset`. SKU: `customSku`, else `systemSku`, else `itemID`; GTIN: `ean`, else
`upc`; stock: `ItemShop.qoh` of the configured shop (`options.shop_id`, default "0": all shops)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from marketplace.models import TillConnector
from marketplace.services import webhook_transport
from marketplace.services.connectors.base import (
    PULL,
    Adapter,
    ConnectorError,
    Parsed,
    TillRow,
    gtin_of,
    price_of,
    quantity_of,
    row_error,
)

DEFAULT_BASE_URL = "https://api.lightspeedapp.com/API/V3"
PAGE_SIZE = 100
MAX_PAGES = 500


def _listed(value: Any) -> list[Any]:
    """Lightspeed sends one element as an object and several as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _price(item: dict[str, Any]) -> Any:
    prices = _listed((item.get("Prices") or {}).get("ItemPrice"))
    for price in prices:
        if isinstance(price, dict) and price.get("useType") == "Default":
            return price.get("amount")
    return prices[0].get("amount") if prices and isinstance(prices[0], dict) else None


def _qoh(item: dict[str, Any], shop_id: str) -> int | None:
    shops = [s for s in _listed((item.get("ItemShops") or {}).get("ItemShop")) if isinstance(s, dict)]
    chosen = [s for s in shops if str(s.get("shopID")) == shop_id]
    if not chosen and shop_id == "0":
        chosen = shops  # no total row: add the shops up
    if not chosen:
        return None
    figures = [quantity_of(s.get("qoh")) for s in chosen]
    return sum(f for f in figures if f is not None) if any(f is not None for f in figures) else None


class LightspeedAdapter(Adapter):
    kind = TillConnector.Kind.LIGHTSPEED
    transport = PULL

    def pull(self, *, connector: TillConnector, credentials: str, since: str, now: datetime) -> Parsed:
        if not connector.account:
            raise ConnectorError(_("Enter the Lightspeed account ID."))
        base = (connector.base_url or DEFAULT_BASE_URL).rstrip("/")
        headers = {"Authorization": f"Bearer {credentials}", "Accept": "application/json"}
        shop_id = str(connector.options.get("shop_id", "0"))
        parsed = Parsed()
        by_sku: dict[str, TillRow] = {}
        for page in range(MAX_PAGES):
            query: dict[str, Any] = {
                "load_relations": '["ItemShops"]',
                "limit": PAGE_SIZE,
                "offset": page * PAGE_SIZE,
            }
            if since:
                query["modified_since"] = since
            url = f"{base}/Account/{connector.account}/Item.json?{urlencode(query)}"
            result = webhook_transport.fetch(url, headers)
            if result.error:
                raise ConnectorError(_("Lightspeed answered: %(error)s") % {"error": result.error})
            try:
                body = json.loads(result.body)
            except ValueError:
                raise ConnectorError(_("Lightspeed sent something that is not JSON.")) from None
            items = _listed(body.get("Item")) if isinstance(body, dict) else []
            for item in items:
                parsed.lines += 1
                if not isinstance(item, dict):
                    continue
                sku = str(item.get("customSku") or item.get("systemSku") or item.get("itemID") or "").strip()
                if not sku:
                    parsed.errors.append(row_error(None, "", "invalid_sku", _("An item has no SKU.")))
                    continue
                by_sku[sku] = TillRow(
                    sku=sku,
                    title=str(item.get("description") or "").strip() or None,
                    price=price_of(_price(item)),
                    quantity=_qoh(item, shop_id),
                    gtin=gtin_of(item.get("ean")) or gtin_of(item.get("upc")),
                    line=parsed.lines,
                )
            total = int((body.get("@attributes") or {}).get("count", 0)) if isinstance(body, dict) else 0
            if len(items) < PAGE_SIZE or (page + 1) * PAGE_SIZE >= total:
                break
        parsed.rows = list(by_sku.values())
        return parsed
