"""Every string the site can show has its German translation (German is the default language)."""

from __future__ import annotations

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def test_every_german_message_is_translated_and_none_is_fuzzy() -> None:
    # given the German catalogue as `make po` writes it
    catalogue = polib.pofile(str(ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po"))
    # when we look for entries a reader would see in English or half-translated
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    # then there are none
    assert untranslated == []
    assert fuzzy == []
    assert len(catalogue.translated_entries()) > 700


def test_catalogues_carry_no_source_locations() -> None:
    # `make po` writes no `#:` lines, so that parallel branches do not conflict on line numbers
    for language in ("de", "en"):
        text = (ROOT / "locale" / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
        assert "\n#: " not in text, language
