"""The OpenStreetMap import: a town's shops as listings, its empty units for the city's map.

Reads the extract outside any transaction, then writes everything in one transaction under an advisory
lock (two imports never interleave; a failed import changes nothing). Idempotent by OSM element: a shop
already imported is updated, never duplicated. Field-level provenance (decision 1500): a field is
rewritten only while it still holds the value the import last wrote; a value the merchant or the city
changed is kept, and the report counts it.
"""

from __future__ import annotations

import time as clock
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Point
from django.contrib.gis.geos.prepared import PreparedGeometry
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo.opening_hours import DayRule, Interval, to_osm_opening_hours
from geo.osm_extract import OsmFeature, OsmReadError, boundary_from_file, osm_features_read
from geo.osm_hours import OsmHours, osm_hours_parse
from marketplace.exceptions import ValidationFailed
from marketplace.models import (
    Category,
    ChainBrand,
    CityDay,
    OpeningHours,
    OsmImportRun,
    OsmImportTag,
    Shop,
    ShopOsmRecord,
    SpecialDay,
    VacantUnit,
)
from marketplace.services.city_calendar import public_holidays
from marketplace.services.products import shop_location_changed, shop_status_changed
from marketplace.services.shops import shop_slug_for

_LOCK_KEY = 0x4F534D  # pg_advisory_xact_lock key of the OSM import ("OSM")
PROVENANCE_FIELDS = (
    "name",
    "street",
    "postcode",
    "city",
    "phone",
    "email",
    "website",
    "step_free",
    "location",
)
HOURS = "hours"
SPECIAL_DAYS = "special_days"
SKIPPED_LISTED_MAX = 500
GONE_MESSAGE = "Nicht mehr in OpenStreetMap."

# Skip reasons in the report (stable codes).
CHAIN = "chain"
OUTSIDE = "outside"
NO_NAME = "no_name"
NO_ADDRESS = "no_address"

# OSM shop/craft/amenity values -> Ladenkarte's top categories (used when the category exists).
CATEGORY_BY_TAG = {
    "books": "buecher-schreibwaren",
    "stationery": "buecher-schreibwaren",
    "bakery": "baeckerei",
    "pastry": "baeckerei",
    "bicycle": "fahrrad-outdoor",
    "outdoor": "fahrrad-outdoor",
    "toys": "spielwaren",
    "games": "spielwaren",
    "clothes": "mode-schuhe",
    "shoes": "mode-schuhe",
    "shoemaker": "mode-schuhe",
    "boutique": "mode-schuhe",
    "deli": "lebensmittel-feinkost",
    "cheese": "lebensmittel-feinkost",
    "coffee": "lebensmittel-feinkost",
    "tea": "lebensmittel-feinkost",
    "wine": "lebensmittel-feinkost",
    "seafood": "lebensmittel-feinkost",
    "butcher": "lebensmittel-feinkost",
    "greengrocer": "lebensmittel-feinkost",
    "farm": "lebensmittel-feinkost",
    "houseware": "haushalt-wohnen",
    "interior_decoration": "haushalt-wohnen",
    "furniture": "haushalt-wohnen",
    "electronics": "elektronik",
    "computer": "elektronik",
    "mobile_phone": "elektronik",
    "chemist": "drogerie-gesundheit",
    "pharmacy": "drogerie-gesundheit",
    "optician": "drogerie-gesundheit",
    "gift": "geschenke-deko",
    "jewelry": "geschenke-deko",
    "florist": "geschenke-deko",
    "frame": "geschenke-deko",
    "wool": "geschenke-deko",
    "hardware": "werkzeug-garten",
    "garden_centre": "werkzeug-garten",
    "doityourself": "werkzeug-garten",
    "sports": "sport",
}


@dataclass
class ImportReport:
    """What one import did; stored as JSON on the `OsmImportRun`."""

    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_local: dict[str, int] = field(default_factory=dict)  # field -> shops whose local value was kept
    hours_to_confirm: int = 0
    gone: int = 0
    returned: int = 0
    vacant: int = 0
    vacant_gone: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_elements: list[dict[str, str]] = field(default_factory=list)

    def skip(self, feature: OsmFeature, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        if len(self.skipped_elements) < SKIPPED_LISTED_MAX:
            self.skipped_elements.append(
                {
                    "osm": f"{feature.osm_type}{feature.osm_id}",
                    "name": feature.tags.get("name", ""),
                    "reason": reason,
                }
            )

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "kept_local": dict(sorted(self.kept_local.items())),
            "hours_to_confirm": self.hours_to_confirm,
            "gone": self.gone,
            "returned": self.returned,
            "vacant": self.vacant,
            "vacant_gone": self.vacant_gone,
            "skipped": dict(sorted(self.skipped.items())),
            "skipped_elements": self.skipped_elements,
        }


@dataclass(frozen=True)
class _Rules:
    extra_tags: frozenset[tuple[str, str]]
    chain_names: frozenset[str]
    chain_wikidata: frozenset[str]

    def is_vacant(self, tags: Mapping[str, str]) -> bool:
        if tags.get("shop") == "vacant":
            return True
        return not self.is_shop(tags) and any(key.startswith("disused:") for key in tags)

    def is_shop(self, tags: Mapping[str, str]) -> bool:
        shop = tags.get("shop")
        if shop and shop not in ("vacant", "no"):
            return True
        return any((key, tags.get(key)) in self.extra_tags for key in {key for key, _ in self.extra_tags})

    def is_chain(self, tags: Mapping[str, str]) -> bool:
        wikidata = tags.get("brand:wikidata", "").strip()
        brand = tags.get("brand", "").strip().casefold()
        return (bool(wikidata) and wikidata in self.chain_wikidata) or (
            bool(brand) and brand in self.chain_names
        )

    def wanted(self, tags: Mapping[str, str]) -> bool:
        return self.is_shop(tags) or self.is_vacant(tags)


def _rules() -> _Rules:
    chains = list(ChainBrand.objects.values_list("name", "wikidata"))
    return _Rules(
        extra_tags=frozenset(OsmImportTag.objects.values_list("key", "value")),
        chain_names=frozenset(name.strip().casefold() for name, _ in chains if name.strip()),
        chain_wikidata=frozenset(wikidata.strip() for _, wikidata in chains if wikidata.strip()),
    )


def osm_import(
    *,
    path: Path,
    boundary_relation: int | None = None,
    boundary_file: Path | None = None,
    user: Any = None,
    file_name: str = "",
    now: datetime | None = None,
) -> OsmImportRun:
    """Import the shops of the town from an OSM extract; raise `ValidationFailed` (nothing changed) when
    the file or the boundary cannot be read. Exactly one boundary is required."""
    now = now or timezone.now()
    started = clock.monotonic()
    if (boundary_relation is None) == (boundary_file is None):
        raise ValidationFailed(
            _("Give the town boundary: a boundary relation id or a polygon file."),
            details={"boundary": [_("Give exactly one of relation id and polygon file.")]},
        )
    rules = _rules()
    try:
        boundary = boundary_from_file(boundary_file) if boundary_file is not None else None
        features, relation_area = osm_features_read(
            path, wanted=rules.wanted, boundary_relation=boundary_relation
        )
    except OsmReadError as exc:
        raise ValidationFailed(
            _("The OpenStreetMap file could not be read: %(error)s") % {"error": exc},
            details={"file": [str(exc)]},
        ) from exc
    area = boundary if boundary is not None else relation_area
    assert area is not None  # noqa: S101 - osm_features_read raises when the relation is missing
    report = _osm_import_write(features=features, area=area, rules=rules, now=now)
    return OsmImportRun.objects.create(
        created_at=now,
        created_by=user,
        file_name=(file_name or path.name)[:200],
        boundary=(boundary_file.name if boundary_file is not None else f"relation {boundary_relation}")[:200],
        report=report.as_dict(),
        duration_ms=int((clock.monotonic() - started) * 1000),
    )


@transaction.atomic
def _osm_import_write(
    *, features: list[OsmFeature], area: MultiPolygon, rules: _Rules, now: datetime
) -> ImportReport:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    report = ImportReport(read=len(features))
    prepared: PreparedGeometry = area.prepared
    tz = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localdate(now, tz)
    holidays = set(public_holidays(years=[today.year, today.year + 1]))
    holidays |= set(CityDay.objects.filter(closed=True, date__gte=today).values_list("date", flat=True))
    categories = {category.slug: category for category in Category.objects.filter(parent=None)}
    records = {
        (record.osm_type, record.osm_id): record
        for record in ShopOsmRecord.objects.select_related("shop").select_for_update(of=("self",))
    }
    parsed_hours: dict[str, OsmHours] = {}
    seen_shops: set[tuple[str, int]] = set()
    seen_vacant: set[tuple[str, int]] = set()
    for feature in features:
        key = (feature.osm_type, feature.osm_id)
        point = Point(feature.lng, feature.lat, srid=4326)
        if not prepared.contains(point):
            report.skip(feature, OUTSIDE)
            continue
        if rules.is_vacant(feature.tags):
            _vacant_upsert(feature, point=point, now=now)
            seen_vacant.add(key)
            report.vacant += 1
            continue
        if rules.is_chain(feature.tags):
            report.skip(feature, CHAIN)
            continue
        values = _values_from_tags(feature)
        if not values["name"]:
            report.skip(feature, NO_NAME)
            continue
        if not feature.tags.get("addr:street", "").strip():
            report.skip(feature, NO_ADDRESS)
            continue
        text = feature.tags.get("opening_hours", "").strip()
        hours = parsed_hours.get(text)
        if hours is None:  # most shops share a handful of texts; evaluating a year costs ~60 ms
            hours = parsed_hours[text] = osm_hours_parse(text, tz=tz, start=today, public_holidays=holidays)
        seen_shops.add(key)
        record = records.get(key)
        if record is None:
            _listing_create(feature, values=values, hours=hours, categories=categories, now=now)
            report.created += 1
        else:
            changed = _listing_update(
                record, feature=feature, values=values, hours=hours, now=now, report=report
            )
            report.updated += int(changed)
            report.unchanged += int(not changed)
        if hours.problems:
            report.hours_to_confirm += 1
    for key, record in records.items():
        if key not in seen_shops and record.gone_at is None:
            _listing_gone(record, now=now)
            report.gone += 1
    report.vacant_gone = (
        VacantUnit.objects.filter(gone_at=None).exclude(pk__in=_vacant_ids(seen_vacant)).update(gone_at=now)
    )
    return report


def _vacant_ids(keys: set[tuple[str, int]]) -> list[int]:
    if not keys:
        return []
    by_type: dict[str, list[int]] = {}
    for osm_type, osm_id in keys:
        by_type.setdefault(osm_type, []).append(osm_id)
    ids: list[int] = []
    for osm_type, osm_ids in by_type.items():
        ids += VacantUnit.objects.filter(osm_type=osm_type, osm_id__in=osm_ids).values_list("pk", flat=True)
    return ids


def _clean_url(value: str) -> str:
    value = value.strip()
    if value and "://" not in value:
        value = f"https://{value}"
    try:
        URLValidator(schemes=["http", "https"])(value)
    except DjangoValidationError:
        return ""
    return value if len(value) <= 200 else ""


def _clean_email(value: str) -> str:
    value = value.strip().lower()
    try:
        EmailValidator()(value)
    except DjangoValidationError:
        return ""
    return value[:254]


def _values_from_tags(feature: OsmFeature) -> dict[str, Any]:
    tags = feature.tags
    street = f"{tags.get('addr:street', '').strip()} {tags.get('addr:housenumber', '').strip()}".strip()
    wheelchair = tags.get("wheelchair", "").strip()
    return {
        "name": tags.get("name", "").strip()[:200],
        "street": street[:200],
        "postcode": tags.get("addr:postcode", "").strip()[:10],
        "city": (tags.get("addr:city", "").strip() or settings.LADENKARTE_TOWN)[:100],
        "phone": (tags.get("phone") or tags.get("contact:phone") or "").split(";")[0].strip()[:40],
        "email": _clean_email((tags.get("email") or tags.get("contact:email") or "").split(";")[0]),
        "website": _clean_url((tags.get("website") or tags.get("contact:website") or "").split(";")[0]),
        "step_free": wheelchair if wheelchair in Shop.StepFree.values else "",
        "location": [round(feature.lng, 7), round(feature.lat, 7)],
    }


def _shop_values(shop: Shop) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(shop, name) for name in PROVENANCE_FIELDS if name != "location"}
    values["location"] = [round(shop.location.x, 7), round(shop.location.y, 7)]
    return values


def _shop_weekly(shop: Shop) -> dict[int, tuple[Interval, ...]]:
    weekly: dict[int, list[Interval]] = {}
    for row in OpeningHours.objects.filter(shop=shop).order_by("weekday", "opens"):
        weekly.setdefault(row.weekday, []).append(Interval(opens=row.opens, closes=row.closes))
    return {weekday: tuple(intervals) for weekday, intervals in weekly.items()}


def _rule_json(rule: DayRule) -> dict[str, Any]:
    return {
        "closed": rule.closed,
        "intervals": [{"opens": f"{i.opens:%H:%M}", "closes": f"{i.closes:%H:%M}"} for i in rule.intervals],
    }


def _check_date(tags: Mapping[str, str], tz: ZoneInfo) -> datetime | None:
    raw = (tags.get("check_date:opening_hours") or "").strip()
    try:
        day = date.fromisoformat(raw[:10])
    except ValueError:
        return None
    return datetime.combine(day, time(12), tzinfo=tz)


def _hours_status(hours: OsmHours) -> str:
    if not hours.text:
        return ShopOsmRecord.HoursStatus.NONE
    return ShopOsmRecord.HoursStatus.CONFIRM if hours.problems else ShopOsmRecord.HoursStatus.EXACT


def _hours_write(shop: Shop, hours: OsmHours, *, previous_special: Mapping[str, Any]) -> dict[str, Any]:
    """Replace the weekly hours and the special days the import wrote before; returns the new snapshot."""
    OpeningHours.objects.filter(shop=shop).delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(shop=shop, weekday=weekday, opens=interval.opens, closes=interval.closes)
        for weekday, intervals in sorted(hours.weekly.items())
        for interval in intervals
    )
    existing = {special.date.isoformat(): special for special in SpecialDay.objects.filter(shop=shop)}
    for iso, snapshot in previous_special.items():
        special = existing.get(iso)
        if special is not None and {"closed": special.closed, "intervals": special.intervals} == snapshot:
            special.delete()
            existing.pop(iso)
    written: dict[str, Any] = {}
    for day, rule in sorted(hours.special_days.items()):
        if day.isoformat() in existing:
            continue  # the shop's own special day wins
        value = _rule_json(rule)
        SpecialDay.objects.create(
            shop=shop, date=day, closed=value["closed"], intervals=value["intervals"], name="OpenStreetMap"
        )
        written[day.isoformat()] = value
    return written


def _listing_create(
    feature: OsmFeature,
    *,
    values: dict[str, Any],
    hours: OsmHours,
    categories: Mapping[str, Category],
    now: datetime,
) -> Shop:
    lng, lat = values["location"]
    tz = ZoneInfo(settings.TIME_ZONE)
    shop = Shop.objects.create(
        **{name: values[name] for name in PROVENANCE_FIELDS if name != "location"},
        slug=shop_slug_for(values["name"]),
        location=Point(lng, lat, srid=4326),
        status=Shop.Status.LISTED,
        hours_confirmed_at=_check_date(feature.tags, tz),
        created_at=now,
    )
    category = categories.get(
        CATEGORY_BY_TAG.get(
            feature.tags.get("shop") or feature.tags.get("craft") or feature.tags.get("amenity") or "", ""
        )
    )
    if category is not None:
        shop.categories.add(category)
    special = _hours_write(shop, hours, previous_special={})
    ShopOsmRecord.objects.create(
        shop=shop,
        osm_type=feature.osm_type,
        osm_id=feature.osm_id,
        tags=dict(feature.tags),
        imported={**values, HOURS: hours_key(hours.weekly), SPECIAL_DAYS: special},
        opening_hours=hours.text[:255],
        hours_status=_hours_status(hours),
        hours_problems=list(hours.problems),
        first_imported_at=now,
        last_seen_at=now,
    )
    return shop


def _listing_update(
    record: ShopOsmRecord,
    *,
    feature: OsmFeature,
    values: dict[str, Any],
    hours: OsmHours,
    now: datetime,
    report: ImportReport,
) -> bool:
    """Update what still holds the imported value; keep (and count) what the merchant or city changed."""
    shop = Shop.objects.select_for_update(no_key=True).get(pk=record.shop_id)  # as `shops._decide`
    current = _shop_values(shop)
    imported = dict(record.imported)
    update_fields: list[str] = []
    changed = False
    for name in PROVENANCE_FIELDS:
        new = values[name]
        if current[name] == imported.get(name):
            if current[name] != new:
                if name == "location":
                    shop.location = Point(new[0], new[1], srid=4326)
                else:
                    setattr(shop, name, new)
                update_fields.append(name)
            imported[name] = new
        elif current[name] == new:
            imported[name] = new  # the local change and OSM agree again
        elif imported.get(name) != new:
            report.kept_local[name] = report.kept_local.get(name, 0) + 1
    weekly_now = hours_key(_shop_weekly(shop))
    new_hours_key = hours_key(hours.weekly)
    hours_changed = hours.text != record.opening_hours
    if weekly_now == imported.get(HOURS):
        if hours_changed or weekly_now != new_hours_key:
            imported[SPECIAL_DAYS] = _hours_write(
                shop, hours, previous_special=imported.get(SPECIAL_DAYS, {})
            )
            confirmed = _check_date(feature.tags, ZoneInfo(shop.time_zone))
            if confirmed is not None and (
                shop.hours_confirmed_at is None or confirmed > shop.hours_confirmed_at
            ):
                shop.hours_confirmed_at = confirmed
                update_fields.append("hours_confirmed_at")
            record.opening_hours = hours.text[:255]
            record.hours_status = _hours_status(hours)
            record.hours_problems = list(hours.problems)
            changed = True
        imported[HOURS] = new_hours_key
    elif weekly_now == new_hours_key:
        imported[HOURS] = new_hours_key
    elif hours_changed:
        report.kept_local[HOURS] = report.kept_local.get(HOURS, 0) + 1
    if record.gone_at is not None:
        record.gone_at = None
        report.returned += 1
        if shop.status == Shop.Status.SUSPENDED and not shop.memberships.exists():
            shop.status = Shop.Status.LISTED
            shop.status_message = ""
            update_fields += ["status", "status_message"]
        changed = True
    if update_fields:
        shop.save(update_fields=[*update_fields, "updated_at"])
        if "location" in update_fields:
            shop_location_changed(shop=shop)
        changed = True
    record.tags = dict(feature.tags)
    record.imported = imported
    record.last_seen_at = now
    record.save()
    return changed


def _listing_gone(record: ShopOsmRecord, *, now: datetime) -> None:
    """An element no longer in the town's extract: an unclaimed listing leaves the map, a claimed shop
    stays."""
    record.gone_at = now
    record.save(update_fields=["gone_at"])
    shop = Shop.objects.select_for_update(no_key=True).get(pk=record.shop_id)  # as `shops._decide`
    if shop.status == Shop.Status.LISTED:
        shop.status = Shop.Status.SUSPENDED
        shop.status_message = GONE_MESSAGE
        shop.save(update_fields=["status", "status_message", "updated_at"])
        shop_status_changed(shop=shop)


def _vacant_upsert(feature: OsmFeature, *, point: Point, now: datetime) -> None:
    tags = feature.tags
    former = next(
        (f"{key.split(':', 1)[1]}={value}" for key, value in tags.items() if key.startswith("disused:")), ""
    )
    street = f"{tags.get('addr:street', '').strip()} {tags.get('addr:housenumber', '').strip()}".strip()
    VacantUnit.objects.update_or_create(
        osm_type=feature.osm_type,
        osm_id=feature.osm_id,
        defaults={
            "name": (tags.get("name") or tags.get("disused:name") or tags.get("old_name") or "")[:200],
            "former_use": former[:100],
            "street": street[:200],
            "postcode": tags.get("addr:postcode", "")[:10],
            "city": tags.get("addr:city", "")[:100],
            "location": point,
            "tags": dict(tags),
            "last_seen_at": now,
            "gone_at": None,
        },
        create_defaults={
            "name": (tags.get("name") or tags.get("disused:name") or "")[:200],
            "former_use": former[:100],
            "street": street[:200],
            "postcode": tags.get("addr:postcode", "")[:10],
            "city": tags.get("addr:city", "")[:100],
            "location": point,
            "tags": dict(tags),
            "first_seen_at": now,
            "last_seen_at": now,
        },
    )


def hours_key(weekly: Mapping[int, tuple[Interval, ...]]) -> str:
    """The weekly hours as one comparable string (OSM syntax without the public-holiday rule)."""
    return to_osm_opening_hours(weekly, public_holidays_closed=False)
