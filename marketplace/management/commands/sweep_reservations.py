"""Expire reservations past their hold and release the stock (what the Celery beat task does every minute)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from marketplace.services.reservations import reservations_sweep


class Command(BaseCommand):
    help = "Expire past-due reservations and release their held stock."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000, help="Reservations per transaction.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        count = reservations_sweep(batch_size=options["batch_size"])
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Expired {count} reservation(s) in {elapsed:.2f} s.")
