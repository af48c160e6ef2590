#!/usr/bin/env bash
# Prepare this machine for Ladenkarte: Debian packages, PostgreSQL + PostGIS, Redis, the database,
# .venv with the project installed, and the front-end assets. Idempotent: a second run does no apt,
# pip or npm work and needs no network.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/ladenkarte}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export DEBIAN_FRONTEND=noninteractive

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root for: $*"
  fi
}

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

apt_updated=0
apt_install() {
  ((${#@})) || return 0
  if ((apt_updated == 0)); then
    say "apt-get update"
    as_root apt-get update -qq
    apt_updated=1
  fi
  say "apt-get install $*"
  as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Major version of the local PostgreSQL server, empty if none is installed.
pg_major() {
  local v=""
  if command -v pg_lsclusters >/dev/null 2>&1; then
    v="$(pg_lsclusters -h 2>/dev/null | awk 'NR == 1 { print $1 }')"
  fi
  if [[ -z "$v" ]] && command -v psql >/dev/null 2>&1; then
    v="$(psql -V | sed -E 's/^[^0-9]*([0-9]+).*/\1/')"
  fi
  printf '%s' "$v"
}

# --- Debian packages -------------------------------------------------------------------------------
installed_postgres=0
if [[ -z "$(pg_major)" ]]; then
  apt_install postgresql postgresql-contrib
  installed_postgres=1
fi
pg_ver="$(pg_major)"
[[ -n "$pg_ver" ]] || die "could not detect the PostgreSQL version (pg_lsclusters / psql -V)"

missing=()
# WeasyPrint (claim letters) renders with Pango/HarfBuzz; DejaVu is the letters' font (and the share cards'
# and shop-window posters', drawn with Pillow and ReportLab); pdftoppm
# (poppler-utils) turns a letter into the PNG in docs/screenshots/.
for pkg in "postgresql-$pg_ver-postgis-3" gdal-bin gettext libpango-1.0-0 libpangoft2-1.0-0 \
  libharfbuzz-subset0 fonts-dejavu-core poppler-utils; do
  is_installed "$pkg" || missing+=("$pkg")
done
# WeasyPrint (the council's monthly report as PDF) needs Pango and a font; pdftoppm renders its screenshot.
for pkg in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils; do
  is_installed "$pkg" || missing+=("$pkg")
done
is_installed chromium || command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# caddy: the reverse proxy of docker-compose.yml; the tests validate deploy/Caddyfile with it.
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
if ! command -v python3 >/dev/null 2>&1; then
  missing+=(python3 python3-venv)
elif ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing+=(python3-venv)  # Debian splits venv/ensurepip out of python3
fi
apt_install "${missing[@]}"
((${#missing[@]})) || say "Debian packages present (PostgreSQL $pg_ver)"

# --- services -------------------------------------------------------------------------------------
# url_part DATABASE_URL|REDIS_URL field -> host, port, user, password, dbname
url_part() {
  python3 - "$1" "$2" <<'PY'
import sys
from urllib.parse import unquote, urlsplit

u = urlsplit(sys.argv[1])
value = {
    "host": u.hostname or "127.0.0.1",
    "port": str(u.port or (6379 if u.scheme.startswith("redis") else 5432)),
    "user": unquote(u.username or "postgres"),
    "password": unquote(u.password or ""),
    "dbname": unquote(u.path.lstrip("/")),
}[sys.argv[2]]
print(value)
PY
}
is_local() { [[ "$1" == "127.0.0.1" || "$1" == "localhost" || "$1" == "::1" ]]; }

db_host="$(url_part "$DATABASE_URL" host)"
db_port="$(url_part "$DATABASE_URL" port)"
db_name="$(url_part "$DATABASE_URL" dbname)"
export PGHOST="$db_host" PGPORT="$db_port" PGUSER="$(url_part "$DATABASE_URL" user)"
PGPASSWORD="$(url_part "$DATABASE_URL" password)"
[[ -n "$PGPASSWORD" ]] && export PGPASSWORD || unset PGPASSWORD
[[ -n "$db_name" ]] || die "DATABASE_URL has no database name"

if is_local "$db_host" && ! pg_isready -q -h "$db_host" -p "$db_port"; then
  say "starting PostgreSQL $pg_ver"
  as_root pg_ctlcluster --skip-systemctl-redirect "$pg_ver" main start
  for _ in $(seq 1 30); do pg_isready -q -h "$db_host" -p "$db_port" && break; sleep 0.5; done
fi
pg_isready -q -h "$db_host" -p "$db_port" || die "PostgreSQL at $db_host:$db_port is not reachable"

# A cluster we just installed uses password auth on TCP; the documented default URL has no password,
# so let the postgres user in from loopback only (a development machine, as for the CI one).
if ((installed_postgres)) && ! psql -d postgres -tAc 'select 1' >/dev/null 2>&1; then
  hba="$(as_root runuser -u postgres -- psql -h /var/run/postgresql -p "$db_port" -tAc 'show hba_file')"
  say "allowing trust auth for postgres on loopback in $hba"
  as_root sed -i -e '1i host all postgres 127.0.0.1/32 trust' -e '1i host all postgres ::1/128 trust' "$hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$pg_ver" main reload
fi

psql -d postgres -tAc 'select 1' >/dev/null 2>&1 \
  || die "cannot connect to PostgreSQL as $PGUSER@$db_host:$db_port; check DATABASE_URL"
if [[ "$(psql -d postgres -tAc "select 1 from pg_database where datname = '${db_name//\'/\'\'}'")" != "1" ]]; then
  say "creating database $db_name"
  createdb "$db_name"
else
  say "database $db_name exists"
fi

redis_host="$(url_part "$REDIS_URL" host)"
redis_port="$(url_part "$REDIS_URL" port)"
if [[ "$(redis-cli -h "$redis_host" -p "$redis_port" ping 2>/dev/null)" != "PONG" ]]; then
  if is_local "$redis_host"; then
    say "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no >/dev/null
    for _ in $(seq 1 20); do
      [[ "$(redis-cli -h "$redis_host" -p "$redis_port" ping 2>/dev/null)" == "PONG" ]] && break
      sleep 0.25
    done
  fi
  [[ "$(redis-cli -h "$redis_host" -p "$redis_port" ping 2>/dev/null)" == "PONG" ]] \
    || die "Redis at $redis_host:$redis_port is not reachable"
fi
say "PostgreSQL and Redis are up"

# --- Python -------------------------------------------------------------------------------------------
if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv"
  python3 -m venv .venv
fi
py_stamp=.venv/.ladenkarte-pyproject.sha256
py_hash="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [[ "$(cat "$py_stamp" 2>/dev/null)" != "$py_hash" ]]; then
  say "pip install -e '.[dev]'"
  if ! .venv/bin/python -m pip install --disable-pip-version-check -e '.[dev]' >.venv/pip-install.log 2>&1; then
    tail -n 40 .venv/pip-install.log >&2
    die "pip install failed (full log: .venv/pip-install.log)"
  fi
  printf '%s\n' "$py_hash" >"$py_stamp"
else
  say ".venv up to date"
fi

# --- front-end assets ---------------------------------------------------------------------------------
npm_stamp=frontend/node_modules/.ladenkarte-lock.sha256
npm_hash="$(sha256sum frontend/package-lock.json | cut -d' ' -f1)"
if [[ "$(cat "$npm_stamp" 2>/dev/null)" != "$npm_hash" ]]; then
  say "npm ci (frontend/)"
  (cd frontend && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >/dev/null
  printf '%s\n' "$npm_hash" >"$npm_stamp"
fi
bash scripts/vendor_assets.sh

say "done"
