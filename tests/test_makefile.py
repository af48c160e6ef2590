"""The Makefile targets a newcomer runs one by one work without extra environment variables."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("target", ["migrate", "messages", "po", "static"])
def test_django_targets_get_a_local_key_when_none_is_set(target: str) -> None:
    # given an environment without SECRET_KEY and DEBUG (settings refuse to load then), and a stand-in for
    # manage.py that reports whether it got a key
    env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DEBUG", "MAKEFLAGS"}}
    probe = f"{sys.executable} -c 'import os, sys; sys.exit(0 if os.environ.get(\"SECRET_KEY\") else 3)'"
    # when the target runs with manage.py replaced by the probe
    make = shutil.which("make") or "make"
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own Makefile
        [make, "--no-print-directory", "-s", target, f"MANAGE={probe}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # then the command ran with a key instead of failing like `manage.py migrate` would
    assert result.returncode == 0, result.stdout + result.stderr


def test_demo_serves_on_the_port_asked_for() -> None:
    # given port 8000 taken by something else
    make = shutil.which("make") or "make"
    # when the demo is asked for on another port (dry run: commands are printed, not run)
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own Makefile
        [make, "--no-print-directory", "-n", "demo", "PORT=8200"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # then the server and the printed links use that port
    assert result.returncode == 0, result.stderr
    assert "runserver 127.0.0.1:8200" in result.stdout
    assert "http://127.0.0.1:8200/admin/" in result.stdout
    assert ":8000" not in result.stdout
