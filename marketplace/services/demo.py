"""The demo town: Lüneburg's old town with shops, stock, hours, the city calendar, collections and logins.

`demo_town_seed` first builds the whole town in memory from `random.Random(seed)` (so a seed always gives
the same shops, titles and prices, whatever is in the database), then writes it with natural keys (slugs,
`(shop, sku)`, dates, usernames): a second run updates the demo rows in place and duplicates nothing.
The seed owns its shops' weekly hours, special days and category links and rewrites them on every run;
rows it did not create (a product added in the admin, a reservation) are left alone.
Demo data only: the logins have published passwords.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from marketplace.models import (
    Category,
    ChainBrand,
    CityDay,
    Collection,
    CollectionItem,
    FeaturedShop,
    JobPosting,
    OpeningHours,
    OsmImportTag,
    Post,
    Product,
    Shop,
    ShopMembership,
    SpecialDay,
)
from marketplace.services.city_calendar import city_day_set, city_holidays_import, public_holidays
from marketplace.services.data_health import data_health_snapshot_write
from marketplace.services.osm_import import osm_import
from marketplace.services.products import category_names_for
from marketplace.services.roles import CITY_EDITORS_GROUP, MERCHANTS_GROUP, roles_setup
from marketplace.services.search_index import search_words_refresh
from marketplace.services.streets import street_import

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
BATCH_SIZE = 1_000


# --- the catalogue -------------------------------------------------------------------------------------

# Price ranges of single slot values where the pattern's range would be implausible (a candle for 77 €).
PRICE_HINTS: dict[str, tuple[float, float]] = {
    # bikes, books, stationery
    "Kabelschloss": (12.9, 24.9), "Faltschloss": (49.9, 99.9), "Bügelschloss": (39.9, 89.9),
    "Kettenschloss": (34.9, 79.9), "Fahrradkorb vorn": (24.9, 44.9), "Lenkertasche 7 l": (49.9, 89.9),
    "Taschenbuch": (10.9, 15.9), "Gebunden": (20.0, 28.0),
    "Buntstifte 12er-Etui": (4.9, 8.9), "Buntstifte 24er-Etui": (8.9, 14.9),
    "Bleistift HB 3er-Pack": (1.9, 3.9),
    "Fineliner 10er-Set": (7.9, 12.9), "Textmarker 4er-Set": (3.9, 6.9), "Radiergummi Kunststoff": (0.6, 1.5),
    "Aquarellstifte 36er-Metalletui": (24.9, 34.9), "Kugelschreiber blau 5er-Pack": (2.9, 5.9),
    "Schulheft A4 Lineatur 27": (0.6, 1.2), "Zeichenblock A3 20 Blatt": (3.9, 6.9),
    "Füllerpatronen königsblau 6er": (1.2, 2.2), "Geodreieck 16 cm": (1.5, 3.5),
    "Spitzer Doppel mit Dose": (2.5, 4.9), "Briefumschläge DIN lang 25 Stück": (1.9, 3.9),
    # food and bakery
    "Eier aus Freilandhaltung 10 Stück": (3.2, 4.5), "Eier Bio 6 Stück": (2.9, 3.9),
    "Apfelsaft naturtrüb 1 l": (2.2, 3.5), "Heidekartoffeln festkochend 2,5 kg": (3.5, 5.5),
    "Heidekartoffeln mehligkochend 2,5 kg": (3.5, 5.5), "Spargel weiß Klasse I 1 kg": (9.9, 16.9),
    "Buttermilch 500 ml": (0.9, 1.6), "Äpfel Elstar 1 kg": (2.5, 3.9), "Äpfel Boskop 1 kg": (2.5, 3.9),
    "Grünkohl frisch 1 kg": (2.9, 4.9), "Heidehonig cremig 500 g": (9.9, 14.9),
    "Spaghetti Nr. 12 500 g": (1.2, 2.9), "Tomaten passiert 690 g": (1.2, 2.5),
    "Kichererbsen 400 g": (1.2, 2.2),
    "einzeln": (0.45, 1.6), "4er-Tüte": (1.8, 4.5), "10er-Tüte": (3.9, 7.5),
    "Stück": (2.2, 3.9), "halbes Blech": (17.9, 29.9), "Torte 26 cm": (23.9, 42.0),
    # fashion
    "Bluse Leinen": (49.9, 89.9), "Strickpullover Merino": (69.9, 129.0), "Jeans Straight Fit": (69.9, 119.0),
    "Jerseykleid": (39.9, 79.9), "Übergangsjacke": (99.0, 189.0), "Cardigan Baumwolle": (49.9, 89.9),
    "Hemd Oxford": (39.9, 79.9), "Strickpullover Lambswool": (69.9, 119.0), "Chino Slim Fit": (59.9, 99.9),
    "Sakko Wolle": (149.0, 229.0), "Regenjacke": (89.9, 169.0), "Polo-Shirt": (29.9, 59.9),
    "Schuhcreme schwarz 75 ml": (3.9, 6.9), "Schuhcreme braun 75 ml": (3.9, 6.9),
    "Imprägnierspray 200 ml": (6.9, 11.9), "Rosshaarbürste": (5.9, 9.9),
    "Taschenschirm schwarz": (19.9, 34.9),
    "Stockschirm transparent": (14.9, 24.9), "Einlegesohlen Lammfell Gr. 38": (7.9, 12.9),
    "Einlegesohlen Lammfell Gr. 43": (7.9, 12.9), "Wollschal grau": (29.9, 59.9),
    "Strickmütze Merino navy": (19.9, 34.9),
    # toys
    "Kniffel": (9.9, 14.9), "Dobble": (12.9, 16.9), "Heckmeck": (9.9, 13.9), "Hanabi": (8.9, 11.9),
    "CATAN": (29.9, 39.9), "Carcassonne": (29.9, 36.9), "Azul": (32.9, 39.9),
    "Greifling Holz Regenbogen": (9.9, 16.9), "Kuscheltier Schaf 25 cm": (19.9, 29.9),
    "Teddybär 30 cm": (29.9, 59.9),
    "Badebuch Meerestiere": (6.9, 9.9), "Lauflernwagen Holz": (59.9, 89.9),
    "Sandspielzeug-Set 5-teilig": (7.9, 14.9),
    "Feuerwehrwache": (49.9, 99.9), "Piratenschiff": (49.9, 89.9), "Ritterburg": (59.9, 99.9),
    "Polizeistation": (39.9, 79.9), "Campingbus": (19.9, 39.9), "Zoo": (29.9, 59.9),
    # home
    "Bratpfanne Edelstahl": (39.9, 89.9), "Bratpfanne beschichtet": (24.9, 59.9),
    "Kochtopf mit Deckel": (34.9, 79.9), "Schmortopf Gusseisen": (79.9, 149.0),
    "Stielkasserolle": (24.9, 49.9),
    "Kochmesser 20 cm": (49.9, 119.0), "Brotmesser 23 cm": (34.9, 79.9), "Schälmesser 9 cm": (9.9, 29.9),
    "Wetzstahl 26 cm": (19.9, 39.9), "Sparschäler": (3.9, 8.9), "Teigschaber Silikon": (3.9, 6.9),
    "Schneebesen 25 cm": (5.9, 11.9), "Küchenwaage digital": (19.9, 39.9), "Messbecher 1 l": (4.9, 9.9),
    "Knoblauchpresse": (9.9, 24.9), "Nudelholz Buche": (9.9, 16.9),
    "Kissenhülle Leinen 50x50 cm": (19.9, 34.9), "Wolldecke 130x170 cm": (49.9, 89.9),
    "Vase Keramik 20 cm": (19.9, 39.9), "Stabkerzen 4er-Pack": (4.9, 9.9), "Windlicht Glas": (9.9, 24.9),
    "Tischläufer 40x150 cm": (19.9, 34.9),
    "Einmachglas Weck 500 ml 6er-Set": (9.9, 14.9), "Einmachglas Weck 1 l 6er-Set": (12.9, 17.9),
    "Vorratsdose Glas 1 l": (5.9, 9.9), "Vorratsdose Glas 2 l": (7.9, 12.9),
    "Brotkasten Emaille": (39.9, 69.9),
    "Brotkasten Holz": (29.9, 59.9), "Brotbeutel Leinen": (9.9, 16.9), "Keksdose Blech": (7.9, 14.9),
    "Bienenwachstücher 3er-Set": (12.9, 19.9), "Lunchbox Edelstahl": (19.9, 34.9),
    # electronics
    "DAB+-Radio": (59.9, 149.0), "Küchenradio": (39.9, 79.9), "Bluetooth-Lautsprecher": (49.9, 249.0),
    "Kopfhörer Over-Ear": (79.9, 349.0), "In-Ear-Kopfhörer": (29.9, 199.0), "Radiowecker": (29.9, 59.9),
    "Wasserkocher 1,7 l": (29.9, 79.9), "Toaster 2 Scheiben": (29.9, 69.9), "Stabmixer": (29.9, 89.9),
    "Handmixer": (29.9, 59.9), "Filterkaffeemaschine": (39.9, 129.0), "Allesschneider": (59.9, 149.0),
    "Milchaufschäumer": (29.9, 79.9),
    "Batterien AA 8er-Pack": (4.9, 8.9), "Batterien AAA 8er-Pack": (4.9, 8.9),
    "Knopfzelle CR2032 2er-Pack": (2.9, 4.9), "Ladegerät für AA/AAA": (14.9, 29.9), "9-V-Block": (2.9, 4.9),
    "USB-C-Kabel 1 m": (7.9, 14.9), "USB-C-Kabel 2 m": (9.9, 17.9), "Powerbank 10.000 mAh": (19.9, 34.9),
    "Powerbank 20.000 mAh": (29.9, 49.9), "Schnurloses Telefon mit Anrufbeantworter": (49.9, 89.9),
    "Seniorenhandy": (49.9, 119.0), "Displayschutzglas universal": (9.9, 17.9),
    # gifts, tools, garden
    "Lüneburger Salz im Leinensäckchen 250 g": (5.9, 8.9), "Kunstdruck Lüneburger Rathaus A3": (19.0, 39.0),
    "Kunstdruck Stintmarkt A4": (14.0, 24.0), "Holzbrett Eiche": (29.0, 59.0),
    "Filzuntersetzer 4er-Set": (12.0, 19.0),
    "Schlüsselanhänger Kranhaus": (5.9, 9.9), "Leinentasche Salzstadt": (9.9, 16.9),
    "Klappkarte": (2.9, 4.9), "Postkarte": (1.2, 1.9), "Geschenkpapier-Rolle 2 m": (3.5, 6.9),
    "Geschenkanhänger 6er-Set": (2.9, 4.9), "Christbaumkugeln Glas 6er-Set": (14.9, 29.9),
    "Adventskranz-Kerzen 4er": (5.9, 11.9), "Räuchermännchen Nachtwächter": (34.9, 59.0),
    "Stern Papier 40 cm": (14.9, 29.9), "Osterhase Holz": (6.9, 14.9), "Lichterkette 20 LED": (9.9, 19.9),
    "Zollstock 2 m Holz": (7.9, 14.9), "Cuttermesser 18 mm": (4.9, 12.9), "Maßband 5 m": (7.9, 14.9),
    "Akku-Bohrschrauber 18 V": (89.0, 229.0), "Akku-Schlagbohrmaschine 18 V": (119.0, 299.0),
    "Stichsäge": (79.0, 199.0), "Exzenterschleifer": (69.0, 189.0), "Akku-Heckenschere": (89.0, 199.0),
    "Gartenschere Bypass": (14.9, 34.9), "Rosenschere Felco 2": (54.9, 69.9), "Handschaufel": (6.9, 14.9),
    "Gartenschlauch 20 m": (24.9, 49.9), "Gießkanne 10 l": (9.9, 24.9),
    "Blumenerde torffrei 40 l": (7.9, 12.9),
    "Hochbeeterde 40 l": (8.9, 13.9), "Rasensamen 1 kg": (9.9, 19.9), "Gartenhandschuhe Gr. 8": (4.9, 12.9),
    "Vogelfutter Meisenknödel 6 Stück": (1.99, 3.49),
    # sport
    "Laufshirt kurzarm": (24.9, 44.9), "Lauftight lang": (39.9, 69.9), "Laufjacke winddicht": (59.9, 109.0),
    "Laufsocken 2er-Pack": (12.9, 19.9), "Torwarthandschuhe Gr. 8": (19.9, 49.9),
    "Schienbeinschoner Kinder": (7.9, 14.9), "Ballpumpe mit Nadel": (5.9, 12.9),
    "Stutzen schwarz 2er-Pack": (7.9, 12.9), "Trainingshütchen 10er-Set": (6.9, 11.9),
    "Sporttasche 45 l": (29.9, 49.9), "Trinkflasche 750 ml": (7.9, 14.9),
    "Yogamatte 4 mm": (24.9, 49.9), "Yogamatte 6 mm": (29.9, 89.9), "Yogablock Kork": (12.9, 19.9),
    "Fitnessband leicht": (6.9, 12.9), "Fitnessband mittel": (6.9, 12.9), "Springseil": (7.9, 19.9),
    "Kurzhantel-Set 2x2 kg": (19.9, 34.9), "Faszienrolle": (19.9, 34.9),
    "Badeanzug": (29.9, 59.9), "Badehose": (19.9, 34.9), "Schwimmbrille": (9.9, 24.9),
    "Badekappe Silikon": (6.9, 11.9), "Kinder-Schwimmshirt": (14.9, 24.9),
}  # fmt: skip


@dataclass(frozen=True)
class Pattern:
    """Product titles from a template and its slot values; `brands` empty means the shop's own make."""

    template: str
    brands: tuple[str, ...]
    price: tuple[float, float]
    slots: tuple[tuple[str, tuple[str, ...]], ...]
    gtin: bool = True
    hints: tuple[tuple[str, tuple[float, float]], ...] = ()

    def titles(self) -> list[tuple[str, tuple[float, float]]]:
        """Every title with its price range: the pattern's, narrowed by the last slot value with a hint."""
        names = [name for name, _ in self.slots]
        found = []
        for values in itertools.product(*(values for _, values in self.slots)):
            price = self.price
            hints = dict(self.hints)
            for value in values:
                price = hints.get(value, PRICE_HINTS.get(value, price))
            found.append((self.template.format(**dict(zip(names, values, strict=True))), price))
        return found


def _p(
    template: str,
    brands: str,
    lo: float,
    hi: float,
    *,
    gtin: bool = True,
    hints: dict[str, tuple[float, float]] | None = None,
    **slots: str,
) -> Pattern:
    """Compact notation: brands and slot values are `|`-separated strings; `hints` price single values."""
    return Pattern(
        template=template,
        brands=tuple(b for b in brands.split("|") if b),
        price=(lo, hi),
        slots=tuple((name, tuple(values.split("|"))) for name, values in slots.items()),
        gtin=gtin,
        hints=tuple((hints or {}).items()),
    )


@dataclass(frozen=True)
class Child:
    name: str
    name_en: str
    slug: str
    patterns: tuple[Pattern, ...]


@dataclass(frozen=True)
class Top:
    name: str
    name_en: str
    slug: str
    shop_names: tuple[str, ...]  # templates: {s} surname, {f} first name, {p} place
    intro: tuple[str, ...]
    product_lines: tuple[str, ...]
    children: tuple[Child, ...]


_COLORS = "schwarz|weiß|grau|dunkelblau|rot|grün"

CATALOGUE: tuple[Top, ...] = (
    Top(
        "Fahrrad & Outdoor",
        "Bikes & outdoor",
        "fahrrad-outdoor",
        ("Fahrradhaus {s}", "Radhaus {s}", "Zweirad {s}", "Fahrradwerkstatt {s}", "Velo-Laden {p}"),
        (
            "Fahrräder, Zubehör und eine Meisterwerkstatt, die fast alles am selben Tag repariert.",
            "Vom Kinderrad bis zum Reiserad: Beratung mit Probefahrt und Werkstatt im Hof.",
            "Alles für Alltag und Tour: Räder, Ersatzteile, Taschen und Outdoor-Ausrüstung.",
        ),
        (
            "Auf Wunsch stellen wir alles direkt im Laden für Sie ein.",
            "Im Laden zum Anschauen und Ausprobieren.",
            "Ideal für den Weg zur Uni und Touren in die Heide.",
            "Wir beraten Sie gern zur richtigen Größe.",
        ),
        (
            Child(
                "Fahrräder",
                "Bicycles",
                "fahrraeder",
                (
                    _p(
                        "{kind} {frame}, {gears}",
                        "Kalkhoff|Gazelle|Stevens|Cube|Kettler|Diamant",
                        449,
                        1499,
                        kind="Trekkingrad|Citybike|Urban Bike|Gravelbike",
                        frame="Rahmenhöhe 50 cm|Rahmenhöhe 55 cm|Rahmenhöhe 60 cm|Tiefeinsteiger 45 cm",
                        gears="7-Gang-Nabenschaltung|8-Gang Shimano Nexus|24-Gang-Kettenschaltung|"
                        "Singlespeed",
                    ),
                    _p(
                        "Kinderfahrrad {size} Zoll {color}",
                        "Puky|Kubikes|Woom",
                        189,
                        479,
                        size="12|16|20|24",
                        color="rot|blau|grün|türkis|gelb",
                    ),
                    _p(
                        "E-Bike {kind} {battery} Wh, {frame}",
                        "Kalkhoff|Gazelle|Riese & Müller|Cube",
                        1899,
                        3999,
                        kind="Trekking|City|Kompakt",
                        battery="400|500|625",
                        frame="Diamantrahmen|Trapezrahmen|Tiefeinsteiger",
                    ),
                ),
            ),
            Child(
                "Fahrradzubehör",
                "Bike parts & accessories",
                "fahrradzubehoer",
                (
                    _p(
                        "Fahrradschlauch {size} {valve}",
                        "Schwalbe|Continental",
                        5.5,
                        12.99,
                        size="28 Zoll|26 Zoll|24 Zoll|20 Zoll|700x35C",
                        valve="Dunlop-Ventil|Sclaverand-Ventil|Auto-Ventil",
                    ),
                    _p(
                        "Fahrradreifen {model} {size} {kind}",
                        "Schwalbe|Continental",
                        19.9,
                        54.9,
                        model="Marathon|Marathon Plus|Big Apple|Contact Plus",
                        size="28x1.50|28x1.75|26x2.00",
                        kind="Reflex|faltbar",
                    ),
                    _p(
                        "Fahrradschloss {kind} {size}",
                        "Abus|Trelock|Kryptonite",
                        14.9,
                        109,
                        kind="Faltschloss|Bügelschloss|Kettenschloss|Kabelschloss",
                        size="85 cm|100 cm|120 cm|Sicherheitslevel 10",
                    ),
                    _p(
                        "LED-Fahrradlicht-Set {lux} {power}",
                        "Busch + Müller|Sigma|Trelock",
                        19.9,
                        89.9,
                        lux="30 Lux|50 Lux|70 Lux|100 Lux",
                        power="mit USB-Akku|für Nabendynamo|mit Batterien",
                    ),
                    _p(
                        "Fahrradhelm {model} Gr. {size}",
                        "Uvex|Abus|Casco",
                        39.9,
                        129,
                        model="Urban|Allround|Kinder|E-Bike",
                        size="S|M|L",
                    ),
                    _p(
                        "{item} {color}",
                        "Ortlieb|Vaude|Basil",
                        29.9,
                        149,
                        item="Gepäckträgertasche 20 l|Lenkertasche 7 l|Fahrradkorb vorn|Doppeltasche 2x18 l",
                        color="schwarz|grau|petrol|rot",
                    ),
                ),
            ),
            Child(
                "Outdoor & Camping",
                "Outdoor & camping",
                "outdoor-camping",
                (
                    _p(
                        "Trinkflasche Edelstahl {vol} {color}",
                        "Sigg|Klean Kanteen|Vaude",
                        14.9,
                        34.9,
                        vol="0,5 l|0,75 l|1 l",
                        color="schwarz|mint|rot|grau|blau",
                    ),
                    _p(
                        "Stirnlampe {lm} Lumen {power}",
                        "Petzl|Black Diamond|Ledlenser",
                        19.9,
                        79.9,
                        lm="200|350|450|600",
                        power="Akku|Batterie",
                    ),
                    _p(
                        "Wanderrucksack {vol} Liter {color}",
                        "Deuter|Vaude|Jack Wolfskin",
                        49.9,
                        169,
                        vol="18|24|30|40",
                        color="schwarz|oliv|blau|rot",
                    ),
                    _p(
                        "Isomatte selbstaufblasend {size} {thick}",
                        "Therm-a-Rest|Exped|Vaude",
                        39.9,
                        139,
                        size="Regular|Long|Kinder",
                        thick="2,5 cm|3,8 cm|5 cm",
                    ),
                ),
            ),
        ),
    ),
    Top(
        "Bücher & Schreibwaren",
        "Books & stationery",
        "buecher-schreibwaren",
        ("Buchhandlung {s}", "Buchladen {p}", "Papeterie {s}", "Schreibwaren {s}", "Bücherstube {f}"),
        (
            "Eine unabhängige Buchhandlung mit Lesungen, Leseecke und persönlicher Beratung.",
            "Bücher, Karten und schönes Papier; was nicht da ist, bestellen wir bis morgen.",
            "Notizbücher, Füller und Geschenkpapier, dazu eine Auswahl an Büchern aus der Region.",
        ),
        (
            "Gern als Geschenk verpackt.",
            "Ein Tipp aus unserem Team.",
            "Vorrätig im Laden, sofort zum Mitnehmen.",
            "Was fehlt, bestellen wir bis morgen.",
        ),
        (
            Child(
                "Romane & Krimis",
                "Fiction & crime",
                "romane-krimis",
                (
                    _p(
                        "{title} ({format})",
                        "Diogenes|Hanser|dtv|Rowohlt|Kiepenheuer & Witsch|Suhrkamp",
                        12,
                        28,
                        title=(
                            "Der Vorleser von Bernhard Schlink|Tschick von Wolfgang Herrndorf|"
                            "Unterleuten von Juli Zeh|Mittagsstunde von Dörte Hansen|"
                            "Altes Land von Dörte Hansen|"
                            "Der Schwarm von Frank Schätzing|Die Vermessung der Welt von Daniel Kehlmann|"
                            "Tyll von Daniel Kehlmann|Das Parfum von Patrick Süskind|"
                            "Im Westen nichts Neues von "
                            "Erich Maria Remarque|Der Trafikant von Robert Seethaler|Ein ganzes Leben von "
                            "Robert Seethaler|Kruso von Lutz Seiler|Stern 111 von Lutz Seiler|"
                            "Vom Ende der Einsamkeit von Benedict Wells|Die Mittagsfrau von Julia Franck|"
                            "Blaue Frau von Antje Rávik Strubel|Über Menschen von Juli Zeh|"
                            "Der Gesang der Flusskrebse von Delia Owens|Kleine Probleme von Nele Pollatschek|"
                            "Heidekrimi: Tod im Wacholder von Sabine Lüders|Salzstadtmord von Henrik Behrens"
                        ),
                        format="Taschenbuch|Gebunden",
                    ),
                ),
            ),
            Child(
                "Kinderbücher",
                "Children's books",
                "kinderbuecher",
                (
                    _p(
                        "Kinderbuch: {title}",
                        "Gerstenberg|Beltz & Gelberg|Oetinger|Carlsen|Thienemann",
                        8.99,
                        18,
                        title=(
                            "Die kleine Raupe Nimmersatt|Der Grüffelo|Das kleine Ich bin ich|"
                            "Die kleine Hexe|Jim Knopf und Lukas der Lokomotivführer|Das Sams|"
                            "Pippi Langstrumpf|Michel aus Lönneberga|Petterson und Findus|"
                            "Der Regenbogenfisch|Wo die wilden Kerle wohnen|Das NEINhorn|"
                            "Die Schule der magischen Tiere|Der kleine Drache Kokosnuss|"
                            "Conni kommt in den Kindergarten|Der Maulwurf Grabowski|Ronja Räubertochter|"
                            "Die Olchis|Das Traumfresserchen|Momo"
                        ),
                    ),
                    _p(
                        "Pappbilderbuch: {title}",
                        "Ravensburger|Coppenrath|Carlsen",
                        6.99,
                        14.99,
                        title=(
                            "Mein erstes Tierbuch|Wieso? Weshalb? Warum? Die Feuerwehr|Gute Nacht, Gorilla|"
                            "Das ist nicht mein Bär|Kleiner Eisbär|Bauernhof zum Fühlen|Fahrzeuge|"
                            "Mein Wimmelbuch Lüneburg"
                        ),
                    ),
                ),
            ),
            Child(
                "Regionales & Reise",
                "Local & travel",
                "regionales-reise",
                (
                    _p(
                        "{title}",
                        "Husum Verlag|Wachholtz|Kompass|Bielefelder Verlag|Edition Temmen",
                        7.95,
                        29.9,
                        title=(
                            "Lüneburg: Der Stadtführer|Radwanderkarte Lüneburger Heide 1:50.000|"
                            "Wanderführer Elbtalaue|Die Salzstadt Lüneburg: eine Geschichte|"
                            "Kochbuch: Heideküche|Lüneburger Sagen und Legenden|Hansestädte an der Elbe|"
                            "Wandkalender Lüneburger Heide|Radtouren zwischen Elbe und Heide|"
                            "Bildband: Lüneburg von oben|Kinderstadtführer Lüneburg|"
                            "Der Heidschnuckenweg: Wanderführer|Plattdüütsch för Anfänger"
                        ),
                    ),
                    _p(
                        "Reiseführer {place} ({series})",
                        "Marco Polo|Baedeker|Lonely Planet|DuMont",
                        12.95,
                        26.9,
                        place="Hamburg|Ostsee|Nordsee|Lüneburger Heide|Dänemark|Schweden|Berlin",
                        series="aktuelle Auflage|mit Faltkarte",
                    ),
                ),
            ),
            Child(
                "Schreibwaren",
                "Stationery",
                "schreibwaren",
                (
                    _p(
                        "Notizbuch {size} {ruling} {color}",
                        "Leuchtturm1917|Moleskine|Brunnen",
                        4.99,
                        24.9,
                        size="A4|A5|A6",
                        ruling="liniert|kariert|blanko|gepunktet",
                        color="schwarz|marineblau|salbei|bordeaux",
                    ),
                    _p(
                        "Füller {model} Feder {nib}",
                        "Lamy|Pelikan|Kaweco",
                        17.9,
                        49.9,
                        model="safari schwarz|safari petrol|AL-star graphit|Pelikano Junior|Sport classic",
                        nib="EF|F|M|A (Anfänger)",
                    ),
                    _p(
                        "{item}",
                        "Faber-Castell|Staedtler|Stabilo|Herlitz",
                        1.49,
                        32.9,
                        item=(
                            "Buntstifte 12er-Etui|Buntstifte 24er-Etui|Bleistift HB 3er-Pack|"
                            "Fineliner 10er-Set|Textmarker 4er-Set|Radiergummi Kunststoff|"
                            "Aquarellstifte 36er-Metalletui|Kugelschreiber blau 5er-Pack|"
                            "Schulheft A4 Lineatur 27|Zeichenblock A3 20 Blatt|Füllerpatronen königsblau 6er|"
                            "Geodreieck 16 cm|Spitzer Doppel mit Dose|Briefumschläge DIN lang 25 Stück"
                        ),
                    ),
                ),
            ),
        ),
    ),
    Top(
        "Lebensmittel & Feinkost",
        "Food & delicatessen",
        "lebensmittel-feinkost",
        (
            "Feinkost {s}",
            "Hofladen {s}",
            "Weinhandlung {s}",
            "Teehaus {s}",
            "Kaffeerösterei {s}",
            "Käse & Wein {s}",
        ),
        (
            "Feinkost, Wein und Spezialitäten aus der Heide und aus aller Welt; vieles zum Probieren.",
            "Regionale Erzeugnisse von Höfen rund um Lüneburg, frisch jede Woche.",
            "Kaffee aus eigener Röstung, lose Tees und Feines für den Vorrat.",
        ),
        (
            "Sorgfältig ausgewählt von unserem Team.",
            "Unser Tipp für das Abendessen mit Freunden.",
            "Nur solange der Vorrat reicht.",
            "Auch als Geschenkkorb erhältlich.",
        ),
        (
            Child(
                "Feinkost & Vorrat",
                "Delicatessen & pantry",
                "feinkost-vorrat",
                (
                    _p(
                        "Olivenöl nativ extra {origin} {vol}",
                        "Terra Creta|Rapunzel|Gaea|Bio Planète",
                        8.9,
                        24.9,
                        origin="Kreta|Apulien|Andalusien|Peloponnes",
                        vol="0,5 l|0,75 l|1 l",
                    ),
                    _p(
                        "Senf {kind} {size}",
                        "Lüneburger Senfmühle|Löwensenf|Altenburger",
                        2.49,
                        6.9,
                        kind="mittelscharf|scharf|süß|Honig-Dill|grobkörnig",
                        size="200 ml Glas|250 ml Tube",
                    ),
                    _p(
                        "Pesto {kind} 190 g",
                        "Rapunzel|Barilla|La Selva",
                        2.99,
                        6.49,
                        kind="Genovese|Rosso|Bärlauch|Rucola|Walnuss",
                    ),
                    _p(
                        "{item}",
                        "Rapunzel|Alnatura|De Cecco|Byodo",
                        1.49,
                        12.9,
                        item=(
                            "Aceto Balsamico di Modena 250 ml|Spaghetti Nr. 12 500 g|"
                            "Risottoreis Arborio 1 kg|"
                            "Dinkelnudeln Spirelli 500 g|Meersalz grob 500 g|Tomaten passiert 690 g|"
                            "Kichererbsen 400 g|Rote Linsen 500 g|Haferflocken zart 500 g|"
                            "Kakao stark entölt 250 g|Zartbitterschokolade 70 % 100 g|"
                            "Apfelmus ungesüßt 360 g|Rapsöl kaltgepresst 0,5 l"
                        ),
                    ),
                ),
            ),
            Child(
                "Wein & Spirituosen",
                "Wine & spirits",
                "wein-spirituosen",
                (
                    _p(
                        "{grape} {region} {year} trocken 0,75 l",
                        "Weingut Müller|Weingut Becker|Winzergenossenschaft Heilbronn|Weingut Schales",
                        6.9,
                        24.9,
                        grape="Riesling|Grauburgunder|Weißburgunder|Silvaner|Spätburgunder|Dornfelder",
                        region="Pfalz|Rheinhessen|Mosel|Baden|Franken",
                        year="2021|2022|2023",
                    ),
                    _p(
                        "{item}",
                        "Heide-Brennerei|Lüneburger Brennerei|Nordik Edelbrennerei",
                        9.9,
                        39.9,
                        item=(
                            "Heidegeist 0,5 l|Wacholder-Gin 0,5 l|Apfelbrand 0,35 l|"
                            "Lüneburger Kräuterlikör 0,5 l|"
                            "Birnenbrand 0,35 l|Kornbrand 0,7 l|Sanddornlikör 0,5 l|Kirschlikör 0,5 l"
                        ),
                    ),
                ),
            ),
            Child(
                "Kaffee & Tee",
                "Coffee & tea",
                "kaffee-tee",
                (
                    _p(
                        "Kaffee {roast} {form} {weight}",
                        "Röstwerk Lüneburg|Hanseatische Kaffeerösterei|Elbgold",
                        6.9,
                        19.9,
                        roast="Hausmischung|Espresso Milano|Äthiopien Sidamo|Brasilien Santos|Entkoffeiniert",
                        form="ganze Bohne|gemahlen",
                        weight="250 g|500 g|1 kg",
                        hints={"250 g": (5.9, 9.9), "500 g": (10.9, 15.9), "1 kg": (18.9, 26.9)},
                    ),
                    _p(
                        "Tee {kind} lose {weight}",
                        "Bünting|Teekampagne|Ronnefeldt|Samova",
                        3.9,
                        24.9,
                        kind="Ostfriesen Broken|Darjeeling First Flush|Assam|Earl Grey|Grüner Sencha|"
                        "Rooibos Vanille|"
                        "Kräuter Heidegarten|Pfefferminze",
                        weight="100 g|250 g|500 g",
                        hints={"100 g": (3.9, 7.9), "250 g": (7.9, 12.9), "500 g": (12.9, 22.9)},
                    ),
                ),
            ),
            Child(
                "Regionale Erzeugnisse",
                "Regional produce",
                "regionale-erzeugnisse",
                (
                    _p(
                        "{item}",
                        "Hof Meyer, Reppenstedt|Imkerei Heideblüte|Heidehof Amelinghausen|"
                        "Biohof Wendisch Evern|"
                        "Obsthof Altes Land",
                        1.99,
                        14.9,
                        gtin=False,
                        item=(
                            "Heidehonig cremig 500 g|Heidehonig flüssig 250 g|Rapshonig 500 g|"
                            "Heidekartoffeln festkochend 2,5 kg|Heidekartoffeln mehligkochend 2,5 kg|"
                            "Eier aus Freilandhaltung 10 Stück|Eier Bio 6 Stück|"
                            "Apfelsaft naturtrüb 1 l|Apfel-Rhabarber-Saft 0,75 l|Birnensaft 1 l|"
                            "Heidschnuckensalami 200 g|Heidschnuckenschinken geräuchert 100 g|"
                            "Ziegenfrischkäse Kräuter 150 g|Bergkäse Heidehof 200 g|Buttermilch 500 ml|"
                            "Erdbeerkonfitüre 250 g|Pflaumenmus 250 g|Preiselbeeren 220 g|"
                            "Spargel weiß Klasse I 1 kg|Grünkohl frisch 1 kg|Äpfel Elstar 1 kg|"
                            "Äpfel Boskop 1 kg|"
                            "Buchweizenmehl 500 g|Roggenmehl Type 1150 1 kg"
                        ),
                    ),
                ),
            ),
        ),
    ),
    Top(
        "Bäckerei",
        "Bakery",
        "baeckerei",
        ("Bäckerei {s}", "Backstube {s}", "Konditorei {s}", "Café & Backhaus {s}"),
        (
            "Handwerksbäckerei mit Sauerteig aus eigener Führung; jeden Morgen frisch aus dem Ofen.",
            "Brot, Brötchen und Torten nach Familienrezept, dazu ein kleines Café.",
            "Wir backen nachts, damit es morgens duftet: Brot mit langer Teigführung und Mehl aus der Heide.",
        ),
        (
            "Heute frisch gebacken.",
            "Mit Mehl aus der Heide.",
            "Nach Familienrezept.",
            "Am besten am Tag des Kaufs genießen.",
        ),
        (
            Child(
                "Brot",
                "Bread",
                "brot",
                (
                    _p(
                        "{kind} {weight}",
                        "",
                        2.9,
                        6.9,
                        gtin=False,
                        kind=(
                            "Dinkelvollkornbrot|Roggenmischbrot|Sauerteigbrot|Kürbiskernbrot|Heidebrot|"
                            "Sonnenblumenkernbrot|Weizenmischbrot|Bauernbrot|Schwarzbrot|Buchweizenbrot"
                        ),
                        weight="500 g|750 g|1000 g",
                    ),
                ),
            ),
            Child(
                "Brötchen & Kleingebäck",
                "Rolls & pastries",
                "broetchen-kleingebaeck",
                (
                    _p(
                        "{kind} {pack}",
                        "",
                        0.45,
                        6.5,
                        gtin=False,
                        kind=(
                            "Kaiserbrötchen|Mehrkornbrötchen|Laugenbrezel|Franzbrötchen|Buttercroissant|"
                            "Rosinenschnecke|Dinkelbrötchen|Mohnbrötchen"
                        ),
                        pack="einzeln|4er-Tüte|10er-Tüte",
                    ),
                ),
            ),
            Child(
                "Kuchen & Torten",
                "Cakes & tarts",
                "kuchen-torten",
                (
                    _p(
                        "{kind} {size}",
                        "",
                        2.4,
                        39.9,
                        gtin=False,
                        kind=(
                            "Butterkuchen|Bienenstich|Käsekuchen|Apfelkuchen|Friesentorte|Buchweizentorte|"
                            "Schwarzwälder Kirschtorte|Mohnkuchen|Streuselkuchen"
                        ),
                        size="Stück|halbes Blech|Torte 26 cm",
                    ),
                ),
            ),
            Child(
                "Kekse & Dauergebäck",
                "Biscuits",
                "kekse-dauergebaeck",
                (
                    _p(
                        "{kind} {weight}",
                        "",
                        2.9,
                        9.9,
                        gtin=False,
                        kind="Heidesand|Spekulatius|Kokosmakronen|Elisenlebkuchen|Vanillekipferl|Butterkekse",
                        weight="200 g|400 g",
                    ),
                ),
            ),
        ),
    ),
    Top(
        "Mode & Schuhe",
        "Fashion & shoes",
        "mode-schuhe",
        ("Modehaus {s}", "Schuhhaus {s}", "Boutique {f}", "Herrenausstatter {s}", "Mode {p}"),
        (
            "Mode für Damen und Herren, ausgesucht mit Blick auf faire Herstellung.",
            "Schuhe für jeden Tag und jeden Fuß, mit Fußvermessung und Reparaturannahme.",
            "Ein kleines Geschäft mit großer Auswahl: Basics, Lieblingsstücke und Accessoires.",
        ),
        (
            "Fällt normal aus.",
            "Aus fairer Herstellung.",
            "Weitere Größen und Farben im Laden.",
            "Bequem für jeden Tag.",
        ),
        (
            Child(
                "Damenmode",
                "Womenswear",
                "damenmode",
                (
                    _p(
                        "{item} {color} Gr. {size}",
                        "Armedangels|Marc O'Polo|Esprit|Hessnatur|Tom Tailor",
                        24.9,
                        189,
                        item="Bluse Leinen|Strickpullover Merino|Jeans Straight Fit|Jerseykleid|"
                        "Übergangsjacke|"
                        "Cardigan Baumwolle",
                        color="schwarz|navy|sand|salbei|bordeaux",
                        size="36|38|40|42",
                    ),
                ),
            ),
            Child(
                "Herrenmode",
                "Menswear",
                "herrenmode",
                (
                    _p(
                        "{item} {color} Gr. {size}",
                        "Olymp|Marc O'Polo|Armedangels|Camel Active|Lerros",
                        24.9,
                        229,
                        item="Hemd Oxford|Strickpullover Lambswool|Chino Slim Fit|Sakko Wolle|"
                        "Regenjacke|Polo-Shirt",
                        color="navy|grau|oliv|beige|weiß",
                        size="S|M|L|XL",
                    ),
                ),
            ),
            Child(
                "Schuhe",
                "Shoes",
                "schuhe",
                (
                    _p(
                        "{kind} {material} {color} Gr. {size}",
                        "Ecco|Gabor|Rieker|Lloyd|Waldläufer|Birkenstock",
                        49.9,
                        189,
                        kind="Sneaker|Chelsea Boots|Schnürhalbschuh|Sandale|Winterstiefel",
                        material="Leder|Veloursleder",
                        color="schwarz|braun|cognac",
                        size="37|38|39|40|41|42|43|44",
                    ),
                    _p(
                        "Gummistiefel {who} {color} Gr. {size}",
                        "Aigle|Romika|Playshoes",
                        19.9,
                        89.9,
                        who="Kinder|Damen",
                        color="gelb|dunkelgrün|marine",
                        size="28|32|38|40",
                    ),
                ),
            ),
            Child(
                "Accessoires & Schuhpflege",
                "Accessories & shoe care",
                "accessoires-schuhpflege",
                (
                    _p(
                        "Schnürsenkel {shape} {length} {color}",
                        "Collonil|Kaps|Solitaire",
                        1.99,
                        4.99,
                        shape="rund|flach|gewachst",
                        length="75 cm|90 cm|120 cm",
                        color="schwarz|braun|weiß",
                    ),
                    _p(
                        "{item}",
                        "Collonil|Kaps|Knirps|Roeckl|Fraas",
                        3.99,
                        69.9,
                        item=(
                            "Schuhcreme schwarz 75 ml|Schuhcreme braun 75 ml|Imprägnierspray 200 ml|"
                            "Rosshaarbürste|Einlegesohlen Lammfell Gr. 38|Einlegesohlen Lammfell Gr. 43|"
                            "Taschenschirm schwarz|Stockschirm transparent|Ledergürtel braun 95 cm|"
                            "Ledergürtel schwarz 105 cm|Wollschal grau|Strickmütze Merino navy|"
                            "Lederhandschuhe Damen Gr. 7|Lederhandschuhe Herren Gr. 9"
                        ),
                    ),
                ),
            ),
        ),
    ),
    Top(
        "Spielwaren",
        "Toys & games",
        "spielwaren",
        ("Spielwaren {s}", "Spielzeugkiste {p}", "Holzspielzeug {s}", "Spielkiste {f}"),
        (
            "Spielzeug, das lange hält: Holz, Brettspiele und Bausteine, dazu ein Spieltisch im Laden.",
            "Das Spielwarengeschäft der Altstadt; wir packen jedes Geschenk gern ein.",
            "Für Kinder von null bis neunzig: Spiele, Puzzles und Bastelsachen.",
        ),
        (
            "Gern als Geschenk verpackt.",
            "Empfohlen vom Team.",
            "Altersempfehlung auf der Verpackung.",
            "Ausprobieren am Spieltisch im Laden.",
        ),
        (
            Child(
                "Gesellschaftsspiele",
                "Board games",
                "gesellschaftsspiele",
                (
                    _p(
                        "{title} ({edition})",
                        "Kosmos|Hans im Glück|Ravensburger|Schmidt Spiele|Amigo|Pegasus",
                        9.99,
                        49.9,
                        # the kind of game in the title: residents search "Brettspiel", not "CATAN"
                        title=(
                            "Brettspiel CATAN|Brettspiel Carcassonne|Brettspiel Azul|Würfelspiel Kniffel|"
                            "Brettspiel Mensch ärgere Dich nicht|Kartenspiel Dixit|Kartenspiel Die Crew|"
                            "Legespiel Qwirkle|Legespiel Ubongo|Kartenspiel Wizard|Kartenspiel Dobble|"
                            "Partyspiel Activity|Kartenspiel Hanabi|Brettspiel Kingdomino|"
                            "Partyspiel Codenames|"
                            "Würfelspiel Heckmeck"
                        ),
                        edition="Grundspiel|Reiseedition",
                    ),
                ),
            ),
            Child(
                "Puzzles",
                "Puzzles",
                "puzzles",
                (
                    _p(
                        "Puzzle {n} Teile: {motif}",
                        "Ravensburger|Schmidt Spiele|Clementoni",
                        9.99,
                        29.9,
                        n="200|500|1000|1500",
                        motif=(
                            "Lüneburg Altstadt|Lüneburger Heide in Blüte|Hamburger Hafen|Weltkarte|"
                            "Leuchttürme der Nordsee|Alpenpanorama|Wimmelbild Bauernhof"
                        ),
                    ),
                ),
            ),
            Child(
                "Baby & Kleinkind",
                "Baby & toddler",
                "baby-kleinkind",
                (
                    _p(
                        "{item}",
                        "Haba|Selecta|Plan Toys|Sigikid|Steiff",
                        6.99,
                        59.9,
                        item=(
                            "Greifling Holz Regenbogen|Stapelturm Holz|Steckspiel Formen|Motorikwürfel|"
                            "Nachziehtier Dackel|Kuscheltier Schaf 25 cm|Teddybär 30 cm|Spieluhr Mond|"
                            "Badebuch Meerestiere|Holzpuzzle Bauernhof|Rasselbande Holzrassel|"
                            "Lauflernwagen Holz|"
                            "Schmusetuch Hase|Sandspielzeug-Set 5-teilig"
                        ),
                    ),
                ),
            ),
            Child(
                "Bausteine & Figuren",
                "Building sets & figures",
                "bausteine-figuren",
                (
                    _p(
                        "{brand_line} {item}",
                        "LEGO|Playmobil|BRIO|Schleich",
                        4.99,
                        99.9,
                        brand_line="Bausteine-Set|Spielset",
                        item=(
                            "Feuerwehrwache|Bauernhof|Polizeistation|Piratenschiff|Ritterburg|Zoo|Campingbus|"
                            "Baustelle|Eisenbahn-Starterset|Reiterhof"
                        ),
                    ),
                    _p(
                        "Spielfigur {animal}",
                        "Schleich",
                        3.99,
                        12.99,
                        animal="Pferd Hannoveraner|Heidschnucke|Fuchs|Igel|Storch|Kuh Schwarzbunt|Esel|Wolf",
                    ),
                ),
            ),
        ),
    ),
    Top(
        "Haushalt & Wohnen",
        "Home & kitchen",
        "haushalt-wohnen",
        ("Haushaltswaren {s}", "Wohnkultur {s}", "Küchenladen {p}", "Glas & Porzellan {s}"),
        (
            "Gutes Werkzeug für die Küche und schöne Dinge für den Tisch, mit Messerschleifdienst.",
            "Wohnaccessoires, Porzellan und Textilien; Hochzeitslisten führen wir gern.",
            "Haushaltswaren seit Generationen: vom Sparschäler bis zum Bräter.",
        ),
        (
            "Im Laden zum Anfassen und Vergleichen.",
            "Schön verpackt auch als Geschenk.",
            "Langlebig und reparierbar.",
            "Weitere Farben bestellen wir gern.",
        ),
        (
            Child(
                "Kochen & Backen",
                "Cooking & baking",
                "kochen-backen",
                (
                    _p(
                        "{item} {size}",
                        "WMF|Fissler|Zwilling|Silit|Riess",
                        14.9,
                        149,
                        item="Bratpfanne Edelstahl|Bratpfanne beschichtet|Kochtopf mit Deckel|"
                        "Schmortopf Gusseisen|"
                        "Stielkasserolle",
                        size="16 cm|20 cm|24 cm|28 cm",
                    ),
                    _p(
                        "{item}",
                        "Zwilling|Victorinox|Gefu|Kaiser|Dr. Oetker",
                        3.99,
                        119,
                        item=(
                            "Kochmesser 20 cm|Brotmesser 23 cm|Schälmesser 9 cm|Wetzstahl 26 cm|Sparschäler|"
                            "Springform 26 cm|Gugelhupfform 22 cm|Kastenform 30 cm|Teigschaber Silikon|"
                            "Schneebesen 25 cm|Küchenwaage digital|Messbecher 1 l|Knoblauchpresse|"
                            "Reibe vierseitig|Nudelholz Buche"
                        ),
                    ),
                ),
            ),
            Child(
                "Tischkultur",
                "Tableware",
                "tischkultur",
                (
                    _p(
                        "{item} {line}",
                        "Kahla|Villeroy & Boch|Rosenthal|Arzberg|Seltmann",
                        5.9,
                        39.9,
                        item="Kaffeebecher 0,35 l|Frühstücksteller 21 cm|Speiseteller 27 cm|"
                        "Müslischale 15 cm|"
                        "Espressotasse mit Untertasse",
                        line="weiß|Pronto Colore grau|Heidekraut-Dekor|Streifen blau",
                    ),
                    _p(
                        "Weinglas {kind} 2er-Set",
                        "Schott Zwiesel|Spiegelau|Leonardo",
                        14.9,
                        39.9,
                        kind="Riesling|Bordeaux|Burgunder|Sekt|Wasserglas",
                    ),
                ),
            ),
            Child(
                "Wohnaccessoires",
                "Home decor",
                "wohnaccessoires",
                (
                    _p(
                        "{item} {color}",
                        "Räder|Ferm Living|Sompex|Gries|Blomus",
                        4.9,
                        79.9,
                        item="Kissenhülle Leinen 50x50 cm|Wolldecke 130x170 cm|Vase Keramik 20 cm|"
                        "Stabkerzen 4er-Pack|Windlicht Glas|Tischläufer 40x150 cm",
                        color="naturweiß|salbei|ocker|anthrazit|rost",
                    ),
                ),
            ),
            Child(
                "Aufbewahrung",
                "Storage",
                "aufbewahrung",
                (
                    _p(
                        "{item}",
                        "Weck|Emsa|Wesco|Zassenhaus|Kilner",
                        2.99,
                        69.9,
                        item=(
                            "Einmachglas Weck 500 ml 6er-Set|Einmachglas Weck 1 l 6er-Set|"
                            "Vorratsdose Glas 1 l|"
                            "Vorratsdose Glas 2 l|Brotkasten Emaille|Brotkasten Holz|"
                            "Frischhaltedosen-Set 3-teilig|"
                            "Brotbeutel Leinen|Kaffeedose 500 g|Keksdose Blech|Bienenwachstücher 3er-Set|"
                            "Lunchbox Edelstahl"
                        ),
                    ),
                ),
            ),
        ),
    ),
    Top(
        "Elektronik",
        "Electronics",
        "elektronik",
        ("Elektro {s}", "Radio {s}", "Foto & Elektro {s}", "Technik-Ecke {s}"),
        (
            "Fernseher, Radio und Haushaltsgeräte mit Lieferung, Aufbau und eigener Werkstatt.",
            "Fachhandel für Elektro und Kleingeräte; wir reparieren, statt wegzuwerfen.",
            "Kabel, Akkus, Lampen und Rat: der Laden für alles, was Strom braucht.",
        ),
        (
            "Beratung vom Fachhändler.",
            "Zwei Jahre Gewährleistung, Reparatur im Haus.",
            "Altgeräte nehmen wir kostenlos zurück.",
            "Wir helfen gern bei der Einrichtung.",
        ),
        (
            Child(
                "Audio & Radio",
                "Audio & radio",
                "audio-radio",
                (
                    _p(
                        "{item} {color}",
                        "Sangean|Technisat|Sonos|JBL|Sennheiser|Bose",
                        29.9,
                        449,
                        item="DAB+-Radio|Küchenradio|Bluetooth-Lautsprecher|Kopfhörer Over-Ear|"
                        "In-Ear-Kopfhörer|Radiowecker",
                        color="schwarz|weiß|Walnuss",
                    ),
                ),
            ),
            Child(
                "Kleingeräte",
                "Small appliances",
                "kleingeraete",
                (
                    _p(
                        "{item} {color}",
                        "WMF|Severin|Braun|Krups|Bosch|Graef",
                        24.9,
                        249,
                        item="Wasserkocher 1,7 l|Toaster 2 Scheiben|Stabmixer|Handmixer|Filterkaffeemaschine|"
                        "Allesschneider|Milchaufschäumer",
                        color="Edelstahl|schwarz|weiß|creme",
                    ),
                ),
            ),
            Child(
                "Batterien & Leuchtmittel",
                "Batteries & lamps",
                "batterien-leuchtmittel",
                (
                    _p(
                        "LED-Lampe {socket} {watt} {tone}",
                        "Osram|Philips|Paulmann",
                        2.99,
                        14.9,
                        socket="E27|E14|GU10",
                        watt="4,9 W|7 W|9,5 W",
                        tone="warmweiß|neutralweiß|dimmbar",
                    ),
                    _p(
                        "{item}",
                        "Varta|Duracell|GP|Ansmann",
                        2.99,
                        34.9,
                        item=(
                            "Batterien AA 8er-Pack|Batterien AAA 8er-Pack|Knopfzelle CR2032 2er-Pack|"
                            "Akkus AA 2100 mAh 4er-Pack|Akkus AAA 800 mAh 4er-Pack|Ladegerät für AA/AAA|"
                            "9-V-Block|Batterien C Baby 2er-Pack"
                        ),
                    ),
                ),
            ),
            Child(
                "Telefon & Zubehör",
                "Phones & accessories",
                "telefon-zubehoer",
                (
                    _p(
                        "{item}",
                        "Anker|Hama|Gigaset|Emporia|Belkin",
                        7.99,
                        129,
                        item=(
                            "USB-C-Ladegerät 30 W|USB-C-Kabel 1 m|USB-C-Kabel 2 m|Powerbank 10.000 mAh|"
                            "Powerbank 20.000 mAh|Schnurloses Telefon mit Anrufbeantworter|Seniorenhandy|"
                            "Mehrfachsteckdose 6-fach mit Schalter|Verlängerungskabel 5 m|"
                            "Autoladegerät USB-C|"
                            "Displayschutzglas universal|Handyhalterung Fahrrad"
                        ),
                    ),
                ),
            ),
        ),
    ),
    Top(
        "Drogerie & Gesundheit",
        "Drugstore & health",
        "drogerie-gesundheit",
        ("Drogerie {s}", "Reformhaus {s}", "Naturkosmetik {f}", "Kräuterladen {p}"),
        (
            "Naturkosmetik, Pflege und Gesundes aus dem Reformhaus, mit Beratung.",
            "Die Drogerie mit Kräuterabteilung: Tees, Salben und alles für den Haushalt.",
            "Pflege ohne Mikroplastik, Nachfüllstation und Unverpacktes.",
        ),
        (
            "Sorgfältig ausgewählt für Sie.",
            "Beratung vom Fachpersonal.",
            "Gut für Haut und Umwelt.",
            "Fragen Sie uns nach Proben.",
        ),
        (
            Child(
                "Körperpflege",
                "Personal care",
                "koerperpflege",
                (
                    _p(
                        "{item} {scent}",
                        "Weleda|Dr. Hauschka|Lavera|Kneipp|Speick|Sante",
                        2.49,
                        19.9,
                        item="Duschgel 200 ml|Handcreme 50 ml|Bodylotion 200 ml|Shampoo 250 ml|Seife 100 g|"
                        "Deo Roll-on 50 ml",
                        scent="Lavendel|Rose|Zitrone|Sanddorn|Calendula|unparfümiert",
                    ),
                ),
            ),
            Child(
                "Gesundheit & Reformhaus",
                "Health food",
                "gesundheit-reformhaus",
                (
                    _p(
                        "{item}",
                        "Salus|Bad Heilbrunner|Abtei|Doppelherz|Fashy|Sonnentor",
                        2.49,
                        24.9,
                        item=(
                            "Kräutertee Erkältung 15 Beutel|Fencheltee 20 Beutel|"
                            "Magnesium 400 mg 60 Tabletten|"
                            "Vitamin D3 1000 I.E. 90 Tabletten|Kräuterblut Floradix 250 ml|Wärmflasche 2 l|"
                            "Wärmflasche mit Strickbezug|Heilerde innerlich 500 g|Ingwer-Shot 60 ml|"
                            "Traubenzucker Zitrone|Halsbonbons Salbei|Franzbranntwein 250 ml|"
                            "Arnika-Salbe 50 ml"
                        ),
                    ),
                ),
            ),
            Child(
                "Haushaltspflege",
                "Household cleaning",
                "haushaltspflege",
                (
                    _p(
                        "{item}",
                        "Frosch|Sonett|Ecover|AlmaWin",
                        1.49,
                        12.9,
                        item=(
                            "Spülmittel Zitrone 500 ml|Allzweckreiniger 1 l|Waschmittel flüssig 1,5 l|"
                            "Waschpulver sensitiv 1,2 kg|Badreiniger 500 ml|Glasreiniger 500 ml|"
                            "Entkalker 500 ml|Scheuermilch 500 ml|Spülmaschinentabs 30 Stück|Kernseife 150 g|"
                            "Gallseife 100 g|Schwammtücher 5er-Pack|Spülbürste Holz|Waschnüsse 500 g"
                        ),
                    ),
                ),
            ),
        ),
    ),
    Top(
        "Geschenke & Deko",
        "Gifts & decoration",
        "geschenke-deko",
        (
            "Geschenkideen {f}",
            "Kunsthandwerk {s}",
            "Papier & Deko {s}",
            "Salzkontor {p}",
            "Lüneburger Lädchen {f}",
        ),
        (
            "Kunsthandwerk aus der Region, Karten und kleine Geschenke; vieles nur hier.",
            "Geschenke mit Lüneburg-Bezug: Salz, Keramik, Drucke und Kalender.",
            "Deko für jede Jahreszeit und ein großes Sortiment an Karten und Geschenkpapier.",
        ),
        (
            "Liebevoll ausgewählt.",
            "Ein Mitbringsel aus der Salzstadt.",
            "Wir verpacken es gern als Geschenk.",
            "Eine Freude zum Verschenken.",
        ),
        (
            Child(
                "Kunsthandwerk",
                "Crafts",
                "kunsthandwerk",
                (
                    _p(
                        "{item}",
                        "",
                        4.9,
                        89,
                        gtin=False,
                        item=(
                            "Keramikbecher handgetöpfert blau|Keramikbecher handgetöpfert sand|"
                            "Lüneburger Salz im Leinensäckchen 250 g|Salzkristall-Windlicht|"
                            "Kunstdruck Lüneburger Rathaus A3|Kunstdruck Stintmarkt A4|Holzbrett Eiche|"
                            "Gewebtes Band mit Stadtwappen|Filzuntersetzer 4er-Set|"
                            "Handgegossene Bienenwachskerze|"
                            "Emaille-Schild Am Sande|Schlüsselanhänger Kranhaus|Leinentasche Salzstadt"
                        ),
                    ),
                ),
            ),
            Child(
                "Karten & Geschenkpapier",
                "Cards & gift wrap",
                "karten-geschenkpapier",
                (
                    _p(
                        "{kind} {motif}",
                        "Räder|Gollong|Paperproducts Design|Inkognito",
                        1.5,
                        6.9,
                        kind="Klappkarte|Postkarte|Geschenkpapier-Rolle 2 m|Geschenkanhänger 6er-Set",
                        motif="Geburtstag|Hochzeit|Geburt|Danke|Lüneburg Altstadt|Heideblüte|Weihnachten",
                    ),
                ),
            ),
            Child(
                "Saisonale Deko",
                "Seasonal decoration",
                "saisonale-deko",
                (
                    _p(
                        "{item} {color}",
                        "Inge-Glas|Käthe Wohlfahrt|Erzgebirge-Palast|Gift Company",
                        3.9,
                        59,
                        item="Christbaumkugeln Glas 6er-Set|Adventskranz-Kerzen 4er|Stern Papier 40 cm|"
                        "Räuchermännchen Nachtwächter|Windlicht Laterne|Osterhase Holz|Lichterkette 20 LED",
                        color="rot|gold|weiß|natur|silber",
                    ),
                ),
            ),
        ),
    ),
    Top(
        "Werkzeug & Garten",
        "Tools & garden",
        "werkzeug-garten",
        ("Eisenwaren {s}", "Werkzeug {s}", "Gartenbedarf {s}", "Haus & Garten {s}"),
        (
            "Eisenwaren wie früher: Schrauben einzeln, Schlüssel nachmachen, ehrlicher Rat.",
            "Werkzeug, Gartenbedarf und Saatgut; wir schärfen auch Gartenscheren und Messer.",
            "Vom Dübel bis zur Schubkarre: der Fachhändler für Haus und Garten.",
        ),
        (
            "Profiqualität für Heimwerker.",
            "Einzeln oder im Vorteilspack.",
            "Ersatzteile sind lange lieferbar.",
            "Wir zeigen Ihnen gern, wie es geht.",
        ),
        (
            Child(
                "Handwerkzeug",
                "Hand tools",
                "handwerkzeug",
                (
                    _p(
                        "{item}",
                        "Wera|Knipex|Stanley|Gedore|Bahco|Stabila",
                        4.9,
                        79.9,
                        item=(
                            "Schlosserhammer 300 g|Klauenhammer 450 g|Schraubendreher-Set 6-teilig|"
                            "Bitset 32-teilig|Kombizange 180 mm|Seitenschneider 160 mm|"
                            "Wasserpumpenzange 250 mm|"
                            "Zollstock 2 m Holz|Wasserwaage 60 cm|Cuttermesser 18 mm|Handsäge 500 mm|"
                            "Inbusschlüssel-Satz 9-teilig|Maßband 5 m|Schraubzwinge 300 mm|Feile halbrund"
                        ),
                    ),
                ),
            ),
            Child(
                "Elektrowerkzeug",
                "Power tools",
                "elektrowerkzeug",
                (
                    _p(
                        "{item} {variant}",
                        "Bosch|Makita|Metabo|Festool",
                        39.9,
                        299,
                        item="Akku-Bohrschrauber 18 V|Akku-Schlagbohrmaschine 18 V|Stichsäge|"
                        "Exzenterschleifer|"
                        "Akku-Heckenschere",
                        variant="Solo|mit 2 Akkus|im Koffer",
                    ),
                ),
            ),
            Child(
                "Schrauben & Befestigung",
                "Fasteners",
                "schrauben-befestigung",
                (
                    _p(
                        "Holzschrauben {size} mm, {n} Stück",
                        "Spax|fischer|Würth",
                        3.49,
                        18.9,
                        size="3x20|3,5x30|4x40|4,5x50|5x60|6x80",
                        n="50|100|200",
                    ),
                    _p(
                        "Dübel {kind} {size} mm, {n} Stück",
                        "fischer|tox",
                        2.99,
                        12.9,
                        kind="SX|DuoPower|UX",
                        size="6x30|8x40|10x50",
                        n="20|50",
                    ),
                ),
            ),
            Child(
                "Garten",
                "Garden",
                "garten",
                (
                    _p(
                        "{item}",
                        "Gardena|Fiskars|Neudorff|Felco|Kiepenkerl|Compo",
                        1.99,
                        89,
                        item=(
                            "Gartenschere Bypass|Astschere 70 cm|Rosenschere Felco 2|Handschaufel|Grabegabel|"
                            "Spaten Eschenstiel|Laubrechen|Gartenschlauch 20 m|Brause mit 6 Strahlarten|"
                            "Gießkanne 10 l|Blumenerde torffrei 40 l|Hochbeeterde 40 l|Rasensamen 1 kg|"
                            "Gartenhandschuhe Gr. 8|Vogelfutter Meisenknödel 6 Stück"
                        ),
                    ),
                    _p(
                        "Saatgut {plant}",
                        "Kiepenkerl|Bingenheimer Saatgut|Sperli",
                        1.99,
                        4.49,
                        gtin=True,
                        plant="Radieschen|Tomate Harzfeuer|Zucchini|Möhre Nantaise|Kapuzinerkresse|"
                        "Sonnenblume|Wildblumenmischung Heide|Basilikum|Pflücksalat|Erbse",
                    ),
                ),
            ),
        ),
    ),
    Top(
        "Sport",
        "Sports",
        "sport",
        ("Sport {s}", "Sporthaus {s}", "Laufladen {p}", "Team-Sport {s}"),
        (
            "Laufschuhe mit Laufanalyse, Teamsport und Ausrüstung für Verein und Schule.",
            "Sportartikel für Freizeit und Verein; Trikotdruck im Haus.",
            "Wir laufen selbst: Beratung, Lauftreff am Donnerstag und faire Preise.",
        ),
        (
            "Auch in weiteren Größen vorrätig.",
            "Im Laden zum Ausprobieren.",
            "Vereinsrabatt auf Anfrage.",
            "Beratung von Sportlern für Sportler.",
        ),
        (
            Child(
                "Laufen",
                "Running",
                "laufen",
                (
                    _p(
                        "Laufschuh {model} {who} Gr. {size}",
                        "Asics|Brooks|Saucony|Hoka|Mizuno|On",
                        89.9,
                        179,
                        model="Neutral|Stabil|Trail",
                        who="Damen|Herren",
                        size="38|39|40|41|42|43|44|45",
                    ),
                    _p(
                        "{item} {who} Gr. {size}",
                        "Asics|Odlo|Craft|Falke",
                        12.9,
                        89.9,
                        item="Laufshirt kurzarm|Lauftight lang|Laufjacke winddicht|Laufsocken 2er-Pack",
                        who="Damen|Herren",
                        size="S|M|L",
                    ),
                ),
            ),
            Child(
                "Ballsport",
                "Ball sports",
                "ballsport",
                (
                    _p(
                        "{ball} Gr. {size} {kind}",
                        "Derbystar|Select|Molten|Mikasa|adidas",
                        14.9,
                        59.9,
                        ball="Fußball|Handball|Volleyball|Basketball",
                        size="3|4|5",
                        kind="Training|Spielball",
                    ),
                    _p(
                        "{item}",
                        "Derbystar|Uhlsport|Erima|Jako",
                        5.9,
                        49.9,
                        item="Torwarthandschuhe Gr. 8|Schienbeinschoner Kinder|Ballpumpe mit Nadel|"
                        "Stutzen schwarz 2er-Pack|Trainingshütchen 10er-Set|Sporttasche 45 l|"
                        "Trinkflasche 750 ml",
                    ),
                ),
            ),
            Child(
                "Fitness & Yoga",
                "Fitness & yoga",
                "fitness-yoga",
                (
                    _p(
                        "{item} {color}",
                        "Manduka|Bodhi|Thera-Band|Kettler|Sveltus",
                        6.9,
                        89.9,
                        item="Yogamatte 4 mm|Yogamatte 6 mm|Yogablock Kork|Fitnessband leicht|"
                        "Fitnessband mittel|"
                        "Springseil|Kurzhantel-Set 2x2 kg|Faszienrolle",
                        color="schwarz|lila|petrol|grau",
                    ),
                ),
            ),
            Child(
                "Schwimmen",
                "Swimming",
                "schwimmen",
                (
                    _p(
                        "{item} {color} Gr. {size}",
                        "Speedo|Arena|Beco",
                        6.9,
                        59.9,
                        item="Badeanzug|Badehose|Schwimmbrille|Badekappe Silikon|Kinder-Schwimmshirt",
                        color="schwarz|navy|türkis",
                        size="S|M|L|164",
                    ),
                ),
            ),
        ),
    ),
)

TOPS = {top.slug: top for top in CATALOGUE}
CHILDREN = {child.slug: child for top in CATALOGUE for child in top.children}
PARENT_OF = {child.slug: top.slug for top in CATALOGUE for child in top.children}
GIFTY = {"buecher-schreibwaren", "spielwaren", "geschenke-deko", "haushalt-wohnen"}

# Shops of a top category sometimes also carry one child category of a related top category.
RELATED = {
    "fahrrad-outdoor": "sport",
    "buecher-schreibwaren": "geschenke-deko",
    "lebensmittel-feinkost": "baeckerei",
    "baeckerei": "lebensmittel-feinkost",
    "mode-schuhe": "sport",
    "spielwaren": "buecher-schreibwaren",
    "haushalt-wohnen": "geschenke-deko",
    "elektronik": "haushalt-wohnen",
    "drogerie-gesundheit": "lebensmittel-feinkost",
    "geschenke-deko": "haushalt-wohnen",
    "werkzeug-garten": "haushalt-wohnen",
    "sport": "fahrrad-outdoor",
}
TOP_WEIGHTS = {
    "mode-schuhe": 12,
    "lebensmittel-feinkost": 10,
    "baeckerei": 8,
    "geschenke-deko": 8,
    "haushalt-wohnen": 7,
    "buecher-schreibwaren": 6,
    "drogerie-gesundheit": 6,
    "spielwaren": 5,
    "fahrrad-outdoor": 5,
    "elektronik": 5,
    "sport": 5,
    "werkzeug-garten": 4,
}

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
_STREET_BY_NAME = {street.name: street for street in STREETS}

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


# --- the plan: the whole town in memory ----------------------------------------------------------------


@dataclass
class ShopPlan:
    name: str
    slug: str
    top: str
    children: list[str]
    street: str
    district: str
    lat: float
    lng: float
    status: str
    description: str
    phone: str
    email: str
    website: str
    social_links: dict[str, str]
    attributes: dict[str, bool | str]
    pickup_lead_minutes: int
    hold_minutes: int | None
    created_days_ago: int
    hours: list[tuple[int, time, time]]
    products: list[ProductPlan] = field(default_factory=list)


@dataclass
class ProductPlan:
    sku: str
    title: str
    child: str
    brand: str
    gtin: str
    price: Decimal
    description: str
    on_hand: int
    stock_age: timedelta
    created_days_ago: int
    active: bool


@dataclass(frozen=True)
class DemoSummary:
    """What `demo_town_seed` wrote: totals of the demo rows, and how many products were new."""

    seed: int
    shops: int
    active_shops: int
    categories: int
    products: int
    products_created: int
    opening_hours: int
    special_days: int
    city_days: int
    collections: int
    collection_items: int
    featured_shops: int
    users: int
    listings: int = 0
    osm_import_seconds: float = 0.0
    posts: int = 0
    jobs: int = 0

    def __str__(self) -> str:
        return (
            f"Demo town {TOWN} (seed {self.seed}): {self.shops} shops ({self.active_shops} active), "
            f"{self.categories} categories, {self.products} products ({self.products_created} new), "
            f"{self.opening_hours} opening hours, {self.special_days} special days, "
            f"{self.city_days} city days, "
            f"{self.collections} collections ({self.collection_items} items), "
            f"{self.featured_shops} featured shops, {self.users} users, "
            f"{self.listings} listings from OpenStreetMap (import {self.osm_import_seconds:.2f} s), "
            f"{self.posts} posts, {self.jobs} job postings"
        )


def german_slug(value: str) -> str:
    """A slug that spells umlauts the German way (Bäckerei -> baeckerei)."""
    for umlaut, spelled in (
        ("ä", "ae"),
        ("ö", "oe"),
        ("ü", "ue"),
        ("Ä", "Ae"),
        ("Ö", "Oe"),
        ("Ü", "Ue"),
        ("ß", "ss"),
    ):
        value = value.replace(umlaut, spelled)
    return slugify(value)


def ean13_check_digit(first12: str) -> str:
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(first12))
    return str((10 - total % 10) % 10)


def gtin_is_valid(gtin: str) -> bool:
    """GS1 check digit of an 8-, 12-, 13- or 14-digit GTIN."""
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        return False
    padded = gtin.rjust(14, "0")
    return ean13_check_digit(padded[1:13]) == padded[13]


def demo_gtin(brand: str, title: str) -> str:
    """A stable EAN-13 with a German prefix (400-440): the same article of the same brand shares it."""
    digest = int(hashlib.sha256(f"{brand}|{title}".encode()).hexdigest(), 16)
    first12 = f"{400 + digest % 41}{digest // 41 % 10**9:09d}"
    return first12 + ean13_check_digit(first12)


def _price(rng: random.Random, lo: float, hi: float) -> Decimal:
    value = rng.uniform(lo, hi)
    if value < 10:
        cents = rng.choice((29, 49, 79, 95, 99))
        return (
            Decimal(f"{int(value)}.{cents:02d}")
            if value >= 1
            else Decimal(f"0.{rng.choice((45, 55, 65, 85))}")
        )
    if value < 100:
        return Decimal(int(value)) + rng.choice(
            (Decimal("0.50"), Decimal("0.90"), Decimal("0.95"), Decimal("0.99"))
        )
    return Decimal(int(value) // 10 * 10 + 9) + rng.choice((Decimal("0.00"), Decimal("0.99")))


def _stock(rng: random.Random, top: str) -> int:
    roll = rng.random()
    if roll < 0.20:
        return 0
    if roll < 0.30:
        return rng.randint(1, 2)
    return rng.randint(3, 25 if top == "baeckerei" else 40)


def _stock_age(rng: random.Random) -> timedelta:
    roll = rng.random()
    if roll < 0.78:
        return timedelta(minutes=rng.randint(5, 8 * 60))
    if roll < 0.94:
        return timedelta(days=rng.randint(2, 10), minutes=rng.randint(0, 600))
    return timedelta(days=rng.randint(15, 45), minutes=rng.randint(0, 600))


def _weekly_hours(
    rng: random.Random, top: str, *, small: bool, outskirts: bool
) -> list[tuple[int, time, time]]:
    hours: list[tuple[int, time, time]] = []
    if top == "baeckerei":
        opens = rng.choice((time(6, 30), time(7, 0)))
        closes = rng.choice((time(18, 0), time(18, 30)))
        hours += [(day, opens, closes) for day in range(5)]
        hours.append((5, opens, rng.choice((time(13, 0), time(14, 0), time(16, 0)))))
        if rng.random() < 0.8:
            hours.append((6, time(8, 0), rng.choice((time(11, 0), time(12, 0)))))
        return hours
    if top == "lebensmittel-feinkost" and outskirts:
        return [(day, time(8, 0), time(20, 0)) for day in range(6)]
    opens = rng.choice((time(9, 30), time(10, 0)))
    closes = rng.choice((time(18, 30), time(19, 0)))
    late_thursday = rng.random() < 0.12
    lunch_break = small and rng.random() < 0.5
    for day in range(5):
        day_closes = time(20, 0) if day == 3 and late_thursday else closes
        if lunch_break:
            hours.append((day, opens, time(13, 0)))
            if not (day == 2 and rng.random() < 0.5):  # the old Wednesday afternoon off
                hours.append((day, time(14, 30), day_closes))
        else:
            hours.append((day, opens, day_closes))
    saturday_closes = time(14, 0) if small else rng.choice((time(16, 0), time(16, 0), time(18, 0)))
    hours.append((5, time(10, 0), saturday_closes))
    return hours


def _candidates(children: list[str]) -> list[tuple[str, Pattern, str, tuple[float, float]]]:
    found: list[tuple[str, Pattern, str, tuple[float, float]]] = []
    seen: set[str] = set()
    for child_slug in children:
        for pattern in CHILDREN[child_slug].patterns:
            for title, price in pattern.titles():
                if title not in seen:
                    seen.add(title)
                    found.append((child_slug, pattern, title, price))
    return found


def _plan_shops(rng: random.Random) -> list[ShopPlan]:
    specs: list[tuple[str, str, list[str], Street, int]] = []
    used_names: set[str] = set()
    used_addresses: set[tuple[str, int]] = set()
    for name, top, headline_children, street_name, number in HEADLINE_SHOPS:
        specs.append((name, top, list(headline_children), _STREET_BY_NAME[street_name], number))
        used_names.add(name)
        used_addresses.add((street_name, number))

    # The mix of trades follows TOP_WEIGHTS exactly (largest remainder), in a shuffled order.
    total_weight = sum(TOP_WEIGHTS.values())
    quotas = {slug: GENERATED_SHOPS * weight // total_weight for slug, weight in TOP_WEIGHTS.items()}
    by_remainder = sorted(TOP_WEIGHTS, key=lambda slug: -(GENERATED_SHOPS * TOP_WEIGHTS[slug] % total_weight))
    for slug in by_remainder[: GENERATED_SHOPS - sum(quotas.values())]:
        quotas[slug] += 1
    trades = [slug for slug in sorted(quotas) for _ in range(quotas[slug])]
    rng.shuffle(trades)
    street_weights = [street.weight for street in STREETS]
    while trades:
        top = trades[-1]
        template = rng.choice(TOPS[top].shop_names)
        name = template.format(s=rng.choice(SURNAMES), f=rng.choice(FIRST_NAMES), p=rng.choice(PLACES))
        child_slugs = [child.slug for child in TOPS[top].children]
        picked = rng.sample(child_slugs, min(len(child_slugs), rng.choice((1, 2, 2, 3, 3))))
        if top == "baeckerei":  # every bakery sells bread and rolls
            picked = [*MUST_BAKE, *(slug for slug in picked if slug not in MUST_BAKE)][:3]
        while len(_candidates(picked)) < MIN_CANDIDATES and len(picked) < min(3, len(child_slugs)):
            picked.append(rng.choice([slug for slug in child_slugs if slug not in picked]))
        if len(picked) < 3 and rng.random() < 0.2:
            picked.append(rng.choice(TOPS[RELATED[top]].children).slug)
        street = rng.choices(STREETS, street_weights)[0]
        number = rng.randint(1, street.numbers)
        if name in used_names or german_slug(name) in {german_slug(n) for n in used_names}:
            continue
        if (street.name, number) in used_addresses:
            continue
        used_names.add(name)
        used_addresses.add((street.name, number))
        specs.append((name, top, picked, street, number))
        trades.pop()

    shops: list[ShopPlan] = []
    for index, (name, top, children, street, number) in enumerate(specs):
        slug = german_slug(name)
        small = rng.random() < 0.35
        outskirts = street.district != "Altstadt"
        lat = min(max(street.lat + rng.uniform(-0.0004, 0.0004), BBOX[1] + 0.001), BBOX[3] - 0.001)
        lng = min(max(street.lng + rng.uniform(-0.0007, 0.0007), BBOX[0] + 0.001), BBOX[2] - 0.001)
        has_website = rng.random() < 0.55
        social: dict[str, str] = {}
        if rng.random() < 0.45:
            social["instagram"] = f"https://instagram.example.org/{slug}"
        if rng.random() < 0.25:
            social["facebook"] = f"https://facebook.example.org/{slug}"
        top_def = TOPS[top]
        description = " ".join(
            (
                rng.choice(top_def.intro),
                rng.choice(GENERIC_SHOP_LINES).format(
                    year=rng.randint(1898, 2021),
                    generation=rng.choice(("zweiter", "dritter", "vierter")),
                    staff=rng.randint(2, 14),
                ),
                rng.choice(SERVICE_LINES),
            )
        )
        shops.append(
            ShopPlan(
                name=name,
                slug=slug,
                top=top,
                children=children,
                street=f"{street.name} {number}",
                district=street.district,
                lat=round(lat, 6),
                lng=round(lng, 6),
                status=NOT_ACTIVE.get(index, Shop.Status.ACTIVE),
                description=description,
                phone=f"+49 4131 {rng.randint(20000, 999999)}",
                email=f"info@{slug}.example.org",
                website=f"https://{slug}.example.org/" if has_website else "",
                social_links=social,
                attributes={
                    "step_free": "yes" if rng.random() < 0.5 else rng.choice(("", "no", "limited")),
                    "accessible_toilet": rng.random() < 0.2,
                    "seating": rng.random() < 0.4,
                    "hearing_loop": rng.random() < 0.1,
                    "disabled_parking_nearby": rng.random() < 0.3,
                    "card_payment": rng.random() < 0.9,
                    "bicycle_parking": rng.random() < 0.4,
                    "gift_wrapping": rng.random() < (0.75 if top in GIFTY else 0.15),
                },
                pickup_lead_minutes=rng.choice((15, 15, 15, 30, 30, 60, 120)),
                hold_minutes=rng.choice((None, None, None, None, 120, 240, 24 * 60)),
                created_days_ago=rng.randint(30, 400),
                hours=_weekly_hours(rng, top, small=small, outskirts=outskirts),
            )
        )
    return shops


def _plan_products(rng: random.Random, shops: list[ShopPlan]) -> None:
    candidates = {shop.slug: _candidates(shop.children) for shop in shops}
    wanted = {shop.slug: min(rng.randint(48, 72), len(candidates[shop.slug])) for shop in shops}
    while sum(wanted.values()) < TARGET_PRODUCTS:
        shop = rng.choice(shops)
        if wanted[shop.slug] < min(90, len(candidates[shop.slug])):
            wanted[shop.slug] += 1
    for shop in shops:
        picked = rng.sample(candidates[shop.slug], wanted[shop.slug])
        top = TOPS[shop.top]
        sku_prefix = "".join(word[0] for word in shop.slug.split("-"))[:3].upper()
        for number, (child_slug, pattern, title, price) in enumerate(picked, start=1):
            brand = rng.choice(pattern.brands) if pattern.brands else shop.name
            lines = rng.sample(TOPS[PARENT_OF[child_slug]].product_lines, 2)
            made_by = f"von {brand}" if pattern.brands else f"aus dem Haus {brand}"
            shop.products.append(
                ProductPlan(
                    sku=f"{sku_prefix}-{number + 1000:05d}",
                    title=title,
                    child=child_slug,
                    brand=brand,
                    gtin=demo_gtin(brand, title) if pattern.gtin else "",
                    price=_price(rng, *price),
                    description=f"{title} {made_by}. {lines[0]} {lines[1]}",
                    on_hand=_stock(rng, top.slug),
                    stock_age=_stock_age(rng),
                    created_days_ago=rng.randint(1, shop.created_days_ago),
                    active=rng.random() > 0.02,
                )
            )


def _plan(seed: int) -> list[ShopPlan]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    shops = _plan_shops(rng)
    _plan_products(rng, shops)
    return shops


# --- writing -------------------------------------------------------------------------------------------


def _write_categories() -> dict[str, Category]:
    by_slug: dict[str, Category] = {}
    for top_position, top in enumerate(CATALOGUE):
        parent, _ = Category.objects.update_or_create(
            slug=top.slug,
            defaults={"name": top.name, "name_en": top.name_en, "parent": None, "position": top_position},
        )
        by_slug[top.slug] = parent
        for position, child in enumerate(top.children):
            by_slug[child.slug], _ = Category.objects.update_or_create(
                slug=child.slug,
                defaults={
                    "name": child.name,
                    "name_en": child.name_en,
                    "parent": parent,
                    "position": position,
                },
            )
    return by_slug


def _write_shops(plans: list[ShopPlan], categories: dict[str, Category], base: datetime) -> dict[str, Shop]:
    rows = [
        Shop(
            slug=plan.slug,
            name=plan.name,
            description=plan.description,
            street=plan.street,
            postcode=POSTCODE,
            city=TOWN,
            district=plan.district,
            location=Point(plan.lng, plan.lat, srid=4326),
            phone=plan.phone,
            email=plan.email,
            website=plan.website,
            social_links=plan.social_links,
            status=plan.status,
            status_message="",
            approved_at=base - timedelta(days=plan.created_days_ago - 2)
            if plan.status == Shop.Status.ACTIVE
            else None,
            time_zone="Europe/Berlin",
            pickup_lead_minutes=plan.pickup_lead_minutes,
            hold_minutes=plan.hold_minutes,
            created_at=base - timedelta(days=plan.created_days_ago),
            **plan.attributes,
        )
        for plan in plans
    ]
    update_fields = [
        "name",
        "description",
        "street",
        "postcode",
        "city",
        "district",
        "location",
        "phone",
        "email",
        "website",
        "social_links",
        "status",
        "status_message",
        "approved_at",
        "time_zone",
        "pickup_lead_minutes",
        "hold_minutes",
        "step_free",
        "accessible_toilet",
        "seating",
        "hearing_loop",
        "disabled_parking_nearby",
        "card_payment",
        "bicycle_parking",
        "gift_wrapping",
        "updated_at",
    ]
    Shop.objects.bulk_create(rows, update_conflicts=True, unique_fields=["slug"], update_fields=update_fields)
    shops = {shop.slug: shop for shop in Shop.objects.filter(slug__in=[plan.slug for plan in plans])}

    shop_ids = [shop.pk for shop in shops.values()]
    links = Shop.categories.through
    links.objects.filter(shop_id__in=shop_ids).delete()
    links.objects.bulk_create(
        links(shop_id=shops[plan.slug].pk, category_id=categories[child].pk)
        for plan in plans
        for child in plan.children
    )
    OpeningHours.objects.filter(shop_id__in=shop_ids).delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(shop=shops[plan.slug], weekday=weekday, opens=opens, closes=closes)
        for plan in plans
        for weekday, opens, closes in plan.hours
    )
    return shops


def _write_products(
    plans: list[ShopPlan], shops: dict[str, Shop], categories: dict[str, Category], base: datetime
) -> tuple[int, int, dict[tuple[str, str], int]]:
    existing = set(
        Product.objects.filter(shop__in=list(shops.values())).values_list("shop__slug", "sku").iterator()
    )
    names = {slug: category_names_for(category) for slug, category in categories.items()}
    rows: list[Product] = []
    for plan in plans:
        shop = shops[plan.slug]
        for item in plan.products:
            category = categories[item.child]
            rows.append(
                Product(
                    shop=shop,
                    sku=item.sku,
                    gtin=item.gtin,
                    title=item.title,
                    description=item.description,
                    brand=item.brand,
                    price=item.price,
                    category=category,
                    category_names=names[item.child],
                    active=item.active,
                    quantity_on_hand=item.on_hand,
                    stock_updated_at=base - item.stock_age,
                    location=shop.location,
                    shop_active=shop.status == Shop.Status.ACTIVE,
                    created_at=base - timedelta(days=item.created_days_ago),
                )
            )
    update_fields = [
        "gtin",
        "title",
        "description",
        "brand",
        "price",
        "category",
        "category_names",
        "active",
        "quantity_on_hand",
        "stock_updated_at",
        "location",
        "shop_active",
        "updated_at",
    ]
    for start in range(0, len(rows), BATCH_SIZE):
        Product.objects.bulk_create(
            rows[start : start + BATCH_SIZE],
            update_conflicts=True,
            unique_fields=["shop", "sku"],
            update_fields=update_fields,
        )
    created = sum(1 for plan in plans for item in plan.products if (plan.slug, item.sku) not in existing)
    ids = {
        (slug, sku): pk
        for pk, slug, sku in Product.objects.filter(shop__in=list(shops.values())).values_list(
            "pk", "shop__slug", "sku"
        )
    }
    return len(rows), created, ids


def _next_holidays(today: date) -> dict[date, str]:
    return public_holidays(years=[today.year, today.year + 1])


def _write_city_days(today: date) -> int:
    """This year's and next year's public holidays, plus one late-opening Sunday ahead."""
    city_holidays_import(years=2, today=today)
    # Kept once one lies ahead, so seeding again on another day does not add a second one.
    if not CityDay.objects.filter(kind=CityDay.Kind.LATE_OPENING, date__gte=today).exists():
        sunday = today + timedelta(days=21 + (6 - today.weekday()) % 7)
        while CityDay.objects.filter(date=sunday).exists():
            sunday += timedelta(days=7)
        city_day_set(
            day=sunday,
            kind=CityDay.Kind.LATE_OPENING,
            name="Verkaufsoffener Sonntag in der Altstadt",
            closed=False,
            intervals=[{"opens": "13:00", "closes": "18:00"}],
        )
    return CityDay.objects.filter(date__year__in=[today.year, today.year + 1]).count()


def _write_special_days(plans: list[ShopPlan], shops: dict[str, Shop], today: date) -> int:
    by_top: dict[str, list[ShopPlan]] = {}
    for plan in plans:
        if plan.status == Shop.Status.ACTIVE:
            by_top.setdefault(plan.top, []).append(plan)
    inventory_day = today + timedelta(days=10)
    while inventory_day.weekday() >= 5:
        inventory_day += timedelta(days=1)
    next_holiday = next(day for day in _next_holidays(today) if day > today)
    christmas_eve = date(today.year if today < date(today.year, 12, 24) else today.year + 1, 12, 24)
    rows = [
        SpecialDay(
            shop=shops[german_slug(HEADLINE_SHOPS[1][0])],
            date=inventory_day,
            closed=True,
            intervals=[],
            name="Geschlossen wegen Inventur",
        ),
        SpecialDay(
            shop=shops[by_top["elektronik"][0].slug],
            date=inventory_day + timedelta(days=3),
            closed=True,
            intervals=[],
            name="Betriebsausflug",
        ),
        SpecialDay(
            shop=shops[german_slug(HEADLINE_SHOPS[2][0])],
            date=next_holiday,
            closed=False,
            intervals=[{"opens": "08:00", "closes": "11:00"}],
            name="Am Feiertag geöffnet: Brötchenverkauf",
        ),
        SpecialDay(
            shop=shops[german_slug(HEADLINE_SHOPS[3][0])],
            date=christmas_eve,
            closed=False,
            intervals=[{"opens": "09:00", "closes": "13:00"}],
            name="Heiligabend",
        ),
    ]
    SpecialDay.objects.filter(shop__in=list(shops.values())).delete()
    SpecialDay.objects.bulk_create(rows)
    return len(rows)


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


def _write_curation(
    rng: random.Random,
    plans: list[ShopPlan],
    shops: dict[str, Shop],
    product_ids: dict[tuple[str, str], int],
    base: datetime,
) -> tuple[int, int, int]:
    live = [plan for plan in plans if plan.status == Shop.Status.ACTIVE]
    item_count = 0
    for position, (slug, title, title_en, text, tops, children, max_price) in enumerate(COLLECTIONS):
        collection, _ = Collection.objects.update_or_create(
            slug=slug,
            defaults={
                "title": title,
                "title_en": title_en,
                "text": text,
                "position": position,
                "publish_from": base - timedelta(days=14),
                "publish_until": base + timedelta(days=60),
            },
        )
        collection_shops = [plan for plan in live if plan.top in tops][:6]
        products = [
            (plan.slug, item.sku)
            for plan in live
            for item in plan.products
            if item.child in children
            and item.on_hand > 0
            and item.active
            and (max_price is None or item.price < max_price)
        ]
        picked = rng.sample(products, min(12, len(products)))
        collection.items.all().delete()
        items = [
            CollectionItem(collection=collection, shop=shops[plan.slug], position=i)
            for i, plan in enumerate(collection_shops)
        ]
        items += [
            CollectionItem(
                collection=collection, product_id=product_ids[key], position=len(collection_shops) + i
            )
            for i, key in enumerate(picked)
        ]
        CollectionItem.objects.bulk_create(items)
        item_count += len(items)
    for position, (name, title, text) in enumerate(FEATURED):
        FeaturedShop.objects.update_or_create(
            shop=shops[german_slug(name)],
            title=title,
            defaults={
                "text": text,
                "position": position,
                "publish_from": base - timedelta(days=3),
                "publish_until": base + timedelta(days=28),
            },
        )
    return len(COLLECTIONS), item_count, len(FEATURED)


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


def _write_voice(
    plans: list[ShopPlan], shops: dict[str, Shop], product_ids: dict[tuple[str, str], int], base: datetime
) -> tuple[int, int]:
    """A few posts and job postings so a visitor of the demo sees the shops' own voice (idempotent)."""
    plans_by_slug = {plan.slug: plan for plan in plans}
    for index, (name, kind, title, text, days, child) in enumerate(DEMO_POSTS):
        slug = german_slug(name)
        shop = shops[slug]
        post, _ = Post.objects.update_or_create(
            shop=shop,
            title=title,
            defaults={
                "kind": kind,
                "text": text,
                "starts_at": base - timedelta(hours=2 + 3 * index),
                "ends_at": base + timedelta(days=days),
                "created_at": base - timedelta(hours=2 + 3 * index),
                "hidden_at": None,
                "hidden_reason": "",
            },
        )
        picked = [
            product_ids[(slug, item.sku)]
            for item in plans_by_slug[slug].products
            if child and item.child == child and item.active and item.on_hand > 0
        ][:2]
        post.products.set(picked)
    today = timezone.localdate(base)
    for index, (name, title, job_kind, hours, text, days, featured) in enumerate(DEMO_JOBS):
        shop = shops[german_slug(name)]
        JobPosting.objects.update_or_create(
            shop=shop,
            title=title,
            defaults={
                "kind": job_kind,
                "hours_per_week": hours,
                "description": text,
                "apply_email": shop.email or f"jobs@{shop.slug}.example",
                "apply_phone": shop.phone,
                "valid_through": today + timedelta(days=days),
                "featured": featured,
                "created_at": base - timedelta(days=1 + index),
                "expiry_reminder_sent_at": None,
            },
        )
    return len(DEMO_POSTS), len(DEMO_JOBS)


def _write_users(shops: dict[str, Shop]) -> int:
    """The city editor and two shop owners; the staff groups get their permissions if they are missing."""
    if Group.objects.filter(name__in=[CITY_EDITORS_GROUP, MERCHANTS_GROUP]).count() < 2:
        roles_setup()
    groups = {
        group.name: group for group in Group.objects.filter(name__in=[CITY_EDITORS_GROUP, MERCHANTS_GROUP])
    }
    user_model = get_user_model()
    for username, password, is_superuser, shop_name in DEMO_USERS:
        user, _ = user_model.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        user.is_staff = True
        user.is_superuser = is_superuser
        user.is_active = True
        if not user.check_password(password):
            user.set_password(password)
        user.save()
        if shop_name is None:
            user.groups.add(groups[CITY_EDITORS_GROUP])
        else:
            user.groups.add(groups[MERCHANTS_GROUP])
            ShopMembership.objects.update_or_create(
                user=user, shop=shops[german_slug(shop_name)], defaults={"role": ShopMembership.Role.OWNER}
            )
    return len(DEMO_USERS)


DEMO_OSM_FILE = Path(__file__).resolve().parent.parent / "demo" / "lueneburg-shops.osm"
DEMO_OSM_BOUNDARY_RELATION = 900_000_001  # in the file (scripts/make_demo_osm.py)
DEMO_CHAINS = (("dm-drogerie markt", "Q266572"), ("Rossmann", "Q316004"))
DEMO_OSM_EXTRA_TAGS = (("craft", "shoemaker"),)


def _write_osm_listings(now: datetime) -> tuple[int, float]:
    """The chains the city leaves out, the crafts it takes in, then the import of the demo extract (shops and
    streets)."""
    for name, wikidata in DEMO_CHAINS:
        ChainBrand.objects.get_or_create(wikidata=wikidata, defaults={"name": name})
    for key, value in DEMO_OSM_EXTRA_TAGS:
        OsmImportTag.objects.get_or_create(key=key, value=value)
    run = osm_import(path=DEMO_OSM_FILE, boundary_relation=DEMO_OSM_BOUNDARY_RELATION, now=now)
    # the local geocoder's street list (decision 1200): the same file has a few streets
    street_import(path=DEMO_OSM_FILE, boundary_relation=DEMO_OSM_BOUNDARY_RELATION, now=now)
    return Shop.objects.filter(status=Shop.Status.LISTED).count(), run.duration_ms / 1000


@transaction.atomic
def demo_town_seed(*, seed: int = 1, now: datetime | None = None) -> DemoSummary:
    """Create or refresh the demo town of Lüneburg; the same seed always gives the same town."""
    base = (now or timezone.now()).replace(second=0, microsecond=0)
    today = timezone.localdate(base)
    plans = _plan(seed)
    curation_rng = random.Random(seed * 7919)  # noqa: S311 - demo data, not security

    categories = _write_categories()
    shops = _write_shops(plans, categories, base)
    products, created, product_ids = _write_products(plans, shops, categories, base)
    special_days = _write_special_days(plans, shops, today)
    city_days = _write_city_days(today)
    collections, items, featured = _write_curation(curation_rng, plans, shops, product_ids, base)
    users = _write_users(shops)
    listings, osm_seconds = _write_osm_listings(base)
    data_health_snapshot_write(now=base)  # the board's chart has today's bar
    posts, jobs = _write_voice(plans, shops, product_ids, base)
    search_words_refresh(concurrently=False)
    return DemoSummary(
        seed=seed,
        shops=len(plans),
        active_shops=sum(1 for plan in plans if plan.status == Shop.Status.ACTIVE),
        categories=len(categories),
        products=products,
        products_created=created,
        opening_hours=sum(len(plan.hours) for plan in plans),
        special_days=special_days,
        city_days=city_days,
        collections=collections,
        collection_items=items,
        featured_shops=featured,
        users=users,
        listings=listings,
        osm_import_seconds=osm_seconds,
        posts=posts,
        jobs=jobs,
    )
