"""docker-compose.yml and Dockerfile describe a runnable deployment (parsed only; Docker is not needed)."""

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
    assert set(services) >= {"db", "redis", "web", "worker"}


def test_db_is_postgis_15_with_a_named_volume_and_health_check() -> None:
    # given
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    db = compose["services"]["db"]

    # then
    assert db["image"] == "postgis/postgis:15-3.4"
    assert "pg_isready" in healthcheck_text(db)
    volume_names = {entry.split(":", 1)[0] for entry in db["volumes"]}
    mounted_at = {entry.split(":", 2)[1] for entry in db["volumes"]}
    assert "/var/lib/postgresql/data" in mounted_at
    assert volume_names & set(compose["volumes"]), "the database volume must be a named volume"


def test_redis_is_redis_7_with_ping_health_check(services: dict[str, Any]) -> None:
    # when
    redis = services["redis"]

    # then
    assert redis["image"].split(":")[0] == "redis"
    assert redis["image"].split(":")[1].startswith("7")
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
    assert command.startswith("celery -A backend worker")
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


def test_dockerfile_builds_on_python_311_with_gdal_and_static_files() -> None:
    # given
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")

    # then
    assert "FROM python:3.11-slim-bookworm" in dockerfile
    for needed in ("gdal-bin", "libgdal32", "gettext", "curl", "compilemessages", "collectstatic"):
        assert needed in dockerfile
    assert "ENV SECRET_KEY" not in dockerfile, "the build-time key must not end up in the image"
