"""The demo's quarter of activity (server/demo_activity.py): what `make run` shows a newcomer is
plausible, complete, valid under the app's own rules, and written only once."""

import random
from collections import Counter
from datetime import date, datetime, timezone

from sqlalchemy import func, select

from server.demo_activity import plan_quarter, seed_activity
from server.extensions import db
from server.forms import registry
from server.forms.death_check import CASE_STATUSES
from server.forms.rules import today as vietnam_today
from server.models import Commune, Conflict, Record, RecordVersion, Submission, SubmissionVersion, Target, User
from server.records.integrity import broken_chains
from server.models.records import REVIEW_STATES
from tests.helpers import PASSWORD

QUANG_TRUNG, CAM_TAN = "Phường Quang Trung", "Xã Cẩm Tân"


def records_of(commune_name):
    commune = db.session.execute(select(Commune).where(Commune.name == commune_name)).scalar_one()
    return db.session.execute(select(Record).where(Record.commune_id == commune.id)).scalars().all()


def record_count():
    return db.session.execute(select(func.count()).select_from(Record)).scalar_one()


def test_the_demo_communes_get_a_quarter_of_every_kind_of_work(app):
    written = seed_activity()
    assert written == {QUANG_TRUNG: len(records_of(QUANG_TRUNG)), CAM_TAN: len(records_of(CAM_TAN))}
    assert 250 <= written[QUANG_TRUNG] <= 350 and 120 <= written[CAM_TAN] <= 180

    users = {u.id: u for u in db.session.execute(select(User)).scalars()}
    for name in (QUANG_TRUNG, CAM_TAN):
        records = records_of(name)
        assert {r.type for r in records} == set(registry.RECORD_TYPES), name
        assert set(Counter(r.review_state for r in records)) == set(REVIEW_STATES), name
        commune = db.session.execute(select(Commune).where(Commune.name == name)).scalar_one()
        assert {r.village_id for r in records} == {v.id for v in commune.villages}, name
        assert {users[r.created_by].role for r in records} >= {"volunteer", "police", "admin"}, name
        # Spread over the last three months, nothing in the future.
        days = {r.data.get("activity_date") for r in records if r.type == "vneid_activation"}
        assert len(days) > 40, name
        deaths = Counter(r.data["case_status"] for r in records if r.type == "death_check")
        assert set(deaths) == {c.value for c in CASE_STATUSES}, (name, deaths)

    # Records sent back to vol.qt1 with the reviewer's remark, waiting on them.
    vol_qt1 = next(u for u in users.values() if u.username == "vol.qt1")
    returned = [r for r in records_of(QUANG_TRUNG) if r.created_by == vol_qt1.id and r.review_state == "needs_changes"]
    assert returned and all(r.review_comment for r in returned)

    # One open conflict, opened by the sync push itself: two devices changed the same phone number.
    conflicts = db.session.execute(select(Conflict)).scalars().all()
    assert [c.state for c in conflicts] == ["open"]
    record = db.session.get(Record, conflicts[0].record_id)
    assert record.has_conflict and {f["name"] for f in conflicts[0].fields} >= {"phone"}

    # Every record is valid as its type declares it, and its history chains.
    for record in db.session.execute(select(Record)).scalars():
        clean, errors = registry.validate(record.type, record.data)
        assert not errors, (record.type, record.data, errors)
    assert list(broken_chains()) == []
    # Reviews, edits and status moves happened on later days than the records were made.
    actions = Counter(db.session.execute(select(RecordVersion.action)).scalars())
    assert actions["create"] == record_count() and actions["review"] > 200 and actions["update"] > 50
    versions = db.session.execute(select(RecordVersion.created_at)).scalars().all()
    as_utc = [v if v.tzinfo else v.replace(tzinfo=timezone.utc) for v in versions]
    assert (max(as_utc) - min(as_utc)).days >= 80
    assert max(as_utc) <= datetime.now(timezone.utc)

    targets = db.session.execute(select(Target)).scalars().all()
    assert {t.period for t in targets} == {str(vietnam_today().year)}
    assert any(t.village_id is None for t in targets) and any(t.village_id for t in targets)


def test_reseeding_adds_nothing_and_accounts_only_adds_no_records(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--password", PASSWORD, "--accounts-only"])
    assert result.exit_code == 0, result.output
    assert record_count() == 0

    result = runner.invoke(args=["seed-demo", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    seeded = record_count()
    versions = db.session.execute(select(func.count()).select_from(RecordVersion)).scalar_one()
    assert seeded > 400

    result = runner.invoke(args=["seed-demo", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert record_count() == seeded
    assert db.session.execute(select(func.count()).select_from(RecordVersion)).scalar_one() == versions
    assert db.session.execute(select(func.count()).select_from(Conflict)).scalar_one() == 1


def test_the_police_see_the_communes_records_through_the_api(app, login):
    seed_activity()
    police = login("police.qt")
    listed = police.get("/records?per_page=1").get_json()
    assert listed["total"] == len(records_of(QUANG_TRUNG))
    queue = police.get("/records?review_state=submitted&per_page=1").get_json()
    assert queue["total"] > 0


def test_the_same_seed_plans_the_same_quarter():
    roles = {
        "vol.ch1": ("volunteer", ["Thôn Đông"]),
        "police.ch": ("police", []),
        "admin.ch": ("admin", []),
    }
    now = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)

    def plan():
        stories = plan_quarter(CAM_TAN, ["Thôn Đông", "Thôn Tây"], roles, date(2026, 12, 6), random.Random(7), now)
        return [(s.record_id, s.type, s.author, s.data, [(t.at, t.kind, t.action) for t in s.steps]) for s in stories]

    assert plan() == plan()


def test_the_demo_communes_have_sent_reports_on_time_late_and_one_was_returned(app, client):
    seed_activity()
    rows = db.session.execute(
        select(Commune.name, Submission.status, SubmissionVersion.late, SubmissionVersion.return_comment)
        .join(Submission, Submission.commune_id == Commune.id)
        .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
        .order_by(Commune.name, Submission.period)
    ).all()
    by_commune = Counter((name, status, late, comment is not None) for name, status, late, comment in rows)
    assert by_commune == {
        (QUANG_TRUNG, "submitted", False, False): 1,  # the quarter's first month, on time
        (QUANG_TRUNG, "returned", False, True): 1,  # its second, returned with the province's remark
        (CAM_TAN, "submitted", True, False): 1,  # the first month, late
    }
    # What was sent carries the commune's figures of that month.
    version = db.session.execute(select(SubmissionVersion).where(SubmissionVersion.late.is_(True))).scalar_one()
    assert version.figures["totals"]["measures"]["vneid_helped"] > 0
