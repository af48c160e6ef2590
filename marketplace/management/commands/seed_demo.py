"""`manage.py seed_demo [--seed N]`: create or refresh the demo town (see `marketplace.demo`)."""

from __future__ import annotations

import tempfile
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from marketplace.demo.activity import demo_activity_seed
from marketplace.demo.seed import demo_town_seed
from marketplace.services.product_data import product_data_import, sample_write

DEMO_PRODUCT_DATA_ROWS = 50  # the open-product-data sample that scan to list finds in the demo


class Command(BaseCommand):
    help = "Create or refresh the demo town of Lüneburg: shops, products, hours, city calendar, demo logins."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed; the same seed gives the same town."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        summary = demo_town_seed(seed=options["seed"])
        activity = demo_activity_seed(seed=options["seed"])
        with tempfile.TemporaryFile() as handle:  # generated, like a small Open Food Facts dump
            sample_write(handle, rows=DEMO_PRODUCT_DATA_ROWS)
            handle.seek(0)
            gtins = product_data_import(handle=handle, source="off").stored
        took = time.monotonic() - started
        message = f"{summary}; {activity}; {gtins} product data samples in {took:.1f} s"
        self.stdout.write(self.style.SUCCESS(message))
