"""Per-table statistics of PostgreSQL as a test reads them: this backend's pending counts flushed first."""

from __future__ import annotations

from django.db import connection


def table_stats(table: str, *columns: str) -> tuple[int, ...]:
    """`columns` of `pg_stat_user_tables` (e.g. `n_tup_upd`, `n_tup_hot_upd`) for `table`, including what
    this backend has done so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    # the flush happens when the backend goes idle after that statement; then read with a new snapshot
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM pg_stat_user_tables WHERE relname = %s",  # noqa: S608 - ours
            [table],
        )
        return tuple(int(value) for value in cursor.fetchone())
