"""Nearby search over HTTP against the seeded town, next to the raw SQL of the same queries.

1. Raw SQL: the exact statement(s) `product_search_nearby` runs (built by `search_query`, typo correction
   included for `q`), executed one after another through the same psycopg connection settings, for the
   same random points and words as the HTTP runs.
2. HTTP, sequential: one client, no queueing: the latency to compare with the raw SQL (ratio goal).
3. HTTP, load: concurrent clients (processes x threads, loopback only, bounded in time and count) against
   gunicorn with 4 sync workers: p50/p95/p99, requests/s, errors.
Each once without text (5 km, 20 results, available today) and once with German text `q`.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import socket
import statistics
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlparse

from bench import Context, Result
from bench.dataset import CATALOGUE, CENTER

SEQUENTIAL_REQUESTS = 400
SQL_RUNS = 400
LOAD_SECONDS = 20.0
LOAD_PROCESSES = 2
LOAD_THREADS = 4
MAX_REQUESTS_PER_THREAD = 20_000


def _points(rng: random.Random, count: int) -> list[tuple[float, float]]:
    """Residents in and around the town: most within 3 km of the market square."""
    return [
        (round(CENTER[0] + rng.gauss(0, 1.5) / 111.2, 5), round(CENTER[1] + rng.gauss(0, 1.5) / 66.5, 5))
        for _ in range(count)
    ]


def _words(rng: random.Random, count: int) -> list[str]:
    """What residents type: nouns of the catalogue, some with an adjective, a typo or `ue` for `ü`."""
    nouns = [
        noun for _, _, children in CATALOGUE for _, _, child_nouns, _ in children for noun in child_nouns
    ]
    words = []
    for _ in range(count):
        word = rng.choice(nouns)
        roll = rng.random()
        if roll < 0.15 and len(word) > 6:  # a letter dropped
            cut = rng.randrange(2, len(word) - 2)
            word = word[:cut] + word[cut + 1 :]
        elif roll < 0.25:
            word = word.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae").lower()
        elif roll < 0.4:
            word = f"{word} {rng.choice(['rot', 'schwarz', 'klein', 'Bio', 'natur'])}"
        words.append(word)
    return words


@dataclass(frozen=True)
class Variant:
    name: str
    queries: list[dict[str, Any]]


def _variants(quick: bool) -> list[Variant]:
    rng = random.Random(2026)
    count = 200 if quick else 2000
    points = _points(rng, count)
    words = _words(rng, count)
    plain = [{"lat": lat, "lng": lng, "radius_km": 5, "page_size": 20} for lat, lng in points]
    text = [{**query, "q": word} for query, word in zip(plain, words, strict=True)]
    return [Variant("search 5 km", plain), Variant("search 5 km with q", text)]


# --- raw SQL ----------------------------------------------------------------------------------------


def _django(ctx: Context) -> None:
    os.environ.update(ctx.env())
    import django

    django.setup()


def _sql_times(queries: list[dict[str, Any]]) -> tuple[list[float], float, int]:
    """Milliseconds per search for the statements the selector runs; plus share collectable, result total."""
    from django.db import connection
    from django.utils import timezone

    from marketplace.selectors.pickup import pickup_board
    from marketplace.selectors.search import (
        SHOP_BATCH,
        SearchParams,
        query_words,
        search_query,
        tsquery_text,
        word_lookup,
    )

    now = timezone.now()
    board = pickup_board(now=now)
    share = len(board.collectable_ids(now.timestamp())) / max(len(board.days), 1)
    times, rows_total = [], 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    runs = min(SQL_RUNS, len(queries))
    for index, query in enumerate(queries[:runs] * 2):
        params = SearchParams(**query)
        started = time.perf_counter()
        words = query_words(params.q)
        lookup = word_lookup(words) if words else None
        tsquery = tsquery_text(words, lookup.corrections) if lookup else ""
        sql = search_query(
            params, now=now, board=board, tsquery=tsquery, lookup=lookup, shop_limit=SHOP_BATCH
        )
        with connection.cursor() as cursor:
            cursor.execute(sql.sql, sql.params)
            rows = cursor.fetchall()
        elapsed = (time.perf_counter() - started) * 1000
        if index >= runs:  # the first round warms the caches (as the HTTP warm-up does)
            times.append(elapsed)
            rows_total += len(rows)
    return times, share, rows_total


# --- HTTP -------------------------------------------------------------------------------------------


def _get(host: str, port: int, path: str) -> tuple[float, int]:
    """One GET over a fresh loopback connection (gunicorn's sync workers close after each response)."""
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    started = time.perf_counter()
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    elapsed = (time.perf_counter() - started) * 1000
    head = b"".join(chunks[:1])[:12]
    status = int(head[9:12]) if head.startswith(b"HTTP/1.") else 0
    return elapsed, status


def _client(host: str, port: int, paths: list[str], deadline: float, out: list[tuple[float, int]]) -> None:
    index = 0
    while time.time() < deadline and index < MAX_REQUESTS_PER_THREAD:
        try:
            out.append(_get(host, port, paths[index % len(paths)]))
        except OSError:
            out.append((0.0, 0))
        index += 1


def _process(args: tuple[str, int, list[str], float, int]) -> list[tuple[float, int]]:
    host, port, paths, deadline, threads = args
    results: list[list[tuple[float, int]]] = [[] for _ in range(threads)]
    workers = [
        threading.Thread(target=_client, args=(host, port, paths[offset::threads], deadline, results[offset]))
        for offset in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return [item for part in results for item in part]


def _load(base: str, paths: list[str], *, seconds: float, processes: int, threads: int) -> tuple[list, float]:
    parsed = urlparse(base)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    deadline = time.time() + seconds
    started = time.perf_counter()
    jobs = [(host, port, paths[offset::processes], deadline, threads) for offset in range(processes)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.map(_process, jobs)
    wall = time.perf_counter() - started
    return [item for part in parts for item in part], wall


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _paths(queries: list[dict[str, Any]]) -> list[str]:
    return [f"/api/v1/search/?{urlencode(query)}" for query in queries]


def run(ctx: Context) -> list[Result]:
    _django(ctx)
    seconds = 5.0 if ctx.quick else LOAD_SECONDS
    results: list[Result] = []
    variants = _variants(ctx.quick)
    sql: dict[str, tuple[list[float], float, int]] = {}
    for variant in variants:
        sql[variant.name] = _sql_times(variant.queries)
    with ctx.gunicorn(workers=4) as base:
        host_port = urlparse(base)
        for variant in variants:
            paths = _paths(variant.queries)
            # warm every worker: connections, text-search dictionaries, pickup board, category tree
            _load(base, paths[:400], seconds=3, processes=1, threads=4)
            sequential = [
                _get(host_port.hostname or "127.0.0.1", host_port.port or 80, path)
                for path in paths[:SEQUENTIAL_REQUESTS]
            ]
            loaded, wall = _load(base, paths, seconds=seconds, processes=LOAD_PROCESSES, threads=LOAD_THREADS)
            seq_ms = [ms for ms, status in sequential if status == 200]
            load_ms = [ms for ms, status in loaded if status == 200]
            errors = sum(1 for _, status in [*sequential, *loaded] if status != 200)
            sql_ms, share, rows = sql[variant.name]
            sql_p50 = statistics.median(sql_ms)
            seq_p50 = statistics.median(seq_ms) if seq_ms else float("nan")
            rate = len(loaded) / wall
            with_q = "with q" in variant.name
            name = variant.name
            clients = f"{LOAD_PROCESSES * LOAD_THREADS} clients, {seconds:.0f} s, {len(loaded)} requests"
            results += [
                Result(
                    name,
                    "raw SQL p50 / p95",
                    f"{sql_p50:.2f} / {_pct(sql_ms, 0.95):.2f} ms",
                    note=(
                        f"{len(sql_ms)} searches, {rows / max(len(sql_ms), 1):.1f} rows each, "
                        f"{share:.0%} of shops collectable now"
                    ),
                ),
                Result(name, "API p50 sequential", f"{seq_p50:.2f} ms", note="1 client"),
                Result(
                    name,
                    "API p50 / raw SQL p50",
                    f"{seq_p50 / sql_p50:.1f}",
                    "<= 6",
                    seq_p50 / sql_p50 <= 6,
                    note=f"under load {_pct(load_ms, 0.5) / sql_p50:.1f}",
                ),
                Result(
                    name,
                    "API p50 under load",
                    f"{_pct(load_ms, 0.5):.2f} ms",
                    "" if with_q else "<= 10 ms",
                    None if with_q else _pct(load_ms, 0.5) <= 10,
                    note=clients,
                ),
                Result(
                    name,
                    "API p95 under load",
                    f"{_pct(load_ms, 0.95):.2f} ms",
                    "<= 40 ms" if with_q else "<= 25 ms",
                    _pct(load_ms, 0.95) <= (40 if with_q else 25),
                ),
                Result(name, "API p99 under load", f"{_pct(load_ms, 0.99):.2f} ms"),
                Result(
                    name,
                    "requests/s",
                    f"{rate:.0f}",
                    "" if with_q else ">= 400",
                    None if with_q else rate >= 400,
                ),
                Result(name, "errors", str(errors), "0", errors == 0),
            ]
            print(f"[search] {variant.name}: done", flush=True)
    return results
