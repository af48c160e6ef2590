"""The OSM import: listings from a generated extract, hours, what is skipped, provenance on re-import."""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path

import osmium
import pytest

from marketplace.exceptions import ValidationFailed
from marketplace.models import (
    ChainBrand,
    OpeningHours,
    OsmImportRun,
    OsmImportTag,
    Product,
    Shop,
    ShopOsmRecord,
    SpecialDay,
    VacantUnit,
)
from marketplace.selectors.feeds import osm_opening_hours_rows
from marketplace.selectors.shops import shop_get_public, shops_filtered
from marketplace.services.osm_import import osm_import
from tests.factories import ProductFactory
from tests.osm_files import TOWN_RELATION, OsmFile, address

pytestmark = pytest.mark.django_db

IN_TOWN = (53.2480, 10.4100)
OUTSIDE_TOWN = (53.2820, 10.4470)


def town_file() -> OsmFile:
    osm = OsmFile()
    osm.shop_node(
        1, *IN_TOWN, name="Teehaus", shop="tea", opening_hours="Mo-Fr 09:00-18:00; Sa 09:00-14:00; PH off",
        wheelchair="limited", phone="+49 4131 1", website="teehaus.example",
        **{"check_date:opening_hours": "2026-09-14"}, **address("Am Sande", "7"),
    )  # fmt: skip
    osm.shop_way(
        2, 53.2470, 10.4080, name="Goldschmiede", shop="jewelry",
        opening_hours="Mo-Fr 10:00-13:00,14:00-18:30", **address("Rote Straße", "9"),
    )  # fmt: skip
    osm.shop_node(
        3, 53.2475, 10.4090, name="Kiosk", shop="kiosk", opening_hours="24/7", **address("Am Berge", "1")
    )
    osm.shop_node(
        4,
        53.2476,
        10.4091,
        name="Blumen",
        shop="florist",
        opening_hours="Mo-Fr 8-18",
        **address("Am Berge", "2"),
    )
    osm.shop_node(
        5, 53.2477, 10.4092, name="dm-drogerie markt", shop="chemist", brand="dm-drogerie markt",
        **{"brand:wikidata": "Q266572"}, **address("Am Sande", "2"),
    )  # fmt: skip
    osm.shop_node(
        6, 53.2478, 10.4093, name="Rossmann", shop="chemist", brand="Rossmann", **address("Am Sande", "40")
    )
    osm.shop_node(7, 53.2479, 10.4094, shop="vacant", **address("Am Sande", "44"))
    osm.shop_way(
        8,
        53.2481,
        10.4095,
        name="Boutique Lotte",
        **{"disused:shop": "clothes"},
        **address("Bardowicker Straße", "9"),
    )
    osm.shop_node(9, *OUTSIDE_TOWN, name="Hofladen", shop="farm", **address("Dorfstraße", "3"))
    osm.shop_node(10, 53.2482, 10.4096, shop="bakery", **address("Am Markt", "1"))  # no name
    osm.shop_node(
        11,
        53.2483,
        10.4097,
        name="Schuhmacher Evers",
        craft="shoemaker",
        **address("Heiligengeiststraße", "18"),
    )
    osm.shop_node(12, 53.2484, 10.4098, name="Ratsapotheke", amenity="pharmacy", **address("Am Markt", "2"))
    return osm


@pytest.fixture
def city_rules() -> None:
    ChainBrand.objects.create(name="", wikidata="Q266572")
    ChainBrand.objects.create(name="rossmann")
    OsmImportTag.objects.create(key="craft", value="shoemaker")


def run_import(path: Path) -> OsmImportRun:
    return osm_import(path=path, boundary_relation=TOWN_RELATION)


def listing(osm_type: str, osm_id: int) -> Shop:
    return ShopOsmRecord.objects.select_related("shop").get(osm_type=osm_type, osm_id=osm_id).shop


def weekly(shop: Shop) -> list[tuple[int, str, str]]:
    return [
        (h.weekday, f"{h.opens:%H:%M}", f"{h.closes:%H:%M}") for h in OpeningHours.objects.filter(shop=shop)
    ]


def test_import_creates_listings_and_skips_chains_vacant_outside_and_nameless(
    tmp_path: Path, city_rules: None
) -> None:
    # when
    run = run_import(town_file().write(tmp_path / "town.osm"))
    # then
    names = set(Shop.objects.filter(status=Shop.Status.LISTED).values_list("name", flat=True))
    assert names == {"Teehaus", "Goldschmiede", "Kiosk", "Blumen", "Schuhmacher Evers"}
    assert run.report["created"] == 5
    assert run.report["skipped"] == {"chain": 2, "no_name": 1, "outside": 1}
    assert {e["osm"] for e in run.report["skipped_elements"]} == {"n5", "n6", "n9", "n10"}
    assert not Shop.objects.filter(name="Ratsapotheke").exists()  # amenity=pharmacy not chosen by the city
    assert set(VacantUnit.objects.values_list("osm_type", "osm_id", "former_use")) == {
        ("n", 7, ""),
        ("w", 8, "shop=clothes"),
    }
    assert not Shop.objects.filter(name="Boutique Lotte").exists()


def test_listing_fields_hours_and_step_free(tmp_path: Path, city_rules: None) -> None:
    # when
    run_import(town_file().write(tmp_path / "town.osm"))
    # then
    tea = listing("n", 1)
    assert (tea.street, tea.postcode, tea.city) == ("Am Sande 7", "21335", "Lüneburg")
    assert tea.phone == "+49 4131 1"
    assert tea.website == "https://teehaus.example"
    assert tea.step_free == Shop.StepFree.LIMITED
    assert tea.hours_confirmed_at is not None
    assert tea.hours_confirmed_at.date().isoformat() == "2026-09-14"
    assert weekly(tea) == [(d, "09:00", "18:00") for d in range(5)] + [(5, "09:00", "14:00")]
    assert tea.osm.hours_status == ShopOsmRecord.HoursStatus.EXACT
    gold = listing("w", 2)  # a way, located on its building
    assert weekly(gold) == [(d, s, e) for d in range(5) for s, e in (("10:00", "13:00"), ("14:00", "18:30"))]
    assert 53.2469 < gold.location.y < 53.2471


def test_unrepresentable_hours_are_kept_as_text_and_flagged(tmp_path: Path, city_rules: None) -> None:
    # when
    run = run_import(town_file().write(tmp_path / "town.osm"))
    # then
    kiosk, flowers = listing("n", 3), listing("n", 4)
    assert kiosk.osm.opening_hours == "24/7"
    assert kiosk.osm.hours_status == ShopOsmRecord.HoursStatus.CONFIRM
    assert kiosk.osm.hours_problems == ["whole_day"]
    assert flowers.osm.opening_hours == "Mo-Fr 8-18"
    assert flowers.osm.hours_problems == ["syntax"]
    assert weekly(flowers) == []
    assert run.report["hours_to_confirm"] == 2


def test_reimport_is_idempotent(tmp_path: Path, city_rules: None) -> None:
    path = town_file().write(tmp_path / "town.osm")
    run_import(path)
    before = sorted(Shop.objects.values_list("pk", "name", "slug", "status"))
    # when
    run = run_import(path)
    # then
    assert sorted(Shop.objects.values_list("pk", "name", "slug", "status")) == before
    assert run.report["created"] == 0
    assert run.report["unchanged"] == 5
    assert VacantUnit.objects.count() == 2


def test_reimport_updates_osm_values_and_keeps_what_the_merchant_changed(
    tmp_path: Path, city_rules: None
) -> None:
    # given: an imported listing whose phone and hours the merchant changed
    run_import(town_file().write(tmp_path / "town.osm"))
    tea = listing("n", 1)
    Shop.objects.filter(pk=tea.pk).update(phone="+49 4131 999")
    OpeningHours.objects.filter(shop=tea, weekday=5).update(closes=time(16, 0))
    # and OSM changed name, phone, hours and website since
    changed = town_file()
    changed.nodes[0] = (
        1, *IN_TOWN,
        {"name": "Teehaus am Sande", "shop": "tea", "phone": "+49 4131 2", "website": "https://tee.example",
         "opening_hours": "Mo-Sa 10:00-18:00", **address("Am Sande", "7")},
    )  # fmt: skip
    # when
    run = run_import(changed.write(tmp_path / "changed.osm"))
    # then: OSM's values where nobody changed the field, the merchant's where they did
    tea.refresh_from_db()
    assert tea.name == "Teehaus am Sande"
    assert tea.website == "https://tee.example"
    assert tea.phone == "+49 4131 999"
    assert (5, "09:00", "16:00") in weekly(tea)
    assert run.report["kept_local"] == {"hours": 1, "phone": 1}
    # and a third import with the same file changes nothing and still keeps the merchant's values
    run = run_import(tmp_path / "changed.osm")
    tea.refresh_from_db()
    assert tea.phone == "+49 4131 999"
    assert run.report["updated"] == 0


def test_reimport_replaces_hours_nobody_changed_and_only_its_own_special_days(
    tmp_path: Path, city_rules: None
) -> None:
    # given
    osm = town_file()
    run_import(osm.write(tmp_path / "a.osm"))
    tea = listing("n", 1)
    SpecialDay.objects.create(shop=tea, date="2027-07-10", closed=True, name="Betriebsferien")
    osm.nodes[0][3]["opening_hours"] = "Mo-Fr 10:00-18:00; Jul-Aug Sa 10:00-14:00"
    # when
    run_import(osm.write(tmp_path / "b.osm"))
    # then
    assert weekly(tea) == [(d, "10:00", "18:00") for d in range(5)]
    specials = dict(SpecialDay.objects.filter(shop=tea).values_list("date", "name"))
    assert specials.pop(date(2027, 7, 10)) == "Betriebsferien"  # the shop's own wins
    assert specials
    assert set(specials.values()) == {"OpenStreetMap"}
    assert tea.osm.__class__.objects.get(shop=tea).opening_hours.startswith("Mo-Fr 10:00-18:00; Jul-Aug")


def test_listing_gone_from_osm_leaves_the_map_and_comes_back(tmp_path: Path, city_rules: None) -> None:
    # given
    osm = town_file()
    run_import(osm.write(tmp_path / "a.osm"))
    osm.nodes = [node for node in osm.nodes if node[0] not in (3, 7)]
    # when
    run = run_import(osm.write(tmp_path / "b.osm"))
    # then
    kiosk = listing("n", 3)
    assert kiosk.status == Shop.Status.SUSPENDED
    assert run.report["gone"] == 1
    assert VacantUnit.objects.get(osm_id=7).gone_at is not None
    # when it is back
    run = run_import(tmp_path / "a.osm")
    kiosk.refresh_from_db()
    assert kiosk.status == Shop.Status.LISTED
    assert run.report["returned"] == 1
    assert VacantUnit.objects.get(osm_id=7).gone_at is None


@pytest.mark.parametrize("content", [b"not xml at all", b"<osm version='0.6'><node id='1' lat='x'/>"])
def test_unreadable_file_changes_nothing(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.osm"
    path.write_bytes(content)
    with pytest.raises(ValidationFailed):
        run_import(path)
    assert Shop.objects.count() == 0
    assert OsmImportRun.objects.count() == 0


def test_missing_boundary_relation_is_a_clear_error(tmp_path: Path) -> None:
    path = town_file().write(tmp_path / "town.osm", with_town=False)
    with pytest.raises(ValidationFailed, match="boundary relation"):
        run_import(path)
    assert Shop.objects.count() == 0


def test_boundary_from_a_geojson_or_poly_file(tmp_path: Path, city_rules: None) -> None:
    # given: a small boundary around the Teehaus only
    path = town_file().write(tmp_path / "town.osm", with_town=False)
    ring = [
        [10.4095, 53.2478],
        [10.4105, 53.2478],
        [10.4105, 53.2482],
        [10.4095, 53.2482],
        [10.4095, 53.2478],
    ]
    geojson = tmp_path / "town.geojson"
    geojson.write_text(
        json.dumps({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}})
    )
    poly = tmp_path / "town.poly"
    poly.write_text("town\n1\n" + "\n".join(f"  {x} {y}" for x, y in ring) + "\nEND\nEND\n")
    for boundary in (geojson, poly):
        Shop.objects.all().delete()
        # when
        osm_import(path=path, boundary_file=boundary)
        # then
        assert list(Shop.objects.values_list("name", flat=True)) == ["Teehaus"]


def test_listing_is_on_the_map_but_never_sells(tmp_path: Path, city_rules: None) -> None:
    # given: a listing (and a product forced onto it)
    run_import(town_file().write(tmp_path / "town.osm"))
    tea = listing("n", 1)
    product = ProductFactory(shop=tea)
    # then: found in shop search and by slug, but its product is not listed anywhere
    assert tea in shops_filtered(q="Teehaus")
    assert shop_get_public(slug=tea.slug) == tea
    assert not Product.objects.listed().filter(pk=product.pk).exists()


def test_opening_hours_feed_gives_back_the_osm_text_until_the_hours_change(
    tmp_path: Path, city_rules: None
) -> None:
    # given: a claimed (active) shop whose hours came from OSM with a month range
    osm = town_file()
    osm.nodes[0][3]["opening_hours"] = "Mo-Fr 10:00-18:00; Jul-Aug Sa 10:00-14:00"
    run_import(osm.write(tmp_path / "town.osm"))
    tea = listing("n", 1)
    Shop.objects.filter(pk=tea.pk).update(status=Shop.Status.ACTIVE)
    # when / then: exactly the OSM text
    assert osm_opening_hours_rows(shop=tea)[0].opening_hours == "Mo-Fr 10:00-18:00; Jul-Aug Sa 10:00-14:00"
    # when the merchant changes the week: generated from the weekly hours
    OpeningHours.objects.filter(shop=tea, weekday=0).delete()
    assert osm_opening_hours_rows(shop=tea)[0].opening_hours == "Tu-Fr 10:00-18:00; PH off"


def test_pbf_extract_imports_like_xml(tmp_path: Path, city_rules: None) -> None:
    # given: the same town as .osm.pbf (what Geofabrik and osmium-tool produce)
    xml = town_file().write(tmp_path / "town.osm")
    pbf = tmp_path / "town.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for element in osmium.FileProcessor(str(xml)):
            writer.add(element)
    # when
    run = run_import(pbf)
    # then
    assert run.report["created"] == 5
    assert run.report["skipped"] == {"chain": 2, "no_name": 1, "outside": 1}
    assert listing("w", 2).name == "Goldschmiede"
