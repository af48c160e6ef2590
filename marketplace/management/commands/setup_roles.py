"""`manage.py setup_roles`: create (or reset) the "Merchants" and "City editors" groups."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from marketplace.services.roles import roles_setup


class Command(BaseCommand):
    help = 'Create or reset the "Merchants" and "City editors" groups with exactly their permissions.'

    def handle(self, *args: Any, **options: Any) -> None:
        for name, count in roles_setup().items():
            self.stdout.write(f"{name}: {count} permissions")
