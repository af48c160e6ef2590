#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database (created if missing) and, optionally,
# its media archive into MEDIA_ROOT. Refuses a database that already holds Ladenkarte's tables: nothing is
# overwritten by accident. Checks the SHA-256 sums when the .sha256 file is next to the dump.
#
#   DATABASE_URL=postgresql://user:pass@host:5432/ladenkarte_restored MEDIA_ROOT=/app/media \
#     scripts/restore.sh backups/ladenkarte-20261130T020000Z.dump [backups/ladenkarte-...media.tar.gz]
set -euo pipefail

dump="${1:?usage: scripts/restore.sh DUMP [MEDIA_TAR]}"
media_tar="${2:-}"
: "${DATABASE_URL:?DATABASE_URL is not set (the database to restore into)}"
db_url="${DATABASE_URL/#postgis:/postgresql:}"

say() { printf 'restore: %s\n' "$*"; }
die() { printf 'restore: ERROR: %s\n' "$*" >&2; exit 1; }

[[ -f "$dump" ]] || die "$dump not found"
sums="${dump%.dump}.sha256"
if [[ -f "$sums" ]]; then
  (cd "$(dirname "$dump")" && sha256sum --check --quiet --ignore-missing "$(basename "$sums")") \
    || die "checksum mismatch in $sums"
  say "checksums ok"
fi
pg_restore --list "$dump" >/dev/null || die "$dump is not a pg_dump custom-format archive"

# postgresql://user:pass@host:port/name[?options] -> name, and the same server's "postgres" database
no_query="${db_url%%\?*}"
db_name="${no_query##*/}"
[[ -n "$db_name" && "$no_query" == */* ]] || die "DATABASE_URL has no database name"
maintenance_url="${no_query%/*}/postgres"

exists="$(psql "$maintenance_url" -tAc "select 1 from pg_database where datname = '${db_name//\'/\'\'}'")"
if [[ "$exists" != "1" ]]; then
  say "creating database $db_name"
  psql "$maintenance_url" -qc "create database \"${db_name//\"/\"\"}\"" >/dev/null
fi
tables="$(psql "$db_url" -tAc "select count(*) from pg_tables where schemaname = 'public' and tablename <> 'spatial_ref_sys'")"
[[ "$tables" == "0" ]] || die "database $db_name is not empty ($tables tables); restore into a new one"

# One transaction: a restore that fails half-way leaves the database as empty as it was.
pg_restore --dbname="$db_url" --no-owner --no-privileges --exit-on-error --single-transaction "$dump"
say "database restored into $db_name"

if [[ -n "$media_tar" ]]; then
  : "${MEDIA_ROOT:?MEDIA_ROOT is not set (where the media files go)}"
  mkdir -p "$MEDIA_ROOT"
  tar -C "$MEDIA_ROOT" -xzf "$media_tar"
  say "media restored into $MEDIA_ROOT"
fi
psql "$db_url" -tAc "select 'restore: ' || count(*) || ' reservations, ' || (select count(*) from marketplace_shop) || ' shops' from marketplace_reservation" || true
