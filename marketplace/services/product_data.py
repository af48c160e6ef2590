"""Open product data (Open Food Facts, Open Products Facts, Open Beauty Facts) in a local GTIN lookup table,
and "scan to list": a shop lists a scanned product with its own price and stock (issue 16).

The dumps are read streamed (JSONL or CSV/TSV, gzip by magic bytes) and written in batches with one
`INSERT ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE` each, so millions of rows need little memory.
The data is ODbL (database) and CC BY-SA (images); every page that shows it names the source and licence.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import IO, Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.exceptions import ValidationFailed
from marketplace.models import GtinProduct, Product, Shop
from marketplace.services.products import Actor, product_create, product_update

BATCH = 5000
SOURCES = {
    "off": "Open Food Facts",
    "opf": "Open Products Facts",
    "obf": "Open Beauty Facts",
}
ATTRIBUTION = {
    "off": "https://world.openfoodfacts.org",
    "opf": "https://world.openproductsfacts.org",
    "obf": "https://world.openbeautyfacts.org",
}
LICENCE = "ODbL 1.0 (data), CC BY-SA 3.0 (images)"


def gtin_check_digit_valid(code: str) -> bool:
    """The GS1 check digit (EAN-8, UPC-A, EAN-13, GTIN-14)."""
    digits = [int(ch) for ch in code]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def gtin_normal(value: Any) -> str | None:
    """A valid GTIN in its stored form (UPC-A as EAN-13 with a leading 0), or None."""
    text = str(value or "").strip()
    if not text.isdigit():
        return None
    if len(text) == 12:
        text = "0" + text
    if len(text) not in (8, 13, 14) or not gtin_check_digit_valid(text):
        return None
    return text


@dataclass(frozen=True)
class Entry:
    gtin: str
    name: str
    brand: str
    quantity: str
    image_url: str


def _first(row: dict[str, Any], *names: str) -> str:
    for name in names:
        value = row.get(name)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value[:3])
        if value:
            return str(value).strip()
    return ""


def entry_of(row: dict[str, Any]) -> Entry | None:
    gtin = gtin_normal(row.get("code"))
    if gtin is None:
        return None
    name = _first(
        row, "product_name_de", "product_name", "generic_name_de", "generic_name", "abbreviated_product_name"
    )
    if not name:
        return None
    brand = _first(row, "brands").split(",")[0].strip()
    image = _first(row, "image_front_url", "image_url", "image_small_url")
    if not image.startswith(("https://", "http://")):
        image = ""
    return Entry(gtin, name[:200], brand[:100], _first(row, "quantity")[:60], image[:500])


def _open(handle: IO[bytes]) -> IO[bytes]:
    head = handle.peek(2)[:2] if hasattr(handle, "peek") else b""
    if head == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=handle)  # type: ignore[return-value]
    return handle


def rows_of(handle: IO[bytes]) -> Iterator[dict[str, Any]]:
    """The dump's records as dicts: JSONL (one object a line) or CSV/TSV with a header (OFF's CSV is TSV)."""
    buffered = io.BufferedReader(handle)  # type: ignore[type-var]
    text = io.TextIOWrapper(_open(buffered), encoding="utf-8", errors="replace", newline="")
    first = text.readline()
    if not first:
        return
    if first.lstrip().startswith("{"):
        for line in itertools.chain([first], text):  # streamed: never the whole file in memory
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record
        return
    delimiter = "\t" if first.count("\t") >= first.count(",") else ","
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    header = next(csv.reader([first], delimiter=delimiter))
    reader = csv.reader(
        text, delimiter=delimiter, quoting=csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    )
    for values in reader:
        yield dict(zip(header, values, strict=False))


def _upsert(entries: list[Entry], *, source: str, now: datetime) -> None:
    unique = {entry.gtin: entry for entry in entries}.values()  # a dump may repeat a code
    table = GtinProduct._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (gtin, name, brand, quantity, image_url, source, updated_at)
            SELECT v.gtin, v.name, v.brand, v.quantity, v.image_url, %s, %s
            FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[])
                 AS v(gtin, name, brand, quantity, image_url)
            ON CONFLICT (gtin) DO UPDATE SET name = EXCLUDED.name, brand = EXCLUDED.brand,
                quantity = EXCLUDED.quantity, image_url = EXCLUDED.image_url, source = EXCLUDED.source,
                updated_at = EXCLUDED.updated_at
            """,  # noqa: S608
            [
                source,
                now,
                [e.gtin for e in unique],
                [e.name for e in unique],
                [e.brand for e in unique],
                [e.quantity for e in unique],
                [e.image_url for e in unique],
            ],
        )


@dataclass
class ImportCount:
    read: int = 0
    stored: int = 0
    skipped: int = 0


def product_data_import(
    *,
    handle: IO[bytes],
    source: str,
    batch: int = BATCH,
    now: datetime | None = None,
    progress: Callable[[ImportCount], None] | None = None,
) -> ImportCount:
    """Load a dump into the GTIN table, one transaction per batch (an interrupted run keeps its batches)."""
    if source not in SOURCES:
        raise ValidationFailed(details={"source": [_("Unknown source; one of off, opf, obf.")]})
    now = now or timezone.now()
    count = ImportCount()
    pending: list[Entry] = []
    for record in rows_of(handle):
        count.read += 1
        entry = entry_of(record)
        if entry is None:
            count.skipped += 1
            continue
        pending.append(entry)
        if len(pending) >= batch:
            with transaction.atomic():
                _upsert(pending, source=source, now=now)
            count.stored += len(pending)
            pending = []
            if progress is not None:
                progress(count)
    if pending:
        with transaction.atomic():
            _upsert(pending, source=source, now=now)
        count.stored += len(pending)
    return count


def gtin_lookup(code: str) -> GtinProduct | None:
    """The open-data record of a scanned code (EAN-13, EAN-8, UPC-A), or None."""
    gtin = gtin_normal(code)
    if gtin is None:
        return None
    return GtinProduct.objects.filter(pk__in=[gtin, gtin.lstrip("0").zfill(13), gtin.zfill(14)]).first()


def attribution(source: str) -> dict[str, str]:
    return {"name": SOURCES.get(source, source), "url": ATTRIBUTION.get(source, ""), "licence": LICENCE}


@transaction.atomic
def product_list_scanned(
    *,
    shop: Shop,
    gtin: str,
    title: str,
    brand: str,
    price: Decimal,
    quantity: int,
    actor: Actor,
    now: datetime | None = None,
) -> Product:
    """List a scanned product: the shop's product with this GTIN gets the new price and stock, else a new
    product (SKU = the GTIN) is created; both through the product service (movement source: scan)."""
    code = gtin_normal(gtin)
    if code is None:
        raise ValidationFailed(details={"gtin": [_("This is not a valid EAN/UPC code.")]})
    title = title.strip()
    if not title or len(title) > 200:
        raise ValidationFailed(details={"title": [_("Enter a name (at most 200 characters).")]})
    existing = Product.objects.filter(shop=shop, gtin__in={code, gtin.strip()}).order_by("pk").first()
    if existing is None:
        existing = Product.objects.filter(shop=shop, sku=code).first()
    if existing is not None:
        return product_update(
            product=existing,
            changes={"price": price, "quantity_on_hand": quantity, "active": True},
            actor=actor,
            now=now,
        )
    return product_create(
        shop=shop,
        sku=code,
        title=title,
        brand=brand.strip()[:100],
        gtin=code if len(code) in (8, 12, 13, 14) else "",
        price=price,
        quantity_on_hand=quantity,
        actor=actor,
        now=now,
    )


# --- the sample file (demo and tests; not a committed data set) --------------------------------------------

SAMPLE_NAMES = (
    ("Bio-Vollmilch 3,8 %", "Hofmolkerei Südheide", "1 l"),
    ("Dinkel-Vollkornbrötchen", "Bäckerei Müller", "6 Stück"),
    ("Apfelschorle naturtrüb", "Grüne Wiese", "0,5 l"),
    ("Fußballsocken Größe 39-42", "Kickstark", "1 Paar"),
    ("Haselnuss-Nougat-Creme", "Nussknacker", "400 g"),
    ("Kräutertee Ingwer-Zitrone", "Teegärtner", "20 Beutel"),
    ("Handcreme Ringelblume", "Weleda-Garten", "75 ml"),
    ("Bleistift HB, 3er-Pack", "Schreibgut", "3 Stück"),
    ("Glühbirne LED E27 806 lm", "Lichtblick", "1 Stück"),
    ("Sonnenblumenöl kaltgepresst", "Ölmühle Österreicher", "750 ml"),
    ("Heidehonig cremig", "Imkerei Lüneburger Heide", "500 g"),
    ("Vollkorn-Spaghetti", "Nudelhaus", "500 g"),
    ("Zahnbürste mittel", "Putzblitz", "1 Stück"),
    ("Duschgel Lavendel", "Seifenwerk", "250 ml"),
    ("Kaffee ganze Bohne", "Rösterei am Sand", "250 g"),
    ("Bio-Haferflocken zart", "Mühle Bardowick", "500 g"),
    ("Schokolade Zartbitter 70 %", "Kakaokontor", "100 g"),
    ("Notizbuch A5 kariert", "Papierladen", "1 Stück"),
    ("Tomaten passiert", "Sonnenfeld", "500 g"),
    ("Batterien AA, 4er-Pack", "Strommann", "4 Stück"),
)


def sample_gtin(n: int) -> str:
    """The n-th sample EAN-13 (prefix 400: Germany), with a valid check digit."""
    body = f"400{n:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def sample_records(rows: int) -> Iterable[dict[str, Any]]:
    for n in range(1, rows + 1):
        name, brand, quantity = SAMPLE_NAMES[(n - 1) % len(SAMPLE_NAMES)]
        suffix = "" if n <= len(SAMPLE_NAMES) else f" - Sorte {n}"
        yield {
            "code": sample_gtin(n),
            "product_name": f"{name}{suffix}",
            "brands": brand,
            "quantity": quantity,
            "image_front_url": "",
        }
    yield {"code": "123", "product_name": "kein gültiger Code"}  # skipped
    yield {"code": sample_gtin(rows + 1), "product_name": ""}  # no name: skipped


def sample_write(handle: IO[bytes], *, rows: int, gz: bool = True) -> None:
    """Write the sample as JSONL (gzipped by default), like an Open Food Facts dump."""
    target: IO[bytes] = gzip.GzipFile(fileobj=handle, mode="wb", mtime=0) if gz else handle  # type: ignore[assignment]
    for record in sample_records(rows):
        target.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
    if gz:
        target.close()
