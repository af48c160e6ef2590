"""The demo catalogue: twelve top categories of a town's independent shops, their child categories and the
product titles, brands and price ranges each child offers (German, English names of the categories second).

Data only (the demo town and the benchmark dataset both draw their products from it); nothing here writes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

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


# Leading words of titles that name no product (book titles): not offered as search words.
_NOT_NOUNS = frozenset({"Der", "Die", "Das", "Ein", "Eine", "Im", "Altes", "Rote", "Schnurloses", "Gewebtes"})


def child_nouns(child: Child) -> list[str]:
    """The product words of a child category: the leading word of each title ("Fahrradschlauch")."""
    heads = (title.split()[0].rstrip(":,") for pattern in child.patterns for title, _ in pattern.titles())
    return list(dict.fromkeys(head for head in heads if len(head) >= 4 and head not in _NOT_NOUNS))


def bench_catalogue() -> list[tuple[str, str, list[tuple[str, str, list[str], list[str]]]]]:
    """The catalogue as the benchmark dataset (`bench/dataset.py`) uses it: (top slug, top name, [(child
    slug, child name, product words, brands)]); a child of the shops' own makes gets the brand "Hausmarke"."""
    return [
        (
            top.slug,
            top.name,
            [
                (
                    child.slug,
                    child.name,
                    child_nouns(child),
                    list(dict.fromkeys(brand for pattern in child.patterns for brand in pattern.brands))
                    or ["Hausmarke"],
                )
                for child in top.children
            ],
        )
        for top in CATALOGUE
    ]
