"""`manage.py create_api_key <shop-slug> [--name NAME] [--scope read|write]`: a key for a shop's till."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marketplace.exceptions import ValidationFailed
from marketplace.models import ApiKey, Shop
from marketplace.services.api_keys import api_key_create


class Command(BaseCommand):
    help = "Create an API key for a shop and print it once (only its hash is stored)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("shop_slug", help="The shop's slug, e.g. fahrradhaus-brockmann.")
        parser.add_argument("--name", default="Kasse", help="What the key is for (default: Kasse).")
        parser.add_argument("--scope", choices=ApiKey.Scope.values, default=ApiKey.Scope.WRITE)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            shop = Shop.objects.get(slug=options["shop_slug"])
        except Shop.DoesNotExist:
            raise CommandError(f"No shop with the slug {options['shop_slug']!r}.") from None
        try:
            api_key, raw_key = api_key_create(shop=shop, name=options["name"], scope=options["scope"])
        except ValidationFailed as exc:
            raise CommandError(f"{exc.message} {exc.details}") from exc
        self.stdout.write(
            f'API key "{api_key.name}" ({api_key.scope}) for {shop.name}, prefix {api_key.prefix}:'
        )
        self.stdout.write(raw_key)
        self.stdout.write(
            self.style.WARNING("Store it now: it is shown only once and cannot be recovered, only revoked.")
        )
        if shop.status != Shop.Status.ACTIVE:
            self.stdout.write(
                self.style.WARNING(f"The shop is {shop.status}: the key works once it is active.")
            )
