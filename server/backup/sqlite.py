"""SQLite: copies made with SQLite's online backup API.

The copy is taken in one step, inside one read transaction: a consistent snapshot of the
database, while the app keeps writing (in WAL mode readers and the writer do not wait for
each other). Copied in several steps, a write by the app between two of them would make
SQLite start the copy again, possibly for ever under a steady load.

A restore prepares the backup in a temporary file beside the database (migrations, new sync
epoch, sessions ended) and only then copies it over the database, again in one step of the
backup API, which goes through SQLite's own locking: the database is the old one or the
prepared one, never a mixture.
"""

import sqlite3
import time
from contextlib import closing
from pathlib import Path

from server.backup.files import BackupError, remove_sqlite_files, replace_durably, temporary_beside

HEADER = b"SQLite format 3\x00"


def database_path(url):
    if not url.database or url.database == ":memory:":
        raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được")
    return Path(url.database).resolve()


def copy(source, target):
    """The whole of `source` into `target`, in one step of SQLite's backup API."""
    with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(target, timeout=30)) as dst:
        src.backup(dst)


def check(path):
    """Raises unless `path` is a sound SQLite database of this app."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error as err:
        raise BackupError(f"{path} không phải cơ sở dữ liệu SQLite dùng được: {err}") from None
    if problems != ["ok"]:
        raise BackupError(f"{path} bị hỏng (PRAGMA integrity_check): {'; '.join(problems[:5])}")
    if len(revision) != 1:
        raise BackupError(f"{path} không phải cơ sở dữ liệu của Sổ Tay 06 (không có alembic_version)")
    return revision[0][0]


def query(path, sql):
    """The one row `sql` answers, as a dict."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            connection.row_factory = sqlite3.Row
            return dict(connection.execute(sql).fetchone())
    except sqlite3.Error as err:
        raise BackupError(f"{path} không đọc được: {err}") from None


def backup(source, target, count_sql):
    """Copies the live database at `source` to the file `target`; returns the counts of the copy."""
    if not source.exists():
        raise BackupError(f"Không có cơ sở dữ liệu ở {source}")
    if target.resolve() in {source, *(Path(f"{source}{s}") for s in ("-wal", "-shm", "-journal"))}:
        raise BackupError("Tệp sao lưu không được trùng với tệp cơ sở dữ liệu")
    temporary = temporary_beside(target, "backup")
    try:
        copy(source, temporary)
        with closing(sqlite3.connect(temporary)) as connection:
            # One self-contained file: no -wal beside it to lose when it is copied elsewhere.
            connection.execute("PRAGMA journal_mode=DELETE")
        check(temporary)
        counts = query(temporary, count_sql)
        replace_durably(temporary, target)
        return counts
    finally:
        remove_sqlite_files(temporary)


def restore(backup_file, live, force, prepare, count_sql, say):
    """Replaces the database at `live` with the backup, prepared by `prepare(path)` first."""
    check(backup_file)
    if live.exists():
        _make_way(live, force, count_sql, say)
    temporary = temporary_beside(live, "restore")
    try:
        say("Chép bản sao lưu vào tệp tạm và chuẩn bị (cập nhật lược đồ, kỷ nguyên đồng bộ mới, kết thúc phiên)…")
        copy(backup_file, temporary)
        prepare(temporary)
        check(temporary)
        say(f"Thay cơ sở dữ liệu {live}…")
        copy(temporary, live)
        check(live)
    finally:
        remove_sqlite_files(temporary)


def _make_way(live, force, count_sql, say):
    """A database holding data is replaced only with --force; a broken one is moved aside, never deleted."""
    try:
        if query(live, "SELECT count(*) AS tables FROM sqlite_master")["tables"] == 0:
            return
        check(live)
        counts = query(live, count_sql)
    except BackupError as err:
        if not force:
            raise BackupError(f"{err}. Dùng --force để chuyển nó sang một bên và khôi phục") from None
        aside = live.with_name(f"{live.name}.hong-{time.strftime('%Y%m%d-%H%M%S')}")
        for suffix in ("", "-wal", "-shm", "-journal"):
            if Path(f"{live}{suffix}").exists():
                Path(f"{live}{suffix}").rename(f"{aside}{suffix}")
        say(f"Tệp cơ sở dữ liệu hỏng đã được chuyển sang {aside}")
        return
    if (counts["users"] or counts["records"]) and not force:
        raise BackupError(
            f"Cơ sở dữ liệu {live} đang có dữ liệu ({counts['users']} người dùng, {counts['records']} bản ghi). "
            "Dừng ứng dụng, rồi dùng --force để thay toàn bộ bằng bản sao lưu"
        )
