"""A private redis-server on a free loopback port for the tests that need a broker to look at."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.loopback import private_redis


@pytest.fixture
def redis_server() -> Iterator[str]:
    with private_redis() as url:
        yield url
