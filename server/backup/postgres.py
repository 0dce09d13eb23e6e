"""PostgreSQL: pg_dump's custom format of the app's schema, restored with pg_restore.

The dump is taken in a snapshot this command exports and holds open (`pg_dump --snapshot`),
so it is one consistent state while the app keeps writing, and the summary counts exactly
what it holds. Neither takes a transaction id, so neither holds back the writers or the pull
horizon (docs/cursor.md). The dump is then read back whole (`pg_restore` to /dev/null)
before it takes its name.

A restore goes into an empty database, or with --force over the app's schema, in one
transaction that also drops what it replaces (`psql --single-transaction` fed by
`pg_restore`): a restore that fails half-way leaves the database as it was. Objects are
owned by the user restoring and grants are not restored (`--no-owner --no-privileges`): the
roles of the old cluster need not exist in the new one.
"""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import text

from server.backup.files import BackupError, replace_durably, temporary_beside

HEADER = b"PGDMP"


def _tool(name):
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"Không tìm thấy {name}: cài postgresql-client cùng phiên bản chính với máy chủ PostgreSQL (hoặc mới hơn)"
        )
    return path


def _libpq(url):
    """The connection as the PostgreSQL tools take it; the password goes in their environment,
    not on a command line any user of the machine can read."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(command, env):
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} thất bại: {completed.stderr.strip()[-2000:]}")
    return completed.stdout


def _quoted(name):
    return '"' + name.replace('"', '""') + '"'


def backup(engine, target, count_sql, say):
    conninfo, env = _libpq(engine.url)
    temporary = temporary_beside(target, "backup")
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                schema = connection.execute(text("SELECT current_schema()")).scalar_one()
                if schema is None:
                    raise BackupError("search_path của DATABASE_URL không chỉ tới schema nào")
                counts = dict(connection.execute(text(count_sql)).mappings().one())
                say(f"pg_dump schema {schema}…")
                _run(
                    [
                        _tool("pg_dump"),
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        f"--schema={_quoted(schema)}",
                        f"--file={temporary}",
                        f"--dbname={conninfo}",
                    ],
                    env,
                )
        say("Đọc lại toàn bộ bản sao lưu để kiểm tra…")
        _run([_tool("pg_restore"), "--file=/dev/null", str(temporary)], env)
        replace_durably(temporary, target)
        return counts
    finally:
        temporary.unlink(missing_ok=True)


def archive_schema(source, env):
    """The one schema the archive's tables are in."""
    listing = _run([_tool("pg_restore"), "--list", str(source)], env)
    schemas = set(re.findall(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) ", listing, re.MULTILINE))
    if len(schemas) != 1:
        raise BackupError(f"{source}: bản sao lưu phải chứa đúng một schema, không phải {sorted(schemas)}")
    return schemas.pop()


def archive_revision(engine, source):
    """The migration the archived database was at (its alembic_version row)."""
    conninfo, env = _libpq(engine.url)
    data = _run([_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(source)], env)
    match = re.search(r"^COPY \S+ \(version_num\) FROM stdin;\n(\w+)\n", data, re.MULTILINE)
    if match is None:
        raise BackupError(f"{source} không phải bản sao lưu của Sổ Tay 06 (không có alembic_version)")
    return match.group(1)


def restore(engine, source, force, say):
    conninfo, env = _libpq(engine.url)
    schema = archive_schema(source, env)
    with engine.connect() as connection:
        user = connection.execute(text("SELECT current_user")).scalar_one()
        search_path = [
            user if part == "$user" else part
            for part in (
                part.strip().strip('"') for part in connection.execute(text("SHOW search_path")).scalar_one().split(",")
            )
        ]
        exists = connection.execute(
            text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": schema}
        ).scalar()
        tables = connection.execute(
            text("SELECT count(*) FROM pg_tables WHERE schemaname = :s"), {"s": schema}
        ).scalar()
    if schema not in search_path:
        raise BackupError(
            f"Bản sao lưu nằm trong schema {schema}, còn DATABASE_URL tìm bảng ở "
            f"{', '.join(search_path)}: đặt search_path (options=-csearch_path={schema})"
        )
    if tables and not force:
        raise BackupError(
            f"Schema {schema} của cơ sở dữ liệu đích đã có {tables} bảng: khôi phục vào một cơ sở "
            "dữ liệu trống, hoặc dừng ứng dụng rồi dùng --force để thay toàn bộ"
        )
    # The archive creates the schema itself (public too); the one there goes in the same
    # transaction, so a failed restore leaves it. Without --force it must be empty.
    drop = [f"--command=DROP SCHEMA {_quoted(schema)}{' CASCADE' if force else ''}"] if exists else []
    say(f"pg_restore vào schema {schema} (một giao dịch)…")
    with tempfile.TemporaryFile() as restore_errors:
        producer = subprocess.Popen(
            [_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(source)],
            stdout=subprocess.PIPE,
            stderr=restore_errors,
            env=env,
        )
        try:
            consumer = subprocess.run(
                [
                    _tool("psql"),
                    "--no-psqlrc",
                    "--quiet",
                    "--single-transaction",
                    "--set=ON_ERROR_STOP=1",
                    f"--dbname={conninfo}",
                    *drop,
                    "--file=-",
                ],
                stdin=producer.stdout,
                capture_output=True,
                text=True,
                env=env,
            )
        finally:
            producer.stdout.close()
            producer.wait()
        restore_errors.seek(0)
        failure = restore_errors.read().decode(errors="replace").strip()
    if producer.returncode != 0 or consumer.returncode != 0:
        raise BackupError(
            f"Khôi phục thất bại, cơ sở dữ liệu không bị thay đổi: {(consumer.stderr.strip() or failure)[-2000:]}"
        )
