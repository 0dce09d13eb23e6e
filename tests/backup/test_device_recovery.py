"""After a restore, devices that synced after the backup recover by pulling (docs/api.md §12):
their cursors answer `reset: true` (so does a push that carries one, applying nothing), their
sessions end without a wipe, and what they send again converges exactly once."""

import uuid

from server import backup
from server.extensions import db
from server.records.integrity import broken_chains
from tests.helpers import Caller, body_of, propaganda_data, update, vneid_data


def _push(caller, mutations, cursor=None):
    body = {"device_id": caller.device_id, "mutations": mutations}
    if cursor:
        body["cursor"] = cursor
    response = caller.post("/sync/push", json=body)
    assert response.status_code == 200, body_of(response)
    return body_of(response)


def _error_code(response):
    return body_of(response)["error"]["code"]


def test_a_device_that_synced_after_the_backup_resets_and_its_resent_mutations_apply_once(migrated_app, tmp_path):
    client = migrated_app.test_client()
    phone = Caller(client, "vol.qt1")
    r1, r2, r3 = (str(uuid.uuid4()) for _ in range(3))
    mutations = {
        1: {"mutation_id": 1, **phone.create("vneid_activation", 1, vneid_data(full_name="Trước Sao Lưu"), r1)},
        2: {"mutation_id": 2, **phone.create("propaganda_session", 1, propaganda_data(), r2)},
    }
    first = {r["mutation_id"]: r for r in _push(phone, [mutations[1], mutations[2]])["results"]}
    phone.pull_all()

    backup.backup(tmp_path / "sotay.backup", lambda line: None)

    # After the backup: a new record and an edit, pushed and pulled (the phone's cursor and
    # last_mutation_id now speak of changes the backup does not hold).
    mutations[3] = {"mutation_id": 3, **phone.create("vneid_activation", 1, vneid_data(full_name="Sau Sao Lưu"), r3)}
    mutations[4] = {"mutation_id": 4, **update(r1, 1, {"phone": "0987654321"})}
    first.update({r["mutation_id"]: r for r in _push(phone, [mutations[3], mutations[4]])["results"]})
    _, cursor_after_backup, _ = phone.pull_all()
    assert phone.pull(cursor_after_backup)["last_mutation_id"] == 4
    # A device first seen after the backup.
    newcomer = Caller(client, "vol.qt2")
    newcomer_create = {"mutation_id": 1, **newcomer.create("propaganda_session", 2, propaganda_data(people_reached=7))}
    _push(newcomer, [newcomer_create])

    db.session.remove()
    backup.restore(tmp_path / "sotay.backup", True, lambda line: None)

    # Sessions end, and neither answer is device_revoked (which would make the phone wipe).
    stale = phone.get("/auth/me")
    assert (stale.status_code, _error_code(stale)) == (401, "token_revoked")
    unknown = newcomer.get("/auth/me")
    assert (unknown.status_code, _error_code(unknown)) == (401, "token_invalid")
    phone = Caller(client, "vol.qt1", device_id=phone.device_id)
    newcomer = Caller(client, "vol.qt2", device_id=newcomer.device_id)

    # An edit made offline meanwhile, of the record created after the backup: sent with the
    # old cursor it is not applied (nor answered), since its record is not there yet.
    mutations[5] = {"mutation_id": 5, **update(r3, 1, {"phone": "0911222333"})}
    refused = _push(phone, [mutations[5]], cursor=cursor_after_backup)
    assert refused["reset"] is True and refused["results"] == []
    assert phone.pull(cursor_after_backup)["reset"] is True

    # The phone sends again every mutation the server answered, and the one still waiting.
    again = _push(phone, [mutations[i] for i in range(1, 6)])
    results = {r["mutation_id"]: r for r in again["results"]}
    assert again["reset"] is False
    assert results[1] == first[1] and results[2] == first[2]  # the outcomes the backup held
    assert results[3] == first[3] and results[4] == first[4]  # applied afresh, as the first time
    assert (results[5]["status"], results[5]["version"]) == ("applied", 2)
    # Exactly once: a third time changes nothing.
    assert {r["mutation_id"]: r for r in _push(phone, [mutations[i] for i in range(1, 6)])["results"]} == results

    records, cursor, _ = phone.pull_all()
    assert {rid: (r["version"], r["data"].get("phone")) for rid, r in records.items()} == {
        r1: (2, "0987654321"),
        r2: (1, None),
        r3: (2, "0911222333"),
    }
    assert phone.pull(cursor)["last_mutation_id"] == 5

    assert _push(newcomer, [newcomer_create])["results"][0]["status"] == "applied"
    assert list(broken_chains()) == []


def test_a_cursor_served_before_epochs_existed_stays_valid(migrated_app):
    """Upgrading to this code must not reset every phone: a three-part cursor is of the first epoch."""
    import base64

    client = migrated_app.test_client()
    phone = Caller(client, "vol.qt1")
    _push(phone, [{"mutation_id": 1, **phone.create("propaganda_session", 1, propaganda_data())}])
    _, cursor, _ = phone.pull_all()
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    assert raw.endswith(".")  # stamp.record.scope. with the first epoch's empty name
    old_style = base64.urlsafe_b64encode(raw[:-1].encode()).decode().rstrip("=")
    page = phone.pull(old_style)
    assert page["reset"] is False and page["changes"] == []
    assert _push(phone, [], cursor=old_style)["reset"] is False
