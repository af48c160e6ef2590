"""Maintenance of the search's word list (`marketplace_search_word`, migration 0003)."""

from __future__ import annotations

from django.db import connection

from marketplace.models import OutboxMessage
from marketplace.selectors.search import SEARCH_WORD_TABLE, word_lookups_forget
from marketplace.services.outbox import outbox_put

# Catalogue changes within this many seconds share one refresh (a burst of syncs rebuilds the list once).
REFRESH_DELAY_SECONDS = 60


def search_words_refresh(*, concurrently: bool = True) -> int:
    """Rebuild the typo-correction word list from the listed products' titles, brands and categories.

    `concurrently` keeps the list readable while it is rebuilt (the search keeps working). Returns the
    number of words.
    """
    mode = "CONCURRENTLY " if concurrently else ""
    with connection.cursor() as cursor:
        cursor.execute(f"REFRESH MATERIALIZED VIEW {mode}{SEARCH_WORD_TABLE}")
        cursor.execute(f"SELECT count(*) FROM {SEARCH_WORD_TABLE}")  # noqa: S608 - fixed name
        row = cursor.fetchone()
    word_lookups_forget()  # this process's searches see the new list at once (others within a minute)
    return int(row[0]) if row else 0


def search_words_refresh_schedule() -> None:
    """Rebuild the word list soon (new titles, brands or categories bring new words): an outbox row.

    Call inside the transaction that changed the catalogue. Changes within `REFRESH_DELAY_SECONDS` share
    one rebuild (one waiting row per key; a change committed while a rebuild runs gets its own); the hourly
    beat entry catches anything else.
    """
    outbox_put(kind="search.words_refresh", payload={}, dedupe_key="all", delay=REFRESH_DELAY_SECONDS)


def search_words_refresh_deliver(message: OutboxMessage, secret: str) -> None:
    """Outbox handler: rebuild the word list."""
    search_words_refresh()
