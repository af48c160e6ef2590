"""The PostgreSQL backend behind a test's connection: its process id, and ending it as a restart does."""

from __future__ import annotations

import time

from django.db import connection, connections


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def last_statement_of(pid: int) -> str:
    """What the backend `pid` ran last, as PostgreSQL reports it (seen from another connection)."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cursor.fetchone()
            return str(row[0]) if row else ""
    finally:
        other.close()


def terminate(pid: int) -> None:
    """End backend `pid` as a restart does, and wait until it is gone (its goodbye is on our socket)."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            for _ in range(200):
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone()[0] == 0:
                    return
                time.sleep(0.01)
        raise AssertionError(f"backend {pid} did not end")
    finally:
        other.close()
