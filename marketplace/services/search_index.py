"""Maintenance of the search's word list (`marketplace_search_word`, migration 0003)."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection, transaction

from marketplace.selectors.search import SEARCH_WORD_TABLE

# Catalogue changes within this many seconds share one refresh (a burst of syncs rebuilds the list once).
REFRESH_DELAY_SECONDS = 60
_PENDING_KEY = "search-words-refresh-pending"


def search_words_refresh(*, concurrently: bool = True) -> int:
    """Rebuild the typo-correction word list from the listed products' titles, brands and categories.

    `concurrently` keeps the list readable while it is rebuilt (the search keeps working). Returns the
    number of words.
    """
    cache.delete(_PENDING_KEY)  # a change committed from now on schedules the next refresh
    mode = "CONCURRENTLY " if concurrently else ""
    with connection.cursor() as cursor:
        cursor.execute(f"REFRESH MATERIALIZED VIEW {mode}{SEARCH_WORD_TABLE}")
        cursor.execute(f"SELECT count(*) FROM {SEARCH_WORD_TABLE}")  # noqa: S608 - fixed name
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def search_words_refresh_schedule() -> None:
    """After commit, rebuild the word list soon (new titles, brands or categories bring new words).

    Call inside the transaction that changed the catalogue. Commits within `REFRESH_DELAY_SECONDS` share
    one rebuild (the first one schedules it); the hourly beat entry catches anything else.
    """
    transaction.on_commit(_schedule)


def _schedule() -> None:
    if cache.add(_PENDING_KEY, 1, timeout=REFRESH_DELAY_SECONDS * 5):
        from marketplace.tasks import search_words_refresh as task

        task.apply_async(countdown=REFRESH_DELAY_SECONDS)
