"""`manage.py import_holidays --years 2`: the Bundesland's public holidays into the city calendar."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from marketplace.exceptions import ValidationFailed
from marketplace.services.city_calendar import city_holidays_import


class Command(BaseCommand):
    help = (
        "Import the public holidays of settings.LADENKARTE_STATE from the `holidays` package. "
        "Idempotent; days a city editor created or changed are left alone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--years", type=int, default=2, help="how many years, this one included")
        parser.add_argument("--from-year", type=int, default=None, help="first year (default: this year)")
        parser.add_argument("--state", default=None, help="Bundesland code, e.g. NI (default: the setting)")

    def handle(self, *args: Any, **options: Any) -> None:
        state = options["state"] or settings.LADENKARTE_STATE
        try:
            result = city_holidays_import(
                years=options["years"], first_year=options["from_year"], state=state
            )
        except ValidationFailed as exc:
            raise CommandError(f"{exc.message} {exc.details}") from exc
        except NotImplementedError as exc:  # unknown Bundesland code
            raise CommandError(f"Unknown state {state!r}: {exc}") from exc
        self.stdout.write(
            f"Holidays {state} {result.years[0]}-{result.years[-1]}: {result.created} created, "
            f"{result.updated} updated, {result.unchanged} unchanged, "
            f"{result.kept_manual} kept (changed by the city)"
        )
