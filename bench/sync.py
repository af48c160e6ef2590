"""POS sync benchmark: one API call with 10,000 rows (half of them changed), end to end over HTTP.

    python -m bench sync                  # inside the bench suite (bench database, gunicorn)
    python -m bench.sync [--runs 5]       # alone, against BENCH_DATABASE_URL (default .../lk_merchant_bench)

A shop with 10,000 products and a write API key are created (once) in the bench database; each run POSTs all
10,000 rows to /api/v1/merchant/shops/<slug>/inventory/ with every second quantity changed, so each call
updates 5,000 rows (and writes 5,000 stock movements) and confirms 5,000. Goal (PERFORMANCE.md): <= 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from typing import Any

from bench import ROOT, Context, Result

ROWS = 10_000
SLUG = "bench-sync-laden"
GOAL_SECONDS = 1.5


def prepare() -> dict[str, str]:
    """(In a Django process.) Create the bench shop, its 10,000 products and a fresh write key."""
    import django

    django.setup()
    from django.contrib.gis.geos import Point

    from marketplace.models import ApiKey, Shop, StockMovement
    from marketplace.services.api_keys import api_key_create
    from marketplace.services.inventory import inventory_sync, rows_from_payload
    from marketplace.services.products import Actor

    shop, _ = Shop.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": "Bench Sync Laden",
            "street": "Am Markt 1",
            "postcode": "21335",
            "city": "Lüneburg",
            "location": Point(10.4077, 53.2489, srid=4326),
            "status": Shop.Status.ACTIVE,
        },
    )
    items = [
        {"sku": f"BENCH-{i:05d}", "quantity": 10, "price": "9.90", "title": f"Bench-Artikel {i}"}
        for i in range(ROWS)
    ]
    rows, errors = rows_from_payload(items, mode="set")
    inventory_sync(shop=shop, rows=rows, row_errors=errors, actor=Actor(source=StockMovement.Source.SEED))
    ApiKey.objects.filter(shop=shop).delete()
    _, raw_key = api_key_create(shop=shop, name="bench", scope=ApiKey.Scope.WRITE)
    return {"slug": shop.slug, "key": raw_key}


def payload(run: int) -> bytes:
    # every second row changes in each run; the rest confirm their unchanged quantity
    items = [{"sku": f"BENCH-{i:05d}", "quantity": 10 + (run if i % 2 == 0 else 0)} for i in range(ROWS)]
    return json.dumps({"mode": "set", "items": items}).encode()


def post(base: str, slug: str, key: str, body: bytes) -> tuple[float, dict[str, Any]]:
    request = urllib.request.Request(  # noqa: S310 - loopback URL we built
        f"{base}/api/v1/merchant/shops/{slug}/inventory/",
        data=body,
        method="POST",
        headers={"Authorization": f"Api-Key {key}", "Content-Type": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        answer = json.loads(response.read())
    return time.perf_counter() - started, answer


def measure(base: str, slug: str, key: str, runs: int) -> tuple[list[float], dict[str, Any]]:
    post(base, slug, key, payload(0))  # warm-up: brings the table into cache, resets quantities to 10
    timings = []
    answer: dict[str, Any] = {}
    for run in range(1, runs + 1):
        seconds, answer = post(base, slug, key, payload(run))
        if answer.get("updated") != ROWS // 2:
            raise RuntimeError(f"unexpected sync answer: {answer}")
        timings.append(seconds)
    return timings, answer


def _prepare_in(env: dict[str, str]) -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.sync", "--prepare"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _results(timings: list[float]) -> list[Result]:
    p50 = statistics.median(timings)
    worst = max(timings)
    note = f"{len(timings)} calls, 5,000 updated + 5,000 confirmed each"
    return [
        Result(
            "sync",
            "10,000 rows in one call, p50",
            f"{p50:.2f} s",
            f"<= {GOAL_SECONDS} s",
            p50 <= GOAL_SECONDS,
            note,
        ),
        Result(
            "sync",
            "10,000 rows in one call, slowest",
            f"{worst:.2f} s",
            f"<= {GOAL_SECONDS} s",
            worst <= GOAL_SECONDS,
        ),
    ]


def run(ctx: Context) -> list[Result]:
    """The bench-suite entry point."""
    info = _prepare_in(ctx.env())
    with ctx.gunicorn(workers=2) as base:
        timings, _ = measure(base, info["slug"], info["key"], runs=3 if ctx.quick else 7)
    return _results(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--prepare", action="store_true", help="(internal) create the shop; print slug and key"
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.prepare:
        print(json.dumps(prepare()))
        return
    database_url = os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/lk_merchant_bench"
    )
    ctx = Context(database_url=database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=ctx.env(), check=True)
    info = _prepare_in(ctx.env())
    with ctx.gunicorn(workers=2) as base:
        timings, answer = measure(base, info["slug"], info["key"], runs=args.runs)
    for result in _results(timings):
        print(f"{result.metric}: {result.value} (goal {result.goal}) {'ok' if result.ok else 'MISSED'}")
    print(
        "last answer:", {k: v for k, v in answer.items() if k != "errors"}, "errors:", len(answer["errors"])
    )
    print("all timings:", ", ".join(f"{t:.3f}" for t in timings))


if __name__ == "__main__":
    main()
