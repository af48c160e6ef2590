"""Writes small OpenStreetMap XML files for the import tests (nodes, ways as buildings, a boundary)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

# The test town: a square around the demo centre; its boundary relation has this id.
TOWN_RELATION = 7001
TOWN_SQUARE = [(53.2300, 10.3800), (53.2300, 10.4500), (53.2700, 10.4500), (53.2700, 10.3800)]


@dataclass
class OsmFile:
    """Elements of one extract; ids are positive (osmium's location index needs that)."""

    nodes: list[tuple[int, float, float, dict[str, str]]] = field(default_factory=list)
    ways: list[tuple[int, list[int], dict[str, str]]] = field(default_factory=list)
    _next_helper_node: int = 900_000

    def shop_node(self, osm_id: int, lat: float, lng: float, **tags: str) -> None:
        self.nodes.append((osm_id, lat, lng, dict(tags)))

    def shop_way(self, osm_id: int, lat: float, lng: float, **tags: str) -> None:
        corners = [(lat - 0.0001, lng - 0.0001), (lat - 0.0001, lng + 0.0001), (lat + 0.0001, lng + 0.0001),
                   (lat + 0.0001, lng - 0.0001)]  # fmt: skip
        ids = [self._helper(a, b) for a, b in corners]
        self.ways.append((osm_id, [*ids, ids[0]], {"building": "retail", **tags}))

    def street_way(self, osm_id: int, points: list[tuple[float, float]], **tags: str) -> None:
        """A highway way through `points` (e.g. `highway="residential", name="Am Sande"`)."""
        self.ways.append((osm_id, [self._helper(lat, lng) for lat, lng in points], dict(tags)))

    def _helper(self, lat: float, lng: float) -> int:
        self._next_helper_node += 1
        self.nodes.append((self._next_helper_node, lat, lng, {}))
        return self._next_helper_node

    def write(self, path: Path, *, with_town: bool = True) -> Path:
        root = ET.Element("osm", version="0.6", generator="ladenkarte tests")
        ways = list(self.ways)
        relations = []
        nodes = list(self.nodes)
        if with_town:
            corner_ids = list(range(800_001, 800_001 + len(TOWN_SQUARE)))
            nodes += [(i, lat, lng, {}) for i, (lat, lng) in zip(corner_ids, TOWN_SQUARE, strict=True)]
            ways.append((80_001, [*corner_ids, corner_ids[0]], {}))
            relations.append(TOWN_RELATION)
        for osm_id, lat, lng, tags in sorted(nodes):
            element = ET.SubElement(
                root, "node", id=str(osm_id), version="1", lat=f"{lat:.7f}", lon=f"{lng:.7f}"
            )
            _tags(element, tags)
        for osm_id, refs, tags in sorted(ways):
            element = ET.SubElement(root, "way", id=str(osm_id), version="1")
            for ref in refs:
                ET.SubElement(element, "nd", ref=str(ref))
            _tags(element, tags)
        for relation_id in relations:
            element = ET.SubElement(root, "relation", id=str(relation_id), version="1")
            ET.SubElement(element, "member", type="way", ref="80001", role="outer")
            _tags(element, {"type": "boundary", "boundary": "administrative", "name": "Teststadt"})
        ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
        return path


def _tags(element: ET.Element, tags: dict[str, str]) -> None:
    for key, value in sorted(tags.items()):
        ET.SubElement(element, "tag", k=key, v=value)


def address(street: str, number: str = "1") -> dict[str, str]:
    return {
        "addr:street": street,
        "addr:housenumber": number,
        "addr:postcode": "21335",
        "addr:city": "Lüneburg",
    }
