"""Rebuild the search's typo-correction word list (run hourly, and after large imports)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from marketplace.services.search_index import search_words_refresh


class Command(BaseCommand):
    help = "Rebuild the word list the search uses to correct typos (marketplace_search_word)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = search_words_refresh()
        self.stdout.write(self.style.SUCCESS(f"search word list: {count} words"))
