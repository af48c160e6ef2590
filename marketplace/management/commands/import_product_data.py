"""`manage.py import_product_data FILE [--source off|opf|obf]`: load an open product database dump."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from marketplace.exceptions import DomainError
from marketplace.services.product_data import BATCH, SOURCES, ImportCount, product_data_import


def _source_of(path: Path) -> str:
    name = path.name.lower()
    if "beauty" in name or name.startswith("obf"):
        return "obf"
    if "products" in name or name.startswith("opf"):
        return "opf"
    return "off"


class Command(BaseCommand):
    help = (
        "Load an Open Food Facts / Open Products Facts / Open Beauty Facts dump (JSONL or CSV/TSV, "
        "gzip ok) into the GTIN lookup table, streamed in batches."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", choices=sorted(SOURCES), help="default: guessed from the file name")
        parser.add_argument("--batch", type=int, default=BATCH)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        source = options["source"] or _source_of(path)

        def progress(count: ImportCount) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"{count.read} read, {count.stored} stored")

        try:
            with path.open("rb") as handle:
                count = product_data_import(
                    handle=handle, source=source, batch=max(100, options["batch"]), progress=progress
                )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(
            f"{SOURCES[source]}: {count.read} records read, {count.stored} stored, {count.skipped} skipped "
            "(no valid code or name)"
        )
