"""A real stack for fault injection: our own redis-server on a free loopback port, the site (runserver) and
a Celery worker with beat, all on the test database, e-mails written to files, webhooks sent to a receiver
on 127.0.0.1. The tests break these parts for real and look at what the site promised afterwards."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
WEB_APP = "lk-fault-web"  # application_name of the web process's database connections
WORKER_APP = "lk-fault-worker"

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class Receiver:
    """A merchant's webhook endpoint on loopback: records every POST (event id, event), answers 200."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.deliveries.append(
                        (self.headers["X-Ladenkarte-Delivery"], self.headers["X-Ladenkarte-Event"])
                    )
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class Stack:
    tmp: Path
    env: dict[str, str]
    redis_port: int
    web_port: int
    receiver: Receiver
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    # --- the parts ------------------------------------------------------------------------------------------

    def _start(self, name: str, args: list[str], *, app: str = "") -> None:
        env = {**self.env, "DATABASE_APPLICATION_NAME": app} if app else self.env
        log = (self.tmp / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - fixed arguments
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def _stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)  # the process group we started (start_new_session), nothing else
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def redis_start(self) -> None:
        self._start(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
        )
        wait_until(self._redis_up, timeout=20, what="redis-server")

    def _redis_up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def redis_stop(self) -> None:
        self._stop("redis", signal.SIGKILL)  # as a crash: no goodbye to the clients
        wait_until(lambda: not self._redis_up(), timeout=10, what="redis-server to stop")

    def web_start(self) -> None:
        self._start(
            "web",
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.web_port}", "--noreload"],
            app=WEB_APP,
        )
        wait_until(lambda: self.get("/healthz").status == 200, timeout=60, what="the web server")

    def worker_start(self) -> None:
        self._start(
            "worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "backend",
                "worker",
                "--beat",
                "--pool",
                "solo",
                "--loglevel",
                "warning",
                "--schedule",
                str(self.tmp / "beat-schedule"),
            ],
            app=WORKER_APP,
        )

    def worker_kill(self) -> None:
        self._stop("worker", signal.SIGKILL)

    def close(self) -> None:
        for name in list(self.processes):
            self._stop(name, signal.SIGKILL if name != "web" else signal.SIGTERM)
        self.receiver.server.shutdown()
        self.receiver.server.server_close()

    # --- HTTP -----------------------------------------------------------------------------------------------

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Answer:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.web_port}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
                raw, status, answer_headers = response.read(), response.status, dict(response.headers)
        except urllib.error.HTTPError as exc:
            raw, status, answer_headers = exc.read(), exc.code, dict(exc.headers)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            return Answer(0, str(exc), {})
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return Answer(status, parsed, answer_headers)

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Answer:
        return self.request("POST", path, body if body is not None else {}, headers)

    # --- what came out --------------------------------------------------------------------------------------

    def emails(self) -> list[str]:
        """The Message-IDs of every e-mail written by the file backend (one file may hold several)."""
        chunks = [
            chunk.strip()
            for path in sorted((self.tmp / "mail").glob("*.log"))
            for chunk in path.read_bytes().split(b"-" * 79)
        ]
        return [str(message_from_bytes(chunk + b"\n")["Message-ID"]) for chunk in chunks if chunk]

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


@pytest.fixture
def stack(transactional_db: None, tmp_path: Path) -> Iterator[Stack]:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    database_url = (
        f"postgresql://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    (tmp_path / "mail").mkdir()
    redis_port, web_port = free_port(), free_port()
    receiver = Receiver()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "1",
        "SECURE_SSL_REDIRECT": "0",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "LADENKARTE_OUTBOX_INTERVAL": "1",
        # the test seam (DEBUG only): exactly this loopback receiver counts as a public address
        "LADENKARTE_WEBHOOK_TEST_ALLOW": f"127.0.0.1:{receiver.server.server_address[1]}",
        "LADENKARTE_RESERVATION_RATE": "100000/h",
        "SITE_URL": f"http://127.0.0.1:{web_port}",
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    }
    stack = Stack(tmp=tmp_path, env=env, redis_port=redis_port, web_port=web_port, receiver=receiver)
    try:
        stack.redis_start()
        stack.web_start()
        stack.worker_start()
        yield stack
    finally:
        stack.close()
