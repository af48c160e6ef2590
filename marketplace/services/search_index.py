"""Maintenance of the search's word list (`marketplace_search_word`, migration 0003)."""

from __future__ import annotations

from django.db import connection

from marketplace.selectors.search import SEARCH_WORD_TABLE


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
    return int(row[0]) if row else 0
