"""The street list of the local geocoder: `manage.py import_streets FILE` reads named highway ways."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from marketplace.models import Street
from tests.osm_files import TOWN_RELATION, OsmFile

pytestmark = pytest.mark.django_db


def extract(tmp_path: Path) -> Path:
    osm = OsmFile()
    # one street in two ways, another with a postcode, and what is not a street
    osm.street_way(601, [(53.2480, 10.4090), (53.2478, 10.4110)], highway="pedestrian", name="Am Sande")
    osm.street_way(602, [(53.2478, 10.4110), (53.2476, 10.4130)], highway="pedestrian", name="Am Sande")
    osm.street_way(603, [(53.2440, 10.4070), (53.2438, 10.4110)], highway="residential", name="Wallstraße",
                   postal_code="21335")  # fmt: skip
    osm.street_way(604, [(53.2460, 10.4000), (53.2461, 10.4010)], highway="footway")  # no name
    osm.street_way(605, [(53.2450, 10.4000), (53.2451, 10.4010)], highway="proposed", name="Planweg")
    osm.street_way(606, [(53.3000, 10.5000), (53.3001, 10.5010)], highway="residential", name="Fernweg")
    osm.shop_node(607, 53.2479, 10.4100, shop="books", name="Buchladen")
    return osm.write(tmp_path / "town.osm")


def test_import_streets_reads_named_highways_inside_the_town(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    # given
    path = extract(tmp_path)
    # when
    call_command("import_streets", str(path), "--boundary-relation", str(TOWN_RELATION))
    # then: one row per street, its point on the street, the postcode where the ways carry one
    rows = {(s.name, s.postcode): s for s in Street.objects.all()}
    assert set(rows) == {("Am Sande", ""), ("Wallstraße", "21335")}
    assert rows[("Am Sande", "")].way_count == 2
    assert rows[("Am Sande", "")].key == "amsande"
    assert rows[("Wallstraße", "21335")].key == "wallstrasse"
    assert 53.2476 <= rows[("Am Sande", "")].location.y <= 53.2480
    assert "2 streets from 4 ways (1 outside the boundary)" in capsys.readouterr().out


def test_a_new_import_replaces_the_list_and_a_broken_file_changes_nothing(tmp_path: Path):
    # given: the list imported once
    call_command("import_streets", str(extract(tmp_path)))
    before = sorted(Street.objects.values_list("name", flat=True))
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node id='1'", encoding="utf-8")
    # when
    with pytest.raises(CommandError):
        call_command("import_streets", str(broken))
    smaller = OsmFile()
    smaller.street_way(
        701, [(53.2490, 10.4060), (53.2491, 10.4070)], highway="residential", name="Glockenstraße"
    )
    call_command("import_streets", str(smaller.write(tmp_path / "small.osm")))
    # then: without a boundary every street counts; the broken file left the list alone, the new one replaced
    # it
    assert before == ["Am Sande", "Fernweg", "Wallstraße"]
    assert list(Street.objects.values_list("name", flat=True)) == ["Glockenstraße"]
