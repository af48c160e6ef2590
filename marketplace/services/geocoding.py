"""The site's geocoder: `geo.geocoding` configured from settings, with Django's cache behind it.

One `Geocoder` per process (its rate limit is per instance). Settings: GEOCODER (geopy service name),
GEOCODER_URL (own server, e.g. a self-hosted Nominatim), GEOCODER_USER_AGENT, GEOCODER_TIMEOUT,
GEOCODER_MIN_DELAY_SECONDS (default 1, Nominatim's usage policy), GEOCODER_COUNTRY_CODES.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from geo.geocoding import Geocoder as _Geocoder
from geo.geocoding import GeocoderConfig, GeocodingFailed, GeoResult
from marketplace.infrastructure.process_cache import ProcessCache

__all__ = ["GeoResult", "GeocodingFailed", "address_geocode", "geocoder", "geocoder_reset", "point_reverse"]

_GEOCODER: ProcessCache[_Geocoder] = ProcessCache("geocoder", ttl_seconds=None)


def _config() -> GeocoderConfig:
    countries = settings.GEOCODER_COUNTRY_CODES
    return GeocoderConfig(
        service=settings.GEOCODER,
        url=settings.GEOCODER_URL,
        user_agent=settings.GEOCODER_USER_AGENT,
        timeout=float(settings.GEOCODER_TIMEOUT),
        min_delay_seconds=float(settings.GEOCODER_MIN_DELAY_SECONDS),
        country_codes=tuple(code.strip() for code in countries.split(",") if code.strip()),
        language=settings.LANGUAGE_CODE,
    )


def geocoder() -> _Geocoder:
    """The process-wide geocoder (created on first use from the current settings)."""
    return _GEOCODER.get(lambda: _Geocoder(_config(), cache=cache))


def geocoder_reset() -> None:
    """Forget the shared geocoder, so the next call reads the settings again (tests, settings changes)."""
    _GEOCODER.clear()


def address_geocode(*, street: str, postcode: str, city: str) -> GeoResult | None:
    """Where a postal address is; `None` when unknown. Raises `GeocodingFailed` when the service fails."""
    query = ", ".join(part.strip() for part in (street, f"{postcode} {city}".strip()) if part.strip())
    return geocoder().geocode(query)


def point_reverse(*, lat: float, lng: float) -> GeoResult | None:
    """The address at a point (for a pin the user moved), `None` when there is none."""
    return geocoder().reverse(lat, lng)
