"""Sample till data made by the tests (no committed data set): Shopify, DSFinV-K, mapped CSV, ready2order
and Lightspeed answers, with umlauts, decimal commas, duplicate SKUs and missing GTINs; and a local fake
till API on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from marketplace.services.product_data import sample_gtin

NAMES = ("Käsespätzle", "Grüße aus Lüneburg", "Weißbier", "Öko-Tüte", "Straßenkarte Ü-Format")


def name(n: int) -> str:
    return f"{NAMES[n % len(NAMES)]} Nr. {n}"


def gtin(n: int) -> str:
    """Every seventh article has no GTIN (small tills often lack them)."""
    return "" if n % 7 == 0 else sample_gtin(n)


def price(n: int) -> str:
    return f"{n % 50 + 1},{n % 100:02d}"  # decimal comma


def shopify_products(rows: int, *, duplicate: bool = False) -> bytes:
    header = (
        "Handle,Title,Body (HTML),Vendor,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Qty,"
        "Variant Price,Variant Barcode,Image Src,Status\n"
    )
    lines = [header]
    for n in range(1, rows + 1):
        handle = f"artikel-{n}"
        lines.append(
            f'{handle},"{name(n)}",<p>Schön</p>,Händler,Title,Default Title,SKU-{n},{n % 9},'
            f'"{price(n).replace(",", ".")}",{gtin(n)},,active\n'
        )
        if n % 10 == 0:  # an extra image row of the same product: no SKU, no price
            lines.append(f"{handle},,,,,,,,,,https://cdn.example/{n}.jpg,\n")
    if duplicate:
        lines.append("artikel-dup,Doppelt,,,,Default Title,SKU-1,1,1.00,,,active\n")
    return "".join(lines).encode()


def shopify_inventory(rows: int, *, locations: tuple[str, ...] = ("Laden",)) -> bytes:
    lines = [
        "Handle,Title,Option1 Name,Option1 Value,SKU,HS Code,COO,Location,Incoming,Unavailable,"
        "Committed,Available,On hand\n"
    ]
    for n in range(1, rows + 1):
        for place in locations:
            lines.append(  # noqa: PERF401
                f'artikel-{n},"{name(n)}",Title,Default Title,SKU-{n},,,{place},0,0,1,{n % 13},{n % 13 + 1}\n'
            )
    return "".join(lines).encode()


DSFINVK_HEADER = (
    "Z_KASSE_ID;Z_ERSTELLUNG;Z_NR;BON_ID;POS_ZEILE;GUTSCHEIN_NR;ARTIKELTEXT;POS_TERMINAL_ID;GV_TYP;GV_NAME;"
    "INHAUS;P_STORNO;AGENTUR_ID;ART_NR;GTIN;WARENGR_ID;WARENGR;MENGE;FAKTOR;EINHEIT;STK_BR\n"
)


def dsfinvk_line(
    n: int,
    *,
    article: int,
    day: str,
    price_text: str,
    gv_typ: str = "Umsatz",
    storno: str = "0",
    art_nr: str | None = None,
    gtin_text: str | None = None,
) -> str:
    art = f"A{article}" if art_nr is None else art_nr
    code = gtin(article) if gtin_text is None else gtin_text
    return (
        f"K1;{day}T18:00:00;{n};{n};1;;{name(article)};T1;{gv_typ};;0;{storno};0;{art};{code};1;Waren;1,000;1;Stk;"
        f"{price_text}\n"
    )


def dsfinvk_lines(rows: int, *, day: str = "2026-12-01") -> bytes:
    """`rows` sales lines over rows // 2 articles: each article sold twice (duplicates are the norm)."""
    articles = max(1, rows // 2)
    return (
        DSFINVK_HEADER
        + "".join(
            dsfinvk_line(n, article=n % articles + 1, day=day, price_text=price(n % articles + 1))
            for n in range(rows)
        )
    ).encode()


def mapped_csv(rows: int) -> bytes:
    lines = ["Art.-Nr.;Bezeichnung lang;VK brutto;Lager;EAN-Code;Farbe\n"]
    for n in range(1, rows + 1):
        lines.append(f"M{n};{name(n)};{price(n)};{n % 17};{gtin(n)};blau\n")  # noqa: PERF401
    return "".join(lines).encode()


def r2o_product(n: int, *, sold_out: bool = False) -> dict[str, Any]:
    return {
        "product_id": 100000 + n,
        "product_itemnumber": f"R{n}",
        "product_name": name(n),
        "product_barcode": gtin(n),
        "product_price": price(n).replace(",", "."),
        "product_stock_value": f"{n % 11}.000",
        "product_soldOut": sold_out,
    }


def lightspeed_item(n: int) -> dict[str, Any]:
    return {
        "itemID": str(n),
        "systemSku": f"21000000{n}",
        "customSku": f"L{n}",
        "description": name(n),
        "ean": gtin(n),
        "upc": "",
        "Prices": {
            "ItemPrice": [
                {"amount": price(n).replace(",", "."), "useType": "Default"},
                {"amount": "1.00", "useType": "MSRP"},
            ]
        },
        "ItemShops": {"ItemShop": [{"shopID": "0", "qoh": str(n % 8)}, {"shopID": "1", "qoh": str(n % 8)}]},
    }


class FakeTill:
    """A local HTTP server answering GETs with `answer(path, query, headers) -> (status, body)`."""

    def __init__(
        self, answer: Callable[[str, dict[str, list[str]], dict[str, str]], tuple[int, Any]]
    ) -> None:
        self.requests: list[tuple[str, dict[str, list[str]], dict[str, str]]] = []
        till = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                headers = dict(self.headers)
                till.requests.append((parts.path, query, headers))
                status, body = answer(parts.path, query, headers)
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def r2o_answer(products: list[dict[str, Any]], token: str) -> Callable[..., tuple[int, Any]]:
    def answer(path: str, query: dict[str, list[str]], headers: dict[str, str]) -> tuple[int, Any]:
        if headers.get("Authorization") != f"Bearer {token}":
            return 401, {"error": True, "msg": "invalid token"}
        if path != "/v1/products":
            return 404, {}
        page, limit = int(query["page"][0]), int(query["limit"][0])
        return 200, products[(page - 1) * limit : page * limit]

    return answer


def lightspeed_answer(
    items: list[dict[str, Any]], token: str, account: str
) -> Callable[..., tuple[int, Any]]:
    def answer(path: str, query: dict[str, list[str]], headers: dict[str, str]) -> tuple[int, Any]:
        if headers.get("Authorization") != f"Bearer {token}":
            return 401, {"message": "Unauthorized"}
        if path != f"/API/V3/Account/{account}/Item.json":
            return 404, {}
        offset, limit = int(query["offset"][0]), int(query["limit"][0])
        page = items[offset : offset + limit]
        body: dict[str, Any] = {
            "@attributes": {"count": str(len(items)), "offset": str(offset), "limit": str(limit)}
        }
        if len(page) == 1:
            body["Item"] = page[0]  # Lightspeed sends a single item as an object
        elif page:
            body["Item"] = page
        return 200, body

    return answer
