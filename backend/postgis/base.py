"""The PostGIS backend with a health check that costs no round trip while the connection is quiet.

`CONN_HEALTH_CHECKS` makes Django check a persistent connection before a request's first query; its check
is a `SELECT 1` round trip on every request (issue 14: ~0.3 ms of CPU of a hold or a search). When the
server ends a connection - a restart, `pg_terminate_backend`, a crash of another backend - it sends an
error and closes the socket, so an idle connection with nothing to read is alive as far as any check can
tell. Only a connection with something to read, or not idle, gets the `SELECT 1` (which then fails and
Django opens a new connection).
"""

from __future__ import annotations

import select

from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper as PostGISDatabaseWrapper
from psycopg import pq


class DatabaseWrapper(PostGISDatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if connection.info.transaction_status == pq.TransactionStatus.IDLE:
            try:
                poller = select.poll()
                poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
                waiting = poller.poll(0)
            except (OSError, ValueError):
                return False
            if not waiting:
                return True
        return bool(super().is_usable())
