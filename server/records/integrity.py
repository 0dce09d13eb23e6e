"""Checking the version history against its hash chain: a rewritten version breaks the chain."""

from sqlalchemy import select

from server.extensions import db
from server.records.store import GENESIS_HASH, RECORD_TABLE, VERSION_TABLE, chained_hash

_BATCH = 1000


def broken_chains():
    """Yield (record_id, version, reason) for every place where the history does not add up.

    Versions are read in (record, version) order in pages, so a large history is
    checked without holding it in memory.
    """
    last_key, record_id, prev_hash, expected_version, last_data = ("", 0), None, GENESIS_HASH, 1, None
    while True:
        rows = (
            db.session.execute(
                select(VERSION_TABLE)
                .where(
                    (VERSION_TABLE.c.record_id > last_key[0])
                    | ((VERSION_TABLE.c.record_id == last_key[0]) & (VERSION_TABLE.c.version > last_key[1]))
                )
                .order_by(VERSION_TABLE.c.record_id, VERSION_TABLE.c.version)
                .limit(_BATCH)
            )
            .mappings()
            .all()
        )
        if not rows:
            break
        for row in rows:
            if row["record_id"] != record_id:
                if record_id is not None:
                    yield from _check_head(record_id, prev_hash, last_data)
                record_id, prev_hash, expected_version = row["record_id"], GENESIS_HASH, 1
            if row["version"] != expected_version:
                yield record_id, row["version"], f"version {expected_version} is missing"
            if chained_hash(prev_hash, dict(row)) != row["hash"]:
                yield record_id, row["version"], "content does not match its hash"
            prev_hash, expected_version, last_data = row["hash"], row["version"] + 1, row["data"]
        last_key = (rows[-1]["record_id"], rows[-1]["version"])
    if record_id is not None:
        yield from _check_head(record_id, prev_hash, last_data)


def _check_head(record_id, last_hash, last_data):
    current = db.session.execute(
        select(RECORD_TABLE.c.version_hash, RECORD_TABLE.c.data).where(RECORD_TABLE.c.id == record_id)
    ).first()
    if current is None or current.version_hash != last_hash or current.data != last_data:
        yield record_id, None, "the record does not match its newest version"
