"""A seeded commune for report tests: October 2026 in Quang Trung (and a little of Cẩm Hải that
must never show), built once per module and backend. The expected figures in
test_progress.py are counted by hand from the table below."""

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest
from sqlalchemy import update

from server.extensions import db
from server.forms import registry
from server.models import Record, RecordVersion
from server.records import store
from tests.conftest import declared_before, seeded_app
from tests.helpers import Caller, body_of, death_data, propaganda_data, update as update_mutation, vneid_data

UTC = timezone.utc

# key: (village, review state, vneid data overrides)
VNEID = {
    "a1": ("Thôn 1", "approved", dict(level=2, step_reached="activated", activity_date="2026-10-02")),
    "a2": ("Thôn 1", "approved", dict(level=1, step_reached="activated", activity_date="2026-10-06")),
    "a3": ("Thôn 1", "approved", dict(level=2, step_reached="logged_in_public_service", activity_date="2026-10-13")),
    "a4": (
        "Thôn 1",
        "approved",
        dict(level=1, step_reached="installed", failure_reason="no_chip_card", activity_date="2026-10-20"),
    ),
    "a5": ("Thôn 1", "submitted", dict(level=2, step_reached="activated", activity_date="2026-10-21")),
    "a6": ("Thôn 1", "rejected", dict(level=2, step_reached="activated", activity_date="2026-10-21")),
    "b1": (
        "Thôn 2",
        "approved",
        dict(level=2, step_reached="registered", failure_reason="data_mismatch", activity_date="2026-10-27"),
    ),
    "b2": (
        "Thôn 2",
        "approved",
        dict(level=None, step_reached="activated", activity_date="2026-10-27", full_name='Lê Thị Ánh "=SUM(A1)"'),
    ),
    "b3": ("Thôn 2", "approved", dict(level=2, step_reached="activated", activity_date="2026-09-30")),
    "c1": (
        "Thôn Đông",
        "approved",
        dict(level=2, step_reached="activated", activity_date="2026-10-10", full_name="Người Cẩm Hải"),
    ),
}

# Recorded before the level was required once the account is activated: such records remain.
BEFORE_THE_LEVEL_RULE = ("b2",)

# key: (village, [(case_status, at)] after the create at `created`, created, review state)
DEATHS = {
    "d1": (
        "Thôn 1",
        datetime(2026, 10, 1, 8, tzinfo=UTC),
        [
            ("verified_unregistered", datetime(2026, 10, 3, 8, tzinfo=UTC)),
            ("certificate_issued", datetime(2026, 10, 8, 8, tzinfo=UTC)),
        ],
    ),
    # 20:00 UTC on 31/10 is 03:00 on 1/11 in Vietnam: November's.
    "d2": ("Thôn 1", datetime(2026, 10, 31, 20, tzinfo=UTC), []),
    "d3": (
        "Thôn 1",
        datetime(2026, 10, 5, tzinfo=UTC),
        [("already_registered", datetime(2026, 10, 6, 12, tzinfo=UTC))],
    ),
    "d4": (
        "Thôn 2",
        datetime(2026, 10, 2, tzinfo=UTC),
        [
            ("verified_unregistered", datetime(2026, 10, 6, tzinfo=UTC)),
            ("certificate_issued", datetime(2026, 10, 7, tzinfo=UTC)),
            ("residence_removed", datetime(2026, 10, 10, tzinfo=UTC)),
        ],
    ),
    "d5": ("Thôn 2", datetime(2026, 10, 20, tzinfo=UTC), []),
    "e1": ("Thôn Đông", datetime(2026, 10, 20, tzinfo=UTC), []),
}

# key: (village, review state, propaganda data overrides)
SESSIONS = {
    "p1": (
        "Thôn 1",
        "approved",
        dict(form="meeting", topics=["vneid", "online_public_services"], people_reached=45, activity_date="2026-10-03"),
    ),
    "p2": (
        "Thôn 1",
        "approved",
        dict(form="loudspeaker", topics=["vneid"], people_reached=200, activity_date="2026-10-15"),
    ),
    "p3": (
        "Thôn 2",
        "approved",
        dict(form="door_to_door", topics=["utility_groups", "vneid"], people_reached=12, activity_date="2026-10-28"),
    ),
    "p4": (
        "Thôn 2",
        "needs_changes",
        dict(form="meeting", topics=["residence_law"], people_reached=30, activity_date="2026-10-29"),
    ),
    "q1": (
        "Thôn Đông",
        "approved",
        dict(
            form="meeting",
            topics=["vneid"],
            people_reached=999,
            activity_date="2026-10-12",
            location="Nhà văn hóa Cẩm Hải",
        ),
    ),
}

CAM_HAI_VILLAGES = ("Thôn Đông", "Thôn Tây")


@dataclass
class World:
    app: object
    client: object
    villages: dict
    callers: dict = field(default_factory=dict)
    records: dict = field(default_factory=dict)

    def __getitem__(self, username):
        if username not in self.callers:
            self.callers[username] = Caller(self.client, username)
        return self.callers[username]


def _actors(village):
    return ("vol.ch1", "police.ch") if village in CAM_HAI_VILLAGES else ("vol.qt1", "police.qt")


def _review(world, police, record_id, state):
    if state == "submitted":
        return
    version = body_of(police.get(f"/records/{record_id}"))["version"]
    action = {"approved": "approve", "rejected": "reject", "needs_changes": "needs_changes"}[state]
    response = police.post(
        f"/records/{record_id}/review", json={"action": action, "comment": "Kiểm tra lại", "base_version": version}
    )
    assert response.status_code == 200, body_of(response)


def build_world(app):
    client = app.test_client()
    from server.models import Village

    villages = {v.name: v.id for v in db.session.execute(db.select(Village)).scalars()}
    db.session.commit()
    world = World(app, client, villages)
    for key, (village, state, overrides) in VNEID.items():
        volunteer, police = (world[u] for u in _actors(village))
        mutation = volunteer.create("vneid_activation", villages[village], vneid_data(**overrides))
        with (
            declared_before("vneid_activation", "level_once_activated")
            if key in BEFORE_THE_LEVEL_RULE
            else nullcontext()
        ):
            assert volunteer.push_ok([mutation])[0]["status"] == "applied", key
        world.records[key] = mutation["record_id"]
        _review(world, police, mutation["record_id"], state)
    for key, (village, state, overrides) in SESSIONS.items():
        volunteer, police = (world[u] for u in _actors(village))
        mutation = volunteer.create("propaganda_session", villages[village], propaganda_data(**overrides))
        assert volunteer.push_ok([mutation])[0]["status"] == "applied", key
        world.records[key] = mutation["record_id"]
        _review(world, police, mutation["record_id"], state)
    for key, (village, created, steps) in DEATHS.items():
        volunteer, police = (world[u] for u in _actors(village))
        note = "Gia đình xác nhận\x00 có ký tự NUL" if key == "d1" else None
        mutation = volunteer.create(
            "death_check", villages[village], death_data(deceased_name=f"Người mất {key}", evidence_note=note)
        )
        assert volunteer.push_ok([mutation])[0]["status"] == "applied", key
        record_id = world.records[key] = mutation["record_id"]
        times = {1: created}
        for version, (status, at) in enumerate(steps, start=2):
            change = {"case_status": status}
            if status == "certificate_issued":
                change.update(certificate_number=f"{key}/2026", certificate_date=at.date().isoformat())
            result = police.push_ok([update_mutation(record_id, version - 1, change)])[0]
            assert result["status"] == "applied", (key, result)
            times[version] = at
        _review(world, police, record_id, "approved")
        times[len(steps) + 2] = (steps[-1][1] if steps else created).replace(hour=23)
        with app.app_context():
            # Recorded back then: the day a death case counts on is the day it was recorded.
            recorded = store.report_day(registry.get("death_check"), {}, created)
            db.session.execute(
                update(Record).where(Record.id == record_id).values(created_at=created, report_day=recorded)
            )
            for version, at in times.items():
                db.session.execute(
                    update(RecordVersion)
                    .where(RecordVersion.record_id == record_id, RecordVersion.version == version)
                    .values(created_at=at)
                )
            db.session.commit()
    return world


@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory):
    with seeded_app(database_url, tmp_path_factory.mktemp("reports")) as app:
        world = build_world(app)
        admin = world["admin.qt"]
        response = admin.request(
            "PUT",
            "/targets",
            json={
                "targets": [
                    {"measure": "vneid_activated_level_2", "period": "2026", "value": 600},
                    {
                        "measure": "outreach_sessions",
                        "period": "2026-Q4",
                        "village_id": world.villages["Thôn 1"],
                        "value": 4,
                    },
                    {"measure": "death_cases_certified_percent", "period": "2026", "value": 100},
                    {"measure": "people_reached", "period": "2027", "value": 5000},
                ]
            },
        )
        assert response.status_code == 200, body_of(response)
        response = world["admin.ch"].request(
            "PUT",
            "/targets",
            json={"targets": [{"measure": "vneid_activated_level_2", "period": "2026", "value": 300}]},
        )
        assert response.status_code == 200, body_of(response)
        yield world
