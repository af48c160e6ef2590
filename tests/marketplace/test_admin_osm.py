"""The city's OSM pages in the admin: import upload, claim letters (PDF) and e-mails, the empty-shops map;
merchants and anonymous users reach none of them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from marketplace.models import ClaimCode, OsmImportRun, Shop, VacantUnit
from marketplace.services.roles import roles_setup
from tests.factories import MembershipFactory, ShopFactory, UserFactory
from tests.osm_files import TOWN_RELATION, OsmFile, address

pytestmark = pytest.mark.django_db

OSM_PAGES = [
    "/admin/marketplace/osmimportrun/",
    "/admin/marketplace/osmimportrun/import/",
    "/admin/marketplace/chainbrand/",
    "/admin/marketplace/osmimporttag/",
    "/admin/marketplace/claimcode/",
    "/admin/marketplace/vacantunit/",
    "/admin/marketplace/vacantunit/karte/",
]


@pytest.fixture
def city_client(client: Client) -> Client:
    roles_setup()
    editor = UserFactory(username="stadtmarketing", is_staff=True)
    editor.groups.add(Group.objects.get(name="City editors"))
    client.force_login(editor)
    return client


@pytest.fixture
def merchant_client(client: Client) -> Client:
    roles_setup()
    merchant = UserFactory(username="haendlerin", is_staff=True)
    merchant.groups.add(Group.objects.get(name="Merchants"))
    MembershipFactory(user=merchant)
    client.force_login(merchant)
    return client


@pytest.mark.parametrize("url", OSM_PAGES)
def test_city_editor_reaches_the_osm_pages(city_client: Client, url: str) -> None:
    assert city_client.get(url).status_code == 200


@pytest.mark.parametrize("url", OSM_PAGES)
def test_merchant_gets_403_on_the_osm_pages(merchant_client: Client, url: str) -> None:
    assert merchant_client.get(url).status_code == 403


@pytest.mark.parametrize("url", OSM_PAGES)
def test_anonymous_is_sent_to_login(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_upload_imports_the_town(city_client: Client, tmp_path: Path) -> None:
    # given
    osm = OsmFile()
    osm.shop_node(1, 53.248, 10.41, name="Teehaus", shop="tea", **address("Am Sande", "7"))
    osm.shop_node(2, 53.249, 10.41, shop="vacant", **address("Am Sande", "9"))
    content = osm.write(tmp_path / "town.osm").read_bytes()
    # when
    response = city_client.post(
        "/admin/marketplace/osmimportrun/import/",
        {"file": SimpleUploadedFile("town.osm", content), "boundary_relation": TOWN_RELATION},
    )
    # then
    assert response.status_code == 302
    assert Shop.objects.get().status == Shop.Status.LISTED
    assert OsmImportRun.objects.get().report["created"] == 1
    assert VacantUnit.objects.count() == 1


def test_upload_without_boundary_or_with_a_broken_file_changes_nothing(city_client: Client) -> None:
    response = city_client.post(
        "/admin/marketplace/osmimportrun/import/", {"file": SimpleUploadedFile("town.osm", b"<osm/>")}
    )
    assert response.status_code == 400
    response = city_client.post(
        "/admin/marketplace/osmimportrun/import/",
        {"file": SimpleUploadedFile("town.osm", b"nonsense"), "boundary_relation": 5},
    )
    assert response.status_code == 400
    assert "konnte nicht gelesen werden" in response.content.decode()
    assert not Shop.objects.exists()
    assert not OsmImportRun.objects.exists()


def test_merchant_cannot_upload(merchant_client: Client) -> None:
    response = merchant_client.post(
        "/admin/marketplace/osmimportrun/import/",
        {"file": SimpleUploadedFile("town.osm", b"<osm/>"), "boundary_relation": 1},
    )
    assert response.status_code == 403
    assert not OsmImportRun.objects.exists()


def test_print_claim_letters_gives_one_pdf_page_per_listing(city_client: Client, tmp_path: Path) -> None:
    # given
    listings = [ShopFactory(status=Shop.Status.LISTED, name=f"Laden {n}") for n in range(2)]
    active = ShopFactory()
    # when
    response = city_client.post(
        "/admin/marketplace/shopapplication/?status=all",
        {"action": "print_claim_letters", ACTION_CHECKBOX_NAME: [s.pk for s in [*listings, active]]},
    )
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "letters.pdf"
    pdf.write_bytes(response.content)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
    assert re.search(r"^Pages:\s+2$", info, re.MULTILINE)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
    assert "Laden 0" in text
    assert "Übernahme-Code" in text
    assert ClaimCode.objects.filter(shop__in=listings, used_at=None, revoked_at=None).count() == 2
    assert not ClaimCode.objects.filter(shop=active).exists()


def test_email_claim_codes_sends_the_code_after_commit(
    city_client: Client, django_capture_on_commit_callbacks: object
) -> None:
    # given
    listing = ShopFactory(status=Shop.Status.LISTED, email="laden@example.org")
    no_email = ShopFactory(status=Shop.Status.LISTED, email="")
    # when
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        city_client.post(
            "/admin/marketplace/shopapplication/?status=all",
            {"action": "email_claim_codes", ACTION_CHECKBOX_NAME: [listing.pk, no_email.pk]},
        )
    # then
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["laden@example.org"]
    assert "/laden-anmelden/code/?code=" in mail.outbox[0].body
    assert ClaimCode.objects.get().channel == ClaimCode.Channel.EMAIL
    assert not ClaimCode.objects.filter(shop=no_email).exists()


def test_merchant_cannot_print_letters(merchant_client: Client) -> None:
    listing = ShopFactory(status=Shop.Status.LISTED)
    response = merchant_client.post(
        "/admin/marketplace/shopapplication/",
        {"action": "print_claim_letters", ACTION_CHECKBOX_NAME: [listing.pk]},
    )
    assert response.status_code == 403
    assert not ClaimCode.objects.exists()


def test_empty_shops_map_lists_current_units_only(city_client: Client) -> None:
    VacantUnit.objects.create(osm_type="n", osm_id=1, street="Am Sande 44", location=Point(10.41, 53.248))
    VacantUnit.objects.create(
        osm_type="n",
        osm_id=2,
        street="Alte Gasse 1",
        location=Point(10.41, 53.248),
        gone_at="2026-01-01T00:00Z",
    )
    html = city_client.get("/admin/marketplace/vacantunit/karte/").content.decode()
    assert "Am Sande 44" in html
    assert "Alte Gasse 1" not in html
