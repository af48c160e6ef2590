"""`manage.py seed_demo [--seed N]`: create or refresh the demo town (see `marketplace.demo`)."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from marketplace.demo.activity import demo_activity_seed
from marketplace.demo.seed import demo_town_seed


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
        self.stdout.write(self.style.SUCCESS(f"{summary}; {activity} in {time.monotonic() - started:.1f} s"))
