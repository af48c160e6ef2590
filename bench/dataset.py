"""A reproducible town for the benchmarks: 5,000 shops and 1,000,000 products around Lüneburg.

`python -m bench.dataset [--seed N] [--shops N] [--products N] [--force]` fills the database
`ladenkarte_bench` (or `BENCH_DATABASE_URL`): it creates and migrates it, then loads shops, opening hours,
categories and products with COPY (psycopg 3 `cursor.copy`), with the product indexes dropped during the
load and rebuilt afterwards, then refreshes the search word list and the planner statistics. A second run
with the same seed and sizes does nothing (the table `bench_dataset` remembers what was generated).

About a quarter of the products are out of stock, a tenth have stock older than 14 days, 2 % are unlisted,
5 % of the shops are still pending. Titles are German and made for the full-text search
("Fahrradschlauch 28 Zoll", "Schnürsenkel rund schwarz").
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg

from marketplace.demo.catalogue import bench_catalogue

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/ladenkarte_bench"
CENTER = (53.2489, 10.4077)  # Lüneburg, Am Markt (lat, lng)
DATASET_VERSION = 2
CHUNK_ROWS = 50_000

# Categories: (root slug, root name, [(slug, name, nouns, brands)]), from the demo town's catalogue (one
# catalogue for both; version 2 of the dataset: version 1 had a smaller catalogue of its own).
CATALOGUE: list[tuple[str, str, list[tuple[str, str, list[str], list[str]]]]] = bench_catalogue()
ADJECTIVES = [
    "rot",
    "blau",
    "schwarz",
    "weiß",
    "grün",
    "grau",
    "natur",
    "klein",
    "groß",
    "rund",
    "flach",
    "extra stark",
    "für Kinder",
    "2er-Pack",
    "3er-Set",
    "Bio",
    "Größe M",
    "Größe L",
    "28 Zoll",
    "26 Zoll",
    "500 g",
    "250 ml",
    "regional",
    "handgemacht",
    "Classic",
    "Premium",
]
PHRASES = [
    "Im Laden zum Anfassen und Vergleichen.",
    "Schön verpackt auch als Geschenk.",
    "Langlebig und reparierbar.",
    "Aus der Region.",
    "Fragen Sie gern nach anderen Größen.",
    "Beliebt bei unseren Stammkunden.",
]
STREETS = [
    "Am Sande",
    "Bardowicker Straße",
    "Große Bäckerstraße",
    "Grapengießerstraße",
    "An den Brodbänken",
    "Rote Straße",
    "Salzstraße",
    "Heiligengeiststraße",
    "Schröderstraße",
    "Uelzener Straße",
    "Lüner Weg",
    "Dahlenburger Landstraße",
    "Bei der Abtspferdetränke",
    "Auf dem Meere",
    "Neue Sülze",
]
SHOP_WORDS = ["Laden", "Kontor", "Stübchen", "Werkstatt", "Haus", "Ecke", "Lädchen", "Markt", "Boutique"]
OWNERS = [
    "Müller",
    "Schröder",
    "Meyer",
    "Bostelmann",
    "Deneke",
    "Hinsch",
    "Wiebe",
    "Krüger",
    "Behrens",
    "Lüdemann",
    "Peters",
    "Hansen",
    "Böttcher",
    "Köhler",
]


@dataclass(frozen=True)
class Spec:
    seed: int = 42
    shops: int = 5_000
    products: int = 1_000_000


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def _server_url(url: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/postgres"))


def _db_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def create_and_migrate(url: str) -> None:
    """Create the bench database if needed and apply the project's migrations to it."""
    name = _db_name(url)
    with psycopg.connect(_server_url(url), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "backend.settings"}
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
        check=True,
        env=env,
        cwd=ROOT,
    )


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def _point(lat: float, lng: float) -> str:
    return f"SRID=4326;POINT({lng:.6f} {lat:.6f})"


def _shop_location(rng: random.Random) -> tuple[float, float]:
    """Dense old town, thinning out to the suburbs and villages (within about 25 km)."""
    while True:
        spread = rng.choice([0.6, 1.5, 4.0, 10.0])  # km
        dy, dx = rng.gauss(0, spread), rng.gauss(0, spread)
        if dx * dx + dy * dy <= 25 * 25:
            return CENTER[0] + dy / 111.2, CENTER[1] + dx / (111.2 * 0.598)


def _hours(rng: random.Random, shop_id: int) -> list[tuple[int, int, str, str]]:
    """Weekly hours: ordinary shops, long-hours ones, round-the-clock kiosks, lunch breaks."""
    kind = rng.random()
    rows: list[tuple[int, str, str]] = []
    if kind < 0.08:  # kiosk / petrol station: open around the clock
        rows = [(d, "00:00", "06:30") for d in range(7)] + [(d, "06:30", "02:00") for d in range(7)]
    elif kind < 0.25:  # supermarket-like long hours
        rows = [(d, "07:00", "21:00") for d in range(6)]
    elif kind < 0.40:  # lunch break
        rows = [(d, "09:00", "13:00") for d in range(5)] + [(d, "14:30", "18:30") for d in range(5)]
        rows += [(5, "09:00", "14:00")]
    else:
        opens = rng.choice(["09:00", "09:30", "10:00"])
        closes = rng.choice(["18:00", "18:30", "19:00"])
        rows = [(d, opens, closes) for d in range(5)]
        if rng.random() < 0.85:
            rows.append((5, opens, rng.choice(["14:00", "16:00", "18:00"])))
    return [(shop_id, weekday, opens, closes) for weekday, opens, closes in rows]


def _lines(rows: Iterator[str]) -> Iterator[bytes]:
    chunk: list[str] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            yield ("\n".join(chunk) + "\n").encode()
            chunk = []
    if chunk:
        yield ("\n".join(chunk) + "\n").encode()


def _copy(cur: psycopg.Cursor, table: str, columns: str, rows: Iterator[str]) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for data in _lines(rows):
            copy.write(data)


def generated(url: str) -> Spec | None:
    with psycopg.connect(url) as conn:
        exists = conn.execute("SELECT to_regclass('bench_dataset')").fetchone()
        if not exists or exists[0] is None:
            return None
        row = conn.execute("SELECT seed, shops, products, version FROM bench_dataset").fetchone()
    if row is None or row[3] != DATASET_VERSION:
        return None
    return Spec(seed=row[0], shops=row[1], products=row[2])


def generate(spec: Spec, url: str, *, log: bool = True) -> float:
    """Replace the bench database's shops and products by the dataset `spec`; returns seconds taken."""
    started = time.perf_counter()
    rng = random.Random(spec.seed)
    now = datetime.now(UTC)

    def say(message: str) -> None:
        if log:
            print(f"[dataset {time.perf_counter() - started:6.1f}s] {message}", flush=True)

    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute(
            "TRUNCATE marketplace_product, marketplace_shop, marketplace_category, marketplace_cityday, "
            "marketplace_searchevent RESTART IDENTITY CASCADE"
        )
        cur.execute("DROP TABLE IF EXISTS bench_dataset")
        # categories
        categories: list[tuple[int, str, list[str], list[str]]] = []  # (id, names, nouns, brands)
        category_rows = []
        next_id = 1
        for root_pos, (root_slug, root_name, children) in enumerate(CATALOGUE):
            root_id = next_id
            next_id += 1
            category_rows.append(f"{root_id}\t{root_name}\t\t{root_slug}\t{root_pos}\t\\N")
            for pos, (slug, name, nouns, brands) in enumerate(children):
                category_rows.append(f"{next_id}\t{name}\t\t{slug}\t{pos}\t{root_id}")
                categories.append((next_id, f"{name} {root_name}", nouns, brands))
                next_id += 1
        _copy(
            cur, "marketplace_category", "id, name, name_en, slug, position, parent_id", iter(category_rows)
        )
        # shops, their hours and categories
        shops: list[tuple[int, float, float, bool, int]] = []  # id, lat, lng, active, category index
        shop_rows, hour_rows, shop_category_rows = [], [], []
        for shop_id in range(1, spec.shops + 1):
            lat, lng = _shop_location(rng)
            active = rng.random() >= 0.05
            category_index = rng.randrange(len(categories))
            shops.append((shop_id, lat, lng, active, category_index))
            trade = categories[category_index][1].split()[0]
            name = f"{trade}{rng.choice(SHOP_WORDS).lower()} {rng.choice(OWNERS)}"
            slug = f"laden-{shop_id}"
            street = f"{rng.choice(STREETS)} {rng.randint(1, 120)}"
            status = "active" if active else "pending"
            shop_rows.append(
                "\t".join(
                    [
                        str(shop_id),
                        now.isoformat(),
                        now.isoformat(),
                        _esc(name),
                        slug,
                        "Ein Laden in Lüneburg.",
                        _esc(street),
                        "21335",
                        "Lüneburg",
                        "",
                        _point(lat, lng),
                        "",
                        "",
                        "",
                        "{}",
                        "",
                        status,
                        "",
                        now.isoformat() if active else "\\N",
                        "Europe/Berlin",
                        str(rng.choice([0, 15, 15, 30, 60])),
                        "\\N",
                        "yes" if shop_id % 3 == 0 else "",
                        "t",
                        "f",
                        "f",
                        "2",
                        "30",
                        "t",
                        "t",
                    ]
                )
            )
            hour_rows.extend("\t".join(str(value) for value in row) for row in _hours(rng, shop_id))
            shop_category_rows.append(f"{shop_id}\t{categories[category_index][0]}")
        _copy(
            cur,
            "marketplace_shop",
            "id, created_at, updated_at, name, slug, description, street, postcode, city, district,"
            " location, phone, email, website, social_links, photo, status, status_message, approved_at,"
            " time_zone, pickup_lead_minutes, hold_minutes, step_free, card_payment,"
            " bicycle_parking, gift_wrapping, pickup_days_ahead, pickup_min_window_minutes,"
            " pickup_later_days, pickup_move_allowed",
            iter(shop_rows),
        )
        _copy(cur, "marketplace_openinghours", "shop_id, weekday, opens, closes", iter(hour_rows))
        _copy(cur, "marketplace_shop_categories", "shop_id, category_id", iter(shop_category_rows))
        say(f"{len(shop_rows)} shops, {len(hour_rows)} opening hours")
        # products: drop secondary indexes during the load
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'marketplace_product' "
            "AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = 'marketplace_product'::regclass)"
        )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        # per shop a share of the products, weighted (a few big shops, many small ones)
        weights = [rng.paretovariate(1.5) for _ in shops]
        total = sum(weights)
        counts = [int(spec.products * w / total) for w in weights]
        counts[0] += spec.products - sum(counts)

        def product_rows() -> Iterator[str]:
            product_id = 0
            for (shop_id, lat, lng, active, category_index), count in zip(shops, counts, strict=True):
                point = _point(lat, lng)
                for number in range(count):
                    product_id += 1
                    # mostly the shop's own category, sometimes another one
                    cat_id, cat_names, nouns, brands = categories[
                        category_index if rng.random() < 0.8 else rng.randrange(len(categories))
                    ]
                    noun = rng.choice(nouns)
                    brand = rng.choice(brands)
                    title = f"{noun} {rng.choice(ADJECTIVES)}"
                    if rng.random() < 0.3:
                        title += f" {rng.choice(ADJECTIVES)}"
                    description = f"{noun} von {brand}. {rng.choice(PHRASES)} {rng.choice(PHRASES)}"
                    on_hand = 0 if rng.random() < 0.25 else rng.choice([1, 2, 3, 4, 5, 8, 12, 20, 40])
                    age = (
                        timedelta(days=rng.uniform(14.5, 60))
                        if rng.random() < 0.1
                        else timedelta(hours=rng.uniform(0, 13 * 24))
                    )
                    yield "\t".join(
                        [
                            str(product_id),
                            now.isoformat(),
                            now.isoformat(),
                            f"B{shop_id}-{number}",
                            "",
                            _esc(title),
                            _esc(description),
                            _esc(brand),
                            f"{rng.uniform(0.5, 120):.2f}",
                            "",
                            _esc(cat_names),
                            "t" if rng.random() >= 0.02 else "f",
                            str(on_hand),
                            "0",
                            (now - age).isoformat(),
                            point,
                            "t" if active else "f",
                            str(cat_id),
                            str(shop_id),
                        ]
                    )

        _copy(
            cur,
            "marketplace_product",
            "id, created_at, updated_at, sku, gtin, title, description, brand, price, image, category_names,"
            " active, quantity_on_hand, quantity_held, stock_updated_at, location, shop_active, category_id,"
            " shop_id",
            product_rows(),
        )
        conn.commit()  # deferred foreign-key checks run here; index builds need them done
        say(f"{spec.products} products copied")
        for name, definition in indexes:
            cur.execute(definition)
            say(f"index {name} built")
        for table in (
            "marketplace_category",
            "marketplace_shop",
            "marketplace_openinghours",
            "marketplace_product",
        ):
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            cur.execute(f"SELECT setval({sequence}, (SELECT coalesce(max(id), 1) FROM {table}))")  # noqa: S608
        cur.execute("REFRESH MATERIALIZED VIEW marketplace_search_word")
        cur.execute(
            "CREATE TABLE bench_dataset (seed integer, shops integer, products integer, version integer,"
            " generated_at timestamptz)"
        )
        cur.execute(
            "INSERT INTO bench_dataset VALUES (%s, %s, %s, %s, now())",
            [spec.seed, spec.shops, spec.products, DATASET_VERSION],
        )
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    say("word list refreshed, vacuumed and analysed")
    return time.perf_counter() - started


def ensure(
    spec: Spec | None = None, url: str | None = None, *, force: bool = False, log: bool = True
) -> float:
    """Create, migrate and fill the bench database unless it holds `spec`; seconds spent generating."""
    spec = spec or Spec()
    url = url or database_url()
    create_and_migrate(url)
    if not force and generated(url) == spec:
        if log:
            print(f"[dataset] {spec} already generated in {_db_name(url)}", flush=True)
        return 0.0
    return generate(spec, url, log=log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=Spec.seed)
    parser.add_argument("--shops", type=int, default=Spec.shops)
    parser.add_argument("--products", type=int, default=Spec.products)
    parser.add_argument("--force", action="store_true", help="regenerate even if present")
    args = parser.parse_args()
    seconds = ensure(Spec(seed=args.seed, shops=args.shops, products=args.products), force=args.force)
    print(f"dataset ready ({seconds:.1f} s)")


if __name__ == "__main__":
    main()
