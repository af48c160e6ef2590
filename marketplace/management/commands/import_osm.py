"""`manage.py import_osm FILE (--boundary-relation ID | --boundary-file FILE)`: the town's shops from OSM."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marketplace.exceptions import ValidationFailed
from marketplace.services.osm_import import osm_import


class Command(BaseCommand):
    help = (
        "Import the town's shops from an OpenStreetMap extract (.osm.pbf or .osm): new ones become "
        "listings, known ones are updated where nobody changed them, empty units go to the city's map."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="The extract: .osm.pbf or .osm XML.")
        boundary = parser.add_mutually_exclusive_group(required=True)
        boundary.add_argument(
            "--boundary-relation", type=int, help="Id of the town's boundary relation (must be in the file)."
        )
        boundary.add_argument(
            "--boundary-file", type=Path, help="The town's boundary as GeoJSON or osmosis .poly."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run = osm_import(
                path=options["file"],
                boundary_relation=options["boundary_relation"],
                boundary_file=options["boundary_file"],
            )
        except ValidationFailed as exc:
            raise CommandError(exc.message) from exc
        report = {key: value for key, value in run.report.items() if key != "skipped_elements"}
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        self.stdout.write(self.style.SUCCESS(f"OSM import done in {run.duration_ms / 1000:.2f} s"))
