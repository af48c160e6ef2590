"""The town's street list for the local geocoder (decision 1200): named highways from an OSM extract.

One row per street name (and postcode, where the ways carry one): OSM splits a street into many ways, the
row keeps the way point nearest to the middle of them all. An import replaces the whole list in one
transaction; a file that cannot be read changes nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo.osm_extract import OsmFeature, OsmReadError, boundary_from_file, osm_features_read
from marketplace.exceptions import ValidationFailed
from marketplace.models import Street
from marketplace.selectors.places import street_key

# Highways that are not streets anyone lives or shops on (or not built yet).
_NOT_STREETS = frozenset(
    {"proposed", "construction", "abandoned", "razed", "platform", "bus_stop", "raceway"}
)


@dataclass(frozen=True)
class StreetImportReport:
    """What an import did: streets written, ways read, ways left out as outside the boundary."""

    streets: int
    ways: int
    outside: int


def _is_street(tags: Mapping[str, str]) -> bool:
    return bool(tags.get("name", "").strip()) and tags.get("highway", "") not in ("", *_NOT_STREETS)


def street_import(
    *,
    path: Path,
    boundary_relation: int | None = None,
    boundary_file: Path | None = None,
    now: datetime | None = None,
) -> StreetImportReport:
    """Replace the town's street list with the named highway ways of an OSM extract (`.osm.pbf`/`.osm`),
    optionally only those inside a boundary; raise `ValidationFailed` (nothing changed) for an unreadable
    file or boundary."""
    if boundary_relation is not None and boundary_file is not None:
        raise ValidationFailed(
            _("Give the town boundary: a boundary relation id or a polygon file."),
            details={"boundary": [_("Give exactly one of relation id and polygon file.")]},
        )
    try:
        area = boundary_from_file(boundary_file) if boundary_file is not None else None
        features, relation_area = osm_features_read(
            path, wanted=_is_street, boundary_relation=boundary_relation
        )
    except OsmReadError as exc:
        raise ValidationFailed(
            _("The OpenStreetMap file could not be read: %(error)s") % {"error": exc},
            details={"file": [str(exc)]},
        ) from exc
    area = area or relation_area
    ways = [feature for feature in features if feature.osm_type == "w"]
    inside = [w for w in ways if area is None or area.intersects(Point(w.lng, w.lat, srid=4326))]
    groups: dict[tuple[str, str], list[OsmFeature]] = defaultdict(list)
    for way in inside:
        key = street_key(way.tags["name"])
        postcode = (way.tags.get("postal_code") or way.tags.get("addr:postcode") or "").strip()[:10]
        if key:
            groups[(key[:200], postcode)].append(way)
    rows = [
        _street_row(key, postcode, members, now=now or timezone.now())
        for (key, postcode), members in groups.items()
    ]
    _streets_replace(rows)
    return StreetImportReport(streets=len(rows), ways=len(ways), outside=len(ways) - len(inside))


def _street_row(key: str, postcode: str, ways: list[OsmFeature], *, now: datetime) -> Street:
    name = Counter(way.tags["name"].strip() for way in ways).most_common(1)[0][0]
    lat = sum(way.lat for way in ways) / len(ways)
    lng = sum(way.lng for way in ways) / len(ways)
    middle = min(ways, key=lambda way: (way.lat - lat) ** 2 + (way.lng - lng) ** 2)
    return Street(
        name=name[:200],
        key=key,
        postcode=postcode,
        location=Point(middle.lng, middle.lat, srid=4326),
        way_count=len(ways),
        imported_at=now,
    )


@transaction.atomic
def _streets_replace(rows: list[Street]) -> None:
    Street.objects.all().delete()
    Street.objects.bulk_create(rows, batch_size=1000)
