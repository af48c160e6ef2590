"""Finding 3 (the part done): the row count that decides "now or in the background" matches the CSV
parser, so a file with `\\r` line endings no longer counts as 0 rows and runs inside the web request."""

from __future__ import annotations

import pytest

from marketplace.services.csv_import import csv_row_count, parse_csv

pytestmark = pytest.mark.django_db

ROWS = [f"A-{n};Artikel {n};{n};1.00" for n in range(1, 6)]


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("trailing", [True, False], ids=["trailing", "no-trailing"])
def test_row_count_matches_the_parser_for_every_line_ending(ending, trailing):
    # given
    text = ending.join(["sku;title;quantity;price", *ROWS]) + (ending if trailing else "")
    data = text.encode()
    # when
    counted = csv_row_count(data)
    parsed = parse_csv(data)
    # then
    assert counted == len(parsed.rows) + len(parsed.errors) == 5


def test_quoted_line_breaks_and_blank_rows_count_as_the_parser_does():
    # given: a title with a line break inside quotes, and a blank line
    data = b'sku;title;quantity;price\nA-1;"zwei\nZeilen";1;1.00\n\nA-2;Zwei;2;2.00\n'
    # when / then
    assert csv_row_count(data) == 2


def test_import_files_are_stored_privately_under_random_names(settings, tmp_path):
    # given: public media and private storage in separate folders
    from marketplace.models import ImportJob, StockMovement
    from marketplace.services.csv_import import import_job_create
    from marketplace.services.products import Actor
    from tests.factories import ShopFactory

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    shop = ShopFactory(slug="mein-laden")
    data = b"sku;title;quantity;price\nA-1;Eins;1;1.00\n"
    # when: two imports of the same shop
    jobs = [
        import_job_create(
            shop=shop,
            data=data,
            name="x.csv",
            dry_run=True,
            partial=False,
            actor=Actor(source=StockMovement.Source.CSV),
        )
        for _ in range(2)
    ]
    # then: outside MEDIA_ROOT, not named after the shop, not the same name twice
    paths = [ImportJob.objects.get(pk=job.pk).file.path for job in jobs]
    assert all(path.startswith(str(tmp_path / "private")) for path in paths)
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.csv"))
    assert "mein-laden" not in "".join(paths)
    assert len(set(paths)) == 2
