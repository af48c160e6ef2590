"""Benchmarks that print numbers (not tests): `python -m bench [names...]` (or `make bench`).

The interface, for `bench/<name>.py` modules (search, reservations, sync, alerts):

    def run(ctx: bench.Context) -> list[bench.Result]

`ctx.database_url` is the bench database (`ladenkarte_bench`, or `BENCH_DATABASE_URL`), already created,
migrated and filled by `bench.dataset.ensure()` with the seeded town (5,000 shops, 1,000,000 products;
`ctx.quick` asks for a small town and short runs, for trying a benchmark out). `ctx.env()` gives the
environment for a server or management command against that database (DEBUG off, a bench SECRET_KEY,
persistent connections); `ctx.gunicorn()` starts the API on a free loopback port and stops it on exit.
Each `Result` is one row of the printed table and of `docs/benchmarks.md`: what was measured, the value
with its unit, the goal as text and whether it was met (None when there is no goal).
Register a new module in `BENCHMARKS`; a registered module that does not exist yet is reported as missing.
"""

from __future__ import annotations

import contextlib
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ["search", "states", "reservations", "sync", "alerts"]
BENCH_SECRET_KEY = "bench-only-not-secret-" + "x" * 40  # loopback benchmark server only


@dataclass(frozen=True)
class Result:
    benchmark: str
    metric: str
    value: str
    goal: str = ""
    ok: bool | None = None
    note: str = ""


@dataclass
class Context:
    database_url: str
    quick: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self, **overrides: str) -> dict[str, str]:
        """Environment for a Django process against the bench database (production-like settings)."""
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "DEBUG": "0",
            "SECRET_KEY": BENCH_SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "CONN_MAX_AGE": "600",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            **self.extra_env,
            **overrides,
        }

    @contextlib.contextmanager
    def gunicorn(self, *, workers: int = 4, threads: int = 1, **env: str) -> Iterator[Server]:
        """Serve the project with gunicorn on 127.0.0.1 (sync workers); yields the base URL (a `Server`,
        which also knows how much CPU its workers and their PostgreSQL backends have used)."""
        port = free_port()
        env.setdefault("DATABASE_APPLICATION_NAME", f"bench-server-{port}")
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "backend.wsgi:application",
            f"--workers={workers}",
            f"--threads={threads}",
            f"--bind=127.0.0.1:{port}",
            "--backlog=2048",
            "--log-level=warning",
        ]
        process = subprocess.Popen(command, cwd=ROOT, env=self.env(**env))  # noqa: S603 - our own gunicorn
        base = Server(f"http://127.0.0.1:{port}")
        base.pid, base.database_url = process.pid, self.database_url
        base.application_name = env["DATABASE_APPLICATION_NAME"]
        try:
            wait_for(f"{base}/healthz")
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process, from /proc (0 once it is gone; 10 ms clock ticks)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(child) for child in handle.read().split()]
    except FileNotFoundError:
        return []


CpuSnapshot = dict[str, dict[int, float]]


def server_cpu(server_pid: int, *, database_url: str, application_name: str) -> CpuSnapshot:
    """CPU seconds of each worker of a server and of each PostgreSQL backend connected under
    `application_name` (persistent connections, so the same backends for the whole run)."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        backends = [
            row[0]
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [application_name]
            )
        ]
    return {
        "worker": {pid: cpu_seconds(pid) for pid in children(server_pid)},
        "postgres": {pid: cpu_seconds(pid) for pid in backends},
    }


def cpu_spent(start: CpuSnapshot, end: CpuSnapshot) -> dict[str, float]:
    """Seconds of CPU per part ("worker", "postgres") between two snapshots."""
    return {
        part: sum(end[part][pid] - start[part].get(pid, 0.0) for pid in end[part])
        for part in ("worker", "postgres")
    }


class Server(str):
    """The base URL of a benchmark server, with its process id and how to find its database backends."""

    pid: int
    database_url: str
    application_name: str

    def cpu(self) -> CpuSnapshot:
        return server_cpu(self.pid, database_url=self.database_url, application_name=self.application_name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL we built
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


def machine(database_url: str) -> str:
    """Cores, RAM, CPU model, PostgreSQL and PostGIS versions: printed with every result."""
    import psycopg

    cores = os.cpu_count() or 0
    ram = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        ram = f"{kb / 1024 / 1024:.0f} GB RAM"
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with psycopg.connect(database_url) as conn:
        pg = conn.execute("SHOW server_version").fetchone()
        postgis = conn.execute("SELECT postgis_lib_version()").fetchone()
    pg_version = pg[0] if pg else "?"
    postgis_version = postgis[0] if postgis else "?"
    return (
        f"{cores} cores ({cpu}), {ram}, PostgreSQL {pg_version}, PostGIS {postgis_version}, "
        f"Python {platform.python_version()}, load average before the run {os.getloadavg()[0]:.1f}"
    )
