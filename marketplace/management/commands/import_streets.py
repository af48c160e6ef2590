"""`manage.py import_streets FILE [--boundary-relation ID | --boundary-file FILE]`: the local geocoder's
street list from an OSM extract."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marketplace.exceptions import ValidationFailed
from marketplace.services.streets import street_import


class Command(BaseCommand):
    help = (
        "Replace the town's street list (named highways of an OpenStreetMap extract, .osm.pbf or .osm): "
        "addresses on these streets are placed without asking the outside geocoder."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="The extract: .osm.pbf or .osm XML.")
        boundary = parser.add_mutually_exclusive_group()
        boundary.add_argument(
            "--boundary-relation", type=int, help="Only streets inside this boundary relation (in the file)."
        )
        boundary.add_argument(
            "--boundary-file", type=Path, help="Only streets inside this boundary (GeoJSON or osmosis .poly)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = street_import(
                path=options["file"],
                boundary_relation=options["boundary_relation"],
                boundary_file=options["boundary_file"],
            )
        except ValidationFailed as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.streets} streets from {report.ways} ways ({report.outside} outside the boundary)"
            )
        )
