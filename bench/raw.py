"""The floor to compare with: the same record rows written and read through the database driver
alone (sqlite3, psycopg), in a scratch table, with no HTTP, validation, history or bookkeeping."""

import sqlite3
import time
import uuid
from datetime import datetime, timezone

import orjson

from bench.records import device_mutations

# The shape of a `records` row (server/models/records.py), without its foreign keys and indexes.
COLUMNS = (
    ("id", "VARCHAR(36) PRIMARY KEY"),
    ("type", "VARCHAR(40) NOT NULL"),
    ("commune_id", "INTEGER NOT NULL"),
    ("village_id", "INTEGER NOT NULL"),
    ("data", "TEXT NOT NULL"),
    ("version", "INTEGER NOT NULL"),
    ("review_state", "VARCHAR(20) NOT NULL"),
    ("review_comment", "TEXT"),
    ("has_conflict", "BOOLEAN NOT NULL"),
    ("deleted", "BOOLEAN NOT NULL"),
    ("created_by", "INTEGER NOT NULL"),
    ("created_device_id", "VARCHAR(36)"),
    ("created_at", "TIMESTAMP NOT NULL"),
    ("updated_by", "INTEGER NOT NULL"),
    ("updated_at", "TIMESTAMP NOT NULL"),
    ("client_time", "VARCHAR(40)"),
    ("search_text", "VARCHAR(400) NOT NULL"),
    ("personal_id", "VARCHAR(12)"),
    ("version_hash", "VARCHAR(64) NOT NULL"),
    ("change_xid", "BIGINT NOT NULL"),
)


def rows(count, seed):
    now = datetime.now(timezone.utc)
    device = str(uuid.uuid4())
    for index, mutation in enumerate(device_mutations(seed, [1, 2, 3], count, 0)):
        data = mutation["data"]
        yield (
            mutation["record_id"],
            mutation["type"],
            1,
            mutation["village_id"],
            orjson.dumps(data).decode(),
            1,
            "submitted",
            None,
            False,
            False,
            3,
            device,
            now,
            3,
            now,
            mutation["client_time"],
            data.get("full_name", "")[:400],
            data.get("personal_id"),
            "0" * 64,
            index // 100 + 1,
        )


def _measure(connection, placeholder, count, batch_size, seed, read_page):
    table = f"bench_raw_{uuid.uuid4().hex[:8]}"
    names = ", ".join(name for name, _ in COLUMNS)
    cursor = connection.cursor()
    cursor.execute(f"CREATE TABLE {table} ({', '.join(f'{n} {t}' for n, t in COLUMNS)})")
    connection.commit()
    insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join([placeholder] * len(COLUMNS))})"
    pending = list(rows(count, seed))
    try:
        started = time.perf_counter()
        for start in range(0, len(pending), batch_size):
            cursor.executemany(insert, pending[start : start + batch_size])
            connection.commit()  # one transaction per batch, as one push is
        insert_seconds = time.perf_counter() - started

        started, last, read = time.perf_counter(), "", 0
        while True:
            cursor.execute(
                f"SELECT {names} FROM {table} WHERE id > {placeholder} ORDER BY id LIMIT {read_page}", (last,)
            )
            page = cursor.fetchall()
            if not page:
                break
            read += len(page)
            last = page[-1][0]
        connection.commit()
        read_seconds = time.perf_counter() - started
    finally:
        cursor.execute(f"DROP TABLE {table}")
        connection.commit()
    return {
        "rows": count,
        "batch": batch_size,
        "insert_rows_per_s": count / insert_seconds,
        "read_rows_per_s": read / read_seconds,
    }


def sqlite_rates(path, count, batch_size=100, read_page=1000, seed=7):
    """Insert and read rates into a scratch SQLite file with the server's settings (WAL, NORMAL)."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        return _measure(connection, "?", count, batch_size, seed, read_page)
    finally:
        connection.close()


def postgres_rates(url, count, batch_size=100, read_page=1000, seed=7):
    """Insert and read rates into a scratch table in the benchmark's own PostgreSQL schema."""
    import psycopg

    connection = psycopg.connect(url)
    try:
        return _measure(connection, "%s", count, batch_size, seed, read_page)
    finally:
        connection.close()
