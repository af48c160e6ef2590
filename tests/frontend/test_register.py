"""The public "register your shop" page: German first, clear errors, the pin, the address lookup."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from marketplace.models import OpeningHours, Shop
from tests.fake_nominatim import FakeNominatim

pytestmark = pytest.mark.django_db


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Teeladen Sencha",
        "street": "Grapengießerstraße 12",
        "postcode": "21335",
        "city": "Lüneburg",
        "lat": "53.2480",
        "lng": "10.4090",
        "owner_name": "Mia Sato",
        "owner_email": "mia@example.org",
        "owner_password": "gruener-tee-2026",
        "consent": "on",
        "hours_0": "10:00-18:00",
        "hours_5": "10:00-13:00, 14:00-16:00",
    }
    data.update(overrides)
    return data


def test_page_renders_in_german_with_map_and_own_script(client: Client) -> None:
    # when
    response = client.get("/laden-anmelden/")

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert 'lang="de"' in content
    assert "/static/frontend/register.js" in content
    assert "/static/vendor/leaflet/leaflet.js" in content
    assert 'id="register-map"' in content
    assert "<script>" not in content  # CSP: no inline script


def test_checkboxes_sit_next_to_their_labels_and_categories_are_a_labelled_group(client: Client) -> None:
    # given a category to choose
    from tests.factories import CategoryFactory

    CategoryFactory(name="Kaffee & Tee")
    # when
    content = client.get("/laden-anmelden/").content.decode()

    # then every yes/no field is a check row (box first, label next to it), not a box under a heading
    for name in ("step_free_entrance", "card_payment", "bicycle_parking", "gift_wrapping", "consent"):
        row = content.split(f'id="id_{name}"')[0].rsplit("<div", 1)[1]
        assert 'class="check' in row, name
    # and the category checkboxes form a group named by a legend, with no label pointing nowhere
    assert 'for=""' not in content
    assert "<legend>Kategorien</legend>" in content


def test_register_creates_pending_shop_and_redirects(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/laden-anmelden/", form_data())

    # then
    assert response.status_code == 302
    assert response["Location"] == "/laden-anmelden/danke/"
    shop = Shop.objects.get()
    assert shop.status == Shop.Status.PENDING
    assert OpeningHours.objects.filter(shop=shop).count() == 3
    assert len(mail.outbox) == 1  # the confirmation link; the city hears of it once it is confirmed
    done = client.get(response["Location"]).content.decode()
    assert "mia@example.org" in done
    assert "/laden-anmelden/bestaetigen/" in done  # ask for a new link
    assert client.get(f"/api/v1/shops/{shop.slug}/").status_code == 404


def test_register_shows_clear_errors_and_creates_nothing(client: Client) -> None:
    # when
    response = client.post(
        "/laden-anmelden/", form_data(postcode="123", hours_0="zehn bis sechs", consent="", owner_password="")
    )

    # then
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) >= {"postcode", "hours_0", "consent", "owner_password"}
    assert not Shop.objects.exists()


def test_register_without_pin_and_unknown_address_asks_for_pin(
    client: Client, geocoder_settings: FakeNominatim
) -> None:
    # when
    response = client.post("/laden-anmelden/", form_data(lat="", lng=""))

    # then
    assert response.status_code == 400
    assert response.context["location_error"]
    assert "street" in response.context["form"].errors
    assert not Shop.objects.exists()


def test_address_lookup_finds_and_explains_failures(client: Client, geocoder_settings: FakeNominatim) -> None:
    # given
    geocoder_settings.add("Am Sande 1, 21335 Lüneburg", 53.2497, 10.4046, suburb="Altstadt")
    url = "/laden-anmelden/adresse/"

    # when
    found = client.get(url, {"street": "Am Sande 1", "postcode": "21335", "city": "Lüneburg"})
    missing = client.get(url, {"street": "Nirgendwo 1", "postcode": "21335", "city": "Lüneburg"})
    empty = client.get(url, {"street": ""})
    geocoder_settings.mode = "error"
    failed = client.get(url, {"street": "Am Markt 2", "postcode": "21335", "city": "Lüneburg"})

    # then
    assert found.status_code == 200
    assert (found.json()["lat"], found.json()["lng"], found.json()["district"]) == (
        53.2497,
        10.4046,
        "Altstadt",
    )
    assert missing.status_code == 404
    assert "Markierung" in missing.json()["error"]["message"]  # German first
    assert empty.status_code == 400
    assert failed.status_code == 503
    assert failed.json()["error"]["code"] == "geocoding_failed"
