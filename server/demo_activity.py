"""A quarter of Đề án 06 work in the two demo communes, so that a newcomer opening the app finds
what a commune's last three months look like: volunteers' VNeID visits in their villages, the
police's one-stop desk and level 2 files, outreach sessions, death cases moving through their
workflow, data found wrong, the review queue in every state, a sync conflict to resolve, and the
year's targets.

Nothing here knows a record type: each type declares how the demo makes its records (its
`example`: what a record says, how many each role makes, the workflow paths it takes, what a
reviewer asks of it), and a new type shows in the demo with nothing written here.

Generation is pure: `plan_quarter` turns a commune's cast (who works where) and the types'
examples and a seeded random.Random into stories, one per record: its creation and what happened to it later
(a review, an edit asked for by the reviewer, a status moved). The same seed and the same last
day give the same quarter.

Writing goes through the paths the app itself uses: every version is checked by the change gate
(server/forms/changes.py) as a change by its author, and written by the record store
(server/records/store.py) with its hash chain and change stamp, at the time it happened; the
conflict is opened by the sync push itself (server/sync/push.py), from two devices.
"""

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import exists, select

from server.demo import COMMUNES, PROVINCE_USERS, usernames
from server.extensions import db
from server.forms import changes as record_changes, registry
from server.forms.examples import Context
from server.forms.rules import VIETNAM_TZ, today as vietnam_today
from server.roles import COMMUNE_ADMINISTRATOR, REVIEW, ROLES, WORKFLOW
from server.models import Commune, Device, Record, Target, User
from server.records import store, workflow
from server.reports import submissions
from server.reports.measures import MEASURES
from server.reports.periods import parse_period, previous_month
from server.sync.push import apply_push
from server.timeutil import iso, utcnow

QUARTER_DAYS = 90
SEED = 2026

# ---------------------------------------------------------------------------------------------
# Who works in each commune. How much each records of what, and how, is declared by each type
# (its `example`, server/forms/declarations.py): volunteers and village staff in their villages,
# the police and the working group for the whole commune.

CASTS = {
    "Phường Quang Trung": ["vol.qt1", "vol.qt2", "vol.qt3", "staff.qt", "police.qt", "admin.qt"],
    "Xã Cẩm Tân": ["vol.ch1", "police.ch", "admin.ch"],
}
# Who reviews the commune's records.
REVIEWER = {"Phường Quang Trung": "police.qt", "Xã Cẩm Tân": "police.ch"}
# Where the one open sync conflict is, waiting for the working group.
CONFLICT_IN = "Phường Quang Trung"
# The volunteer whose queue shows records returned for changes, waiting on them.
RETURNED_TO = {"Phường Quang Trung": "vol.qt1", "Xã Cẩm Tân": "vol.ch1"}

# ---------------------------------------------------------------------------------------------
# People: plausible names, ID numbers, phones.

REJECTIONS = [
    "Trùng với bản ghi đã nhập trước đó của cùng công dân",
    "Công dân không cư trú trên địa bàn, chuyển cho địa phương nơi cư trú",
    "Thông tin không đủ để xác minh",
]


# ---------------------------------------------------------------------------------------------
# The plan: stories of records, pure data.


@dataclass
class Step:
    at: datetime
    username: str
    # "review" (action, comment) or "edit" (changes)
    kind: str
    action: str = None
    comment: str = None
    changes: dict = None


@dataclass
class Story:
    record_id: str
    type: str
    author: str
    village: str
    at: datetime
    data: dict
    steps: list = field(default_factory=list)


def working_days(last_day, days=QUARTER_DAYS):
    """The days of the quarter ending on `last_day`, each with its weight: fewer on Sundays."""
    first = last_day - timedelta(days=days - 1)
    return [
        (first + timedelta(days=n), 0.3 if (first + timedelta(days=n)).weekday() == 6 else 1.0) for n in range(days)
    ]


def at_work(rng, day, earliest_hour=7, latest_hour=20):
    """A moment of the working day in Vietnam, as UTC."""
    local = datetime.combine(day, time(rng.randint(earliest_hour, latest_hour - 1), rng.randint(0, 59)), VIETNAM_TZ)
    return local.astimezone(timezone.utc)


# The types the demo records, in the registry's order: those that declare how.
EXAMPLED = [rt for rt in registry.RECORD_TYPES.values() if rt.example is not None]


def plan_quarter(commune_name, villages, roles, last_day, rng, now):
    """The stories of one commune's quarter. `villages`: the commune's village names;
    `roles`: username -> (role, village names the user works in, empty for the commune's)."""
    days = working_days(last_day)
    slug = "quangtrung" if "Quang Trung" in commune_name else "camtan"
    stories = []
    for username in CASTS[commune_name]:
        role, own_villages = roles[username]
        for rt in EXAMPLED:
            for _ in range(rt.example.per_quarter.get(role, 0)):
                day = rng.choices([d for d, _ in days], [w for _, w in days])[0]
                village = rng.choice(own_villages or villages)
                ctx = Context(day=day, village=village, role=role, commune_slug=slug)
                at = min(at_work(rng, day), now - timedelta(minutes=rng.randint(5, 120)))
                stories.append(
                    Story(str(uuid.UUID(int=rng.getrandbits(128), version=4)), rt.type, username, village, at,
                          rt.example.make(rng, ctx))
                )  # fmt: skip
    stories.sort(key=lambda s: s.at)
    _plan_reviews(commune_name, stories, rng, now)
    _plan_workflows(stories, roles, rng, now)
    for story in stories:
        story.steps.sort(key=lambda s: s.at)
    return stories


def _later(rng, after, now, min_days, max_days):
    """A working moment some days after `after`, or None when that would be after `now`."""
    day = (after.astimezone(VIETNAM_TZ) + timedelta(days=rng.randint(min_days, max_days))).date()
    moment = at_work(rng, day)
    return moment if after < moment < now else None


def _plan_reviews(commune_name, stories, rng, now):
    """The review each record got: none yet for the newest; most older ones approved, some
    returned for changes (and mostly fixed and approved since), a few rejected."""
    reviewer = REVIEWER[commune_name]
    for story in stories:
        age = (now - story.at).days
        if age < 3:
            continue
        roll = rng.random()
        if age < 15 and roll < 0.35:
            continue  # still in the queue
        review_at = _later(rng, story.at, now, 0, 4)
        if review_at is None:
            continue
        if roll > 0.97:
            story.steps.append(Step(review_at, reviewer, "review", "reject", rng.choice(REJECTIONS)))
        elif roll > 0.86 and story.author != reviewer and _remarks(story):
            remark, answer = rng.choice(_remarks(story))
            story.steps.append(Step(review_at, reviewer, "review", "needs_changes", remark))
            fixed_at = _later(rng, review_at, now, 1, 4)
            if fixed_at is not None and rng.random() < 0.75:
                story.steps.append(Step(fixed_at, story.author, "edit", changes=answer(story.data, rng)))
                approved_at = _later(rng, fixed_at, now, 0, 3)
                if approved_at is not None:
                    story.steps.append(Step(approved_at, reviewer, "review", "approve"))
        else:
            story.steps.append(Step(review_at, reviewer, "review", "approve"))
    # Records sent back to one volunteer, waiting on them: the first thing their phone shows.
    volunteer = RETURNED_TO[commune_name]
    waiting = [
        s
        for s in stories
        if s.author == volunteer
        and 3 <= (now - s.at).days <= 20
        and registry.get(s.type).workflow is None  # no status move will put it back in the queue
        and _remarks(s)
    ]
    for story in waiting[-3:]:
        # Its review was this remark, and the volunteer has not answered it yet.
        remark, _ = rng.choice(_remarks(story))
        story.steps = [Step(_later(rng, story.at, now, 1, 2) or now, reviewer, "review", "needs_changes", remark)]


def _remarks(story):
    return registry.get(story.type).example.remarks


def _plan_workflows(stories, roles, rng, now):
    """Each workflow record moved along one of the paths its type declares, by whoever the
    commune has to move it: the oldest take each path in turn, so every state shows; the newest
    is still where it started; the others take one at random."""
    for rt in EXAMPLED:
        if rt.workflow is None or not rt.example.paths:
            continue
        mover = _mover(rt, roles)
        mine = [s for s in stories if s.type == rt.type]
        paths = rt.example.paths
        for index, story in enumerate(mine):
            path = paths[index] if index < len(paths) else rng.choice(paths)
            if index == len(mine) - 1:
                path = ()
            _move(rt, story, path, mover, rng, now)


def _mover(rt, roles):
    """Who moves the type's workflow: one who works on such records only (the Tư pháp - Hộ tịch
    officer on death cases), else one who reviews, of those whose role may move it."""
    allowed = rt.field(rt.workflow.field).editable_by
    movers = [name for name, (role, _) in roles.items() if role in allowed]
    ranked = sorted(
        movers,
        key=lambda name: (
            ROLES[roles[name][0]].reads != WORKFLOW,
            not ROLES[roles[name][0]].can(REVIEW),
        ),
    )
    return ranked[0]


def _move(rt, story, path, username, rng, now):
    at = story.at
    for state in path:
        moved_at = _later(rng, at, now, 2, 8) or _later(rng, at, now, 0, 1)
        if moved_at is None:
            return
        changes = {rt.workflow.field: state}
        if rt.example.on_entering:
            changes.update(rt.example.on_entering(state, rng, moved_at.astimezone(VIETNAM_TZ)))
        story.steps.append(Step(moved_at, username, "edit", changes=changes))
        at = moved_at


# ---------------------------------------------------------------------------------------------
# Writing it, through the record store.


def seed_activity(today=None, seed=SEED):
    """The last quarter's work in each demo commune that has no records yet; returns
    {commune name: records written}. Run after seed_demo (the accounts must exist)."""
    now = utcnow()
    last_day = today or vietnam_today()
    users = {u.username: u for u in db.session.execute(select(User).where(User.username.in_(usernames()))).scalars()}
    written = {}
    for spec in COMMUNES:
        commune = db.session.execute(select(Commune).where(Commune.code == spec["commune"][0])).scalar_one()
        if db.session.execute(select(exists().where(Record.commune_id == commune.id))).scalar():
            continue
        rng = random.Random(f"{seed}:{commune.name}")
        villages = {v.name: v for v in commune.villages}
        roles = {
            u.username: (u.role, [v.name for v in u.villages]) for u in users.values() if u.commune_id == commune.id
        }
        stories = plan_quarter(commune.name, list(villages), roles, last_day, rng, now)
        _write(commune, villages, users, stories)
        _set_targets(commune, villages, users, stories, last_day)
        db.session.commit()
        if commune.name == CONFLICT_IN:
            _open_conflict(commune, users, rng)
        written[commune.name] = len(stories)
    seed_reports(written, last_day)
    return written


# The reports sent to the province: Quang Trung sent the quarter's first month on time and the
# second, which the province returned with a remark; Cẩm Tân sent its first late and has not
# sent its second. The last month is not due yet: nobody has sent it.
REPORTS = {
    "Phường Quang Trung": [(3, 8, None), (2, 12, 2)],
    "Xã Cẩm Tân": [(3, 24, None)],
}  # (months back, days after the month's end it was sent, days after that the province returned it)
RETURN_REMARK = "Đề nghị bổ sung số hồ sơ định danh mức 2 đã tiếp nhận và nêu rõ khó khăn về thiết bị"


def narrative_of(commune_name, period_title):
    return {
        "results": f"{period_title}, {commune_name} tiếp tục hỗ trợ người dân cài đặt, kích hoạt VNeID tại "
        "các thôn và tại Bộ phận một cửa; rà soát các trường hợp chết chưa khai tử; tổ chức tuyên truyền "
        "tại nhà văn hóa các thôn.",
        "difficulties": "Một số thôn sóng điện thoại yếu; nhiều người cao tuổi chưa có điện thoại thông minh.",
        "proposals": "Đề nghị Công an tỉnh hỗ trợ thêm thiết bị đọc chip CCCD cho Công an xã.",
    }


def seed_reports(communes, last_day):
    """The reports of the communes just seeded, sent (and returned) at the moments REPORTS says,
    through the same service as the app. Their figures are the records as they stand now."""
    province_officer = db.session.execute(select(User).where(User.username == PROVINCE_USERS[0][0])).scalar_one()
    for commune_name in communes:
        sender = db.session.execute(select(User).where(User.username == REVIEWER[commune_name])).scalar_one()
        month = previous_month(datetime.combine(last_day, time(12), VIETNAM_TZ))
        months = [month]
        for _ in range(3):
            months.append(previous_month(datetime.combine(months[-1].start, time(12), VIETNAM_TZ)))
        for back, sent_after, returned_after in REPORTS[commune_name]:
            period = months[back - 1]
            sent_at = datetime.combine(period.end + timedelta(days=sent_after), time(9, 30), VIETNAM_TZ)
            document = submissions.submit_report(
                sender, period.name, narrative_of(commune_name, submissions.period_title(period)), now=sent_at
            )
            if returned_after is not None:
                submissions.return_submission(
                    province_officer, document["id"], RETURN_REMARK, now=sent_at + timedelta(days=returned_after)
                )
        db.session.commit()


def _devices(stories, users, since):
    """Each person's phone (or the desk's computer), made at the start of the quarter."""
    devices = {}
    for username in {s.author for s in stories} | {step.username for s in stories for step in s.steps}:
        user = users[username]
        device = db.session.execute(select(Device).where(Device.user_id == user.id)).scalars().first()
        if device is None:
            device = Device(id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"sotay-demo:{username}")), user_id=user.id,
                            name=f"Điện thoại của {user.full_name}", app_version="demo", created_at=since)  # fmt: skip
            db.session.add(device)
        devices[username] = device
    db.session.flush()
    return devices


def _write(commune, villages, users, stories):
    """Every story's versions, each checked as a change by its author, written in one go."""
    devices = _devices(stories, users, min(s.at for s in stories) - timedelta(days=1))
    rows, versions = [], []
    store.begin_write()
    for story in stories:
        author = users[story.author]
        record_type = registry.get(story.type)
        device_id = devices[story.author].id
        received = story.at + timedelta(minutes=5)
        row = store.new_record_row(
            record_id=story.record_id,
            record_type=story.type,
            commune_id=commune.id,
            village_id=villages[story.village].id,
            user_id=author.id,
            device_id=device_id,
            now=received,
            client_time=iso(story.at),
        )
        clean = record_changes.checked_data(author, record_type, None, story.data)
        versions.append(
            store.new_version(row, action="create", user_id=author.id, now=received, data=clean,
                              changed=clean.keys(), device_id=device_id)
        )  # fmt: skip
        for step in story.steps:
            user = users[step.username]
            if step.kind == "review":
                new_state = workflow.review_outcome(row["review_state"], step.action)
                assert new_state is not None, (story.record_id, row["review_state"], step.action)
                versions.append(
                    store.new_version(row, action="review", user_id=user.id, now=step.at, review_state=new_state,
                                      review_comment=step.comment)
                )  # fmt: skip
                row["reviewed_by"], row["reviewed_at"] = user.id, step.at
            else:
                clean = record_changes.checked_data(user, record_type, row["data"], {**row["data"], **step.changes})
                versions.append(
                    store.new_version(
                        row,
                        action="update",
                        user_id=user.id,
                        now=step.at,
                        data=clean,
                        changed=[k for k in step.changes if row["data"].get(k) != clean.get(k)],
                        device_id=devices[step.username].id,
                        review_state=workflow.state_after_edit(row["review_state"]),
                        review_comment=row["review_comment"],
                    )
                )
        rows.append(row)
    store.save(created=rows, versions=versions)
    for username, device in devices.items():
        device.last_seen_at = device.last_sync_at = max(
            (s.at for s in stories if s.author == username), default=device.created_at
        )


def _set_targets(commune, villages, users, stories, last_day):
    """The year's targets the working group set in January, for each headline measure: a little
    above four such quarters (all of it for a share); and the first one's split among the villages."""
    year = parse_period(str(last_day.year))
    admin = next(u for u in users.values() if u.commune_id == commune.id and u.role == COMMUNE_ADMINISTRATOR)
    recorded = Counter(s.type for s in stories)
    wanted = []
    for key, measure in MEASURES.items():
        if not measure.declared.headline:
            continue
        if measure.unit == "percent":
            wanted.append((None, key, 100))
            continue
        value = _tens(recorded[measure.record_type.type] * 4 * 1.2)
        if not wanted:
            wanted += [(village.id, key, _tens(value / len(villages))) for village in villages.values()]
        wanted.append((None, key, value))
    for village_id, measure, value in wanted:
        db.session.add(
            Target(commune_id=commune.id, village_id=village_id, measure=measure, period=year.name,
                   period_start=year.start, period_end=year.end, value=value, updated_by=admin.id)
        )  # fmt: skip


def _tens(value):
    return max(10, -(-int(value) // 10) * 10)


def _open_conflict(commune, users, rng):
    """One conflict, opened as it happens: the police and a volunteer, each from their own device,
    change the same field of the volunteer's record the same way a reviewer's remark would have
    it changed (the police phoning the citizen; the volunteer, offline, told by the citizen)."""
    volunteer = users[RETURNED_TO[commune.name]]
    police = users[REVIEWER[commune.name]]
    candidates = db.session.execute(
        select(Record)
        .where(Record.commune_id == commune.id, Record.created_by == volunteer.id, Record.review_state == "submitted")
        .order_by(Record.created_at.desc())
    ).scalars()
    devices = {d.user_id: d for d in db.session.execute(select(Device).where(Device.user_id.in_([volunteer.id, police.id]))).scalars()}  # fmt: skip
    for record in candidates:
        rt = registry.get(record.type)
        if rt.workflow is not None or not rt.example.remarks:
            continue
        _, answer = rt.example.remarks[0]
        changes = [answer(record.data, rng) for _ in (police, volunteer)]
        if changes[0] == changes[1]:
            continue  # the same change from both sides merges: no conflict
        base = record.version  # both edit the version they saw
        for user, change in zip((police, volunteer), changes, strict=True):
            device = devices[user.id]
            mutation = {
                "mutation_id": device.last_mutation_id + 1,
                "op": "update",
                "record_id": record.id,
                "base_version": base,
                "data": change,
            }
            apply_push(user, device, [mutation])
            db.session.commit()
        return
