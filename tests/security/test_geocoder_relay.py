"""Finding 5: the geocoder is no open relay to Nominatim. Our own streets and shops answer without an outside
call, each client has its own budget of outside lookups, the whole site keeps one shared rate across
processes (Redis, PostgreSQL while Redis is down) without sleeping in a request, and "not found" is kept for
minutes, not a month. All against the local fake Nominatim (tests/fake_nominatim.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext

from marketplace.infrastructure.geocoding import GeocoderBusy, address_geocode, geocoder_reset
from marketplace.models import GeocoderSlot, Shop
from tests.factories import ProductFactory, ShopFactory
from tests.fake_nominatim import FakeNominatim
from tests.loopback import free_port, private_redis
from tests.osm_files import TOWN_RELATION, OsmFile

LOOKUP = "/laden-anmelden/adresse/"


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A private redis-server on a free loopback port."""
    with private_redis() as url:
        yield url


def use_cache(settings: Any, location: str) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "backend.cache.FailSoftRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def streets_file(tmp_path: Path) -> Path:
    osm = OsmFile()
    osm.street_way(
        501, [(53.2500, 10.4000), (53.2510, 10.4010)], highway="residential", name="Bardowicker Straße"
    )
    osm.street_way(
        502, [(53.2510, 10.4010), (53.2520, 10.4020)], highway="residential", name="Bardowicker Straße"
    )
    return osm.write(tmp_path / "streets.osm")


@pytest.mark.django_db
def test_a_known_street_never_calls_out(client: Client, geocoder_settings: FakeNominatim, tmp_path: Path):
    # given: the street list imported, a shop on that street, the same street known to the fake service too
    call_command("import_streets", str(streets_file(tmp_path)), "--boundary-relation", str(TOWN_RELATION))
    near = ShopFactory(name="Bei der Bardowicker", location=Point(10.4011, 53.2511, srid=4326))
    ProductFactory(shop=near, title="Honig von nebenan")
    ProductFactory(shop=ShopFactory(location=Point(10.4400, 53.2300, srid=4326)), title="Honig vom Rand")
    geocoder_settings.add("Bardowicker Str. 12, Lüneburg", 53.0, 10.0)
    # when: typed in other spellings, in the search and in the registration's address lookup
    search = client.get("/suche/", {"q": "Honig", "wo": "Bardowicker Str. 12", "umkreis": "1"})
    lookup = client.get(LOOKUP, {"street": "bardowicker strasse 12", "postcode": "21335", "city": "Lüneburg"})
    # then: answered from the street list, nobody outside was asked
    html = search.content.decode()
    assert search.status_code == 200
    assert "Honig von nebenan" in html
    assert "Honig vom Rand" not in html
    assert lookup.status_code == 200
    assert abs(lookup.json()["lat"] - 53.251) < 0.002
    assert lookup.json()["label"] == "Bardowicker Straße 12, 21335 Lüneburg"
    assert geocoder_settings.requests == []


@pytest.mark.django_db
def test_a_public_shop_address_and_postcode_answer_locally_a_pending_shop_does_not(
    client: Client, geocoder_settings: FakeNominatim
):
    # given: an active shop with its exact point, and a pending shop whose address a stranger typed
    ShopFactory(street="Glockenstraße 4", postcode="21335", location=Point(10.4056, 53.2489, srid=4326))
    ShopFactory(
        status=Shop.Status.PENDING,
        street="Köderweg 1",
        postcode="21335",
        location=Point(9.0, 50.0, srid=4326),
    )
    # when
    exact = client.get(LOOKUP, {"street": "Glockenstr. 4", "postcode": "21335", "city": "Lüneburg"})
    postcode = client.get("/suche/", {"wo": "21335"})
    pending = client.get(LOOKUP, {"street": "Köderweg 1", "postcode": "21335", "city": "Lüneburg"})
    # then: the active shop's point and the postcode locally; the pending shop's address goes outside
    assert (exact.json()["lat"], exact.json()["lng"]) == pytest.approx((53.2489, 10.4056))
    assert postcode.status_code == 200
    assert pending.status_code == 404
    assert [r["params"]["q"] for r in geocoder_settings.requests] == ["Köderweg 1, 21335 Lüneburg"]


@pytest.mark.django_db
def test_a_second_client_is_not_blocked_by_the_first_clients_limit(
    client: Client, geocoder_settings: FakeNominatim, settings: Any
):
    # given: two outside lookups per client and hour
    settings.LADENKARTE_GEOCODE_CLIENT_RATE = "2/h"
    geocoder_settings.add("Weit weg 3, 20095 Hamburg", 53.55, 10.0)

    def ask(address: str, number: int) -> Any:
        return client.get(
            LOOKUP,
            {"street": f"Weit weg {number}", "postcode": "20095", "city": "Hamburg"},
            REMOTE_ADDR=address,
        )

    # when: the first client asks three times, then a second client once
    first = [ask("198.51.100.7", n).status_code for n in (1, 2, 3)]
    second = ask("198.51.100.8", 3)
    # then: the first is stopped at its third outside lookup (nothing asked for it), the second is answered
    assert first == [404, 404, 429]
    assert second.status_code == 200
    assert [r["params"]["q"] for r in geocoder_settings.requests] == [
        "Weit weg 1, 20095 Hamburg",
        "Weit weg 2, 20095 Hamburg",
        "Weit weg 3, 20095 Hamburg",
    ]


@pytest.mark.django_db
def test_when_the_site_budget_is_spent_the_page_answers_without_waiting_or_asking(
    client: Client, geocoder_settings: FakeNominatim, settings: Any
):
    # given: one outside request a minute for the whole site, the first one taken
    settings.GEOCODER_MIN_DELAY_SECONDS = 60
    ProductFactory(shop=ShopFactory(), title="Honig aus der Mitte")
    client.get("/suche/", {"q": "Honig", "wo": "Irgendwo 1, Hamburg"})
    # when: another address before the minute is over
    search = client.get("/suche/", {"q": "Honig", "wo": "Irgendwo 2, Hamburg"})
    lookup = client.get(LOOKUP, {"street": "Irgendwo 3", "postcode": "20095", "city": "Hamburg"})
    # then: results around the centre with a "try again shortly", a 503 with Retry-After; one request only
    html = search.content.decode()
    assert search.status_code == 200
    busy = (
        "The address search is busy. Please try again shortly. Showing results around the centre of %(town)s."
    )
    assert gettext(busy).split(".")[0] in html
    assert "Honig aus der Mitte" in html
    assert lookup.status_code == 503
    assert lookup.json()["error"]["code"] == "geocoder_busy"
    assert lookup["Retry-After"] == "60"
    assert len(geocoder_settings.requests) == 1


@pytest.mark.django_db
def test_a_miss_is_asked_again_after_the_short_negative_ttl(geocoder_settings: FakeNominatim, settings: Any):
    # given: "not found" is kept ten minutes
    settings.GEOCODER_MISS_CACHE_SECONDS = 600
    assert address_geocode(street="Neubaugasse 1", postcode="20095", city="Hamburg") is None
    geocoder_settings.add("Neubaugasse 1, 20095 Hamburg", 53.55, 10.0)  # mapped meanwhile
    # when: asked again within the ten minutes, and after them
    soon = address_geocode(street="Neubaugasse 1", postcode="20095", city="Hamburg")
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        later = address_geocode(street="Neubaugasse 1", postcode="20095", city="Hamburg")
        with time_machine.travel(timezone.now() + timedelta(days=20), tick=False):
            found_again = address_geocode(street="Neubaugasse 1", postcode="20095", city="Hamburg")
    # then: the miss came from the cache, then the service was asked again; the answer itself is kept
    assert soon is None
    assert later is not None
    assert found_again == later
    assert len(geocoder_settings.requests) == 2


@pytest.mark.parametrize("store", ["postgresql", "redis", "redis-down"])
def test_the_global_rate_holds_across_processes(
    store: str, transactional_db: None, geocoder_settings: FakeNominatim, settings: Any, request: Any
):
    # given: one outside request a minute for the site; the slot shared in Redis, or in PostgreSQL (no Redis,
    # or Redis down); eight workers with their own connections ask for different addresses at once
    settings.GEOCODER_MIN_DELAY_SECONDS = 60
    if store == "redis":
        use_cache(settings, request.getfixturevalue("redis_url"))
    elif store == "redis-down":
        use_cache(settings, f"redis://127.0.0.1:{free_port()}/0")
    geocoder_reset()
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def worker(number: int) -> None:
        start.wait()
        try:
            address_geocode(street=f"Parallelweg {number}", postcode="20095", city="Hamburg")
            outcomes.append("asked")
        except GeocoderBusy:
            outcomes.append("busy")
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then: exactly one reached the service, the others were refused at once
    assert sorted(outcomes) == ["asked"] + ["busy"] * 7
    assert len(geocoder_settings.requests) == 1
    assert GeocoderSlot.objects.filter(name="geocoder").exists() == (store != "redis")
