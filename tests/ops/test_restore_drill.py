"""The restore drill: back up a town with scripts/backup.sh, restore it with scripts/restore.sh into a
fresh database, and check that it answers as the original did: the same rows in every table, the same
search answer, the same reservation status (API and page) and the same media files.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.test import Client
from rest_framework.test import APIClient

from marketplace.infrastructure.search_events import search_events_discard
from marketplace.models import Reservation
from marketplace.selectors.categories import category_tree_clear
from marketplace.selectors.pickup import pickup_board_clear
from marketplace.services.reservations import Contact, LineRequest, reservation_create, reservation_mark_ready
from tests.factories import ProductFactory, ShopFactory

ROOT = Path(__file__).resolve().parents[2]
BASH = shutil.which("bash") or "/bin/bash"
pytestmark = pytest.mark.django_db(transaction=True)


def database_url(name: str) -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgresql://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def run_script(script: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603 - our scripts
        [BASH, str(ROOT / "scripts" / script), *args],
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def row_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "select tablename from pg_tables where schemaname = 'public' order by tablename"
            ).fetchall()
        ]
        return {t: conn.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}  # noqa: S608


@pytest.fixture
def restored_name() -> Iterator[str]:
    name = f"{connection.settings_dict['NAME']}_restored"
    maintenance = database_url("postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}"')
    yield name
    connections["default"].close()
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def answers(*, code: str, token: str) -> dict[str, Any]:
    """What a resident sees: a search, the reservation through the API and its status page."""
    for clear in (pickup_board_clear, category_tree_clear, search_events_discard, cache.clear):
        clear()
    search = APIClient().get("/api/v1/search/?lat=53.2489&lng=10.4077&q=fahrradschlauch&radius=5000")
    status = APIClient().get(f"/api/v1/reservations/{code}/", HTTP_X_RESERVATION_TOKEN=token)
    page = Client().get(f"/reservierung/{code}/?token={token}", follow=True)
    assert (search.status_code, status.status_code, page.status_code) == (200, 200, 200)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.content.decode())
    search_events_discard()
    return {"search": search.json(), "status": status.json(), "page": html}


def on_database(name: str, read: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    default = connections["default"]
    original = default.settings_dict["NAME"]
    default.close()
    default.settings_dict["NAME"] = name
    try:
        return read()
    finally:
        default.close()
        default.settings_dict["NAME"] = original


def test_a_backup_restores_into_a_fresh_database_that_answers_identically(
    tmp_path: Path, restored_name: str
) -> None:
    # given a small town: shops, products, reservations in several states, an uploaded photo
    shops = [ShopFactory(name=f"Laden {i}") for i in range(3)]
    products = [
        ProductFactory(shop=shop, sku=f"S{i}", title=f"Fahrradschlauch {i}", quantity_on_hand=8)
        for i, shop in enumerate(shops)
    ]
    created = [
        reservation_create(items=[LineRequest(product.pk, 1)], contact=Contact("Erika", f"e{i}@example.org"))
        for i, product in enumerate(products)
    ]
    reservation_mark_ready(reservation=created[0].reservation)
    media = tmp_path / "media"
    (media / "shops").mkdir(parents=True)
    (media / "shops" / "laden-0.jpg").write_bytes(b"\xff\xd8 a shop photo")
    source = connection.settings_dict["NAME"]

    # when the town is backed up and restored into a new database (and a new media directory)
    backups = tmp_path / "backups"
    run_script("backup.sh", DATABASE_URL=database_url(source), MEDIA_ROOT=str(media), BACKUP_DIR=str(backups))
    dump = next(backups.glob("ladenkarte-*.dump"))
    media_tar = next(backups.glob("ladenkarte-*.media.tar.gz"))
    restored_media = tmp_path / "restored-media"
    restore = run_script(
        "restore.sh",
        str(dump),
        str(media_tar),
        DATABASE_URL=database_url(restored_name),
        MEDIA_ROOT=str(restored_media),
    )

    # then every table has the same rows
    before = row_counts(database_url(source))
    assert before["marketplace_reservation"] == 3
    assert before["marketplace_stockmovement"] >= 3
    assert row_counts(database_url(restored_name)) == before
    assert "restore: 3 reservations, 3 shops" in restore.stdout
    # and residents get the same answers
    ticket = created[0]
    original = on_database(source, lambda: answers(code=ticket.reservation.code, token=ticket.token))
    restored = on_database(restored_name, lambda: answers(code=ticket.reservation.code, token=ticket.token))
    assert original["search"]["results"], "the search finds the products"
    assert restored == original
    assert original["status"]["status"] == Reservation.Status.READY
    # and the photo is back
    assert (restored_media / "shops" / "laden-0.jpg").read_bytes() == b"\xff\xd8 a shop photo"


def test_restore_refuses_a_database_that_is_not_empty(tmp_path: Path) -> None:
    # given a backup of the test database
    ShopFactory()
    source = database_url(connection.settings_dict["NAME"])
    run_script("backup.sh", DATABASE_URL=source, BACKUP_DIR=str(tmp_path))
    dump = next(tmp_path.glob("ladenkarte-*.dump"))
    before = row_counts(source)
    # when it is restored over the live database
    result = subprocess.run(  # noqa: S603 - our script
        [BASH, str(ROOT / "scripts" / "restore.sh"), str(dump)],
        env=os.environ | {"DATABASE_URL": source},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then it says no and changes nothing
    assert result.returncode != 0
    assert "is not empty" in result.stderr
    assert row_counts(source) == before


def test_backup_keeps_recent_sets_and_removes_old_ones(tmp_path: Path) -> None:
    # given a set from 20 days ago and one from yesterday
    old = tmp_path / "ladenkarte-20200101T000000Z.dump"
    recent = tmp_path / "ladenkarte-20200102T000000Z.dump"
    for path, days in ((old, 20), (recent, 1)):
        path.write_bytes(b"x")
        os.utime(path, (path.stat().st_atime, path.stat().st_mtime - days * 86400))
    # when a backup runs with 14 days' retention
    run_script(
        "backup.sh",
        DATABASE_URL=database_url(connection.settings_dict["NAME"]),
        BACKUP_DIR=str(tmp_path),
        BACKUP_KEEP_DAYS="14",
    )
    # then
    assert not old.exists()
    assert recent.exists()
    assert len(list(tmp_path.glob("ladenkarte-*.dump"))) == 2  # yesterday's and the new one
