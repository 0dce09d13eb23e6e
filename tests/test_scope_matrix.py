"""Scope: every role against every endpoint, across the two demo communes (PROTOCOL.md §3).

| role          | may                                                                              |
| ------------- | -------------------------------------------------------------------------------- |
| volunteer     | create records in its villages; read and edit its own records                     |
| village_staff | as volunteer, and read every record of its villages                               |
| police        | read every record of its commune, review them, correct them through sync, create |
| admin         | everything in its commune: users, villages, devices, conflicts, audit log          |
| civil_status  | read the commune's death cases (no other type), move them through their workflow  |
| commune_viewer| read the commune's progress and targets; no single record                         |
| province_officer | every commune of its province: figures, reports sent, roll-up; never a record |
| province_admin   | as province officer, and the province's deadlines and targets                 |

"A record outside the caller's scope does not exist for that caller (404 on direct access,
absent from pull, lists and reports)." The tables below spell this out for the demo users of
Phường Quang Trung and Xã Cẩm Tân (§12, and a village staff of Cẩm Tân the module adds) and for records
each of them pushed; the tests are driven by them. ACCESS names every endpoint the app serves
(a new one without a row fails the module), with what each role, a request without a token, a
revoked device and a disabled user get.

One seeded database serves the module (per backend): the seeded records are only read, and what
the tests write (new records, renamed targets, revoked spare devices) is made for them alone.
"""

import base64
import os
import re
import time
import uuid
from dataclasses import dataclass, field

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from server.secrets import generate_vapid_keys
from server.extensions import db
from server.models import AuditEntry, Commune, Conflict, Device, PushSubscription, Target, User, Village
from tests.conftest import seeded_app
from tests.helpers import PASSWORD, Caller, all_pages, body_of, death_data, delete, propaganda_data, update, vneid_data

QT, CH = "Phường Quang Trung", "Xã Cẩm Tân"

USERS = {
    # username: (role, commune)           villages (seed-demo, PROTOCOL.md §12)
    "admin.qt": ("admin", QT),
    "police.qt": ("police", QT),
    "staff.qt": ("village_staff", QT),  # Thôn 1, Thôn 2
    "vol.qt1": ("volunteer", QT),  # Thôn 1, Thôn 2
    "vol.qt2": ("volunteer", QT),  # Thôn 1, Thôn 2
    "vol.qt3": ("volunteer", QT),  # Thôn 3
    "admin.ch": ("admin", CH),
    "police.ch": ("police", CH),
    "vol.ch1": ("volunteer", CH),  # Thôn Đông
    "staff.ch": ("village_staff", CH),  # Thôn Đông (made by the world fixture: seed-demo has none)
    "civil.qt": ("civil_status", QT),
    "leader.qt": ("commune_viewer", QT),
}
# The province's users (both Phường Quang Trung and Xã Cẩm Tân are of Thanh Hóa); the commune
# named is the one the access table asks them about.
PROVINCE_USERS = {
    "province.th": ("province_officer", QT),
    "padmin.th": ("province_admin", QT),
}
ALL_USERS = {**USERS, **PROVINCE_USERS}
VILLAGES = {"Thôn 1": QT, "Thôn 2": QT, "Thôn 3": QT, "Thôn 4": QT, "Thôn 5": QT, "Thôn Đông": CH, "Thôn Tây": CH}

RECORDS = {
    # key: (author, village, type) -- each pushed by its author
    "vol.qt1@Thôn 1": ("vol.qt1", "Thôn 1", "vneid_activation"),
    "vol.qt2@Thôn 1": ("vol.qt2", "Thôn 1", "vneid_activation"),  # same village as vol.qt1's
    "vol.qt2@Thôn 2": ("vol.qt2", "Thôn 2", "death_check"),
    "vol.qt3@Thôn 3": ("vol.qt3", "Thôn 3", "propaganda_session"),
    "staff.qt@Thôn 2": ("staff.qt", "Thôn 2", "propaganda_session"),
    "police.qt@Thôn 1": ("police.qt", "Thôn 1", "death_check"),
    "police.qt@Thôn 4": ("police.qt", "Thôn 4", "vneid_activation"),
    "admin.qt@Thôn 5": ("admin.qt", "Thôn 5", "propaganda_session"),
    "vol.ch1@Thôn Đông": ("vol.ch1", "Thôn Đông", "vneid_activation"),
    "police.ch@Thôn Tây": ("police.ch", "Thôn Tây", "death_check"),
    "admin.ch@Thôn Đông": ("admin.ch", "Thôn Đông", "propaganda_session"),
    "staff.ch@Thôn Đông": ("staff.ch", "Thôn Đông", "propaganda_session"),
}
QUANG_TRUNG = {
    "vol.qt1@Thôn 1",
    "vol.qt2@Thôn 1",
    "vol.qt2@Thôn 2",
    "vol.qt3@Thôn 3",
    "staff.qt@Thôn 2",
    "police.qt@Thôn 1",
    "police.qt@Thôn 4",
    "admin.qt@Thôn 5",
}
CAM_HAI = {"vol.ch1@Thôn Đông", "police.ch@Thôn Tây", "admin.ch@Thôn Đông", "staff.ch@Thôn Đông"}

# The seeded records each user may read (GET /records/{id}, GET /records, /sync/pull).
READS = {
    "admin.qt": QUANG_TRUNG,  # its whole commune
    "police.qt": QUANG_TRUNG,  # its whole commune
    "staff.qt": {
        "vol.qt1@Thôn 1",
        "vol.qt2@Thôn 1",  # every record of Thôn 1 and Thôn 2...
        "vol.qt2@Thôn 2",
        "police.qt@Thôn 1",
        "staff.qt@Thôn 2",
    },  # ...and its own
    "vol.qt1": {"vol.qt1@Thôn 1"},  # its own only: not vol.qt2's in Thôn 1
    "vol.qt2": {"vol.qt2@Thôn 1", "vol.qt2@Thôn 2"},
    "vol.qt3": {"vol.qt3@Thôn 3"},
    "admin.ch": CAM_HAI,
    "police.ch": CAM_HAI,
    "vol.ch1": {"vol.ch1@Thôn Đông"},
    "staff.ch": {"vol.ch1@Thôn Đông", "admin.ch@Thôn Đông", "staff.ch@Thôn Đông"},  # not Thôn Tây's
    "civil.qt": {"vol.qt2@Thôn 2", "police.qt@Thôn 1"},  # its commune's death cases, nothing else
    "leader.qt": set(),  # figures, never a single record
    "province.th": set(),  # the province: figures and reports, never a single record
    "padmin.th": set(),
}

# The seeded records each user may change through sync: reviewers their commune, others their own.
EDITS = {
    "admin.qt": QUANG_TRUNG,
    "police.qt": QUANG_TRUNG,
    "staff.qt": {"staff.qt@Thôn 2"},
    "vol.qt1": {"vol.qt1@Thôn 1"},
    "vol.qt2": {"vol.qt2@Thôn 1", "vol.qt2@Thôn 2"},
    "vol.qt3": {"vol.qt3@Thôn 3"},
    "admin.ch": CAM_HAI,
    "police.ch": CAM_HAI,
    "vol.ch1": {"vol.ch1@Thôn Đông"},
    "staff.ch": {"staff.ch@Thôn Đông"},
    "civil.qt": set(),
    "leader.qt": set(),
}
# Records whose workflow a user moves but whose other fields it may not change (its notes: no).
WORKFLOW_ONLY = {"civil.qt": {"vol.qt2@Thôn 2", "police.qt@Thôn 1"}}

# The villages each user may create records in.
CREATES_IN = {
    "admin.qt": {"Thôn 1", "Thôn 2", "Thôn 3", "Thôn 4", "Thôn 5"},
    "police.qt": {"Thôn 1", "Thôn 2", "Thôn 3", "Thôn 4", "Thôn 5"},
    "staff.qt": {"Thôn 1", "Thôn 2"},
    "vol.qt1": {"Thôn 1", "Thôn 2"},
    "vol.qt2": {"Thôn 1", "Thôn 2"},
    "vol.qt3": {"Thôn 3"},
    "admin.ch": {"Thôn Đông", "Thôn Tây"},
    "police.ch": {"Thôn Đông", "Thôn Tây"},
    "vol.ch1": {"Thôn Đông"},
    "staff.ch": {"Thôn Đông"},
    "civil.qt": set(),
    "leader.qt": set(),
}

# GET /reports/progress?period=2025-03&count=submitted_and_approved, village by village: the seeded
# VNeID help and outreach records are the only ones dated March 2025, so these are the exact
# figures (VNeID help, outreach sessions, people reached) each caller is given; every other
# village of its scope shows zeros. Volunteers get no report (ACCESS).
REPORT_2025_03 = {
    "admin.qt": {
        "Thôn 1": (2, 0, 0),
        "Thôn 2": (0, 1, 40),
        "Thôn 3": (0, 1, 30),
        "Thôn 4": (1, 0, 0),
        "Thôn 5": (0, 1, 50),
    },
    "police.qt": {
        "Thôn 1": (2, 0, 0),
        "Thôn 2": (0, 1, 40),
        "Thôn 3": (0, 1, 30),
        "Thôn 4": (1, 0, 0),
        "Thôn 5": (0, 1, 50),
    },
    "staff.qt": {"Thôn 1": (2, 0, 0), "Thôn 2": (0, 1, 40)},  # its villages only
    "admin.ch": {"Thôn Đông": (1, 2, 130), "Thôn Tây": (0, 0, 0)},
    "police.ch": {"Thôn Đông": (1, 2, 130), "Thôn Tây": (0, 0, 0)},
    "staff.ch": {"Thôn Đông": (1, 2, 130)},
    "leader.qt": {
        "Thôn 1": (2, 0, 0),
        "Thôn 2": (0, 1, 40),
        "Thôn 3": (0, 1, 30),
        "Thôn 4": (1, 0, 0),
        "Thôn 5": (0, 1, 50),
    },
}
# People reached by each seeded outreach session (record_data).
PEOPLE_REACHED = {
    "vol.qt3@Thôn 3": 30,
    "staff.qt@Thôn 2": 40,
    "admin.qt@Thôn 5": 50,
    "admin.ch@Thôn Đông": 60,
    "staff.ch@Thôn Đông": 70,
}

# Every endpoint the app serves, and the status each caller gets asking about its own commune:
# the six commune roles of §3, then a request without a token, one with the tokens of a device the
# admin revoked, and one with the tokens of a user the admin disabled (before either happened).
# 403 is a role's "not allowed"; what lies outside a caller's scope is 404 instead (the tests
# further down). test_the_access_table_names_every_endpoint fails for an endpoint the app
# serves or documents without a row here, so no new endpoint escapes this review.
COLUMNS = (
    "admin",
    "police",
    "village_staff",
    "volunteer",
    "civil_status",
    "commune_viewer",
    "province_officer",
    "province_admin",
    "no token",
    "revoked device",
    "disabled user",
)
ACCESS = {
    #                                       admin police staff volunteer civil viewer province padmin none revoked disabled
    "POST /api/v1/auth/login": (200, 200, 200, 200, 200, 200, 200, 200, 200, 401, 401),
    "POST /api/v1/auth/refresh": (200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401),
    "POST /api/v1/auth/logout": (204, 204, 204, 204, 204, 204, 204, 204, 401, 401, 401),
    "GET /api/v1/auth/me": (200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401),
    "GET /api/v1/forms": (200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401),
    "POST /api/v1/sync/push": (200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401),
    "GET /api/v1/sync/pull": (200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401),
    "GET /api/v1/records": (200, 200, 200, 200, 200, 403, 403, 403, 401, 401, 401),
    "GET /api/v1/records/{record_id}": (200, 200, 200, 200, 200, 404, 404, 404, 401, 401, 401),
    "POST /api/v1/records/{record_id}/review": (200, 200, 403, 403, 403, 403, 403, 403, 401, 401, 401),
    "POST /api/v1/records/review": (200, 200, 403, 403, 403, 403, 403, 403, 401, 401, 401),
    "GET /api/v1/conflicts": (200, 403, 403, 403, 403, 403, 403, 403, 401, 401, 401),
    "GET /api/v1/conflicts/{conflict_id}": (200, 403, 403, 403, 403, 403, 403, 403, 401, 401, 401),
    "POST /api/v1/conflicts/{conflict_id}/resolve": (200, 403, 403, 403, 403, 403, 403, 403, 401, 401, 401),
    "GET /api/v1/users": (200, 403, 403, 403, 403, 403, 403, 403, 401, 401, 401),
    "POST /api/v1/users": (201, 403, 403, 403, 403, 403, 403, 403, 401, 401, 401),
    "PATCH /api/v1/users/{user_id}": (200, 403, 403, 403, 403, 403, 403, 403, 401, 401, 401),
    "GET /api/v1/villages": (200, 403, 403, 403, 403, 403, 403, 403, 401, 401, 401),
    "POST /api/v1/villages": (201, 403, 403, 403, 403, 403, 403, 403, 401, 401, 401),
    "PATCH /api/v1/villages/{village_id}": (200, 403, 403, 403, 403, 403, 403, 403, 401, 401, 401),
    "GET /api/v1/devices": (200, 403, 403, 403, 403, 403, 403, 403, 401, 401, 401),
    "POST /api/v1/devices/{device_id}/revoke": (200, 403, 403, 403, 403, 403, 403, 403, 401, 401, 401),
    "GET /api/v1/audit": (200, 403, 403, 403, 403, 403, 403, 403, 401, 401, 401),
    "GET /api/v1/targets": (200, 200, 403, 403, 403, 200, 200, 200, 401, 401, 401),
    "PUT /api/v1/targets": (200, 403, 403, 403, 403, 403, 403, 403, 401, 401, 401),
    "GET /api/v1/reports/progress": (200, 200, 200, 403, 403, 200, 200, 200, 401, 401, 401),
    "GET /api/v1/reports/export": (200, 200, 403, 403, 403, 403, 403, 403, 401, 401, 401),
    "POST /api/v1/reports/submissions": (201, 201, 403, 403, 403, 403, 403, 403, 401, 401, 401),
    "GET /api/v1/reports/submissions": (200, 200, 403, 403, 403, 200, 200, 200, 401, 401, 401),
    "GET /api/v1/reports/submissions/{submission_id}": (200, 200, 403, 403, 403, 200, 200, 200, 401, 401, 401),
    "POST /api/v1/reports/submissions/{submission_id}/return": (403, 403, 403, 403, 403, 403, 200, 200, 401, 401, 401),
    "GET /api/v1/reports/submissions/{submission_id}/export": (200, 200, 403, 403, 403, 200, 200, 200, 401, 401, 401),
    "GET /api/v1/reports/rollup": (403, 403, 403, 403, 403, 403, 200, 200, 401, 401, 401),
    "GET /api/v1/reports/rollup/export": (403, 403, 403, 403, 403, 403, 200, 200, 401, 401, 401),
    "GET /api/v1/province/deadlines": (403, 403, 403, 403, 403, 403, 200, 200, 401, 401, 401),
    "PUT /api/v1/province/deadlines": (403, 403, 403, 403, 403, 403, 403, 200, 401, 401, 401),
    "GET /api/v1/province/targets": (403, 403, 403, 403, 403, 403, 200, 200, 401, 401, 401),
    "PUT /api/v1/province/targets": (403, 403, 403, 403, 403, 403, 403, 200, 401, 401, 401),
    "GET /api/v1/push/vapid-public-key": (200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 401),
    "POST /api/v1/push/subscriptions": (201, 201, 201, 201, 201, 201, 201, 201, 401, 401, 401),
    "DELETE /api/v1/push/subscriptions": (204, 204, 204, 204, 204, 204, 204, 204, 401, 401, 401),
    # The province's communes (server/places, tests/places/test_province_admin.py): province roles
    # only. The matrix's world has no official list loaded, so the province admin's opening of a
    # commune by code finds none (404); opening one from the list is tested there.
    "GET /api/v1/places/communes": (403, 403, 403, 403, 403, 403, 200, 200, 401, 401, 401),
    "GET /api/v1/communes": (403, 403, 403, 403, 403, 403, 200, 200, 401, 401, 401),
    "POST /api/v1/communes": (403, 403, 403, 403, 403, 403, 403, 404, 401, 401, 401),
    "GET /api/v1/communes/{commune_id}/admins": (403, 403, 403, 403, 403, 403, 403, 200, 401, 401, 401),
    "POST /api/v1/communes/{commune_id}/admins": (403, 403, 403, 403, 403, 403, 403, 201, 401, 401, 401),
    # Public, whatever the token: the contract, the health check and the app's shell (no data).
    "GET /api/v1/openapi.json": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /healthz": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /sw.js": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /js/version.js": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /{filename}": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /{folder}/{filename}": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
}
# The code of each 401, by column; logging in answers for itself (the last two are the right
# password on a revoked device, and a disabled account's).
CODES_401 = {"no token": "token_missing", "revoked device": "device_revoked", "disabled user": "token_revoked"}
LOGIN_CODES_401 = {"revoked device": "device_revoked", "disabled user": "invalid_credentials"}
ROLES = COLUMNS[:8]
STRANGERS = COLUMNS[8:]

NOTE_FIELD = {"vneid_activation": "notes", "death_check": "evidence_note", "propaganda_session": "notes"}
VOLUNTEER_OF = {QT: "vol.qt1", CH: "vol.ch1"}
ADMIN_OF = {QT: "admin.qt", CH: "admin.ch"}
POLICE_OF = {QT: "police.qt", CH: "police.ch"}
OTHER = {QT: CH, CH: QT}


def role_of(username):
    return ALL_USERS[username][0]


def commune_of(username):
    return ALL_USERS[username][1]


# --------------------------------------------------------------------------------------------
# The seeded world


@dataclass
class World:
    app: object
    client: object  # a FreshContextClient: each request in its own app context
    callers: dict
    villages: dict  # name -> id
    village_commune: dict  # village id -> commune name
    records: dict = field(default_factory=dict)  # key -> record id
    conflicts: dict = field(default_factory=dict)  # commune -> open conflict id
    conflict_records: dict = field(default_factory=dict)  # commune -> record id of that conflict
    target_users: dict = field(default_factory=dict)  # commune -> user id only admin tests change
    target_villages: dict = field(default_factory=dict)  # commune -> village id only admin tests change
    spare_devices: dict = field(default_factory=dict)  # commune -> a Caller on a device nobody else uses
    strangers: dict = field(default_factory=dict)  # "revoked device", "disabled user" -> a Caller
    subscriptions: dict = field(default_factory=dict)  # commune -> push endpoint of its volunteer's phone
    communes: dict = field(default_factory=dict)  # commune name -> id
    submissions: dict = field(default_factory=dict)  # commune -> id of the report its police sent

    def __getitem__(self, username):
        return self.callers[username]

    def uid(self, username):
        return self.callers[username].user["id"]

    def version(self, key):
        """The current version of a seeded record, as its commune's admin sees it."""
        author = RECORDS[key][0]
        response = self[ADMIN_OF[commune_of(author)]].get(f"/records/{self.records[key]}")
        assert response.status_code == 200, body_of(response)
        return body_of(response)["version"]


def record_data(record_type, key):
    """Valid data whose name (or location) is the record's key, so search can find it, dated
    March 2025 (REPORT_2025_03)."""
    if record_type == "vneid_activation":
        return vneid_data(full_name=f"Hồ sơ {key}", activity_date="2025-03-10")
    if record_type == "death_check":
        return death_data(deceased_name=f"Hồ sơ {key}")
    return propaganda_data(location=f"Hồ sơ {key}", activity_date="2025-03-12", people_reached=PEOPLE_REACHED[key])


def new_subscription():
    """What a browser's pushManager.subscribe() gives: an endpoint and its keys."""
    key = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {
        "endpoint": f"https://push.example.invalid/{uuid.uuid4()}",
        "keys": {"p256dh": b64url(key), "auth": b64url(os.urandom(16))},
    }


def b64url(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def fresh_record(world, commune, record_type="vneid_activation"):
    """A new record of the commune, pushed by its volunteer; its id."""
    volunteer = world[VOLUNTEER_OF[commune]]
    village = "Thôn 1" if commune == QT else "Thôn Đông"
    mutation = volunteer.create(
        record_type,
        world.villages[village],
        {"vneid_activation": vneid_data, "death_check": death_data, "propaganda_session": propaganda_data}[
            record_type
        ](),
    )
    assert volunteer.push_ok([mutation])[0]["status"] == "applied"
    return mutation["record_id"]


def fresh_conflict(world, commune):
    """A new open conflict in the commune: (conflict id, its record's id, its record's version)."""
    volunteer, police = world[VOLUNTEER_OF[commune]], world[POLICE_OF[commune]]
    record_id = fresh_record(world, commune)
    assert police.push_ok([update(record_id, 1, {"notes": "công an sửa"})])[0]["status"] == "applied"
    result = volunteer.push_ok([update(record_id, 1, {"notes": "tình nguyện viên sửa"})])[0]
    assert result["status"] == "conflict", result
    return result["conflict_id"], record_id, 2


@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory):
    with seeded_app(database_url, tmp_path_factory.mktemp("scope-instance")) as app:
        private, public = generate_vapid_keys()
        # Keys, so that the push endpoints answer; nothing is sent (no push service here).
        app.config.update(VAPID_PRIVATE_KEY=private, VAPID_PUBLIC_KEY=public, PUSH_SEND_AFTER_REQUEST=False)
        client = app.test_client()
        rows = db.session.execute(select(Village.id, Village.name, Commune.name).join(Commune)).all()
        db.session.commit()
        villages = {name: vid for vid, name, _ in rows}
        response = Caller(client, "admin.ch").post(
            "/users",
            json={
                "username": "staff.ch",
                "password": PASSWORD,
                "full_name": "Cán bộ Thôn Đông",
                "role": "village_staff",
                "village_ids": [villages["Thôn Đông"]],
            },
        )
        assert response.status_code == 201, body_of(response)
        w = World(
            app=app,
            client=client,
            callers={name: Caller(client, name) for name in ALL_USERS},
            villages=villages,
            village_commune={vid: commune for vid, _, commune in rows},
        )
        assert {w.villages[name]: commune for name, commune in VILLAGES.items()} == {
            vid: c for vid, c in w.village_commune.items()
        }, "the demo villages are not as PROTOCOL.md §12 says"

        for key, (author, village, record_type) in RECORDS.items():
            mutation = w[author].create(record_type, w.villages[village], record_data(record_type, key))
            assert w[author].push_ok([mutation])[0]["status"] == "applied", key
            w.records[key] = mutation["record_id"]
        for commune in (QT, CH):
            conflict_id, record_id, _ = fresh_conflict(w, commune)
            w.conflicts[commune], w.conflict_records[commune] = conflict_id, record_id
            admin = w[ADMIN_OF[commune]]
            response = admin.post(
                "/users",
                json={
                    "username": f"target.{'qt' if commune == QT else 'ch'}",
                    "password": "mat-khau-dai-du",
                    "full_name": "Mục tiêu",
                    "role": "volunteer",
                },
            )
            assert response.status_code == 201, body_of(response)
            w.target_users[commune] = body_of(response)["id"]
            response = admin.post("/villages", json={"name": "Thôn mục tiêu"})
            assert response.status_code == 201, body_of(response)
            w.target_villages[commune] = body_of(response)["id"]
            w.spare_devices[commune] = Caller(client, VOLUNTEER_OF[commune])
            # Something for each commune's audit log: its police read a record.
            some_record = next(w.records[k] for k in RECORDS if commune_of(RECORDS[k][0]) == commune)
            assert w[POLICE_OF[commune]].get(f"/records/{some_record}").status_code == 200
            # Targets, which only the commune's police and admin may see.
            first_village = "Thôn 1" if commune == QT else "Thôn Đông"
            response = admin.request(
                "PUT",
                "/targets",
                json={
                    "targets": [
                        {
                            "measure": "people_reached",
                            "village_id": w.villages[first_village],
                            "period": "2025-03",
                            "value": 111 if commune == QT else 222,
                        },
                        {"measure": "outreach_sessions", "period": "2025", "value": 12 if commune == QT else 24},
                    ]
                },
            )
            assert response.status_code == 200, body_of(response)
            # The volunteer's phone takes notifications.
            subscription = new_subscription()
            assert w[VOLUNTEER_OF[commune]].post("/push/subscriptions", json=subscription).status_code == 201
            w.subscriptions[commune] = subscription["endpoint"]

        # Each commune's report of June 2025, sent by its police.
        for commune in (QT, CH):
            police = w[POLICE_OF[commune]]
            w.communes[commune] = police.user["commune_id"]
            response = police.post("/reports/submissions", json={"period": "2025-06", "narrative": {"results": "Tốt"}})
            assert response.status_code == 201, body_of(response)
            w.submissions[commune] = body_of(response)["id"]

        # A device the admin revoked, and a user the admin disabled: each still holds its tokens.
        admin = w["admin.qt"]
        revoked = Caller(client, "vol.qt1")
        assert admin.post(f"/devices/{revoked.device_id}/revoke").status_code == 200
        response = admin.post(
            "/users",
            json={
                "username": "khoa.qt",
                "password": PASSWORD,
                "full_name": "Bị khóa",
                "role": "volunteer",
                "village_ids": [w.villages["Thôn 1"]],
            },
        )
        assert response.status_code == 201, body_of(response)
        disabled = Caller(client, "khoa.qt")
        assert admin.request("PATCH", f"/users/{disabled.user['id']}", json={"active": False}).status_code == 200
        w.strangers = {"revoked device": revoked, "disabled user": disabled}
        yield w


def assert_error(response, status, code=None):
    """The status, in the envelope of PROTOCOL.md §1."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    body = body_of(response)
    assert list(body) == ["error"] and {"code", "message"} <= set(body["error"]), body
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


def in_scope(world, username, record):
    """PROTOCOL.md §3 as a predicate on any record document (for records the tests made)."""
    role, commune = USERS[username]
    if role in ("admin", "police"):
        return world.village_commune[record["village_id"]] == commune
    if role in ("commune_viewer", "province_officer", "province_admin"):
        return False
    if "created_by" not in record:  # a tombstone: checked against the seeded tables only
        return True
    if role == "civil_status":  # its commune's death cases
        return world.village_commune[record["village_id"]] == commune and record["type"] == "death_check"
    mine = record["created_by"] == world.uid(username)
    if role == "village_staff":
        return mine or record["village_id"] in world[username].user["village_ids"]
    return mine


def seeded_ids(world, keys):
    return {world.records[k] for k in keys}


def list_all(caller, **query):
    return all_pages(caller, "/records", **query)


def pull_everything(caller, must_include, timeout=10.0):
    """Pull from the start until has_more is false, and again while a record that must be there is
    not yet: on PostgreSQL a change reaches pull once no older write transaction is running anywhere
    on the server (server/sync/cursor.py)."""
    deadline = time.monotonic() + timeout
    records, cursor = {}, None
    while True:
        page = caller.pull(cursor)
        records.update({change["record"]["id"]: change["record"] for change in page["changes"]})
        cursor = page["cursor"]
        if not page["has_more"]:
            if must_include <= set(records) or time.monotonic() > deadline:
                return records
            time.sleep(0.05)


# --------------------------------------------------------------------------------------------
# Every role against every endpoint


@dataclass
class Call:
    method: str
    path: str  # the whole path, /api/v1/... for the API
    body: object = None
    check: object = None  # what a successful answer's body must satisfy
    caller: Caller = None  # whose device's access token, instead of the acting user's
    token: str = None  # instead of any access token
    auth: bool = True  # False: no Authorization header (logging in)


API = "/api/v1"


def as_user(who):
    """The user a call is made up for: the acting user, or for a stranger the admin of Quang
    Trung (what the admin would get, asked without a token or with a dead one)."""
    return who if who in ALL_USERS else "admin.qt"


def send(world, who, call):
    if who in ALL_USERS:
        token = call.token or (call.caller or world[who]).access_token
    else:
        token = None if who == "no token" else call.token or world.strangers[who].access_token
    headers = {"Authorization": f"Bearer {token}"} if call.auth and token else {}
    return world.client.open(call.path, method=call.method, json=call.body, headers=headers)


def _own_record(world, username):
    """A record the user reads, its own if it has one; for a user that reads none, one of its commune's."""
    own = [k for k, (author, _, _) in RECORDS.items() if author == username]
    commune = [k for k, (author, _, _) in RECORDS.items() if commune_of(author) == commune_of(username)]
    return world.records[(own or sorted(READS[username]) or commune)[0]]


def _login(world, who):
    body = {"username": as_user(who), "password": PASSWORD, "device_id": str(uuid.uuid4())}
    if who == "revoked device":  # the right password, on the revoked device
        body.update(username="vol.qt1", device_id=world.strangers[who].device_id)
    elif who == "disabled user":
        body["username"] = world.strangers[who].username
    return Call("POST", f"{API}/auth/login", body, lambda b: b["user"]["username"] == body["username"], auth=False)


def _refresh(world, who):
    if who in STRANGERS:
        stranger = world.strangers.get(who)
        return Call("POST", f"{API}/auth/refresh", token=stranger.refresh_token if stranger else None)
    fresh = Caller(world.client, who)  # the shared device keeps its tokens
    return Call(
        "POST",
        f"{API}/auth/refresh",
        token=fresh.refresh_token,
        check=lambda b: {"access_token", "refresh_token"} <= set(b),
    )


def _review(world, username):
    record_id = fresh_record(world, commune_of(username))
    return Call(
        "POST",
        f"{API}/records/{record_id}/review",
        {"action": "needs_changes", "comment": "Bổ sung ảnh CCCD", "base_version": 1},
        lambda b: b["id"] == record_id and b["review_state"] == "needs_changes",
    )


def _bulk_review(world, username):
    record_id = fresh_record(world, commune_of(username))
    return Call(
        "POST",
        f"{API}/records/review",
        {"ids": [record_id], "action": "needs_changes", "comment": "Bổ sung"},
        lambda b: [r["status"] for r in b["results"]] == ["ok"],
    )


def _resolve(world, username):
    conflict_id, _, version = fresh_conflict(world, commune_of(username))
    return Call(
        "POST",
        f"{API}/conflicts/{conflict_id}/resolve",
        {"base_version": version, "values": {"notes": "đã thống nhất"}},
        lambda b: b["data"]["notes"] == "đã thống nhất",
    )


def _revoke(world, username):
    spare = Caller(world.client, VOLUNTEER_OF[commune_of(username)])
    return Call(
        "POST",
        f"{API}/devices/{spare.device_id}/revoke",
        check=lambda b: b["revoked"] is True and spare.get("/auth/me").status_code == 401,
    )


def _subscribe(world, username):
    subscription = new_subscription()
    return Call(
        "POST",
        f"{API}/push/subscriptions",
        subscription,
        lambda b: b["endpoint"] == subscription["endpoint"] and b["device_id"] == world[username].device_id,
    )


def _unsubscribe(world, username):
    subscription = new_subscription()
    assert world[username].post("/push/subscriptions", json=subscription).status_code == 201
    return Call(
        "DELETE",
        f"{API}/push/subscriptions",
        {"endpoint": subscription["endpoint"]},
        check=lambda b: subscription["endpoint"] not in stored_endpoints(world),
    )


def _public(path):
    return lambda w, u: Call("GET", path)


def _of_commune(world, username):
    """The query naming the commune a province role asks about (commune roles name none)."""
    return f"commune_id={world.communes[commune_of(username)]}" if username in PROVINCE_USERS else ""


_PERIODS = (f"{year}-{month:02d}" for year in range(2001, 2020) for month in range(1, 13))


def _submit(world, username):
    period = next(_PERIODS)
    return Call(
        "POST",
        f"{API}/reports/submissions",
        {"period": period, "narrative": {"results": f"Báo cáo của {username}"}},
        lambda b: b["period"] == period and b["commune_id"] == world.communes[commune_of(username)],
    )


def _return(world, username):
    """A report the commune's police just sent, returned."""
    police = world[POLICE_OF[commune_of(username)]]
    response = police.post(
        "/reports/submissions", json={"period": next(_PERIODS), "narrative": {"results": "Gửi để trả lại"}}
    )
    assert response.status_code == 201, body_of(response)
    submission_id = body_of(response)["id"]
    return Call(
        "POST",
        f"{API}/reports/submissions/{submission_id}/return",
        {"comment": f"Trả lại bởi {username}"},
        lambda b: b["id"] == submission_id and b["status"] == "returned",
    )


def _submission_list_check(world, username):
    commune = commune_of(username)
    if username in PROVINCE_USERS:
        return lambda b: {r["commune_id"] for r in b["items"]} == set(world.communes.values())
    return lambda b: (
        world.submissions[commune] in {i["id"] for i in b["items"]}
        and world.submissions[OTHER[commune]] not in {i["id"] for i in b["items"]}
    )


# How to call each endpoint as `username`, about its own commune.
REQUESTS = {
    "POST /api/v1/auth/login": _login,
    "POST /api/v1/auth/refresh": _refresh,
    "POST /api/v1/auth/logout": lambda w, u: Call("POST", f"{API}/auth/logout", caller=Caller(w.client, u)),
    "GET /api/v1/auth/me": lambda w, u: Call("GET", f"{API}/auth/me", check=lambda b: b["username"] == u),
    "GET /api/v1/forms": lambda w, u: Call("GET", f"{API}/forms", check=lambda b: len(b["types"]) >= 3),
    "POST /api/v1/sync/push": lambda w, u: Call(
        "POST", f"{API}/sync/push", {"device_id": w[u].device_id, "mutations": []}, lambda b: b["results"] == []
    ),
    "GET /api/v1/sync/pull": lambda w, u: Call(
        "GET",
        f"{API}/sync/pull?device_id={w[u].device_id}",
        check=lambda b: all(in_scope(w, u, c["record"]) for c in b["changes"]),
    ),
    "GET /api/v1/records": lambda w, u: Call(
        "GET", f"{API}/records", check=lambda b: all(in_scope(w, u, r) for r in b["items"])
    ),
    "GET /api/v1/records/{record_id}": lambda w, u: Call(
        "GET", f"{API}/records/{_own_record(w, u)}", check=lambda b: b["id"] == _own_record(w, u)
    ),
    "POST /api/v1/records/{record_id}/review": _review,
    "POST /api/v1/records/review": _bulk_review,
    "GET /api/v1/conflicts": lambda w, u: Call(
        "GET", f"{API}/conflicts", check=lambda b: w.conflicts[commune_of(u)] in {c["id"] for c in b["items"]}
    ),
    "GET /api/v1/conflicts/{conflict_id}": lambda w, u: Call(
        "GET",
        f"{API}/conflicts/{w.conflicts[commune_of(u)]}",
        check=lambda b: b["record"]["id"] == w.conflict_records[commune_of(u)],
    ),
    "POST /api/v1/conflicts/{conflict_id}/resolve": _resolve,
    "GET /api/v1/users": lambda w, u: Call("GET", f"{API}/users", check=lambda b: u in {x["username"] for x in b}),
    "POST /api/v1/users": lambda w, u: Call(
        "POST",
        f"{API}/users",
        {"username": f"moi.{u}", "password": "mat-khau-dai-du", "full_name": "Người mới", "role": "volunteer"},
        lambda b: b["username"] == f"moi.{u}",
    ),
    "PATCH /api/v1/users/{user_id}": lambda w, u: Call(
        "PATCH",
        f"{API}/users/{w.target_users[commune_of(u)]}",
        {"full_name": f"Đổi bởi {u}"},
        lambda b: b["full_name"] == f"Đổi bởi {u}",
    ),
    "GET /api/v1/villages": lambda w, u: Call(
        "GET", f"{API}/villages", check=lambda b: w.target_villages[commune_of(u)] in {v["id"] for v in b}
    ),
    "POST /api/v1/villages": lambda w, u: Call(
        "POST", f"{API}/villages", {"name": f"Thôn mới của {u}"}, lambda b: b["name"] == f"Thôn mới của {u}"
    ),
    "PATCH /api/v1/villages/{village_id}": lambda w, u: Call(
        "PATCH",
        f"{API}/villages/{w.target_villages[commune_of(u)]}",
        {"name": f"Thôn đổi bởi {u}"},
        lambda b: b["name"] == f"Thôn đổi bởi {u}",
    ),
    "GET /api/v1/devices": lambda w, u: Call(
        "GET", f"{API}/devices", check=lambda b: w[u].device_id in {d["device_id"] for d in b}
    ),
    "POST /api/v1/devices/{device_id}/revoke": _revoke,
    "GET /api/v1/audit": lambda w, u: Call("GET", f"{API}/audit", check=lambda b: isinstance(b["items"], list)),
    "GET /api/v1/targets": lambda w, u: Call(
        "GET", f"{API}/targets?{_of_commune(w, u)}", check=lambda b: isinstance(b["items"], list)
    ),
    "PUT /api/v1/targets": lambda w, u: Call(
        "PUT",
        f"{API}/targets",
        {"targets": [{"measure": "vneid_activated", "period": "2026", "value": 600}]},
        lambda b: 600 in [t["value"] for t in b["items"] if t["measure"] == "vneid_activated"],
    ),
    "GET /api/v1/reports/progress": lambda w, u: Call(
        "GET",
        f"{API}/reports/progress?{_of_commune(w, u)}",
        check=lambda b: (
            b["commune"]["name"] == commune_of(u)
            and not any(w.village_commune.get(v["village_id"]) == OTHER[commune_of(u)] for v in b["villages"])
        ),
    ),
    "GET /api/v1/reports/export": lambda w, u: Call("GET", f"{API}/reports/export?format=csv"),
    "POST /api/v1/reports/submissions": _submit,
    "GET /api/v1/reports/submissions": lambda w, u: Call(
        "GET", f"{API}/reports/submissions?period=2025-06", check=_submission_list_check(w, u)
    ),
    "GET /api/v1/reports/submissions/{submission_id}": lambda w, u: Call(
        "GET",
        f"{API}/reports/submissions/{w.submissions[commune_of(u)]}",
        check=lambda b: b["id"] == w.submissions[commune_of(u)] and "figures" in b,
    ),
    "POST /api/v1/reports/submissions/{submission_id}/return": _return,
    "GET /api/v1/reports/submissions/{submission_id}/export": lambda w, u: Call(
        "GET", f"{API}/reports/submissions/{w.submissions[commune_of(u)]}/export?format=xlsx"
    ),
    "GET /api/v1/reports/rollup": lambda w, u: Call(
        "GET",
        f"{API}/reports/rollup?period=2025-03",
        check=lambda b: {c["commune_id"] for c in b["communes"]} == set(w.communes.values()),
    ),
    "GET /api/v1/reports/rollup/export": lambda w, u: Call("GET", f"{API}/reports/rollup/export?period=2025-03"),
    "GET /api/v1/province/deadlines": lambda w, u: Call(
        "GET", f"{API}/province/deadlines", check=lambda b: 1 <= b["report_due_day"] <= 28
    ),
    "PUT /api/v1/province/deadlines": lambda w, u: Call(
        "PUT",
        f"{API}/province/deadlines",
        {"periods": [{"period": "2025-07", "due_date": "2025-08-15"}]},
        lambda b: {"period": "2025-07", "due_date": "2025-08-15"} in b["periods"],
    ),
    "GET /api/v1/province/targets": lambda w, u: Call(
        "GET", f"{API}/province/targets", check=lambda b: isinstance(b["items"], list)
    ),
    "PUT /api/v1/province/targets": lambda w, u: Call(
        "PUT",
        f"{API}/province/targets",
        {"items": [{"measure": "vneid_activated", "period": "2030", "value": 9000}]},
        lambda b: any(t["period"] == "2030" and t["commune_id"] is None for t in b["items"]),
    ),
    "GET /api/v1/push/vapid-public-key": lambda w, u: Call(
        "GET", f"{API}/push/vapid-public-key", check=lambda b: b["public_key"] == w.app.config["VAPID_PUBLIC_KEY"]
    ),
    "POST /api/v1/push/subscriptions": _subscribe,
    "DELETE /api/v1/push/subscriptions": _unsubscribe,
    "GET /api/v1/places/communes": lambda w, u: Call("GET", f"{API}/places/communes"),
    "GET /api/v1/communes": lambda w, u: Call("GET", f"{API}/communes"),
    "POST /api/v1/communes": lambda w, u: Call("POST", f"{API}/communes", {"code": 16000}),
    "GET /api/v1/communes/{commune_id}/admins": lambda w, u: Call("GET", f"{API}/communes/1/admins"),
    "POST /api/v1/communes/{commune_id}/admins": lambda w, u: Call(
        "POST", f"{API}/communes/1/admins", {"username": f"moi.{u}", "password": "mat-khau-dai-du", "full_name": "Mới"}
    ),
    "GET /api/v1/openapi.json": _public(f"{API}/openapi.json"),
    "GET /healthz": _public("/healthz"),
    "GET /": _public("/"),
    "GET /sw.js": _public("/sw.js"),
    "GET /js/version.js": _public("/js/version.js"),
    "GET /{filename}": _public("/manifest.webmanifest"),
    "GET /{folder}/{filename}": _public("/js/app.js"),
}


def served_endpoints(app):
    """ "METHOD /path" of every route the app serves, its parameters written {name} as in OpenAPI."""
    served = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule)
        served |= {f"{method} {path}" for method in rule.methods - {"HEAD", "OPTIONS"}}
    return served


def documented_endpoints(client):
    document = client.get(f"{API}/openapi.json").get_json()
    return {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_the_access_table_names_every_endpoint(world):
    served, documented = served_endpoints(world.app), documented_endpoints(world.client)
    assert documented <= served, f"documented but not served: {sorted(documented - served)}"
    api_served = {e for e in served if e.split(" ")[1].startswith(API)} - {f"GET {API}/openapi.json"}
    assert api_served <= documented, f"served but not in the OpenAPI document: {sorted(api_served - documented)}"
    assert set(ACCESS) - served == set(), "rows for endpoints the app does not serve"
    assert served - set(ACCESS) == set(), "endpoints with no row in ACCESS: review who may call them"
    assert list(REQUESTS) == list(ACCESS)


def _expect(response, expected, who, endpoint):
    if expected == 403:
        assert_error(response, 403, "forbidden")
    elif expected == 401:
        codes = LOGIN_CODES_401 if endpoint == "POST /api/v1/auth/login" else CODES_401
        assert_error(response, 401, codes[who])
    else:
        assert response.status_code == expected, (response.status_code, response.get_data(as_text=True)[:500])


@pytest.mark.parametrize("username", ALL_USERS)
@pytest.mark.parametrize("endpoint", ACCESS)
def test_every_role_against_every_endpoint(world, endpoint, username):
    expected = ACCESS[endpoint][COLUMNS.index(role_of(username))]
    call = REQUESTS[endpoint](world, username)
    response = send(world, username, call)
    _expect(response, expected, username, endpoint)
    if expected < 300 and call.check is not None:
        body = body_of(response) if response.data else None  # 204: none
        assert call.check(body), body


@pytest.mark.parametrize("who", STRANGERS)
@pytest.mark.parametrize("endpoint", ACCESS)
def test_no_token_a_revoked_device_and_a_disabled_user_against_every_endpoint(world, endpoint, who):
    expected = ACCESS[endpoint][COLUMNS.index(who)]
    call = REQUESTS[endpoint](world, who) if endpoint in STRANGER_AWARE else REQUESTS[endpoint](world, as_user(who))
    response = send(world, who, call)
    _expect(response, expected, who, endpoint)
    if expected < 300 and call.check is not None:
        body = body_of(response) if response.data else None  # 204: none
        assert call.check(body), body


# The requests that are made up differently for a stranger (the others: as the admin's).
STRANGER_AWARE = {"POST /api/v1/auth/login", "POST /api/v1/auth/refresh"}


def stored_endpoints(world):
    with world.app.app_context():
        endpoints = set(db.session.execute(select(PushSubscription.endpoint)).scalars())
        db.session.commit()
    return endpoints


# --------------------------------------------------------------------------------------------
# Records: who sees which


@pytest.mark.parametrize("key", RECORDS)
@pytest.mark.parametrize("username", USERS)
def test_a_record_by_id_is_200_inside_scope_and_404_outside(world, username, key):
    response = world[username].get(f"/records/{world.records[key]}")
    if key in READS[username]:
        assert response.status_code == 200, body_of(response)
        assert body_of(response)["id"] == world.records[key]
    else:
        assert_error(response, 404, "not_found")


# Roles that read no single record: their record list is refused outright (ACCESS), whatever the filter.
NO_RECORD_LIST = {name for name, (role, _) in USERS.items() if role == "commune_viewer"}
LISTERS = [name for name in USERS if name not in NO_RECORD_LIST]


@pytest.mark.parametrize("username", sorted(NO_RECORD_LIST))
def test_a_role_that_reads_no_record_gets_no_list_whatever_it_asks(world, username):
    for query in ({}, {"village_id": world.villages["Thôn 1"]}, {"q": "Hồ sơ"}, {"type": "death_check"}):
        assert_error(world[username].get("/records", query_string=query), 403, "forbidden")


@pytest.mark.parametrize("username", LISTERS)
def test_the_record_list_holds_the_scope_and_nothing_else(world, username):
    items = list_all(world[username])
    ids = {r["id"] for r in items}
    assert seeded_ids(world, READS[username]) <= ids
    assert not ids & seeded_ids(world, set(RECORDS) - READS[username])
    assert not ids & (set(world.conflict_records.values()) - {world.conflict_records[commune_of(username)]})
    leaks = [r for r in items if not in_scope(world, username, r)]
    assert leaks == []


@pytest.mark.parametrize("username", USERS)
def test_pull_holds_the_scope_and_nothing_else(world, username):
    records = pull_everything(world[username], seeded_ids(world, READS[username]))
    ids = set(records)
    assert seeded_ids(world, READS[username]) <= ids
    assert not ids & seeded_ids(world, set(RECORDS) - READS[username])
    leaks = [r for r in records.values() if not in_scope(world, username, r)]
    assert leaks == []


@pytest.mark.parametrize("username", LISTERS)
def test_filters_and_search_never_widen_the_scope(world, username):
    caller = world[username]
    outside = seeded_ids(world, set(RECORDS) - READS[username])
    for village_id in world.village_commune:
        items = list_all(caller, village_id=village_id)
        assert all(in_scope(world, username, r) and r["id"] not in outside for r in items), village_id
    for other in USERS:
        items = list_all(caller, created_by=world.uid(other))
        assert all(in_scope(world, username, r) and r["id"] not in outside for r in items), other
    for key, (_, _, record_type) in RECORDS.items():
        if record_type == "propaganda_session":
            continue  # outreach sessions have no name to search
        found = {r["id"] for r in list_all(caller, q=f"Hồ sơ {key}")}
        assert (world.records[key] in found) == (key in READS[username]), key


# --------------------------------------------------------------------------------------------
# Changing records through sync, and creating them


def _expected_edit(username, key):
    if key in EDITS[username]:
        return "applied"
    if key in WORKFLOW_ONLY.get(username, ()):
        return "field_not_editable"  # reads it and moves its workflow, but not its notes
    if key in READS[username]:
        return "forbidden"  # visible (village staff) but not theirs to change
    return "not_found"  # does not exist for this caller


@pytest.mark.parametrize("key", RECORDS)
@pytest.mark.parametrize("username", USERS)
def test_an_update_through_sync_is_applied_forbidden_or_not_found_by_scope(world, username, key):
    expected = _expected_edit(username, key)
    record_id, record_type = world.records[key], RECORDS[key][2]
    before = world.version(key)
    note = f"sửa bởi {username} {uuid.uuid4().hex[:6]}"
    (result,) = world[username].push_ok([update(record_id, before, {NOTE_FIELD[record_type]: note})])
    if expected == "applied":
        assert result["status"] == "applied" and result["version"] == before + 1, result
        return
    assert result["status"] == "rejected" and result["error"]["code"] == expected, result
    assert "version" not in result, f"a refused change must not tell the record's version: {result}"
    assert world.version(key) == before
    if expected == "not_found":
        (result,) = world[username].push_ok([delete(record_id, before)])
        assert result["status"] == "rejected" and result["error"]["code"] == "not_found", result
        assert world.version(key) == before


@pytest.mark.parametrize("village", VILLAGES)
@pytest.mark.parametrize("username", USERS)
def test_creating_a_record_outside_ones_villages_is_rejected_village_not_allowed(world, username, village):
    caller = world[username]
    mutation = caller.create("vneid_activation", world.villages[village], vneid_data())
    (result,) = caller.push_ok([mutation])
    if village in CREATES_IN[username]:
        assert result["status"] == "applied", result
    else:
        assert result["status"] == "rejected" and result["error"]["code"] == "village_not_allowed", result
        assert_error(world[ADMIN_OF[VILLAGES[village]]].get(f"/records/{mutation['record_id']}"), 404)


# --------------------------------------------------------------------------------------------
# Review across communes


@pytest.mark.parametrize("username", USERS)
def test_reviewing_another_communes_record_is_404_for_reviewers_and_403_for_others(world, username):
    commune = commune_of(username)
    key = next(k for k, (author, _, _) in RECORDS.items() if commune_of(author) == OTHER[commune])
    record_id, before = world.records[key], world.version(key)
    caller = world[username]
    single = caller.post(f"/records/{record_id}/review", json={"action": "approve", "base_version": before})
    bulk = caller.post("/records/review", json={"ids": [record_id], "action": "approve"})
    if role_of(username) in ("police", "admin"):
        assert_error(single, 404, "not_found")
        assert bulk.status_code == 200, body_of(bulk)
        (outcome,) = body_of(bulk)["results"]
        assert outcome["status"] == "error" and outcome["error"]["code"] == "not_found", outcome
        assert "record" not in outcome, outcome
    else:
        assert_error(single, 403, "forbidden")
        assert_error(bulk, 403, "forbidden")
    after = body_of(world[ADMIN_OF[OTHER[commune]]].get(f"/records/{record_id}"))
    assert after["version"] == before and after["review_state"] == "submitted", after


# --------------------------------------------------------------------------------------------
# Administration across communes: an admin never sees or changes the other commune's things


def _other_commune_usernames(commune):
    return {name for name, (_, c) in USERS.items() if c != commune}


def _cross(world, admin, case):
    commune = commune_of(admin)
    other = OTHER[commune]
    caller, other_admin = world[admin], world[ADMIN_OF[other]]
    if case == "users_list":
        users = body_of(caller.get("/users"))
        assert {u["username"] for u in users} >= {n for n, (_, c) in USERS.items() if c == commune}
        assert not {u["username"] for u in users} & _other_commune_usernames(commune), users
        assert world.target_users[other] not in {u["id"] for u in users}
    elif case == "user_change":
        target = world.target_users[other]
        (before,) = [u for u in body_of(other_admin.get("/users")) if u["id"] == target]
        response = caller.request(
            "PATCH", f"/users/{target}", json={"full_name": "Bị đổi", "role": "admin", "active": False}
        )
        assert_error(response, 404, "not_found")
        (after,) = [u for u in body_of(other_admin.get("/users")) if u["id"] == target]
        assert after == before
    elif case == "user_given_another_communes_village":
        target = world.target_users[commune]
        village = world.target_villages[other]
        response = caller.request("PATCH", f"/users/{target}", json={"village_ids": [village]})
        assert response.status_code in (404, 422), body_of(response)
        (user,) = [u for u in body_of(caller.get("/users")) if u["id"] == target]
        assert village not in user["village_ids"], user
        response = caller.post(
            "/users",
            json={
                "username": f"lan.sang.{admin}",
                "password": "mat-khau-dai-du",
                "full_name": "Sang xã khác",
                "role": "volunteer",
                "village_ids": [village],
            },
        )
        assert response.status_code in (404, 422), body_of(response)
        assert f"lan.sang.{admin}" not in {u["username"] for u in body_of(caller.get("/users"))}
    elif case == "villages_list":
        villages = body_of(caller.get("/villages"))
        assert all(world.village_commune.get(v["id"], commune) == commune for v in villages), villages
        assert world.target_villages[other] not in {v["id"] for v in villages}
        assert not {v["name"] for v in villages} & {n for n, c in VILLAGES.items() if c == other}
    elif case == "village_change":
        target = world.target_villages[other]
        (before,) = [v for v in body_of(other_admin.get("/villages")) if v["id"] == target]
        assert_error(
            caller.request("PATCH", f"/villages/{target}", json={"name": "Bị đổi", "active": False}), 404, "not_found"
        )
        (after,) = [v for v in body_of(other_admin.get("/villages")) if v["id"] == target]
        assert after == before
    elif case == "devices_list":
        devices = body_of(caller.get("/devices"))
        owners = {d["owner"]["username"] for d in devices}
        assert not owners & _other_commune_usernames(commune), owners
        assert not {d["device_id"] for d in devices} & {world[n].device_id for n in _other_commune_usernames(commune)}
    elif case == "device_revoke":
        spare = world.spare_devices[other]
        assert_error(caller.post(f"/devices/{spare.device_id}/revoke"), 404, "not_found")
        assert spare.get("/auth/me").status_code == 200
    elif case == "conflicts_list":
        ids = {c["id"] for c in body_of(caller.get("/conflicts"))["items"]}
        assert world.conflicts[commune] in ids and world.conflicts[other] not in ids, ids
    elif case == "conflict_read":
        assert_error(caller.get(f"/conflicts/{world.conflicts[other]}"), 404, "not_found")
    elif case == "conflict_resolve":
        response = caller.post(
            f"/conflicts/{world.conflicts[other]}/resolve",
            json={"base_version": 2, "values": {"notes": "xã khác quyết"}},
        )
        assert_error(response, 404, "not_found")
        assert body_of(other_admin.get(f"/conflicts/{world.conflicts[other]}"))["state"] == "open"
    elif case == "audit":
        entries = body_of(caller.get("/audit", query_string={"per_page": 200}))["items"]
        assert entries, "the commune's own audit log is not empty"
        other_users = {world.uid(n) for n in _other_commune_usernames(commune)}
        other_targets = {str(world.records[k]) for k in (QUANG_TRUNG if other == QT else CAM_HAI)}
        other_targets |= {world.conflicts[other], world.conflict_records[other]}
        assert not [e for e in entries if e["user_id"] in other_users or e["target_id"] in other_targets], entries
        for name in _other_commune_usernames(commune):
            assert body_of(caller.get("/audit", query_string={"user_id": world.uid(name)}))["items"] == [], name
        for target in other_targets:
            assert body_of(caller.get("/audit", query_string={"target_id": target}))["items"] == [], target
    else:
        raise AssertionError(case)


CROSS_COMMUNE_ADMIN_CASES = [
    "users_list",
    "user_change",
    "user_given_another_communes_village",
    "villages_list",
    "village_change",
    "devices_list",
    "device_revoke",
    "conflicts_list",
    "conflict_read",
    "conflict_resolve",
    "audit",
]


@pytest.mark.parametrize("case", CROSS_COMMUNE_ADMIN_CASES)
@pytest.mark.parametrize("admin", ["admin.qt", "admin.ch"])
def test_an_admin_never_sees_or_changes_the_other_communes_things(world, admin, case):
    _cross(world, admin, case)


# --------------------------------------------------------------------------------------------
# Everything else a caller reads: exactly its commune's, as the database holds it


REVIEWERS = [name for name, (role, _) in USERS.items() if role in ("police", "admin")]
ADMINS = [name for name, (role, _) in USERS.items() if role == "admin"]

# The targets each March 2025 report shows (set by the world fixture): the commune's, and for
# village staff only those of its villages, never a commune-wide one.
REPORT_TARGETS_2025_03 = {
    "admin.qt": {("people_reached", "Thôn 1", 111), ("outreach_sessions", None, 12)},
    "police.qt": {("people_reached", "Thôn 1", 111), ("outreach_sessions", None, 12)},
    "staff.qt": {("people_reached", "Thôn 1", 111)},
    "admin.ch": {("people_reached", "Thôn Đông", 222), ("outreach_sessions", None, 24)},
    "police.ch": {("people_reached", "Thôn Đông", 222), ("outreach_sessions", None, 24)},
    "staff.ch": {("people_reached", "Thôn Đông", 222)},
    "leader.qt": {("people_reached", "Thôn 1", 111), ("outreach_sessions", None, 12)},
}


def stored(world, statement):
    """What the database holds, read beside the API."""
    with world.app.app_context():
        values = set(db.session.execute(statement).scalars())
        db.session.commit()
    return values


def every_page(caller, path, **query):
    items, page = [], 1
    while True:
        body = body_of(caller.get(path, query_string={**query, "page": page, "per_page": 200}))
        items += body["items"]
        if page * body["per_page"] >= body["total"]:
            return items
        page += 1


def commune_id_of(world, username):
    return world[username].user["commune_id"]


@pytest.mark.parametrize("admin", ADMINS)
def test_an_admin_reads_exactly_its_communes_users_villages_devices_conflicts_and_audit_log(world, admin):
    caller, commune_id = world[admin], commune_id_of(world, admin)
    users = {u["username"]: u["id"] for u in body_of(caller.get("/users"))}
    assert set(users.values()) == stored(world, select(User.id).where(User.commune_id == commune_id))
    assert {n for n, (_, c) in USERS.items() if c == commune_of(admin)} <= set(users)
    villages = {v["name"]: v["id"] for v in body_of(caller.get("/villages"))}
    assert set(villages.values()) == stored(world, select(Village.id).where(Village.commune_id == commune_id))
    assert {n for n, c in VILLAGES.items() if c == commune_of(admin)} <= set(villages)
    devices = {d["device_id"] for d in body_of(caller.get("/devices"))}
    assert devices == stored(
        world, select(Device.id).join(User, Device.user_id == User.id).where(User.commune_id == commune_id)
    )
    conflicts = {c["id"] for c in every_page(caller, "/conflicts")}
    assert conflicts == stored(world, select(Conflict.id).where(Conflict.commune_id == commune_id))
    entries = {e["id"] for e in every_page(caller, "/audit")}
    assert entries == stored(world, select(AuditEntry.id).where(AuditEntry.commune_id == commune_id))


@pytest.mark.parametrize("username", REVIEWERS)
def test_police_and_admin_read_exactly_their_communes_targets(world, username):
    commune_id = commune_id_of(world, username)
    items = body_of(world[username].get("/targets"))["items"]
    assert {t["id"] for t in items} == stored(world, select(Target.id).where(Target.commune_id == commune_id))
    people, sessions = (111, 12) if commune_of(username) == QT else (222, 24)
    assert {("people_reached", "2025-03", people), ("outreach_sessions", "2025", sessions)} <= {
        (t["measure"], t["period"], t["value"]) for t in items
    }


@pytest.mark.parametrize("username", REPORT_2025_03)
def test_report_figures_are_exactly_those_of_the_callers_villages(world, username):
    response = world[username].get(
        "/reports/progress", query_string={"period": "2025-03", "count": "submitted_and_approved"}
    )
    assert response.status_code == 200, body_of(response)
    report = body_of(response)
    village_names = {vid: name for name, vid in world.villages.items()}
    figures = {
        v["name"]: (v["measures"]["vneid_helped"], v["measures"]["outreach_sessions"], v["measures"]["people_reached"])
        for v in report["villages"]
    }
    expected = REPORT_2025_03[username]
    if role_of(username) == "village_staff":
        assert figures == expected
    else:  # every village of the commune, those the tests added with nothing in them
        commune_villages = stored(
            world, select(Village.name).where(Village.commune_id == commune_id_of(world, username))
        )
        assert set(figures) == commune_villages
        assert figures == {name: expected.get(name, (0, 0, 0)) for name in commune_villages}
    totals = report["totals"]["measures"]
    assert (totals["vneid_helped"], totals["outreach_sessions"], totals["people_reached"]) == tuple(
        map(sum, zip(*expected.values(), strict=True))
    )
    assert {
        (t["measure"], village_names.get(t["village_id"]), t["value"]) for t in report["targets"]
    } == REPORT_TARGETS_2025_03[username]


def _exported(caller, record_type):
    response = caller.get(
        "/reports/export",
        query_string={"format": "csv", "type": record_type, "period": "2025-03", "count": "submitted_and_approved"},
    )
    assert response.status_code == 200, body_of(response)
    return response.get_data().decode("utf-8-sig")


@pytest.mark.parametrize("username", REVIEWERS)
def test_the_export_holds_exactly_the_communes_records(world, username):
    for record_type in ("vneid_activation", "propaganda_session"):
        text = _exported(world[username], record_type)
        named = {key for key in RECORDS if f"Hồ sơ {key}" in text}
        assert named == {
            key
            for key, (author, _, t) in RECORDS.items()
            if t == record_type and commune_of(author) == commune_of(username)
        }, record_type


@pytest.mark.parametrize("username", USERS)
def test_who_am_i_lists_exactly_ones_villages(world, username):
    villages = {v["name"] for v in body_of(world[username].get("/auth/me"))["villages"]}
    if role_of(username) in ("police", "admin", "civil_status", "commune_viewer"):  # beyond its own villages
        assert villages == stored(
            world, select(Village.name).where(Village.commune_id == commune_id_of(world, username))
        )
    else:
        assert villages == CREATES_IN[username]


# --------------------------------------------------------------------------------------------
# The rest of the other commune does not exist either


@pytest.mark.parametrize("username", [u for u in REPORT_2025_03])
def test_a_report_or_targets_of_another_communes_village_is_404_or_refused(world, username):
    other_village = world.villages["Thôn Tây" if commune_of(username) == QT else "Thôn 2"]
    assert_error(world[username].get("/reports/progress", query_string={"village_id": other_village}), 404, "not_found")
    if role_of(username) == "admin":
        response = world[username].request(
            "PUT",
            "/targets",
            json={
                "targets": [{"measure": "people_reached", "village_id": other_village, "period": "2025-03", "value": 1}]
            },
        )
        assert_error(response, 422, "validation_failed")
    if role_of(username) in ("police", "admin", "commune_viewer"):
        assert body_of(world[username].get("/targets", query_string={"village_id": other_village}))["items"] == []


@pytest.mark.parametrize("username", USERS)
def test_unsubscribing_another_communes_phone_leaves_it_subscribed(world, username):
    endpoint = world.subscriptions[OTHER[commune_of(username)]]
    response = world[username].request("DELETE", "/push/subscriptions", json={"endpoint": endpoint})
    assert response.status_code == 204  # the same answer as for an endpoint never seen
    assert endpoint in stored_endpoints(world)


# --------------------------------------------------------------------------------------------
# The province: every commune's figures and reports, never a record


@pytest.mark.parametrize("key", RECORDS)
@pytest.mark.parametrize("username", PROVINCE_USERS)
def test_a_province_role_gets_404_for_every_record_and_none_by_pull(world, username, key):
    assert_error(world[username].get(f"/records/{world.records[key]}"), 404, "not_found")
    records, _, _ = world[username].pull_all()
    assert records == {}


@pytest.mark.parametrize("username", PROVINCE_USERS)
def test_a_province_role_reads_each_commune_of_its_province(world, username):
    caller = world[username]
    for commune, commune_id in world.communes.items():
        report = body_of(caller.get("/reports/progress", query_string={"period": "2025-03", "commune_id": commune_id}))
        assert report["commune"]["name"] == commune
        assert {world.village_commune.get(v["village_id"], commune) for v in report["villages"]} == {commune}
        submission = body_of(caller.get(f"/reports/submissions/{world.submissions[commune]}"))
        assert submission["commune_id"] == commune_id
        for text in (str(submission), str(report)):
            assert not [key for key in RECORDS if f"Hồ sơ {key}" in text]


@pytest.mark.parametrize("username", [u for u in USERS if role_of(u) in ("police", "admin", "commune_viewer")])
def test_a_commune_never_reads_the_other_communes_report(world, username):
    other = world.submissions[OTHER[commune_of(username)]]
    for path in (f"/reports/submissions/{other}", f"/reports/submissions/{other}/export"):
        assert_error(world[username].get(path), 404, "not_found")
