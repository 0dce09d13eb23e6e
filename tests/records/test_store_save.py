"""store.save: every record row it writes carries this transaction's stamp (what pull orders
changes by), and a changed row writes only the columns it is asked to."""

import uuid

from sqlalchemy import select

from server.extensions import db
from server.models import User
from server.records import store
from server.timeutil import utcnow
from tests.helpers import vneid_data


def _new_record(user, village_id):
    row = store.new_record_row(
        record_id=str(uuid.uuid4()), record_type="vneid_activation", commune_id=user.commune_id,
        village_id=village_id, user_id=user.id, device_id=None, now=utcnow(),
    )  # fmt: skip
    version = store.new_version(row, action="create", user_id=user.id, now=utcnow(), data=vneid_data())
    return row, version


def _stored(record_id, *columns):
    table = store.RECORD_TABLE
    return db.session.execute(select(*(table.c[name] for name in columns)).where(table.c.id == record_id)).one()


def test_every_row_written_carries_the_transactions_stamp(app, villages):
    user = db.session.execute(select(User).where(User.username == "vol.qt1")).scalar_one()
    made = [_new_record(user, villages["Thôn 1"]) for _ in range(3)]
    store.begin_write()
    store.save(created=[row for row, _ in made], versions=[version for _, version in made])
    stamp = db.session.info["sync_stamp"]
    assert {_stored(row["id"], "change_xid")[0] for row, _ in made} == {stamp}
    assert all(row["change_xid"] == stamp for row, _ in made)
    db.session.commit()

    row = store.load_for_update([made[0][0]["id"]])[made[0][0]["id"]]
    later = db.session.info["sync_stamp"]
    assert later > stamp
    row["has_conflict"], row["review_comment"] = True, "không được ghi"
    store.save(updated=[row], columns=("has_conflict",))
    assert tuple(_stored(row["id"], "has_conflict", "review_comment", "change_xid")) == (True, None, later)
    db.session.rollback()
