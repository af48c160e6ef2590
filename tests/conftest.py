"""Shared fixtures: every test runs against the real PostGIS database (pytest-django)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
