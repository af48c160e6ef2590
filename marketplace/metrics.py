"""Prometheus instruments the domain code records into (exported at /metrics by `ops`).

Only figures that exist at the moment something happens live here (how long a search took, how many sync
rows were applied). Figures the database knows - reservations by status, the outbox - are read at scrape
time by `marketplace.selectors.operations`, so they are right whichever process did the work.
With PROMETHEUS_MULTIPROC_DIR set, every process writes its own file and /metrics sums them.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

SEARCH_SECONDS = Histogram(
    "ladenkarte_search_seconds",
    "Time to answer a product search (selector only, without rendering).",
    ["kind"],  # text: with search words; browse: nearby without words
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5),
)

SYNC_ROWS = Counter(
    "ladenkarte_sync_rows",
    "Stock sync rows applied (API, CSV, my-shop page), by source and outcome.",
    ["source", "outcome"],  # outcome: created, updated, unchanged, error
)
