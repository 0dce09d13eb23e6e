"""A PostgreSQL cluster of the test's own (initdb, pg_ctl) on a free loopback port, so that a test
can stop and start PostgreSQL without touching the one every other test uses.

Run as the `postgres` OS user when the tests run as root (initdb refuses root), in a folder of
its own under /tmp that that user owns; trust authentication, loopback only; fsync off, as
nothing here survives the machine (a stopped PostgreSQL is a crashed process, not a crashed OS).
"""

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.server import HOST, free_port

BIN_GLOB = "/usr/lib/postgresql/*/bin"


def binaries():
    """The newest installed PostgreSQL's bin folder, or None."""
    found = sorted(
        Path("/").glob(BIN_GLOB.lstrip("/")), key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0
    )
    found = [p for p in found if (p / "initdb").exists() and (p / "pg_ctl").exists()]
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def unavailable_reason():
    if binaries() is None:
        return f"PostgreSQL's initdb and pg_ctl are not installed (looked in {BIN_GLOB} and PATH)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a `postgres` OS user to run initdb as"
    return None


class PrivateCluster:
    def __init__(self):
        self.bin = binaries()
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="sotay-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgresql.log"
        self.running = False
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self._as_owner = ["runuser", "-u", "postgres", "--"]
        else:
            self._as_owner = []

    @property
    def url(self):
        return f"postgresql://postgres@{HOST}:{self.port}/postgres"

    def _run(self, program, *args):
        completed = subprocess.run(
            [*self._as_owner, str(self.bin / program), *args], capture_output=True, text=True, timeout=60
        )
        assert completed.returncode == 0, (
            program,
            args,
            completed.stdout[-2000:],
            completed.stderr[-2000:],
            self.log_tail(),
        )
        return completed

    def init(self):
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--no-locale"
        )

    def start(self):
        options = f"-p {self.port} -k {self.folder} -c listen_addresses={HOST} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options, "start")
        self.running = True

    def stop(self, mode):
        """`immediate`: every PostgreSQL process quits at once, as in a crash (recovery at the next
        start); `fast`: open transactions are rolled back and every client disconnected."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        self.running = False

    def close(self):
        try:
            if self.running:
                self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def log_tail(self, chars=3000):
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""
