"""ready2order: REST pull of `GET /v1/products?updatedAfter=...` (paged) and its product webhooks (push).

Fields used: `product_itemnumber` (our SKU; the product id when empty), `product_name`, `product_barcode`,
`product_price`, `product_stock_value` and `product_soldOut` (sold out is 0 on hand). The account token is
sent as `Authorization: Bearer`; it is stored sealed.
"""

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

DEFAULT_BASE_URL = "https://api.ready2order.com/v1"
PAGE_SIZE = 250
MAX_PAGES = 200


def product_row(item: Any, *, index: int) -> TillRow | None:
    if not isinstance(item, dict):
        return None
    sku = str(item.get("product_itemnumber") or item.get("product_id") or "").strip()
    if not sku:
        return None
    sold_out = str(item.get("product_soldOut", "")).lower() in ("1", "true")
    stock = item.get("product_stock_value")
    quantity = 0 if sold_out else quantity_of(stock)
    return TillRow(
        sku=sku,
        title=str(item.get("product_name") or "").strip() or None,
        price=price_of(item.get("product_price")),
        quantity=quantity,
        gtin=gtin_of(item.get("product_barcode")),
        line=index,
    )


def rows_from_products(items: list[Any], parsed: Parsed) -> None:
    by_sku: dict[str, TillRow] = {}
    for item in items:
        parsed.lines += 1
        row = product_row(item, index=parsed.lines)
        if row is None:
            parsed.errors.append(
                row_error(
                    None, "", "invalid_row", _("Product %(n)d has no item number.") % {"n": parsed.lines}
                )
            )
            continue
        by_sku[row.sku] = row  # a product changed twice: the later answer wins
    parsed.rows = list(by_sku.values())


class Ready2orderAdapter(Adapter):
    kind = TillConnector.Kind.READY2ORDER
    transport = PULL

    def pull(self, *, connector: TillConnector, credentials: str, since: str, now: datetime) -> Parsed:
        base = (connector.base_url or DEFAULT_BASE_URL).rstrip("/")
        headers = {"Authorization": f"Bearer {credentials}", "Accept": "application/json"}
        items: list[Any] = []
        for page in range(1, MAX_PAGES + 1):
            query: dict[str, Any] = {"page": page, "limit": PAGE_SIZE}
            if since:
                query["updatedAfter"] = since
            result = webhook_transport.fetch(f"{base}/products?{urlencode(query)}", headers)
            if result.error:
                raise ConnectorError(_("ready2order answered: %(error)s") % {"error": result.error})
            try:
                batch = json.loads(result.body)
            except ValueError:
                raise ConnectorError(_("ready2order sent something that is not JSON.")) from None
            if isinstance(batch, dict):
                batch = batch.get("products") or batch.get("data") or []
            if not isinstance(batch, list):
                raise ConnectorError(_("ready2order sent an unexpected answer."))
            items += batch
            if len(batch) < PAGE_SIZE:
                break
        parsed = Parsed()
        rows_from_products(items, parsed)
        return parsed

    def parse_push(self, payload: Any, *, connector: TillConnector) -> Parsed:
        """A product webhook: `{"event": "product.updated", "data": {...}}` or a bare product/list."""
        if isinstance(payload, dict) and "data" in payload:
            payload = payload["data"]
        items = payload if isinstance(payload, list) else [payload]
        parsed = Parsed()
        rows_from_products(items, parsed)
        if not parsed.rows and not parsed.errors:
            raise ConnectorError(_("The push holds no product."))
        return parsed
