"""`manage.py make_product_sample OUT [--rows N]`: write a small Open-Food-Facts-like JSONL(.gz) sample.

The demo and the tests load it with `import_product_data`; no real data set is committed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from marketplace.services.product_data import sample_write


class Command(BaseCommand):
    help = "Write a generated open-product-data sample (JSONL, gzipped when OUT ends in .gz)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path)
        parser.add_argument("--rows", type=int, default=50)

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        with out.open("wb") as handle:
            sample_write(handle, rows=max(1, options["rows"]), gz=out.suffix == ".gz")
        self.stdout.write(f"{out}: {options['rows']} sample products")
