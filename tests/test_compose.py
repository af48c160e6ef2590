"""docker-compose.yml and Dockerfile describe a runnable deployment (parsed only; Docker is not needed)."""

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return compose["services"]


def command_text(service: dict[str, Any]) -> str:
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def healthcheck_text(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(test)


def test_all_services_are_defined(services: dict[str, Any]) -> None:
    # then
    assert set(services) >= {"proxy", "db", "redis", "web", "worker", "backup"}


def image_version(image: str) -> tuple[str, list[int]]:
    """`postgis/postgis:15-3.4` -> ("postgis/postgis", [15, 3, 4]): the numbers of the tag, in order."""
    name, _, tag = image.partition(":")
    return name, [int(number) for number in re.findall(r"\d+", tag)]


def test_db_runs_a_supported_postgres_with_postgis_a_named_volume_and_a_health_check() -> None:
    # given
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    db = compose["services"]["db"]

    # then: the migrations need PostGIS 3 on PostgreSQL 15 or later (ARCHITECTURE.md, "Stack")
    name, (postgres_major, postgis_major, *_) = image_version(db["image"])
    assert name == "postgis/postgis"
    assert postgres_major >= 15
    assert postgis_major == 3
    assert "pg_isready" in healthcheck_text(db)
    volume_names = {entry.split(":", 1)[0] for entry in db["volumes"]}
    mounted_at = {entry.split(":", 2)[1] for entry in db["volumes"]}
    assert "/var/lib/postgresql/data" in mounted_at
    assert volume_names & set(compose["volumes"]), "the database volume must be a named volume"


def test_redis_is_a_redis_the_client_speaks_to_with_ping_health_check(services: dict[str, Any]) -> None:
    # when
    redis = services["redis"]

    # then: redis-py 5+ and Celery's broker need a server of 6 or later
    name, version = image_version(redis["image"])
    assert name == "redis"
    assert version
    assert version[0] >= 6
    assert "redis-cli" in healthcheck_text(redis)
    assert "ping" in healthcheck_text(redis)


def test_web_migrates_then_serves_with_gunicorn(services: dict[str, Any]) -> None:
    # when
    web = services["web"]
    command = command_text(web)

    # then
    assert web["build"] in (".", {"context": "."})
    assert "migrate" in command
    assert "gunicorn backend.wsgi" in command
    assert "0.0.0.0:8000" in command
    assert command.index("migrate") < command.index("gunicorn")
    assert "curl" in healthcheck_text(web)
    assert "/healthz" in healthcheck_text(web)


def test_worker_runs_celery_with_beat(services: dict[str, Any]) -> None:
    # when
    command = command_text(services["worker"])

    # then
    assert "exec celery -A backend worker" in command
    assert "--beat" in command


@pytest.mark.parametrize("name", ["web", "worker"])
def test_app_services_wait_for_healthy_db_and_redis(services: dict[str, Any], name: str) -> None:
    # when
    depends_on = services[name]["depends_on"]

    # then
    assert depends_on["db"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", ["web", "worker"])
def test_app_services_get_their_configuration_from_the_environment(
    services: dict[str, Any], name: str
) -> None:
    # when
    environment = services[name]["environment"]

    # then
    for key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"):
        assert key in environment
    assert environment["DATABASE_URL"].endswith("@db:5432/ladenkarte")
    assert environment["REDIS_URL"].startswith("redis://redis:6379")


def test_dockerfile_builds_on_the_python_the_project_supports_with_gdal_and_static_files() -> None:
    # given
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requires = project["requires-python"]

    # then: the runtime stage's Python satisfies `requires-python` (what setup and CI install)
    runtime = re.findall(r"^FROM python:(\d+)\.(\d+)\S*", dockerfile, flags=re.MULTILINE)
    assert len(runtime) == 1
    version = ".".join(runtime[0])
    for bound in requires.split(","):
        operator, number = re.fullmatch(r"\s*(>=|<)\s*([\d.]+)\s*", bound).groups()  # type: ignore[union-attr]
        key = tuple(int(part) for part in version.split("."))
        limit = tuple(int(part) for part in number.split("."))
        assert key >= limit if operator == ">=" else key < limit, f"Python {version} vs {requires}"
    for needed in ("gdal-bin", "gettext", "curl", "compilemessages", "collectstatic"):
        assert needed in dockerfile
    assert re.search(r"\blibgdal\d+\b", dockerfile), "GeoDjango loads the GDAL library at start"
    assert "ENV SECRET_KEY" not in dockerfile, "the build-time key must not end up in the image"


# --- run it for a town: the proxy in front, nothing else published ------------------------------------


def published_ports(service: dict[str, Any]) -> list[str]:
    return [
        str(entry).split(":")[-2] if ":" in str(entry) else str(entry) for entry in service.get("ports", [])
    ]


def test_only_the_proxy_is_published_and_gunicorn_is_not(services: dict[str, Any]) -> None:
    # then: the proxy takes 80 and 443 (TCP and UDP for HTTP/3) ...
    proxy = services["proxy"]
    assert image_version(proxy["image"])[0] == "caddy"
    assert image_version(proxy["image"])[1][0] == 2  # deploy/Caddyfile is Caddy 2 syntax
    assert {"80:80", "443:443", "443:443/udp"} <= set(proxy["ports"])
    # ... and nothing else is reachable from outside, least of all gunicorn's 8000
    for name, service in services.items():
        if name != "proxy":
            assert "ports" not in service, f"{name} must not publish ports"
    assert services["web"]["expose"] == ["8000"]


def test_the_proxy_serves_static_media_and_basemap_from_the_apps_volumes(services: dict[str, Any]) -> None:
    # when
    proxy_mounts = {entry.split(":")[1]: entry for entry in services["proxy"]["volumes"]}
    web_mounts = {entry.split(":")[1]: entry.split(":")[0] for entry in services["web"]["volumes"]}
    # then: the same named volumes, read-only for the proxy
    assert proxy_mounts["/srv/static"] == f"{web_mounts['/app/staticfiles']}:/srv/static:ro"
    assert proxy_mounts["/srv/media"] == f"{web_mounts['/app/media']}:/srv/media:ro"
    assert proxy_mounts["/srv/basemap"].endswith(":/srv/basemap:ro")
    assert proxy_mounts["/etc/caddy/Caddyfile"] == "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro"
    assert "/data" in proxy_mounts, "certificates must survive a restart (ACME rate limits)"
    # and the web container refreshes the static volume before serving
    command = command_text(services["web"])
    assert command.index("collectstatic") < command.index("gunicorn")


def test_database_media_and_certificates_live_in_named_volumes() -> None:
    # given
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    # then
    assert {"pgdata", "media", "static", "caddy-data", "metrics"} <= set(compose["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "media:/app/media" in services["web"]["volumes"]
    assert "media:/app/media" in services["worker"]["volumes"]


@pytest.mark.parametrize("name", ["proxy", "db", "redis", "web", "worker"])
def test_every_long_running_service_has_a_health_check(services: dict[str, Any], name: str) -> None:
    # when
    check = services[name]["healthcheck"]
    # then
    assert check["test"][0] in {"CMD", "CMD-SHELL"}
    assert healthcheck_text(services[name])
    assert services[name]["restart"] == "unless-stopped"


def test_the_proxy_waits_for_a_healthy_app(services: dict[str, Any]) -> None:
    # then
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", ["web", "worker"])
def test_the_app_trusts_the_proxy_and_only_there(services: dict[str, Any], name: str) -> None:
    # when
    environment = services[name]["environment"]
    # then: X-Forwarded-Proto/-For are trusted because the proxy is the only way in
    assert environment["BEHIND_TLS_PROXY"] == "1"
    assert environment["LADENKARTE_TRUSTED_PROXIES"] == "1"
    assert environment["SECURE_SSL_REDIRECT"] == "1"
    assert environment["DEBUG"] == "0"
    assert environment["LOG_FORMAT"] == "json"
    # the metrics endpoint needs the token (its hash only) and keeps the loopback-only network default
    assert environment["METRICS_TOKEN_SHA256"] == "${METRICS_TOKEN_SHA256:-}"
    assert "METRICS_ALLOWED_NETWORKS" not in environment
    assert environment["PROMETHEUS_MULTIPROC_DIR"].startswith("/app/metrics/")
    assert set(environment["METRICS_DIRS"].split(",")) == {"/app/metrics/web", "/app/metrics/worker"}


def test_gunicorn_time_out_is_below_the_proxys() -> None:
    # given
    config: dict[str, Any] = {}
    exec((ROOT / "deploy" / "gunicorn.conf.py").read_text(encoding="utf-8"), config)  # noqa: S102 - our file
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    # then
    assert config["bind"] == "0.0.0.0:8000"
    assert config["timeout"] == 30
    assert "response_header_timeout 35s" in caddyfile
    assert callable(config["child_exit"])


def test_backups_run_on_demand_with_the_same_postgres_major_version(services: dict[str, Any]) -> None:
    # when
    backup = services["backup"]
    # then: pg_dump must not be older than the server
    assert backup["image"] == services["db"]["image"]
    assert backup["profiles"] == ["backup"]
    assert "/app/scripts/backup.sh" in command_text(backup)
    assert "./backups:/backups" in backup["volumes"]
