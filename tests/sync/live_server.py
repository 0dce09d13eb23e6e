"""Real server processes for the slow sync tests: a fresh database, migrated and seeded by the
`flask` command, served by `gunicorn` in its own process group on a loopback port.

Everything talks to 127.0.0.1 only, and every wait is bounded in time.
"""

import itertools
import os
import signal
import subprocess
from contextlib import ExitStack
from pathlib import Path

import pytest

# Started and awaited as the benchmark's server is (bench/server.py).
from bench.server import BIN, FAST_HASHING_ENV, HOST, ROOT, free_port, wait_healthy
from tests.conftest import TEST_DATABASE_URL, empty_database
from tests.helpers import PASSWORD


class LiveServer:
    """gunicorn serving wsgi:app on one database; start, kill (SIGKILL to the group), restart."""

    def __init__(
        self, database_url, instance_path, log_dir, workers=2, threads=None, config=None, port=None, extra_env=None
    ):
        self.database_url = database_url
        self.instance_path = Path(instance_path)
        self.log_dir = Path(log_dir)
        self.workers = workers
        self.threads = threads
        self.config = config
        self.port = port or free_port()
        self.extra_env = extra_env or {}
        self.process = None
        self.starts = 0
        self._logs = []

    @property
    def base_url(self):
        return f"http://{HOST}:{self.port}"

    def env(self):
        env = dict(os.environ)
        env.update(FAST_HASHING_ENV)
        env["DATABASE_URL"] = self.database_url
        env["SOTAY_INSTANCE_PATH"] = str(self.instance_path)
        env.update(self.extra_env)
        env.pop("FLASK_APP", None)
        return env

    def flask(self, *args, timeout=120):
        completed = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert completed.returncode == 0, (args, completed.stdout[-3000:], completed.stderr[-3000:])
        return completed

    def prepare_database(self):
        """Migrate the (fresh) database and seed the demo communes and users."""
        self.flask("db", "upgrade")
        self.flask("seed-demo", "--password", PASSWORD, "--accounts-only")

    def start(self, timeout=30):
        assert self.process is None, "already running"
        command = [
            str(BIN / "gunicorn"),
            "--workers",
            str(self.workers),
            "--bind",
            f"{HOST}:{self.port}",
            "--graceful-timeout",
            "5",
            "--timeout",
            "60",
            "--no-control-socket",
        ]
        if self.threads:
            command += ["--threads", str(self.threads), "--worker-class", "gthread"]
        if self.config:
            command += ["-c", str(self.config)]
        command.append("wsgi:app")
        self.starts += 1
        log = open(self.log_dir / f"gunicorn-{self.port}-{self.starts}.log", "wb")  # noqa: SIM115
        self._logs.append(log)
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_healthy(self.process, self.base_url, timeout, self.log_tail)

    def kill(self):
        """SIGKILL the whole process group: the arbiter and every worker, mid-request or not."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        self.process = None

    def stop(self):
        """Graceful stop (SIGTERM to the group), then SIGKILL if it lingers."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            pass
        finally:
            if self.process is not None and self.process.poll() is None:
                self.kill()
            else:
                # The arbiter is gone; make sure no worker of its group survives it.
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            self.process = None

    def close(self):
        self.stop()
        for log in self._logs:
            log.close()

    def log_tail(self, chars=4000):
        text = ""
        for path in sorted(self.log_dir.glob(f"gunicorn-{self.port}-*.log")):
            text += f"--- {path.name}\n" + path.read_text(errors="replace")
        return text[-chars:]


@pytest.fixture
def fresh_database(tmp_path):
    """fresh_database(backend) -> the URL of a new, empty database, dropped after the test."""
    numbers = itertools.count(1)
    with ExitStack() as stack:

        def make(backend):
            if backend == "postgresql" and not TEST_DATABASE_URL:
                pytest.skip("TEST_DATABASE_URL is not set")
            folder = tmp_path / f"db-{next(numbers)}"
            folder.mkdir()
            return stack.enter_context(empty_database(backend, folder))

        yield make


@pytest.fixture
def live_server(fresh_database, tmp_path):
    """live_server(backend, **gunicorn options) -> a started LiveServer on a fresh, seeded database.
    Every server started through it is stopped at teardown, whatever the test did."""
    servers = []

    def start(backend, **options):
        server = LiveServer(fresh_database(backend), tmp_path / "instance", tmp_path, **options)
        servers.append(server)
        server.prepare_database()
        server.start()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.close()


__all__ = ["LiveServer", "free_port", "fresh_database", "live_server"]
