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


def test_every_string_in_the_code_is_in_the_german_catalogue(tmp_path: Path) -> None:
    """The catalogue is not only complete in itself but up to date with the code: a string added without
    `make po` (or a catalogue lost in a merge) would show in English on the German site."""
    import os
    import shutil
    import subprocess
    import sys

    # given a copy of the project's code (linked, not copied) next to a copy of the German catalogue
    skip = {".git", ".venv", "locale", "bench", "tests", "node_modules", "staticfiles", "media"}
    for entry in ROOT.iterdir():
        if entry.name not in skip and not entry.name.startswith("."):
            (tmp_path / entry.name).symlink_to(entry)
    messages = tmp_path / "locale" / "de" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    shutil.copy(ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po", messages / "django.po")
    # when makemessages extracts the strings as `make po` does, into the copy
    command = [sys.executable, "-m", "django", "makemessages", "-l", "de", "--symlinks", "--no-location"]
    subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [*command, "--ignore=frontend/node_modules", "--ignore=frontend/static/vendor"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "backend.settings"},
        check=True,
        capture_output=True,
    )
    # then every string found there already had its translation
    catalogue = polib.pofile(str(messages / "django.po"))
    missing = [entry.msgid for entry in catalogue.untranslated_entries() + catalogue.fuzzy_entries()]
    assert missing == [], "run `make po` and translate these"
