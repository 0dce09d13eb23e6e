"""Fixtures for the operations tests: real gunicorn instances (tests/sync/live_server.py) sharing
one database and one set of secrets, as README's "Running in production" configures them; a
PostgreSQL cluster of the test's own that it may stop and start; a tiny disk that fills up."""

import os
import secrets
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest

from server.secrets import generate_vapid_keys
from tests.conftest import BACKENDS, empty_database, seeded_app
from tests.ops.pg_cluster import PrivateCluster, binaries, unavailable_reason
from tests.sync.live_server import LiveServer


def shared_secrets():
    """What every instance of one deployment is given in its environment: the same JWT signing
    key and VAPID key pair, and SOTAY_REQUIRE_SECRETS=1 so none starts without them."""
    private, public = generate_vapid_keys()
    return {
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "VAPID_PRIVATE_KEY": private,
        "VAPID_PUBLIC_KEY": public,
        "SOTAY_REQUIRE_SECRETS": "1",
    }


def prepare(url, folder):
    """Create the schema and seed the demo data in this process (quicker than two `flask` runs;
    the migrations are tested on their own)."""
    with seeded_app(url, folder / "seeding"):
        pass


def start_all(servers):
    """Start the servers side by side (each start waits for its /healthz)."""
    with ThreadPoolExecutor(len(servers)) as pool:
        for started in [pool.submit(server.start) for server in servers]:
            started.result()


@pytest.fixture(scope="module", params=BACKENDS)
def two_instances(request, tmp_path_factory):
    """Two gunicorn instances (one worker each, so that alternating between them alternates
    between processes) on different ports, one database, separate instance folders: nothing
    is shared but the database and the environment. Yields (a, b, database url)."""
    folder = tmp_path_factory.mktemp(f"instances-{request.param}")
    environment = shared_secrets()
    with empty_database(request.param, folder) as url, ExitStack() as stack:
        prepare(url, folder)
        servers = []
        for name in ("a", "b"):
            server = LiveServer(url, folder / f"instance-{name}", folder, workers=1, extra_env=environment)
            stack.callback(server.close)
            servers.append(server)
        start_all(servers)
        yield servers[0], servers[1], url


@pytest.fixture
def private_postgres():
    """A started PostgreSQL cluster of this test's own (tests/ops/pg_cluster.py), removed after.
    Skipped only when PostgreSQL is not installed; with REQUIRE_POSTGRES=1 and the binaries
    there, anything else that stops it is a failure."""
    reason = unavailable_reason()
    if reason:
        if os.environ.get("REQUIRE_POSTGRES") == "1" and binaries() is not None:
            pytest.fail(f"REQUIRE_POSTGRES=1: {reason}")
        pytest.skip(reason)
    cluster = PrivateCluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def tiny_disk():
    """A tmpfs of 8 MiB mounted for this test (root only), unmounted after. Skipped, with the
    reason, where mounting is not permitted."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    folder = Path(tempfile.mkdtemp(prefix="sotay-disk-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip(f"mounting a tmpfs is not permitted here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True, timeout=30, check=True)
        folder.rmdir()
