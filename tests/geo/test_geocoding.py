"""geo.geocoding runs geopy against a local server speaking Nominatim's protocol (no internet, no mocks)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from geo.geocoding import Geocoder, GeocoderConfig, GeocodingFailed, GeoResult
from tests.fake_nominatim import FakeNominatim


class DictCache:
    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def set(self, key: str, value: Any, timeout: int | None = None) -> None:
        self.data[key] = value


def make(fake: FakeNominatim, **overrides: Any) -> Geocoder:
    options: dict[str, Any] = {
        "user_agent": "ladenkarte-tests/1.0 (test@example.org)",
        "url": fake.url,
        "timeout": 1.0,
        "min_delay_seconds": 0.0,
    }
    options.update(overrides)
    cache = options.pop("cache", None)
    return Geocoder(GeocoderConfig(**options), cache=cache)


def test_geocode_returns_the_place_with_address_parts(fake_nominatim: FakeNominatim) -> None:
    # given
    fake_nominatim.add(
        "Bäckerstraße 5, 21335 Lüneburg",
        53.2493,
        10.4089,
        road="Bäckerstraße",
        house_number="5",
        postcode="21335",
        city="Lüneburg",
        suburb="Altstadt",
    )
    geocoder = make(fake_nominatim)

    # when
    result = geocoder.geocode("  Bäckerstraße 5,   21335 Lüneburg ")

    # then
    assert result == GeoResult(
        lat=53.2493,
        lng=10.4089,
        display_name="5, Bäckerstraße, Altstadt, Lüneburg, 21335",
        street="Bäckerstraße",
        house_number="5",
        postcode="21335",
        city="Lüneburg",
        district="Altstadt",
    )
    request = fake_nominatim.requests[0]
    assert request["path"] == "/search"
    assert request["params"]["format"] == "json"
    assert request["params"]["countrycodes"] == "de"
    assert request["user_agent"] == "ladenkarte-tests/1.0 (test@example.org)"


def test_geocode_unknown_address_is_none(fake_nominatim: FakeNominatim) -> None:
    # given
    geocoder = make(fake_nominatim)

    # when
    result = geocoder.geocode("Nirgendwo 99, 00000 Atlantis")

    # then
    assert result is None
    assert len(fake_nominatim.requests) == 1


def test_empty_query_asks_nobody(fake_nominatim: FakeNominatim) -> None:
    # given
    geocoder = make(fake_nominatim)

    # when
    result = geocoder.geocode("   ")

    # then
    assert result is None
    assert fake_nominatim.requests == []


def test_server_error_raises_geocoding_failed(fake_nominatim: FakeNominatim) -> None:
    # given
    fake_nominatim.add("Am Markt 1, 21335 Lüneburg", 53.2489, 10.4077)
    fake_nominatim.mode = "error"
    geocoder = make(fake_nominatim)

    # when
    with pytest.raises(GeocodingFailed) as failure:
        geocoder.geocode("Am Markt 1, 21335 Lüneburg")

    # then
    assert failure.value.code == "geocoding_failed"
    assert "did not answer" in failure.value.message


def test_timeout_raises_geocoding_failed_quickly(fake_nominatim: FakeNominatim) -> None:
    # given
    fake_nominatim.mode = "slow"
    fake_nominatim.delay = 3
    geocoder = make(fake_nominatim, timeout=0.3)
    started = time.monotonic()

    # when
    with pytest.raises(GeocodingFailed):
        geocoder.geocode("Am Markt 1, 21335 Lüneburg")

    # then
    assert time.monotonic() - started < 2.5


def test_unreachable_server_raises_geocoding_failed() -> None:
    # given: a port nobody listens on
    geocoder = Geocoder(
        GeocoderConfig(
            user_agent="ladenkarte-tests", url="http://127.0.0.1:9", timeout=0.5, min_delay_seconds=0
        )
    )

    # when / then
    with pytest.raises(GeocodingFailed):
        geocoder.geocode("Am Markt 1, 21335 Lüneburg")


def test_cache_answers_repeats_including_misses(fake_nominatim: FakeNominatim) -> None:
    # given
    fake_nominatim.add("Am Markt 1, 21335 Lüneburg", 53.2489, 10.4077)
    geocoder = make(fake_nominatim, cache=DictCache())

    # when
    first = geocoder.geocode("Am Markt 1, 21335 Lüneburg")
    second = geocoder.geocode("am markt 1, 21335 lüneburg")
    missing_first = geocoder.geocode("Unbekannt 1")
    missing_second = geocoder.geocode("Unbekannt 1")

    # then
    assert first == second
    assert first is not None
    assert missing_first is None
    assert missing_second is None
    assert len(fake_nominatim.requests) == 2


def test_failures_are_not_cached(fake_nominatim: FakeNominatim) -> None:
    # given
    fake_nominatim.add("Am Markt 1, 21335 Lüneburg", 53.2489, 10.4077)
    fake_nominatim.mode = "error"
    geocoder = make(fake_nominatim, cache=DictCache())
    with pytest.raises(GeocodingFailed):
        geocoder.geocode("Am Markt 1, 21335 Lüneburg")

    # when
    fake_nominatim.mode = "ok"
    result = geocoder.geocode("Am Markt 1, 21335 Lüneburg")

    # then
    assert result is not None
    assert (result.lat, result.lng) == (53.2489, 10.4077)


def test_rate_limit_spaces_requests(fake_nominatim: FakeNominatim) -> None:
    # given
    geocoder = make(fake_nominatim, min_delay_seconds=0.4)
    started = time.monotonic()

    # when
    geocoder.geocode("eins")
    geocoder.geocode("zwei")
    geocoder.geocode("drei")

    # then
    assert time.monotonic() - started >= 0.8
    assert len(fake_nominatim.requests) == 3


def test_reverse_finds_the_nearest_address(fake_nominatim: FakeNominatim) -> None:
    # given
    fake_nominatim.add("Am Markt 1, 21335 Lüneburg", 53.2489, 10.4077, road="Am Markt", city="Lüneburg")
    geocoder = make(fake_nominatim)

    # when
    result = geocoder.reverse(53.2490, 10.4078)

    # then
    assert result is not None
    assert result.street == "Am Markt"
    assert fake_nominatim.requests[0]["path"] == "/reverse"


def test_config_rejects_missing_user_agent_and_bad_url() -> None:
    # when / then
    with pytest.raises(ValueError, match="user agent"):
        GeocoderConfig(user_agent=" ")
    with pytest.raises(ValueError, match="GEOCODER_URL"):
        Geocoder(GeocoderConfig(user_agent="x", url="127.0.0.1:8080"))
