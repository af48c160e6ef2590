"""Write the demo town's OpenStreetMap extract: marketplace/demo/lueneburg-shops.osm.

Made up, not copied from OpenStreetMap: shops on the demo town's shop streets (as nodes and as building
ways), two chains, empty units, a shop outside the town, the town boundary as a relation and a few streets
(named highway ways, for `import_streets` and the local geocoder). Element ids
start far above the ids OpenStreetMap uses today (negative ids, the usual mark of unsaved objects, do not
work with osmium's location index). Deterministic: running it again writes the same file.

    .venv/bin/python scripts/make_demo_osm.py
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

OUT = Path(__file__).resolve().parent.parent / "marketplace" / "demo" / "lueneburg-shops.osm"
BOUNDARY_RELATION_ID = 900_000_001
FIRST_NODE_ID = 90_000_000_001
FIRST_WAY_ID = 9_000_000_001

# name, shop/craft/amenity tag, street, number, lat, lng, opening_hours, wheelchair, extra tags
SHOPS: list[tuple[str, tuple[str, str], str, str, float, float, str, str, dict[str, str]]] = [
    (
        "Teehaus Lüneburg",
        ("shop", "tea"),
        "Am Sande",
        "7",
        53.24788,
        10.41090,
        "Mo-Fr 09:00-18:00; Sa 09:00-14:00; PH off",
        "yes",
        {"website": "https://teehaus.example"},
    ),
    (
        "Goldschmiede Ilmenau",
        ("shop", "jewelry"),
        "Große Bäckerstraße",
        "14",
        53.24852,
        10.40982,
        "Mo-Fr 10:00-13:00,14:00-18:30; Sa 10:00-14:00",
        "limited",
        {"phone": "+49 4131 123450"},
    ),
    (
        "Wollstube am Markt",
        ("shop", "wool"),
        "Kleine Bäckerstraße",
        "3",
        53.24806,
        10.41029,
        "Tu-Fr 10:00-18:00; Sa 10:00-13:00",
        "no",
        {},
    ),
    (
        "Plattenladen Stint",
        ("shop", "music"),
        "Am Stintmarkt",
        "2",
        53.25052,
        10.41334,
        "Mo-Sa 11:00-19:00",
        "yes",
        {"website": "https://stint-platten.example"},
    ),
    (
        "Käserei Wendland",
        ("shop", "cheese"),
        "An den Brodbänken",
        "6",
        53.24963,
        10.40925,
        "Tu-Fr 09:00-18:00; Sa 08:00-13:00; PH off",
        "yes",
        {},
    ),
    (
        "Rahmenwerk Lüneburg",
        ("shop", "frame"),
        "Grapengießerstraße",
        "22",
        53.24662,
        10.40874,
        "Mo-Fr 10:00-18:00; Jul-Aug Sa 10:00-14:00",
        "",
        {},
    ),
    ("Kiosk am Bahnhof", ("shop", "kiosk"), "Bahnhofstraße", "1", 53.24990, 10.41950, "24/7", "yes", {}),
    (
        "Antiquariat Salzspeicher",
        ("shop", "books"),
        "Rote Straße",
        "9",
        53.24551,
        10.41018,
        'Mo-Fr 11:00-18:00 "und nach Vereinbarung"',
        "no",
        {},
    ),
    (
        "Blumen Wiebke",
        ("shop", "florist"),
        "Am Berge",
        "31",
        53.24716,
        10.41418,
        "Mo-Fr 8:30-18",
        "yes",
        {},
    ),  # not valid OSM syntax: kept as text, to confirm
    (
        "Fischhaus Hansen",
        ("shop", "seafood"),
        "Am Fischmarkt",
        "4",
        53.25068,
        10.41218,
        "Tu-Fr 08:00-18:00; Sa 07:00-13:00; PH off",
        "yes",
        {"check_date:opening_hours": "2026-09-14"},
    ),
    (
        "Schuhmacherei Evers",
        ("craft", "shoemaker"),
        "Heiligengeiststraße",
        "18",
        53.24661,
        10.40612,
        "Mo-Fr 09:00-13:00,14:30-18:00",
        "limited",
        {},
    ),
    (
        "Hanse-Optik",
        ("shop", "optician"),
        "Bardowicker Straße",
        "27",
        53.25086,
        10.40764,
        "Mo-Fr 09:30-18:30; Sa 09:30-16:00; PH off",
        "yes",
        {"website": "https://hanse-optik.example"},
    ),
    (
        "Papeterie Waage",
        ("shop", "stationery"),
        "Waagestraße",
        "5",
        53.24921,
        10.40838,
        "Mo-Fr 10:00-18:00; Sa 10:00-16:00",
        "yes",
        {},
    ),
    (
        "Kaffeerösterei Salz & Bohne",
        ("shop", "coffee"),
        "Salzstraße",
        "11",
        53.24632,
        10.40358,
        "Mo-Sa 09:00-18:00",
        "yes",
        {"check_date:opening_hours": "2025-03-02"},
    ),
    (
        "Spielzeugkiste Ilse",
        ("shop", "toys"),
        "Glockenstraße",
        "8",
        53.24891,
        10.40561,
        "Mo-Fr 10:00-18:00; Sa 10:00-15:00",
        "no",
        {},
    ),
    (
        "Fahrradwerkstatt Lünertor",
        ("shop", "bicycle"),
        "Lünertorstraße",
        "14",
        53.25112,
        10.41411,
        "Mo-Fr 09:00-13:00,14:00-18:00; Sa 10:00-13:00",
        "yes",
        {"phone": "+49 4131 998877"},
    ),
]
SHOPS_AS_WAYS = [
    (
        "Modehaus Meere",
        ("shop", "clothes"),
        "Auf dem Meere",
        "20",
        53.24690,
        10.40170,
        "Mo-Fr 10:00-19:00; Sa 10:00-18:00; PH off",
        "yes",
        {"website": "https://modehaus-meere.example"},
    ),
    (
        "Weinhandlung Schröder",
        ("shop", "wine"),
        "Schröderstraße",
        "4",
        53.24810,
        10.40580,
        "Tu-Fr 11:00-19:00; Sa 10:00-16:00",
        "limited",
        {},
    ),
]
CHAINS = [
    (
        "dm-drogerie markt",
        ("shop", "chemist"),
        "Große Bäckerstraße",
        "2",
        53.24839,
        10.40990,
        "Mo-Sa 08:00-20:00",
        "yes",
        {"brand": "dm-drogerie markt", "brand:wikidata": "Q266572"},
    ),
    (
        "Rossmann",
        ("shop", "chemist"),
        "Am Sande",
        "40",
        53.24770,
        10.41240,
        "Mo-Sa 08:00-20:00",
        "yes",
        {"brand": "Rossmann", "brand:wikidata": "Q316004"},
    ),
]
VACANT_NODES = [("Am Sande", "44", 53.24765, 10.41270, {"shop": "vacant"})]
VACANT_WAYS = [
    ("Bardowicker Straße", "9", 53.25030, 10.40790, {"disused:shop": "clothes", "name": "Boutique Lotte"}),
]
OUTSIDE = [
    (
        "Hofladen Adendorf",
        ("shop", "farm"),
        "Dorfstraße",
        "3",
        53.28200,
        10.44700,
        "Fr 14:00-18:00; Sa 09:00-13:00",
        "",
        {},
    ),
]
# A few streets as highway ways (name, highway, points): the local geocoder's street list in the demo.
STREETS: list[tuple[str, str, list[tuple[float, float]]]] = [
    ("Am Sande", "pedestrian", [(53.24795, 10.40960), (53.24780, 10.41150), (53.24760, 10.41300)]),
    ("Große Bäckerstraße", "pedestrian", [(53.24800, 10.40990), (53.24900, 10.40970)]),
    ("Bardowicker Straße", "residential", [(53.24990, 10.40800), (53.25200, 10.40740)]),
    ("Rote Straße", "secondary", [(53.24650, 10.41050), (53.24450, 10.40990)]),
    ("Wallstraße", "residential", [(53.24420, 10.40700), (53.24380, 10.41100)]),
    ("Reitende-Diener-Straße", "residential", [(53.24760, 10.40520), (53.24830, 10.40480)]),
]

# The town boundary (simplified): one closed way, counter-clockwise.
BOUNDARY = [(53.2300, 10.3800), (53.2300, 10.4500), (53.2700, 10.4500), (53.2700, 10.3800)]


class Writer:
    def __init__(self) -> None:
        self.root = ET.Element("osm", version="0.6", generator="ladenkarte make_demo_osm.py")
        self.next_node = FIRST_NODE_ID - 1
        self.next_way = FIRST_WAY_ID - 1
        self.nodes: list[ET.Element] = []
        self.ways: list[ET.Element] = []
        self.relations: list[ET.Element] = []

    def node(self, lat: float, lng: float, tags: dict[str, str] | None = None) -> int:
        self.next_node += 1
        element = ET.Element("node", id=str(self.next_node), version="1", lat=f"{lat:.7f}", lon=f"{lng:.7f}")
        _tags(element, tags or {})
        self.nodes.append(element)
        return self.next_node

    def way(self, node_ids: list[int], tags: dict[str, str] | None = None) -> int:
        self.next_way += 1
        element = ET.Element("way", id=str(self.next_way), version="1")
        for node_id in node_ids:
            ET.SubElement(element, "nd", ref=str(node_id))
        _tags(element, tags or {})
        self.ways.append(element)
        return self.next_way

    def building(self, lat: float, lng: float, tags: dict[str, str]) -> int:
        d_lat, d_lng = 0.00008, 0.00012
        corners = [(lat - d_lat, lng - d_lng), (lat - d_lat, lng + d_lng), (lat + d_lat, lng + d_lng),
                   (lat + d_lat, lng - d_lng)]  # fmt: skip
        ids = [self.node(a, b) for a, b in corners]
        return self.way([*ids, ids[0]], {"building": "retail", **tags})

    def write(self, path: Path) -> None:
        for element in (*self.nodes, *self.ways, *self.relations):
            self.root.append(element)
        ET.indent(self.root)
        path.parent.mkdir(parents=True, exist_ok=True)
        ET.ElementTree(self.root).write(path, encoding="utf-8", xml_declaration=True)


def _tags(element: ET.Element, tags: dict[str, str]) -> None:
    for key, value in sorted(tags.items()):
        ET.SubElement(element, "tag", k=key, v=value)


def _shop_tags(row: tuple) -> dict[str, str]:  # type: ignore[type-arg]
    name, (key, value), street, number, _lat, _lng, hours, wheelchair, extra = row
    tags = {
        "name": name,
        key: value,
        "addr:street": street,
        "addr:housenumber": number,
        "addr:postcode": "21335",
        "addr:city": "Lüneburg",
        **extra,
    }
    if hours:
        tags["opening_hours"] = hours
    if wheelchair:
        tags["wheelchair"] = wheelchair
    return tags


def build() -> Writer:
    writer = Writer()
    for row in SHOPS + CHAINS + OUTSIDE:
        writer.node(row[4], row[5], _shop_tags(row))
    for row in SHOPS_AS_WAYS:
        writer.building(row[4], row[5], _shop_tags(row))
    for street, number, lat, lng, tags in VACANT_NODES:
        writer.node(lat, lng, {"addr:street": street, "addr:housenumber": number, **tags})
    for street, number, lat, lng, tags in VACANT_WAYS:
        writer.building(lat, lng, {"addr:street": street, "addr:housenumber": number, **tags})
    corner_ids = [writer.node(lat, lng) for lat, lng in BOUNDARY]
    ring = writer.way([*corner_ids, corner_ids[0]])
    relation = ET.Element("relation", id=str(BOUNDARY_RELATION_ID), version="1")
    ET.SubElement(relation, "member", type="way", ref=str(ring), role="outer")
    _tags(
        relation, {"type": "boundary", "boundary": "administrative", "admin_level": "8", "name": "Lüneburg"}
    )
    writer.relations.append(relation)
    for name, highway, points in STREETS:
        writer.way([writer.node(lat, lng) for lat, lng in points], {"highway": highway, "name": name})
    return writer


if __name__ == "__main__":
    build().write(OUT)
    print(f"wrote {OUT.relative_to(Path.cwd()) if OUT.is_relative_to(Path.cwd()) else OUT}")  # noqa: T201
