"""Prepared statements for the few statements every hold runs (decision 1400, "Fourth round").

The project's cursors bind parameters on the client (Django's default for psycopg 3): the values are
written into the SQL text, so PostgreSQL parses and plans every statement afresh. For a hold that is most
of its PostgreSQL CPU (a 10-statement hold spent ~0.25 ms per statement on parse and plan, ~3 ms of ~3.4).
`prepared_cursor()` gives a Django cursor whose statements are bound on the server (`$1`, ...); psycopg
prepares a statement on a connection once it ran `prepare_threshold` times there (the `OPTIONS` setting),
and PostgreSQL then only binds and executes it.

Only for fixed statements that look up rows by key (primary key, `= ANY` over a few ids, a person's key):
their generic plan is the plan. The search keeps client-side binding: its plans depend on the values
(a generic plan would lose the hashed `= ANY` over thousands of shop ids, decision 1400 "Third round").

Statements go through Django's cursor wrapper, so query counting, `CaptureQueriesContext` and the
execute wrappers see them. Prepared statements belong to one server connection: behind a connection
pooler in transaction mode they need its prepared-statement support (PgBouncer >= 1.21,
`max_prepared_statements`); the deployment talks to PostgreSQL directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined] # psycopg 3 only


@contextmanager
def prepared_cursor() -> Iterator[Any]:
    """A cursor of the default connection with server-side binding (see the module docstring)."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = ServerBindingCursor(connection.connection)
    cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    try:
        yield cursor
    finally:
        cursor.close()
