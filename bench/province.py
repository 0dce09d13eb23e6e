"""python -m bench.province: a province's worth of data behind a real server, and what it costs a
commune and a device (docs/performance.md, "A province: 100 communes, 1,000,000 records").

    DATABASE_URL=postgresql://… python -m bench.province            # 100 communes, 1,000,000 records
    python -m bench.province --small                                 # 3 communes, 2,000 records

PostgreSQL only (DATABASE_URL, or 127.0.0.1:5432 database `test`), in a new schema of its own that
is dropped afterwards. The province is generated with set-based SQL (INSERT … SELECT over
generate_series, each record's data built as JSON in SQL): records spread over the communes'
villages, the record types and the last twelve months, with the columns and data fields the app's
queries read. Records of the types with a workflow get the versions the reports' stage times read;
the others only their current row (no history: nothing measured here reads it).

Measured against gunicorn, as `make run` serves:
(a) a commune's monthly export (XLSX) as its police;
(b) a device's incremental pull after a few new records in its commune, first with the province
    holding one commune, then with all of them: it must not grow with the province;
(c) the province's roll-up and its board of reports received, as a province officer, when the
    server has them (404: skipped, said so).
"""

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta

import orjson
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from bench import load
from bench.__main__ import machine
from bench.records import vneid
from bench.server import Server, fresh_database

PASSWORD = "bench-06"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
PROVINCE_CODE = 99
VILLAGES_PER_COMMUNE = 8
# (type, share of records out of 100)
TYPE_SHARES = (
    ("vneid_activation", 50),
    ("one_stop_guidance", 15),
    ("vneid_level2_file", 12),
    ("data_correction", 10),
    ("propaganda_session", 8),
    ("death_check", 5),
)
# A commune's people: one admin, two police, a civil status officer, village staff, and volunteers.
ROLES_BY_SLOT = ("admin", "police", "police", "civil_status") + ("village_staff",) * 10


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.province", description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--records", type=int, default=1_000_000, help="records in the whole province")
    parser.add_argument("--users", type=int, default=5_000, help="users (each with a device) in the whole province")
    parser.add_argument("--runs", type=int, default=20, help="timed requests of each kind")
    parser.add_argument("--export-runs", type=int, default=10)
    parser.add_argument("--new-records", type=int, default=3, help="records pushed before each incremental pull")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--small", action="store_true", help="a smoke run: 3 communes, 2,000 records, few runs")
    parser.add_argument("--output", default="bench-province.json")
    args = parser.parse_args(argv)
    if args.small:
        args.communes, args.records, args.users, args.runs, args.export_runs = 3, 2_000, 60, 3, 2
    args.users = max(args.users, args.communes * (len(ROLES_BY_SLOT) + 2))
    return args


# ---------------------------------------------------------------------------------------------
# The province, generated in SQL


def seconds(started):
    return round(time.perf_counter() - started, 2)


def create_province(connection, password_hash):
    province_id = connection.execute(
        text("INSERT INTO provinces (code, name, report_due_day) VALUES (:code, 'Tỉnh Thử nghiệm', 20) RETURNING id"),
        {"code": PROVINCE_CODE},
    ).scalar_one()
    connection.execute(
        text(
            "INSERT INTO users (username, password_hash, full_name, role, province_id, active, created_at, updated_at)"
            " VALUES ('province.test', :hash, 'Công an tỉnh Thử nghiệm (PC06)', 'province_officer', :province,"
            " true, now(), now())"
        ),
        {"hash": password_hash, "province": province_id},
    )
    return province_id


# Communes numbered lo..hi-1: their villages, people (with their villages) and devices.
PLACES_AND_PEOPLE = [
    """
    INSERT INTO communes (code, name, kind, province_id)
    SELECT :code_base + k, format('Xã Thử nghiệm %s', lpad(k::text, 3, '0')), 'xã', :province
    FROM generate_series(:lo, :hi - 1) AS k ORDER BY k
    """,
    """
    INSERT INTO villages (commune_id, name, kind, active)
    SELECT c.id, 'Thôn ' || v, 'thon', true
    FROM communes c CROSS JOIN generate_series(1, :villages) AS v
    WHERE c.code BETWEEN :code_base + :lo AND :code_base + :hi - 1
    ORDER BY c.id, v
    """,
    """
    INSERT INTO users (username, password_hash, full_name, role, commune_id, active, created_at, updated_at)
    SELECT
        CASE WHEN u <= :fixed THEN (ARRAY[:prefixes])[u] ELSE 'vol' END
            || '.t' || lpad((c.code - :code_base)::text, 3, '0') || CASE WHEN u > 4 THEN '.' || u ELSE '' END
            || CASE WHEN u = 3 THEN '.2' ELSE '' END,
        :hash,
        format('Người dùng %s của %s', u, c.name),
        CASE WHEN u <= :fixed THEN (ARRAY[:roles])[u] ELSE 'volunteer' END,
        c.id, true, now(), now()
    FROM communes c CROSS JOIN generate_series(1, :per_commune) AS u
    WHERE c.code BETWEEN :code_base + :lo AND :code_base + :hi - 1
    ORDER BY c.id, u
    """,
    # Village staff look after two villages, a volunteer works in one.
    """
    INSERT INTO user_villages (user_id, village_id)
    SELECT DISTINCT usr.id, v.id
    FROM users usr
    JOIN communes c ON c.id = usr.commune_id
    JOIN LATERAL (SELECT row_number() OVER (ORDER BY id) AS n, id FROM villages WHERE commune_id = c.id) v
      ON v.n IN (1 + usr.id % :villages, 1 + (usr.id + 1) % :villages)
    WHERE c.code BETWEEN :code_base + :lo AND :code_base + :hi - 1
      AND (usr.role = 'village_staff' OR (usr.role = 'volunteer' AND v.n = 1 + usr.id % :villages))
    """,
    """
    INSERT INTO devices (id, user_id, name, created_at, last_seen_at, token_generation, last_mutation_id)
    SELECT md5('device-' || usr.id)::uuid::text, usr.id, 'Điện thoại', now() - interval '1 year', now(), 1, 0
    FROM users usr JOIN communes c ON c.id = usr.commune_id
    WHERE c.code BETWEEN :code_base + :lo AND :code_base + :hi - 1
    """,
]

# Each record: its commune, a village of it, an author among the commune's field users, a type by
# share, a day in the last twelve months, and data as its type declares it. Records of the types
# with a workflow have gone `steps` states along it; their version is steps + 1.
RECORDS = """
WITH places AS (
    SELECT c.code - :code_base AS k, c.id AS commune_id,
           (SELECT array_agg(v.id ORDER BY v.id) FROM villages v WHERE v.commune_id = c.id) AS villages,
           (SELECT array_agg(u.id ORDER BY u.id) FROM users u
             WHERE u.commune_id = c.id AND u.role IN ('volunteer', 'village_staff', 'police')) AS authors
    FROM communes c WHERE c.code BETWEEN :code_base + :lo AND :code_base + :hi - 1
),
drawn AS (
    SELECT n, :lo + n % (:hi - :lo) AS k, random() AS kind, random() AS state, random() AS pick,
           (current_date - (random() * 364)::int) AS day, (random() * 10 * 3600)::int AS second,
           CASE WHEN random() < 0.5 THEN 'nam' ELSE 'nữ' END AS gender,
           1940 + (random() * 68)::int AS born,
           (ARRAY['Nguyễn','Trần','Lê','Phạm','Hoàng','Vũ','Đỗ','Bùi','Đặng','Ngô','Trịnh','Mai'])[1 + (random() * 11)::int]
             || ' ' || (ARRAY['Văn','Thị','Hữu','Đức','Ngọc','Minh','Thanh','Quang'])[1 + (random() * 7)::int]
             || ' ' || (ARRAY['Lan','Hùng','Mai','Cường','Hương','Dũng','Thảo','Sơn','Hà','Tuấn','Linh','Nam'])[1 + (random() * 11)::int]
             AS name,
           lpad((random() * 999999)::int::text, 6, '0') AS serial,
           '09' || lpad((random() * 99999999)::int::text, 8, '0') AS phone
    FROM generate_series(0, :count - 1) AS n
),
typed AS (
    SELECT d.*, p.commune_id,
           p.villages[1 + (d.n / (:hi - :lo)) % array_length(p.villages, 1)] AS village_id,
           p.authors[1 + (d.pick * (array_length(p.authors, 1) - 1))::int] AS author,
           CASE
               WHEN d.kind < 0.50 THEN 'vneid_activation'
               WHEN d.kind < 0.65 THEN 'one_stop_guidance'
               WHEN d.kind < 0.77 THEN 'vneid_level2_file'
               WHEN d.kind < 0.87 THEN 'data_correction'
               WHEN d.kind < 0.95 THEN 'propaganda_session'
               ELSE 'death_check'
           END AS type,
           '038' || CASE WHEN d.born < 2000 THEN 0 ELSE 2 END + CASE WHEN d.gender = 'nữ' THEN 1 ELSE 0 END
               || lpad((d.born % 100)::text, 2, '0') || d.serial AS pid,
           (d.day + make_interval(secs => 7 * 3600 + d.second)) AT TIME ZONE 'Asia/Ho_Chi_Minh' AS at
    FROM drawn d JOIN places p USING (k)
),
stepped AS (
    SELECT t.*,
           CASE t.type
               WHEN 'death_check' THEN (t.state * 4.99)::int
               WHEN 'vneid_level2_file' THEN (t.state * 3.99)::int
               WHEN 'data_correction' THEN (t.state * 2.99)::int
               ELSE 0
           END AS steps
    FROM typed t
),
built AS (
    SELECT s.*,
        CASE s.type
        WHEN 'vneid_activation' THEN jsonb_build_object(
            'full_name', s.name, 'personal_id', s.pid, 'date_of_birth', make_date(s.born, (1 + s.n % 12)::int, (1 + s.n % 28)::int),
            'gender', s.gender, 'phone', s.phone, 'phone_is_own', s.state < 0.8, 'has_chip_card', true,
            'step_reached', (ARRAY['activated','activated','activated','logged_in_public_service','registered'])[1 + (s.state * 4)::int],
            'place', (ARRAY['home','one_stop_desk','police_office','mobile_point'])[1 + (s.pick * 3)::int],
            'activity_date', s.day::text)
            || CASE WHEN s.state < 0.8 THEN jsonb_build_object('level', CASE WHEN s.pick > 0.5 THEN 2 ELSE 1 END)
                    ELSE jsonb_build_object('failure_reason', 'no_smartphone') END
        WHEN 'one_stop_guidance' THEN jsonb_build_object(
            'site', (ARRAY['one_stop_desk','police_office','post_or_telecom'])[1 + (s.pick * 2)::int],
            'citizen_name', s.name, 'personal_id', s.pid, 'services', jsonb_build_array('vneid', 'dvc_account'),
            'dvc_account_created', true, 'logged_in_with_vneid', true, 'submitted_online', s.state < 0.4,
            'result', (ARRAY['done','done','done','partly_done'])[1 + (s.state * 3)::int],
            'helper_unit', 'commune_police', 'activity_date', s.day::text)
        WHEN 'vneid_level2_file' THEN jsonb_build_object(
            'full_name', s.name, 'personal_id', s.pid, 'date_of_birth', make_date(s.born, (1 + s.n % 12)::int, (1 + s.n % 28)::int),
            'gender', s.gender, 'phone', s.phone, 'place', 'police_office', 'appointment_date', s.day::text,
            'papers', jsonb_build_array('health_insurance'),
            'status', (ARRAY['appointment','file_submitted','approved','activated'])[1 + s.steps])
        WHEN 'data_correction' THEN jsonb_build_object(
            'citizen_name', s.name, 'personal_id', s.pid,
            'issue', (ARRAY['wrong','missing','moved_away'])[1 + (s.pick * 2)::int], 'field_concerned', 'date_of_birth',
            'evidence_note', 'Đối chiếu giấy khai sinh', 'activity_date', s.day::text,
            'status', (ARRAY['reported','verified','corrected'])[1 + s.steps])
        WHEN 'propaganda_session' THEN jsonb_build_object(
            'activity_date', s.day::text, 'start_time', '19:30',
            'form', (ARRAY['meeting','door_to_door','loudspeaker','online_post'])[1 + (s.pick * 3)::int],
            'topics', jsonb_build_array('vneid', 'online_public_services'), 'organizers', jsonb_build_array('youth_union'),
            'audience', jsonb_build_array('residents'), 'location', 'Nhà văn hóa thôn',
            'people_reached', 20 + (s.state * 200)::int, 'link', 'https://zalo.me/g/thu-nghiem')
        ELSE jsonb_build_object(
            'deceased_name', s.name, 'birth_year', least(s.born, 1960), 'gender', s.gender,
            'date_of_death', (2016 + s.n % 9)::text, 'informant_name', s.name, 'source', 'family',
            'case_status', (ARRAY['reported','verified_unregistered','certificate_issued','residence_removed',
                                  'funeral_allowance_done'])[1 + s.steps])
            || CASE WHEN s.steps >= 2 THEN jsonb_build_object('certificate_number', s.n || '/TLKT',
                                                              'certificate_date', s.day::text) ELSE '{}'::jsonb END
        END AS data
    FROM stepped s
)
INSERT INTO records (id, type, commune_id, village_id, data, version, review_state, review_comment, reviewed_by,
                     reviewed_at, has_conflict, deleted, created_by, created_device_id, created_at, updated_by,
                     updated_at, client_time, search_text, personal_id, report_day, version_hash, change_xid)
SELECT gen_random_uuid()::text, b.type, b.commune_id, b.village_id, b.data::json, 1 + b.steps,
       CASE WHEN b.pick < 0.80 THEN 'approved' WHEN b.pick < 0.92 THEN 'submitted'
            WHEN b.pick < 0.96 THEN 'needs_changes' ELSE 'rejected' END,
       NULL, NULL, NULL, false, false, b.author, md5('device-' || b.author)::uuid::text, b.at, b.author,
       least(now(), b.at + b.steps * interval '3 days'), NULL, lower(b.name || ' ' || b.pid),
       CASE WHEN b.type IN ('propaganda_session', 'death_check') THEN NULL ELSE b.pid END,
       -- the day reports count it on (server/records/store.py report_day): its date field's day,
       -- or for a death case the day it was recorded
       CASE WHEN b.type = 'death_check' THEN to_char(timezone('UTC', b.at) + interval '7 hours', 'YYYY-MM-DD')
            ELSE b.day::text END,
       md5(b.n::text || b.name) || md5(b.name || b.n::text),
       pg_current_xact_id()::text::bigint + COALESCE((SELECT stamp_offset FROM sync_epoch WHERE id = 1), 0)
FROM built b
"""

# The versions the reports' stage times read: one per state a workflow record has been in.
WORKFLOW_VERSIONS = """
INSERT INTO record_versions (record_id, version, action, data, changed, review_state, review_comment, deleted,
                             user_id, device_id, mutation_id, created_at, hash)
SELECT r.id, i, CASE WHEN i = 1 THEN 'create' ELSE 'update' END,
       (r.data::jsonb || jsonb_build_object(
            CASE r.type WHEN 'death_check' THEN 'case_status' ELSE 'status' END,
            (CASE r.type
                WHEN 'death_check' THEN ARRAY['reported','verified_unregistered','certificate_issued',
                                              'residence_removed','funeral_allowance_done']
                WHEN 'vneid_level2_file' THEN ARRAY['appointment','file_submitted','approved','activated']
                ELSE ARRAY['reported','verified','corrected'] END)[i]))::json,
       '[]'::json, 'submitted', NULL, false, r.created_by, r.created_device_id, NULL,
       least(now(), r.created_at + (i - 1) * interval '3 days'), md5(r.id || i::text) || md5(i::text || r.id)
FROM records r CROSS JOIN LATERAL generate_series(1, r.version) AS i
WHERE r.type IN ('death_check', 'vneid_level2_file', 'data_correction')
  AND r.commune_id IN (SELECT id FROM communes WHERE code BETWEEN :code_base + :lo AND :code_base + :hi - 1)
"""


def add_communes(engine, province_id, lo, hi, args, password_hash):
    """Communes lo..hi-1 with their villages, people, devices and records; returns seconds taken."""
    started = time.perf_counter()
    per_commune = args.users // args.communes
    fixed = len(ROLES_BY_SLOT)
    prefixes = ["admin", "police", "police", "civil"] + ["staff"] * (fixed - 4)
    params = {
        "code_base": PROVINCE_CODE * 1000,
        "province": province_id,
        "villages": VILLAGES_PER_COMMUNE,
        "per_commune": per_commune,
        "fixed": fixed,
        "hash": password_hash,
    }
    # Ten communes per transaction: each a statement of ~100,000 records at full size.
    step = 10
    for start in range(lo, hi, step):
        end = min(hi, start + step)
        with engine.begin() as connection:
            bound = {**params, "lo": start, "hi": end}
            for statement in PLACES_AND_PEOPLE:
                connection.execute(
                    text(statement.replace(":prefixes", _array(prefixes)).replace(":roles", _array(ROLES_BY_SLOT))),
                    bound,
                )
            connection.execute(text(RECORDS), {**bound, "count": args.records // args.communes * (end - start)})
            connection.execute(text(WORKFLOW_VERSIONS), bound)
        print(f"  communes {start:03d}–{end - 1:03d}: {seconds(started)} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("records", "record_versions", "users", "villages", "communes", "user_villages", "devices"):
            connection.execute(text(f"VACUUM ANALYZE {table}"))
    return seconds(started)


def _array(values):
    return ", ".join(f"'{value}'" for value in values)


def stored(engine):
    with engine.connect() as connection:
        return {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("communes", "users", "devices", "records", "record_versions")
        }


# ---------------------------------------------------------------------------------------------
# The measurements


def timed(connection, method, path, token, body=None):
    started = time.perf_counter()
    status, payload = connection.request(method, path, body=body, token=token)
    return time.perf_counter() - started, status, payload


def figures(values):
    if not values:
        return None
    ordered = sorted(values)
    return {
        "runs": len(values),
        "median_ms": round(ordered[len(ordered) // 2] * 1000, 1),
        "p95_ms": round(load.percentile(values, 0.95) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def last_month(today):
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def measure_export(address, args, commune_number):
    """(a) The commune's report of last month as an XLSX file, as its police download it."""
    connection = load.Connection(*address)
    police = load.login(connection, f"police.t{commune_number:03d}", PASSWORD)
    first, last = last_month(date.today())
    path = f"/reports/export?format=xlsx&from={first}&to={last}"
    times, size = [], 0
    for _ in range(args.export_runs):
        elapsed, status, payload = timed(connection, "GET", path, police.token)
        if status != 200:
            raise RuntimeError(f"export failed: {status} {payload[:300]!r}")
        times.append(elapsed)
        size = len(payload)
    connection.close()
    return {"period": f"{first}..{last}", "bytes": size, **figures(times)}


def pull_to_end(connection, device, cursor=None):
    pages, changes = 0, 0
    while True:
        query = f"/sync/pull?device_id={device.device_id}&limit=1000" + (f"&cursor={cursor}" if cursor else "")
        status, payload = connection.request("GET", query, token=device.token)
        if status != 200:
            raise RuntimeError(f"pull failed: {status} {payload[:300]!r}")
        page = orjson.loads(payload)
        pages, changes, cursor = pages + 1, changes + len(page["changes"]), page["cursor"]
        if not page["has_more"]:
            return cursor, pages, changes


def measure_pull(address, args, commune_number):
    """(b) A device's incremental pull after a volunteer of its commune pushed a few records:
    the police (the commune's records) and the volunteer (their own)."""
    connection = load.Connection(*address)
    police = load.login(connection, f"police.t{commune_number:03d}", PASSWORD)
    volunteer = load.login(connection, f"vol.t{commune_number:03d}.{len(ROLES_BY_SLOT) + 1}", PASSWORD)
    cursors = {}
    initial = {}
    for name, device in (("police", police), ("volunteer", volunteer)):
        started = time.perf_counter()
        cursors[name], pages, changes = pull_to_end(connection, device)
        initial[name] = {"records": changes, "pages": pages, "seconds": seconds(started)}
    times = {"police": [], "volunteer": []}
    waits = {"police": 0, "volunteer": 0}
    rng = random.Random(commune_number)
    mutation_id = 0
    for _ in range(args.runs):
        mutations = []
        for _ in range(args.new_records):
            mutation_id += 1
            mutations.append(
                {
                    "mutation_id": mutation_id,
                    "op": "create",
                    "record_id": str(uuid.uuid4()),
                    "type": "vneid_activation",
                    "village_id": volunteer.village_ids[0],
                    "data": vneid(rng),
                }
            )
        body = orjson.dumps({"device_id": volunteer.device_id, "mutations": mutations})
        status, payload = connection.request("POST", "/sync/push", body=body, token=volunteer.token)
        if status != 200:
            raise RuntimeError(f"push failed: {status} {payload[:300]!r}")
        for name, device in (("police", police), ("volunteer", volunteer)):
            # A pull serves only what every transaction of the cluster below its horizon has
            # finished (server/sync/cursor.py): while another one is still open anywhere in the
            # cluster (another database's bulk load, say), the new records come with a later pull.
            # What is timed is the pull that brings them; the empty ones before it are counted.
            received, deadline = 0, time.monotonic() + 300
            while time.monotonic() < deadline:
                path = f"/sync/pull?device_id={device.device_id}&limit=1000&cursor={cursors[name]}"
                elapsed, status, payload = timed(connection, "GET", path, device.token)
                if status != 200:
                    raise RuntimeError(f"incremental pull: {status} {payload[:300]!r}")
                page = orjson.loads(payload)
                cursors[name] = page["cursor"]
                if page["changes"]:
                    times[name].append(elapsed)
                received += len(page["changes"])
                if received >= args.new_records:
                    break
                waits[name] += 1
                time.sleep(0.05)
            else:
                raise RuntimeError(f"incremental pull of {name}: {received} of {args.new_records} new records")
    connection.close()
    return {
        "initial_pull": initial,
        **{name: {**figures(values), "horizon_waits": waits[name]} for name, values in times.items()},
    }


def measure_province(address, args, period):
    """(c) The province's roll-up and its board of reports, as a province officer."""
    connection = load.Connection(*address)
    officer = load.login(connection, "province.test", PASSWORD)
    result = {}
    for name, path in (
        ("rollup", f"/reports/rollup?period={period}"),
        ("submissions", f"/reports/submissions?period={period}"),
    ):
        times = []
        for _ in range(args.runs):
            elapsed, status, payload = timed(connection, "GET", path, officer.token)
            if status == 404:
                result[name] = {"skipped": f"GET {path} answered 404: this server has no such endpoint yet"}
                break
            if status != 200:
                raise RuntimeError(f"{name} failed: {status} {payload[:300]!r}")
            times.append(elapsed)
        else:
            result[name] = {"bytes": len(payload), **figures(times)}
    connection.close()
    return result


def measure(address, args, label, communes_now):
    print(f"measuring: {label}", flush=True)
    load_before = os.getloadavg()
    result = {
        "communes": communes_now,
        "load_average_before": load_before,
        "export": measure_export(address, args, 1),
        "pull": measure_pull(address, args, 1),
    }
    result["province"] = measure_province(address, args, last_month(date.today())[0].strftime("%Y-%m"))
    result["load_average_after"] = os.getloadavg()
    return result


def run(args):
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    password_hash = PasswordHasher(time_cost=1, memory_cost=1024).hash(PASSWORD)
    with (
        tempfile.TemporaryDirectory(prefix="sotay-province-") as folder,
        fresh_database("postgresql", folder, url) as db_url,
    ):
        schema = db_url.rsplit("%3D", 1)[1]
        server = Server(db_url, folder, args.workers, PASSWORD)
        server.prepare()
        engine = create_engine(db_url)
        try:
            with engine.begin() as connection:
                province_id = create_province(connection, password_hash)
            print("generating the first commune", flush=True)
            first_seconds = add_communes(engine, province_id, 1, 2, args, password_hash)
            server.start()
            address = ("127.0.0.1", server.port)
            try:
                one = measure(address, args, "a province of one commune", 1)
                one["stored"] = stored(engine)
                print(f"generating communes 2–{args.communes}", flush=True)
                rest_seconds = add_communes(engine, province_id, 2, args.communes + 1, args, password_hash)
                full = measure(address, args, f"a province of {args.communes} communes", args.communes)
                full["stored"] = stored(engine)
            finally:
                server.stop()
        finally:
            engine.dispose()
    return {
        "machine": machine(),
        "settings": {k: v for k, v in vars(args).items() if k != "output"},
        "schema": schema,
        "generation_seconds": {"first_commune": first_seconds, "other_communes": rest_seconds},
        "one_commune": one,
        "all_communes": full,
    }


def summary(result):
    lines = [
        f"machine: {result['machine']['cpus']} CPU ({result['machine']['cpu_model']}), "
        f"load at start {tuple(round(x, 2) for x in result['machine']['load_average_at_start'])}",
        f"generated: {result['all_communes']['stored']} in "
        f"{result['generation_seconds']['first_commune'] + result['generation_seconds']['other_communes']:.0f} s",
    ]
    for key in ("one_commune", "all_communes"):
        part = result[key]
        lines.append(
            f"{part['communes']} commune(s), {part['stored']['records']} records; load "
            f"{tuple(round(x, 2) for x in part['load_average_before'])} → "
            f"{tuple(round(x, 2) for x in part['load_average_after'])}"
        )
        export = part["export"]
        lines.append(
            f"  (a) export {export['period']}: median {export['median_ms']} ms, p95 {export['p95_ms']} ms "
            f"over {export['runs']} runs ({export['bytes']} bytes)"
        )
        pull = part["pull"]
        for name in ("police", "volunteer"):
            initial = pull["initial_pull"][name]
            lines.append(
                f"  (b) incremental pull, {name}: median {pull[name]['median_ms']} ms, p95 {pull[name]['p95_ms']} ms "
                f"over {pull[name]['runs']} runs (first full pull: {initial['records']} records, "
                f"{initial['pages']} pages, {initial['seconds']} s)"
            )
        for name, figures_ in part["province"].items():
            if "skipped" in figures_:
                lines.append(f"  (c) {name}: skipped — {figures_['skipped']}")
            else:
                lines.append(
                    f"  (c) {name}: median {figures_['median_ms']} ms, p95 {figures_['p95_ms']} ms "
                    f"over {figures_['runs']} runs"
                )
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    result = run(args)
    with open(args.output, "wb") as out:
        out.write(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    print(summary(result))
    print(f"results: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
