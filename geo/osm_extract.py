"""Reading an OpenStreetMap extract (`.osm.pbf` or `.osm` XML) with the osmium bindings.

Values in, values out: tagged nodes and ways as `OsmFeature` (a way becomes a point on its surface), the
town boundary from a relation in the same file or from a polygon file (GeoJSON or osmosis `.poly`, the
format Geofabrik and osmium-tool use). Nothing here touches the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import osmium
import osmium.geom
from django.contrib.gis.geos import GEOSException, GEOSGeometry, LineString, MultiPolygon, Point, Polygon


class OsmReadError(ValueError):
    """The file cannot be read as an OSM extract, or the boundary is missing or broken."""


@dataclass(frozen=True)
class OsmFeature:
    """A tagged node or way of the extract, located at a point (a way: a point on its surface)."""

    osm_type: str  # "n" or "w"
    osm_id: int
    tags: Mapping[str, str]
    lat: float
    lng: float


def osm_features_read(
    path: Path,
    *,
    wanted: Callable[[Mapping[str, str]], bool],
    boundary_relation: int | None = None,
) -> tuple[list[OsmFeature], MultiPolygon | None]:
    """The nodes and ways whose tags `wanted` accepts, and the boundary relation's area (when asked for)."""
    if not path.is_file():
        raise OsmReadError(f"{path}: no such file")
    processor = osmium.FileProcessor(str(path)).with_locations()
    if boundary_relation is not None:
        processor = processor.with_areas()
    wkt = osmium.geom.WKTFactory()
    features: list[OsmFeature] = []
    boundary: MultiPolygon | None = None
    try:
        for element in processor:
            if isinstance(element, osmium.osm.Area):
                if not element.from_way() and element.orig_id() == boundary_relation:
                    boundary = _multipolygon(GEOSGeometry(wkt.create_multipolygon(element), srid=4326))
                continue
            if isinstance(element, osmium.osm.Changeset) or not len(element.tags):
                continue
            tags = {tag.k: tag.v for tag in element.tags}
            if not wanted(tags):
                continue
            if isinstance(element, osmium.osm.Node):
                location = element.location
                if location.valid():
                    features.append(OsmFeature("n", element.id, tags, location.lat, location.lon))
            elif isinstance(element, osmium.osm.Way):
                point = _way_point(element)
                if point is not None:
                    features.append(OsmFeature("w", element.id, tags, point.y, point.x))
    except RuntimeError as exc:  # osmium reports unreadable input as RuntimeError
        raise OsmReadError(f"{path.name}: {exc}") from exc
    if boundary_relation is not None and boundary is None:
        raise OsmReadError(
            f"{path.name}: the boundary relation {boundary_relation} is not in the file or has no closed area"
        )
    return features, boundary


def boundary_from_file(path: Path) -> MultiPolygon:
    """A town boundary from a GeoJSON file (geometry, Feature or FeatureCollection) or an osmosis `.poly`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OsmReadError(f"{path.name}: {exc}") from exc
    if path.suffix.lower() == ".poly":
        return _poly_parse(text, name=path.name)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OsmReadError(f"{path.name}: not GeoJSON ({exc.msg})") from exc
    geometries = []
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        geometries = [feature.get("geometry") for feature in data.get("features", [])]
    elif isinstance(data, dict) and data.get("type") == "Feature":
        geometries = [data.get("geometry")]
    else:
        geometries = [data]
    polygons: list[Polygon] = []
    for geometry in geometries:
        try:
            parsed = GEOSGeometry(json.dumps(geometry), srid=4326)
        except (GEOSException, ValueError, TypeError) as exc:
            raise OsmReadError(f"{path.name}: not a GeoJSON geometry") from exc
        polygons.extend(cast(Polygon, polygon) for polygon in _multipolygon(parsed))
    if not polygons:
        raise OsmReadError(f"{path.name}: no polygon in the file")
    return MultiPolygon(polygons, srid=4326)


def _multipolygon(geometry: GEOSGeometry) -> MultiPolygon:
    if isinstance(geometry, MultiPolygon):
        return geometry
    if isinstance(geometry, Polygon):
        return MultiPolygon([geometry], srid=4326)
    raise OsmReadError(f"the boundary must be a polygon, got a {geometry.geom_type}")


def _poly_parse(text: str, *, name: str) -> MultiPolygon:
    """osmosis polygon format: a name line, then sections of `lon lat` lines each closed by END
    (a section whose name starts with `!` is a hole of the polygon before it), then END."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    polygons: list[list[list[tuple[float, float]]]] = []
    index = 1
    try:
        while index < len(lines) and lines[index] != "END":
            hole = lines[index].startswith("!")
            index += 1
            ring: list[tuple[float, float]] = []
            while lines[index] != "END":
                lon, lat = (float(value) for value in lines[index].split()[:2])
                ring.append((lon, lat))
                index += 1
            index += 1
            if ring and ring[0] != ring[-1]:
                ring.append(ring[0])
            if hole and polygons:
                polygons[-1].append(ring)
            elif not hole:
                polygons.append([ring])
        result = MultiPolygon([Polygon(*rings) for rings in polygons], srid=4326)
    except (IndexError, ValueError, GEOSException) as exc:
        raise OsmReadError(f"{name}: not a valid .poly file") from exc
    if not polygons:
        raise OsmReadError(f"{name}: no polygon in the file")
    return result


def _way_point(way: osmium.osm.Way) -> Point | None:
    coords = []
    for node in way.nodes:
        if not node.location.valid():
            return None
        coords.append((node.location.lon, node.location.lat))
    if len(coords) >= 4 and coords[0] == coords[-1]:
        return Polygon(coords, srid=4326).point_on_surface
    if len(coords) >= 2:
        return LineString(coords, srid=4326).centroid
    return None
