"""The health check of a persistent database connection (backend/postgis): free while the connection is
quiet, a real round trip when the server has said something (it ended the connection), and the request after
a killed connection is served on a new one."""

from __future__ import annotations

import pytest
from django.db import close_old_connections, connection
from django.test import Client

from tests.backends import backend_pid, last_statement_of, terminate


@pytest.mark.django_db(transaction=True)
def test_a_quiet_connection_passes_the_health_check_without_a_statement() -> None:
    # given: a persistent connection whose last statement is known
    pid = backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'before the next request'")
    # when: the next request starts (the server's request_started signal) and makes its first query
    close_old_connections()
    connection.close_if_health_check_failed()
    # then: the connection is kept and the server saw nothing new (Django's own check sends `SELECT 1`)
    assert connection.connection is not None
    assert last_statement_of(pid) == "SELECT 'before the next request'"
    assert backend_pid() == pid


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_fails_the_health_check() -> None:
    # given
    pid = backend_pid()
    terminate(pid)
    # when
    usable = connection.is_usable()
    connection.close()  # as Django does with a connection that fails the check
    # then
    assert usable is False


@pytest.mark.django_db(transaction=True)
def test_the_request_after_a_killed_connection_is_served_on_a_new_one(client: Client) -> None:
    # given: the web process's connection was ended by the server between two requests
    pid = backend_pid()
    terminate(pid)
    # when: the next request starts as the server starts it (the test client skips that signal)
    close_old_connections()
    response = client.get("/api/v1/shops/", secure=True)
    # then: answered on a new connection, not a 503
    assert response.status_code == 200
    assert backend_pid() != pid
