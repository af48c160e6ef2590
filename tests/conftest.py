"""Shared fixtures: every test runs against the real PostGIS database (pytest-django)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

# `fake_nominatim` / `geocoder_settings`: a local server speaking Nominatim's protocol (no internet).
pytest_plugins = ["tests.fake_nominatim"]


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
