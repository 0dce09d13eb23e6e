"""The instance folder, the embedded database and its WAL/SHM files are the app user's alone,
whatever the umask (server/instance.py): on a shared host no other account reads a citizen's record."""

import os
import stat

import pytest
from sqlalchemy import text

from server import create_app
from server.extensions import db


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask():
    previous = os.umask(0o022)  # the usual one: 0644 files, 0755 folders
    yield
    os.umask(previous)


FILES = ("sotay06.sqlite3", "sotay06.sqlite3-wal", "sotay06.sqlite3-shm")


def modes_after_a_write(folder, monkeypatch):
    """Start the app as `make run` does (SQLite in the instance folder, secrets generated there),
    write, and read every mode while the database is open (SQLite removes -wal and -shm after)."""
    monkeypatch.setenv("SOTAY_INSTANCE_PATH", str(folder))
    app = create_app({"SQLALCHEMY_DATABASE_URI": None})
    with app.app_context():
        with db.engine.connect() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
            connection.execute(text("INSERT INTO probe VALUES (1)"))
            connection.commit()
            modes = {path.name: mode(path) for path in folder.iterdir()}
        db.engine.dispose()
    return modes


def test_a_first_start_leaves_nothing_for_other_accounts_to_read(tmp_path, monkeypatch, loose_umask):
    folder = tmp_path / "instance"
    modes = modes_after_a_write(folder, monkeypatch)
    assert mode(folder) == 0o700
    assert {name: modes[name] for name in (*FILES, "secrets.json")} == dict.fromkeys((*FILES, "secrets.json"), 0o600)
    assert [name for name, bits in modes.items() if bits & 0o077] == []


def test_files_left_readable_by_an_older_start_are_made_private(tmp_path, monkeypatch, loose_umask):
    folder = tmp_path / "instance"
    folder.mkdir(mode=0o755)
    (folder / "sotay06.sqlite3").touch(mode=0o644)
    os.chmod(folder, 0o755)
    modes = modes_after_a_write(folder, monkeypatch)
    assert mode(folder) == 0o700
    assert {name: modes[name] for name in FILES} == dict.fromkeys(FILES, 0o600)
