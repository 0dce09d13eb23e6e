"""Backup and restore of the whole database: `flask --app wsgi backup PATH` and `restore PATH`.

SQLite is copied with its online backup API (sqlite.py), PostgreSQL dumped with pg_dump and
restored with pg_restore (postgres.py); either way the copy is read back whole before it
takes its name, and the summary counts what it holds.

A restored database is not simply the old one again: devices synced with it after the
backup was taken. So a restore also, in the restored database:
- runs the migrations up to this code;
- begins a new sync epoch (server/sync/cursor.py): every pull cursor served before answers
  `reset: true`, the device pulls from the start and sends again what the backup lacks, and
  on PostgreSQL every later stamp is above every restored one, even in a new cluster;
- ends every session (each device's token generation goes up): logouts, revocations and
  password resets made after the backup would otherwise be undone. Phones ask for the
  password again and keep everything they hold.
"""

import sqlite3
from pathlib import Path

import flask_migrate
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from sqlalchemy import text, update
from sqlalchemy.exc import SQLAlchemyError

from server.audit import write_audit
from server.backup import postgres, sqlite
from server.backup.files import BackupError, size_text
from server.extensions import db
from server.models import Device
from server.records.integrity import broken_chains
from server.sync.cursor import begin_epoch

__all__ = ["BackupError", "backup", "restore"]

# Failures of the disk or the database, reported as a message instead of a traceback.
_FAILURES = (OSError, sqlite3.Error, SQLAlchemyError)

# What a summary counts, as one statement both backends answer.
COUNT_SQL = "SELECT " + ", ".join(
    f"({sql}) AS {name}"
    for name, sql in {
        "records": "SELECT count(*) FROM records",
        "deleted": "SELECT count(*) FROM records WHERE deleted = TRUE",
        "versions": "SELECT count(*) FROM record_versions",
        "conflicts": "SELECT count(*) FROM conflicts",
        "open_conflicts": "SELECT count(*) FROM conflicts WHERE state = 'open'",
        "mutations": "SELECT count(*) FROM mutations",
        "users": "SELECT count(*) FROM users",
        "devices": "SELECT count(*) FROM devices",
        "audit": "SELECT count(*) FROM audit_log",
    }.items()
)


def describe(counts):
    return (
        f"{counts['records']} bản ghi (đã xóa {counts['deleted']}), {counts['versions']} phiên bản, "
        f"{counts['conflicts']} xung đột (đang mở {counts['open_conflicts']}), "
        f"{counts['mutations']} thao tác đồng bộ, {counts['users']} người dùng, "
        f"{counts['devices']} thiết bị, {counts['audit']} mục nhật ký"
    )


def backup(target, say):
    """Writes a backup of the app's database to `target`; returns the counts it holds."""
    try:
        return _backup(Path(target).absolute(), say)
    except _FAILURES as err:
        raise BackupError(f"Sao lưu thất bại: {err}") from err


def restore(source, force, say):
    """Replaces the app's database with the backup at `source` (see the module's doc)."""
    try:
        return _restore(Path(source).absolute(), force, say)
    except _FAILURES as err:
        raise BackupError(f"Khôi phục thất bại: {err}") from err


def _backup(target, say):
    engine = db.engine
    say(f"Sao lưu {engine.url.render_as_string(hide_password=True)} vào {target}…")
    if engine.dialect.name == "sqlite":
        counts = sqlite.backup(sqlite.database_path(engine.url), target, COUNT_SQL)
    else:
        counts = postgres.backup(engine, target, COUNT_SQL, say)
    # A backup is an export of everything: the audit log says who (the operator's job) took it.
    write_audit("database.backup", details={"path": str(target), "counts": counts})
    db.session.commit()
    say(f"Đã sao lưu và kiểm tra: {target} ({size_text(target)})")
    say(f"Gồm: {describe(counts)}")
    return counts


def backup_format(path):
    """'sqlite' or 'postgresql', from the file's first bytes."""
    with open(path, "rb") as file:
        head = file.read(16)
    if head.startswith(sqlite.HEADER):
        return "sqlite"
    if head.startswith(postgres.HEADER):
        return "postgresql"
    raise BackupError(f"{path} không phải bản sao lưu của Sổ Tay 06 (SQLite hoặc pg_dump dạng custom)")


def _restore(source, force, say):
    engine = db.engine
    kind = backup_format(source)
    if kind != engine.dialect.name:
        raise BackupError(
            f"Bản sao lưu là {kind}, còn DATABASE_URL là {engine.dialect.name}: "
            "chỉ khôi phục được vào cùng loại cơ sở dữ liệu"
        )
    say(f"Khôi phục {source} vào {engine.url.render_as_string(hide_password=True)}…")
    if kind == "sqlite":
        _check_revision(sqlite.query(source, "SELECT version_num FROM alembic_version")["version_num"])
        sqlite.restore(
            source,
            sqlite.database_path(engine.url),
            force,
            lambda path: _prepare_file(path, source.name),
            COUNT_SQL,
            say,
        )
    else:
        _check_revision(postgres.archive_revision(engine, source))
        postgres.restore(engine, source, force, say)
        say("Cập nhật lược đồ, bắt đầu kỷ nguyên đồng bộ mới, kết thúc mọi phiên đăng nhập…")
        try:
            _begin_new_life(source.name)
        except Exception as err:
            raise BackupError(
                f"Đã chép dữ liệu nhưng CHƯA chuẩn bị xong ({err}). Đừng khởi động ứng dụng: "
                "chạy lại lệnh restore với --force"
            ) from err
    db.session.remove()
    say("Kiểm tra chuỗi băm lịch sử bản ghi…")
    problems = list(broken_chains())
    if problems:
        raise BackupError(
            f"Đã khôi phục, nhưng lịch sử bản ghi trong bản sao lưu có {len(problems)} chỗ không "
            "khớp chuỗi băm: xem flask --app wsgi verify-history"
        )
    counts = dict(db.session.execute(text(COUNT_SQL)).mappings().one())
    say(f"Đã khôi phục: {describe(counts)}")
    say(
        "Mọi thiết bị phải đăng nhập lại; điện thoại giữ nguyên dữ liệu, tải lại từ đầu và gửi lại "
        "những gì bản sao lưu thiếu."
    )
    return counts


def _check_revision(revision):
    """A backup made by a newer version of the app cannot be migrated by this one."""
    try:
        ScriptDirectory(current_app.extensions["migrate"].directory).get_revision(revision)
    except CommandError:
        raise BackupError(
            f"Bản sao lưu được tạo bởi một phiên bản Sổ Tay 06 mới hơn (lược đồ {revision}): "
            "khôi phục bằng phiên bản đó"
        ) from None


def _prepare_file(path, source_name):
    """Prepares a restored SQLite file in an app of its own, before it replaces the database."""
    from server import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        try:
            _begin_new_life(source_name)
        finally:
            db.session.remove()
            db.engine.dispose()


def _begin_new_life(source_name):
    flask_migrate.upgrade()
    epoch = begin_epoch(db.session)
    ended = db.session.execute(update(Device).values(token_generation=Device.token_generation + 1)).rowcount
    write_audit("database.restore", details={"backup": source_name, "epoch": epoch, "sessions_ended": ended})
    db.session.commit()
