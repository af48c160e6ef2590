"""The demo town's fixed data: Lüneburg's streets and names, the headline shops, collections, featured
shops, posts, job postings, the demo logins and the OpenStreetMap extract. Data only (`seed.py` writes it).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from marketplace.models import JobPosting, Post, Shop

TOWN = "Lüneburg"
POSTCODE = "21335"
CENTER = (53.2489, 10.4077)  # Am Markt (lat, lng)
BBOX = (10.385, 53.235, 10.430, 53.262)  # (min lng, min lat, max lng, max lat): every demo shop lies inside
TARGET_PRODUCTS = 5_100
DEMO_USERS: tuple[tuple[str, str, bool, str | None], ...] = (  # username, password, superuser, owned shop
    # The city editor is no superuser: the group "City editors" and the city workspace (/admin/stadt/).
    ("stadt", "stadt-demo", False, None),
    ("haendler1", "haendler-demo", False, "Fahrradhaus Brockmann"),
    ("haendler2", "haendler-demo", False, "Bäckerei Harms"),
)

# --- the town ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Street:
    name: str
    lat: float
    lng: float
    district: str
    numbers: int  # highest house number used
    weight: int


STREETS: tuple[Street, ...] = (
    Street("Am Sande", 53.2478, 10.4117, "Altstadt", 56, 8),
    Street("Große Bäckerstraße", 53.2484, 10.4096, "Altstadt", 32, 8),
    Street("Kleine Bäckerstraße", 53.2480, 10.4104, "Altstadt", 26, 5),
    Street("Bardowicker Straße", 53.2508, 10.4076, "Altstadt", 34, 6),
    Street("An den Brodbänken", 53.2496, 10.4091, "Altstadt", 16, 3),
    Street("Grapengießerstraße", 53.2466, 10.4087, "Altstadt", 50, 6),
    Street("Rote Straße", 53.2455, 10.4102, "Altstadt", 28, 4),
    Street("Am Berge", 53.2471, 10.4141, "Altstadt", 50, 4),
    Street("Neue Sülze", 53.2476, 10.4038, "Altstadt", 30, 3),
    Street("Heiligengeiststraße", 53.2466, 10.4061, "Altstadt", 40, 4),
    Street("Schröderstraße", 53.2481, 10.4058, "Altstadt", 24, 3),
    Street("Untere Schrangenstraße", 53.2498, 10.4103, "Altstadt", 14, 2),
    Street("Glockenstraße", 53.2489, 10.4056, "Altstadt", 12, 2),
    Street("Waagestraße", 53.2492, 10.4084, "Altstadt", 8, 2),
    Street("Auf dem Meere", 53.2469, 10.4017, "Altstadt", 42, 2),
    Street("Lünertorstraße", 53.2511, 10.4141, "Altstadt", 20, 2),
    Street("Salzstraße", 53.2463, 10.4036, "Altstadt", 26, 2),
    Street("Altenbrücker Damm", 53.2443, 10.4196, "Altstadt", 40, 2),
    Street("Vor dem Bardowicker Tore", 53.2547, 10.4082, "Goseburg-Zeltberg", 40, 2),
    Street("Lüner Weg", 53.2583, 10.4148, "Goseburg-Zeltberg", 60, 1),
    Street("Goseburgstraße", 53.2603, 10.4113, "Goseburg-Zeltberg", 50, 1),
    Street("Barckhausenstraße", 53.2437, 10.4015, "Rotes Feld", 60, 1),
    Street("Wilschenbrucher Weg", 53.2405, 10.4004, "Rotes Feld", 80, 1),
    Street("Carl-Friedrich-Goerdeler-Straße", 53.2419, 10.4331, "Kaltenmoor", 50, 1),
    Street("St.-Stephanus-Platz", 53.2402, 10.4296, "Kaltenmoor", 12, 1),
    Street("Dahlenburger Landstraße", 53.2531, 10.4258, "Neu Hagen", 90, 1),
    Street("Bleckeder Landstraße", 53.2472, 10.4262, "Schützenplatz", 70, 1),
    Street("Schützenstraße", 53.2459, 10.4221, "Schützenplatz", 40, 1),
    Street("Scharnhorststraße", 53.2366, 10.4182, "Bockelsberg", 60, 1),
    Street("Uelzener Straße", 53.2388, 10.4109, "Bockelsberg", 90, 1),
    Street("Soltauer Straße", 53.2418, 10.3928, "Mittelfeld", 90, 1),
)
STREET_BY_NAME = {street.name: street for street in STREETS}

SURNAMES = (
    "Ahrens", "Behrens", "Bostelmann", "Bruns", "Claasen", "Cordes", "Dittmer", "Dreyer", "Evers", "Grote",
    "Hansen", "Heins", "Heitmann", "Jürgens", "Kaiser", "Kröger", "Lange", "Lührs", "Lüders", "Marquardt",
    "Meyer", "Möller", "Niebuhr", "Otten", "Peters", "Rademacher", "Rieckmann", "Schulz", "Siemers",
    "Stührmann", "Thiele", "Timm", "Tödter", "Voss", "Wiebe", "Wulf", "Hinsch", "Meinecke", "Oltmann",
    "Garbers", "Harder", "Wittenberg", "Schröder", "Köhler", "Brandt", "Plaschke", "Vollmer", "Eggers",
    "Deneke", "Schacht",
)  # fmt: skip
FIRST_NAMES = (
    "Anke", "Birte", "Frauke", "Heike", "Imke", "Maren", "Silke", "Wiebke", "Jana", "Lena", "Nele", "Ole",
    "Jens", "Hauke", "Malte", "Sönke", "Lars",
)  # fmt: skip
PLACES = ("am Sande", "an der Ilmenau", "im Wasserviertel", "am Stintmarkt", "Salzstadt", "Heide", "Hanse")

# The shops every demo talks about come first; haendler1 owns the first, haendler2 the third.
HEADLINE_SHOPS = (  # name, top slug, child slugs, street, number
    (
        "Fahrradhaus Brockmann",
        "fahrrad-outdoor",
        ("fahrraeder", "fahrradzubehoer", "outdoor-camping"),
        "Am Berge",
        12,
    ),
    (
        "Buchhandlung am Sande",
        "buecher-schreibwaren",
        ("romane-krimis", "kinderbuecher", "regionales-reise"),
        "Am Sande",
        21,
    ),
    (
        "Bäckerei Harms",
        "baeckerei",
        ("brot", "broetchen-kleingebaeck", "kuchen-torten"),
        "Große Bäckerstraße",
        9,
    ),
    (
        "Feinkost Heiderose",
        "lebensmittel-feinkost",
        ("feinkost-vorrat", "wein-spirituosen", "regionale-erzeugnisse"),
        "An den Brodbänken",
        4,
    ),
    (
        "Spielwaren Wichtel",
        "spielwaren",
        ("gesellschaftsspiele", "puzzles", "baby-kleinkind"),
        "Bardowicker Straße",
        18,
    ),
)
GENERATED_SHOPS = 81
MIN_CANDIDATES = 40  # a shop gets more categories (up to 3) until they offer this many distinct titles
MUST_BAKE = ("brot", "broetchen-kleingebaeck")
NOT_ACTIVE = {
    20: Shop.Status.PENDING,
    47: Shop.Status.PENDING,
    66: Shop.Status.PENDING,
    73: Shop.Status.SUSPENDED,
}

GENERIC_SHOP_LINES = (
    "Inhabergeführt seit {year}.",
    "Ein Familienbetrieb in {generation} Generation.",
    "Seit {year} in Lüneburg.",
    "Gegründet {year}, heute mit {staff} Mitarbeiterinnen und Mitarbeitern.",
)
SERVICE_LINES = (
    "Was Sie online reservieren, legen wir Ihnen an der Kasse zurück.",
    "Parken Sie am besten im Parkhaus am Sande oder kommen Sie mit dem Rad.",
    "Fragen Sie uns: Was nicht vorrätig ist, bestellen wir meist bis zum nächsten Tag.",
    "Wir freuen uns auf Ihren Besuch!",
    "Auch kleine Reparaturen und Sonderwünsche nehmen wir an.",
)


COLLECTIONS = (  # slug, title, title_en, text, shop tops, product children, max price
    (
        "weihnachten-in-lueneburg",
        "Weihnachten in Lüneburg",
        "Christmas in Lüneburg",
        "Geschenke aus den Läden der Altstadt: heute reservieren, morgen unter dem Baum.",
        ("geschenke-deko", "spielwaren", "buecher-schreibwaren"),
        ("saisonale-deko", "gesellschaftsspiele", "kinderbuecher", "kekse-dauergebaeck", "kunsthandwerk"),
        None,
    ),
    (
        "regional-und-nachhaltig",
        "Regional & nachhaltig",
        "Local & sustainable",
        "Honig aus der Heide, Brot mit regionalem Mehl und Pflege ohne Mikroplastik.",
        ("lebensmittel-feinkost", "baeckerei", "drogerie-gesundheit"),
        ("regionale-erzeugnisse", "brot", "haushaltspflege", "aufbewahrung"),
        None,
    ),
    (
        "rund-ums-rad",
        "Rund ums Rad",
        "All about bikes",
        "Schlauch geplatzt, Licht kaputt? Ersatz gibt es heute noch in der Stadt.",
        ("fahrrad-outdoor",),
        ("fahrradzubehoer", "fahrraeder"),
        None,
    ),
    (
        "geschenke-unter-20-euro",
        "Kleine Geschenke unter 20 €",
        "Small gifts under 20 €",
        "Mitbringsel, Karten und Kleinigkeiten aus Lüneburger Läden.",
        ("geschenke-deko", "buecher-schreibwaren"),
        ("kunsthandwerk", "karten-geschenkpapier", "schreibwaren", "puzzles", "regionales-reise"),
        Decimal("20.00"),
    ),
)
FEATURED = (  # shop name, title, text
    (
        "Buchhandlung am Sande",
        "Lesen am Sande",
        "Die Buchhandlung mit der Leseecke am schönsten Platz der Stadt.",
    ),
    (
        "Feinkost Heiderose",
        "Das Beste aus der Heide",
        "Heidehonig, Heidschnucke und Wein: Feinkost mit Herkunft.",
    ),
    (
        "Spielwaren Wichtel",
        "Spielen wie früher",
        "Holzspielzeug und Brettspiele zum Ausprobieren am Spieltisch.",
    ),
    ("Fahrradhaus Brockmann", "Heute kaputt, heute repariert", "Werkstatt und Ersatzteile im Wasserviertel."),
)


# Posts: shop name, kind, title, text, shown for days from now, product child category to point to (or "").
DEMO_POSTS = (
    (
        "Bäckerei Harms",
        Post.Kind.OFFER,
        "Heute: Butterkuchen frisch vom Blech",
        "Ab 14 Uhr warm aus dem Ofen, solange der Vorrat reicht. Gern auch vorab reservieren.",
        1,
        "kuchen-torten",
    ),
    (
        "Buchhandlung am Sande",
        Post.Kind.EVENT,
        "Lesung am Donnerstag, 19 Uhr",
        "Krimiabend in der Leseecke: Eintritt frei, Anmeldung im Laden oder per Telefon.",
        6,
        "romane-krimis",
    ),
    (
        "Fahrradhaus Brockmann",
        Post.Kind.NEWS,
        "Wintercheck fürs Rad: 29 € statt 39 €",
        "Licht, Bremsen, Kette: wir machen dein Rad winterfest. Termin am selben Tag, solange frei.",
        10,
        "fahrradzubehoer",
    ),
    (
        "Feinkost Heiderose",
        Post.Kind.OFFER,
        "Neuer Heidehonig ist da",
        "Frisch geschleudert von Imkern aus der Lüneburger Heide. Probieren ausdrücklich erlaubt.",
        14,
        "regionale-erzeugnisse",
    ),
    (
        "Spielwaren Wichtel",
        Post.Kind.CLOSURE,
        "Montag wegen Inventur geschlossen",
        "Ab Dienstag sind wir wie gewohnt für dich da.",
        5,
        "",
    ),
)

# Jobs: shop name, title, kind, hours per week, text, valid for days from today, featured by the city.
DEMO_JOBS = (
    (
        "Bäckerei Harms",
        "Ausbildung Bäcker/in (m/w/d)",
        JobPosting.Kind.APPRENTICESHIP,
        None,
        "Du backst gern und stehst früh auf? Lerne bei uns das Bäckerhandwerk von Grund auf, "
        "mit Sauerteig, Handarbeit und einem Team, das dich mitnimmt.\n\nStart zum 1. August.",
        60,
        True,
    ),
    (
        "Bäckerei Harms",
        "Verkäufer/in am Wochenende (Minijob)",
        JobPosting.Kind.MINI_JOB,
        8,
        "Samstag und Sonntag früh im Verkauf: freundlich, zuverlässig, gern auch Studierende.",
        30,
        False,
    ),
    (
        "Buchhandlung am Sande",
        "Buchhändler/in in Teilzeit",
        JobPosting.Kind.PART_TIME,
        25,
        "Beratung, Bestellungen, Lesungen: Sie lieben Bücher und Menschen? Wir freuen uns auf Sie.",
        45,
        False,
    ),
    (
        "Fahrradhaus Brockmann",
        "Zweiradmechatroniker/in in Vollzeit",
        JobPosting.Kind.FULL_TIME,
        40,
        "Reparaturen und Wartung aller Räder, auch E-Bikes. Feste Arbeitszeiten, Dienstrad inklusive.",
        40,
        False,
    ),
    (
        "Spielwaren Wichtel",
        "Schülerpraktikum im Spielwarenladen",
        JobPosting.Kind.INTERNSHIP,
        None,
        "Zwei Wochen Einzelhandel kennenlernen: Ware auszeichnen, beraten, Schaufenster gestalten.",
        21,
        False,
    ),
)


DEMO_OSM_FILE = Path(__file__).resolve().parent / "lueneburg-shops.osm"
DEMO_OSM_BOUNDARY_RELATION = 900_000_001  # in the file (scripts/make_demo_osm.py)
DEMO_CHAINS = (("dm-drogerie markt", "Q266572"), ("Rossmann", "Q316004"))
DEMO_OSM_EXTRA_TAGS = (("craft", "shoemaker"),)
