"""The server under test: a fresh database (SQLite file, or a new PostgreSQL schema), migrated and
seeded by the `flask` command, served by gunicorn on loopback; and its memory, read from /proc."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from server.config import database_url

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
# Logins are not what is measured: the cheapest Argon2 keeps the setup of 200 devices quick.
FAST_HASHING_ENV = {"PASSWORD_TIME_COST": "1", "PASSWORD_MEMORY_KIB": "1024"}


@contextmanager
def fresh_database(backend, folder, postgres_url=None):
    """The URL of a new, empty database, dropped afterwards. On PostgreSQL a schema of its own,
    so that a benchmark never touches the data already in the database it is pointed at."""
    if backend == "sqlite":
        yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    engine = create_engine(database_url(postgres_url))
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    base = database_url(postgres_url)
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_healthy(process, base_url, timeout, log_tail):
    """Returns once the gunicorn `process` answers /healthz; fails with its log if it exits or
    does not answer within `timeout` seconds. The tests' live servers wait the same way."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log_tail()}")
        try:
            if requests.get(base_url + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout} s:\n{log_tail()}")


class Server:
    """gunicorn serving wsgi:app on one database, in its own process group."""

    def __init__(self, db_url, folder, workers, password, gunicorn_args=(), extra_env=None, port=None):
        self.db_url = db_url
        self.extra_env = extra_env or {}
        self.folder = Path(folder)
        self.workers = workers
        self.password = password
        self.gunicorn_args = list(gunicorn_args)
        self.port = port or free_port()
        self.process = None
        self.log_path = self.folder / "gunicorn.log"

    @property
    def base_url(self):
        return f"http://{HOST}:{self.port}"

    def env(self):
        env = dict(
            os.environ,
            **FAST_HASHING_ENV,
            DATABASE_URL=self.db_url,
            SOTAY_INSTANCE_PATH=str(self.folder / "instance"),
            **self.extra_env,
        )
        env.pop("FLASK_APP", None)
        return env

    def flask(self, *args):
        completed = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{completed.stderr[-3000:]}")

    def prepare(self):
        self.flask("db", "upgrade")
        self.flask("seed-demo", "--password", self.password, "--accounts-only")

    def start(self, timeout=60):
        command = [
            str(BIN / "gunicorn"),
            "--workers",
            str(self.workers),
            "--bind",
            f"{HOST}:{self.port}",
            "--no-control-socket",
            *self.gunicorn_args,
            "wsgi:app",
        ]
        log = open(self.log_path, "wb")  # noqa: SIM115 - closed by stop()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._log = log
        wait_healthy(self.process, self.base_url, timeout, self.log_tail)

    def stop(self):
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # no worker outlives its arbiter
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait(timeout=10)
        self.process = None
        self._log.close()

    def log_tail(self, chars=3000):
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def pids(self):
        """The arbiter and its workers."""
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children")
        workers = [int(p) for p in children.read_text().split()] if children.exists() else []
        return master, workers

    def cpu_seconds(self):
        """User + system CPU time of the arbiter and its workers so far."""
        master, workers = self.pids()
        return sum(_cpu_seconds(pid) for pid in [master, *workers])


def rss_bytes(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _cpu_seconds(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # utime and stime are the 14th and 15th fields of stat (12th and 13th after the command).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class MemorySampler:
    """Samples the RSS of the arbiter and each worker every few milliseconds, in a thread.

    `mark(name)` starts a new phase; peaks are kept per phase, for the total and for the
    largest single worker."""

    def __init__(self, server, interval=0.02):
        self.server = server
        self.interval = interval
        self.phases = {}
        self.phase = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.mark("idle")
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def mark(self, phase):
        # The phase's entry exists before the sampling thread can see its name.
        self.phases.setdefault(phase, {"total_peak": 0, "worker_peak": 0, "worker_start": None})
        self.phase = phase
        self._sample()

    def _sample(self):
        master, workers = self.server.pids()
        sizes = [rss_bytes(pid) for pid in workers]
        peaks = self.phases[self.phase]
        total = rss_bytes(master) + sum(sizes)
        peaks["total_peak"] = max(peaks["total_peak"], total)
        peaks["worker_peak"] = max(peaks["worker_peak"], max(sizes, default=0))
        if peaks["worker_start"] is None:
            peaks["worker_start"] = max(sizes, default=0)

    def _run(self):
        while not self._stop.wait(self.interval):
            self._sample()

    def peak_total(self):
        return max(p["total_peak"] for p in self.phases.values())
