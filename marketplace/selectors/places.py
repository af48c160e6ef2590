"""The local geocoder: the town's own streets and postcodes, answered from our database (decision 1200).

Sources: the imported street list (`Street`, from OSM highways) and the addresses of listed and active shops
(pending shops are left out: their addresses are whatever a stranger typed). A shop's address with its house
number gives that shop's point; a street gives a point on the street; a postcode the middle of what we know
in it. Anything else (another town, an unknown street) is for the outside service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from geo.geocoding import GeoResult
from marketplace.models import Shop, Street

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e"})
_NOT_LETTERS = re.compile("[\\s.\\-'\u2019]+")
_NUMBER = re.compile(
    r"^(?P<name>.*?\D)\s*(?P<number>\d+\s*[a-z]?(?:\s*[-/]\s*\d+\s*[a-z]?)?)$", re.IGNORECASE
)
_POSTCODE = re.compile(r"^\d{5}$")
_PUBLIC = (Shop.Status.ACTIVE, Shop.Status.LISTED)
_FIRST_LETTER_TWINS = {"a": "ä", "o": "ö", "u": "ü", "ä": "a", "ö": "o", "ü": "u"}


def street_key(name: str) -> str:
    """What two spellings of one street have in common: "Große Bäckerstr." and "grosse baeckerstrasse" both
    give "grossebaeckerstrasse"."""
    key = _NOT_LETTERS.sub("", name.casefold().translate(_FOLD))
    if key.endswith("str"):
        key += "asse"
    return key


def address_split(text: str) -> tuple[str, str]:
    """ "Am Sande 7a" -> ("Am Sande", "7a"); a street without a number -> (street, "")."""
    text = " ".join(text.split()).strip(" ,")
    match = _NUMBER.match(text)
    if match is None:
        return text, ""
    return match["name"].strip(" ,"), re.sub(r"\s+", "", match["number"]).casefold()


@dataclass(frozen=True)
class _Known:
    lat: float
    lng: float
    street: str
    postcode: str
    city: str
    district: str


def _shops_on(name: str) -> list[Shop]:
    first = name[:1].casefold()
    letters = {first, _FIRST_LETTER_TWINS.get(first, first)}
    condition = Q()
    for letter in letters:
        condition |= Q(street__istartswith=letter)
    return list(
        Shop.objects.filter(condition, status__in=_PUBLIC).only(
            "street", "postcode", "city", "district", "location"
        )
    )


def _ours(*, postcode: str, city: str) -> bool:
    """Whether an address is in our town: no town given, the configured town, or a postcode or town name of
    one of our streets or public shops."""
    town = city.strip().casefold()
    if town and town == str(settings.LADENKARTE_TOWN).casefold():
        return True
    if postcode and (
        Street.objects.filter(postcode=postcode).exists()
        or Shop.objects.filter(postcode=postcode, status__in=_PUBLIC).exists()
    ):
        return True
    if town:
        return Shop.objects.filter(city__iexact=city.strip(), status__in=_PUBLIC).exists()
    return not postcode


def _middle(points: list[_Known]) -> tuple[float, float]:
    return sum(p.lat for p in points) / len(points), sum(p.lng for p in points) / len(points)


def _result(
    lat: float, lng: float, *, street: str, number: str, postcode: str, city: str, district: str
) -> GeoResult:
    town = city or str(settings.LADENKARTE_TOWN)
    line = f"{street} {number}".strip()
    label = ", ".join(part for part in (line, f"{postcode} {town}".strip()) if part)
    return GeoResult(
        lat=lat,
        lng=lng,
        display_name=label,
        street=street,
        house_number=number,
        postcode=postcode,
        city=town,
        district=district,
    )


def place_find_local(*, street: str = "", postcode: str = "", city: str = "") -> GeoResult | None:
    """Where an address of our own town is, from our data alone; `None` when only an outside service could
    say (another town, a street we do not know)."""
    postcode, city = postcode.strip(), city.strip()
    if postcode and not _POSTCODE.match(postcode):
        return None
    if not _ours(postcode=postcode, city=city):
        return None
    if street.strip():
        return _street_find(street, postcode=postcode, city=city)
    if postcode:
        return _postcode_find(postcode, city=city)
    return None


def _street_find(text: str, *, postcode: str, city: str) -> GeoResult | None:
    name, number = address_split(text)
    key = street_key(name)
    if not key:
        return None
    shops = []
    for shop in _shops_on(name):
        shop_name, shop_number = address_split(shop.street)
        if street_key(shop_name) != key or (postcode and shop.postcode != postcode):
            continue
        point = shop.location
        shops.append(
            (shop_number, _Known(point.y, point.x, shop_name, shop.postcode, shop.city, shop.district))
        )
    if number:
        for shop_number, known in shops:
            if shop_number == number:
                return _result(
                    known.lat,
                    known.lng,
                    street=known.street,
                    number=number,
                    postcode=known.postcode,
                    city=known.city,
                    district=known.district,
                )
    streets = Street.objects.filter(key=key)
    if postcode:
        streets = streets.filter(Q(postcode=postcode) | Q(postcode=""))
    found = streets.order_by("-postcode", "-way_count").first()
    district = next((known.district for _n, known in shops if known.district), "")
    if found is not None:
        return _result(
            found.location.y,
            found.location.x,
            street=found.name,
            number=number,
            postcode=found.postcode or postcode,
            city=city,
            district=district,
        )
    if shops:
        points = [known for _n, known in shops]
        lat, lng = _middle(points)
        return _result(
            lat,
            lng,
            street=points[0].street,
            number=number,
            postcode=postcode or points[0].postcode,
            city=city or points[0].city,
            district=district,
        )
    return None


def _postcode_find(postcode: str, *, city: str) -> GeoResult | None:
    points = [
        _Known(s.location.y, s.location.x, "", postcode, city, "")
        for s in Street.objects.filter(postcode=postcode)
    ]
    if not points:
        points = [
            _Known(shop.location.y, shop.location.x, "", postcode, shop.city, "")
            for shop in Shop.objects.filter(postcode=postcode, status__in=_PUBLIC).only("city", "location")
        ]
    if not points:
        return None
    lat, lng = _middle(points)
    return _result(
        lat, lng, street="", number="", postcode=postcode, city=city or points[0].city, district=""
    )
