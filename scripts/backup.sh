#!/usr/bin/env bash
# Back up Ladenkarte: the database as a pg_dump custom-format archive and the media files as a tarball,
# into BACKUP_DIR, named by UTC time; checks the dump is readable, writes SHA-256 sums, and deletes sets
# older than BACKUP_KEEP_DAYS (the newest set is always kept).
#
#   DATABASE_URL=postgresql://user:pass@host:5432/ladenkarte MEDIA_ROOT=/app/media BACKUP_DIR=/backups \
#     scripts/backup.sh
#   docker compose run --rm backup        # the same inside the compose project (see docker-compose.yml)
#
# Restore with scripts/restore.sh (docs/operations.md, "Backups and restore").
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL is not set}"
backup_dir="${BACKUP_DIR:-./backups}"
keep_days="${BACKUP_KEEP_DAYS:-14}"
media_root="${MEDIA_ROOT:-}"
# libpq knows postgresql:// and postgres://, not Django-style postgis://
db_url="${DATABASE_URL/#postgis:/postgresql:}"

say() { printf 'backup: %s\n' "$*"; }
die() { printf 'backup: ERROR: %s\n' "$*" >&2; exit 1; }

[[ "$keep_days" =~ ^[0-9]+$ ]] || die "BACKUP_KEEP_DAYS must be a whole number of days"
mkdir -p "$backup_dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
base="$backup_dir/ladenkarte-$stamp"

# Custom format: compressed, restorable table by table, and pg_restore can list it (the check below).
pg_dump --dbname="$db_url" --format=custom --compress=6 --no-owner --no-privileges --file="$base.dump.partial"
pg_restore --list "$base.dump.partial" >/dev/null || die "the dump cannot be read back"
mv "$base.dump.partial" "$base.dump"
say "database -> $base.dump ($(du -h "$base.dump" | cut -f1))"

files=("$(basename "$base.dump")")
if [[ -n "$media_root" ]]; then
  [[ -d "$media_root" ]] || die "MEDIA_ROOT $media_root is not a directory"
  tar -C "$media_root" -czf "$base.media.tar.gz.partial" .
  mv "$base.media.tar.gz.partial" "$base.media.tar.gz"
  files+=("$(basename "$base.media.tar.gz")")
  say "media -> $base.media.tar.gz ($(du -h "$base.media.tar.gz" | cut -f1))"
fi
(cd "$backup_dir" && sha256sum "${files[@]}" >"$(basename "$base").sha256")

# Retention: sets older than keep_days go, but never the set just written.
find "$backup_dir" -maxdepth 1 -type f -name 'ladenkarte-*' -mtime "+$keep_days" \
  ! -name "ladenkarte-$stamp*" -print -delete | sed 's/^/backup: removed (older than '"$keep_days"' days) /'
say "done: ladenkarte-$stamp"
