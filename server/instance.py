"""The instance folder and the embedded database: readable by the app's user alone.

The folder holds the generated secrets and, without DATABASE_URL, the SQLite database with every
citizen's record. Made under the usual umask they would be 0644 files in a 0755 folder, which any
account on a shared host can read. So the folder is made 0700 and the database file 0600 before
SQLite first opens it; SQLite gives the database's -wal and -shm files the database file's own
permissions, and those left by an older start are corrected too.
"""

import logging
import os
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

PRIVATE_FOLDER, PRIVATE_FILE = 0o700, 0o600


def make_private(instance_path, database_uri):
    folder = Path(instance_path)
    folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    _chmod(folder, PRIVATE_FOLDER)
    database = sqlite_file(database_uri)
    if database is None:
        return
    database.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    os.close(os.open(database, os.O_RDWR | os.O_CREAT, PRIVATE_FILE))
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm"), Path(f"{database}-journal")):
        if path.exists():
            _chmod(path, PRIVATE_FILE)


def sqlite_file(database_uri):
    """The path of a SQLite database file, or None for another database or one in memory."""
    url = make_url(database_uri)
    if (
        url.get_backend_name() != "sqlite"
        or not url.database
        or url.database == ":memory:"
        or url.database.startswith("file:")
    ):
        return None
    return Path(url.database)


def _chmod(path, mode):
    try:
        os.chmod(path, mode)
    except PermissionError:
        log.warning("%s belongs to another user; its permissions could not be made %o", path, mode)
