"""A tiny but valid PMTiles v3 archive of vector tiles for the tests (no download, no real map data).

Every tile from zoom 0 to `max_zoom` that touches the bounding box gets three layers in the Protomaps
basemap schema, which protomaps-leaflet's flavours draw: `earth` (the whole tile), `water` (its western
half) and `roads` (a line across). Tiles are gzip-compressed MVT, written in tile-id order.
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import mapbox_vector_tile
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer

EXTENT = 4096
# around Lüneburg's market square (the demo town and the default map centre)
BBOX = (10.39, 53.24, 10.43, 53.26)


def tile_range(lon_min: float, lat_min: float, lon_max: float, lat_max: float, z: int) -> tuple[range, range]:
    def x_of(lon: float) -> int:
        return int((lon + 180.0) / 360.0 * 2**z)

    def y_of(lat: float) -> int:
        rad = math.radians(lat)
        return int((1.0 - math.asinh(math.tan(rad)) / math.pi) / 2.0 * 2**z)

    return range(x_of(lon_min), x_of(lon_max) + 1), range(y_of(lat_max), y_of(lat_min) + 1)


def vector_tile() -> bytes:
    half = EXTENT // 2
    layers = [
        {
            "name": "earth",
            "features": [
                {
                    "geometry": f"POLYGON((0 0, {EXTENT} 0, {EXTENT} {EXTENT}, 0 {EXTENT}, 0 0))",
                    "properties": {"kind": "earth"},
                }
            ],
        },
        {
            "name": "water",
            "features": [
                {
                    "geometry": f"POLYGON((0 0, {half} 0, {half} {EXTENT}, 0 {EXTENT}, 0 0))",
                    "properties": {"kind": "water"},
                }
            ],
        },
        {
            "name": "roads",
            "features": [
                {"geometry": f"LINESTRING(0 {half}, {EXTENT} {half})", "properties": {"kind": "major_road"}}
            ],
        },
    ]
    return gzip.compress(mapbox_vector_tile.encode(layers, default_options={"extents": EXTENT}))


def write_region(path: Path, *, bbox: tuple[float, float, float, float] = BBOX, max_zoom: int = 15) -> Path:
    tile = vector_tile()
    ids = sorted(
        zxy_to_tileid(z, x, y)
        for z in range(max_zoom + 1)
        for xs, ys in [tile_range(*bbox, z)]
        for x in xs
        for y in ys
    )
    with path.open("wb") as handle:
        writer = Writer(handle)
        for tile_id in ids:
            writer.write_tile(tile_id, tile)
        lon_min, lat_min, lon_max, lat_max = bbox
        writer.finalize(
            {
                "tile_type": TileType.MVT,
                "tile_compression": Compression.GZIP,
                "min_lon_e7": int(lon_min * 1e7),
                "min_lat_e7": int(lat_min * 1e7),
                "max_lon_e7": int(lon_max * 1e7),
                "max_lat_e7": int(lat_max * 1e7),
                "center_zoom": 14,
                "center_lon_e7": int((lon_min + lon_max) / 2 * 1e7),
                "center_lat_e7": int((lat_min + lat_max) / 2 * 1e7),
            },
            {
                "name": "ladenkarte test region",
                "vector_layers": [
                    {"id": name, "fields": {"kind": "String"}} for name in ("earth", "water", "roads")
                ],
            },
        )
    return path
