"""Test data built once per test module: the matrices run hundreds of cases against the same shops.

`module_atomic(django_db_blocker)` opens one transaction around the whole module (rolled back at the end);
each test's own transaction (pytest-django's `django_db`) is a savepoint inside it, so a test's writes
roll back to the module's data, exactly as with Django's `TestCase.setUpTestData`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction


@contextmanager
def module_atomic(django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
