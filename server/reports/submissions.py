"""Reports sent upward (PROTOCOL.md §10a): a commune closes a period and sends its report to the
province; the province follows its communes, returns a report for correction, compares them.

A submission's figures are worked out once, when the commune sends it, and stored with the
version (DESIGN.md decision 14): records changed later never change a report already sent. The
roll-up is the opposite, live figures for every commune of the province (rollup.py); the files
are in upward_files.py and the reminders before a due date in reminders.py.

Who sees what: a commune's own reports for its police, admin and leader; every commune of the
province for the province's roles; anything else does not exist for the caller (404).
"""

import calendar
import uuid
from datetime import date

from sqlalchemy import select

from server import roles
from server.audit import write_audit
from server.errors import (
    ALREADY_RETURNED,
    ALREADY_SUBMITTED,
    FORBIDDEN,
    NOT_FOUND,
    PERIOD_NOT_ENDED,
    VALIDATION_FAILED,
)
from server.extensions import db
from server.forms.registry import RECORD_TYPES
from server.models import Commune, Province, User, Village
from server.models.submissions import ReportDeadline, Submission, SubmissionVersion
from server.push import service as push
from server.reports import measures, queries, service
from server.reports.periods import (
    EARLIEST,
    Period,
    PeriodError,
    dmy,
    is_range,
    parse_period,
    previous_month,
    today_local,
)
from server.timeutil import iso, utcnow

DEFAULT_DUE_DAY = 20
NARRATIVE_MAX = 5000
NARRATIVE_PARTS = ("results", "difficulties", "proposals")
NARRATIVE_LABELS = {"results": "Kết quả", "difficulties": "Khó khăn, vướng mắc", "proposals": "Đề xuất, kiến nghị"}
SUBMITTED, RETURNED, MISSING = "submitted", "returned", "missing"
# Who reads a commune's reports besides the province: those who send them and those who follow
# the whole commune's figures and targets (police, admin, the commune's leaders). Village staff
# see their own villages' figures only, so not the commune's report.
COMMUNE_READERS = (roles.SUBMIT_REPORTS, roles.TARGETS)
SUBMISSION_URL = "/#/reports/submissions/{}"
REMINDER_KIND = "report_reminder"
RETURNED_KIND = "report_returned"


# --------------------------------------------------------------------------------------------
# Periods and due dates


def report_period(text):
    """The period a report may be sent for: a month, quarter, half year or year that has ended
    (Vietnam's calendar); 422 otherwise."""
    try:
        period = parse_period(text)
    except PeriodError as err:
        raise VALIDATION_FAILED(fields={"period": [str(err)]}) from None
    if is_range(period):
        raise VALIDATION_FAILED(
            fields={"period": ["Báo cáo gửi theo tháng, quý, 6 tháng hoặc năm (2026-11, 2026-Q4, 2026-H1, 2026)"]}
        )
    return period


def named_period(text, field="period"):
    """A month, quarter, half year or year by name (not yet ended is fine): 422 otherwise."""
    try:
        period = parse_period(text)
    except PeriodError as err:
        raise VALIDATION_FAILED(fields={field: [str(err)]}) from None
    if is_range(period):
        raise VALIDATION_FAILED(fields={field: ["Dùng tháng, quý, 6 tháng hoặc năm (2026-11, 2026-Q4, 2026-H1, 2026)"]})
    return period


def _day_of_next_month(last_day, day):
    year, month = (last_day.year + 1, 1) if last_day.month == 12 else (last_day.year, last_day.month + 1)
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def due_date(province, period, deadlines=None):
    """When a commune's report of the period is due: the date the province set for that period,
    else its usual day of the month after the period ends (the 20th with no province)."""
    if province is None:
        return _day_of_next_month(period.end, DEFAULT_DUE_DAY)
    if deadlines is None:
        deadline = db.session.get(ReportDeadline, (province.id, period.name))
        set_date = deadline.due_date if deadline else None
    else:
        set_date = deadlines.get(period.name)
    return set_date or _day_of_next_month(period.end, province.report_due_day)


# --------------------------------------------------------------------------------------------
# Who sees what


def _reads_commune_reports(user):
    role = roles.role_of(user)
    return role.tier == roles.COMMUNE_TIER and any(role.can(p) for p in COMMUNE_READERS)


def _follows(user):
    return roles.role_of(user).can(roles.FOLLOW_COMMUNES) and user.province_id is not None


def visible_submission(user, submission_id):
    """The submission if the caller may read it; 404 otherwise (whether or not it exists)."""
    submission = db.session.get(Submission, submission_id) if isinstance(submission_id, str) else None
    if submission is not None:
        if _reads_commune_reports(user) and submission.commune_id == user.commune_id:
            return submission
        if _follows(user) and submission.commune.province_id == user.province_id:
            return submission
    raise NOT_FOUND("Không tìm thấy báo cáo")


def province_commune(user, commune_id):
    """A commune of the caller's province; 404 for any other."""
    commune = db.session.get(Commune, commune_id) if commune_id is not None else None
    if commune is None or user.province_id is None or commune.province_id != user.province_id:
        raise NOT_FOUND("Không tìm thấy xã")
    return commune


# --------------------------------------------------------------------------------------------
# Frozen figures


def frozen_figures(commune, period):
    """What the report says in numbers, as the progress document has it for the whole commune
    (without the trend), and the difficulties still to be dealt with."""
    document = service.progress_document(service.commune_scope(commune), period, measures.DEFAULT_COUNT_RULE)
    document.pop("trend", None)
    document["difficulties"] = difficulties(commune, period)
    return document


def _public_fields(rt):
    """The fields of a type that name nobody: not the person's name, id or phone, nor a field
    its declaration marks personal."""
    hidden = {rt.name_field, rt.personal_id_field}
    return [
        f
        for f in rt.fields
        if f.name not in hidden and f.kind not in ("personal_id", "phone") and not getattr(f, "personal", False)
    ]


def difficulties(commune, period):
    """The records of every type declared `carried_upward` (the difficulties) still in one of the
    states it declares at the end of the period, whenever they were noted (one noted in
    September and still open goes with October's report too): [{type, village, fields}]."""
    found = []
    until_its_end = Period(period.name, EARLIEST, period.end)
    for rt in RECORD_TYPES.values():
        if not rt.carried_upward:
            continue
        scope = queries.R.c.commune_id == commune.id
        rows = db.session.execute(
            select(queries.R.c.village_id, Village.name, queries.R.c.data)
            .join(Village, Village.id == queries.R.c.village_id)
            .where(*queries.conditions(scope, rt, ("submitted", "approved"), until_its_end))
            .order_by(queries.R.c.created_at, queries.R.c.id)
        ).all()
        state = rt.field(rt.workflow.field)
        shown = _public_fields(rt)
        for _, village_name, data in rows:
            data = data if isinstance(data, dict) else {}
            if data.get(state.name, state.default) not in rt.carried_upward:
                continue
            found.append(
                {
                    "type": rt.type,
                    "village": village_name,
                    "fields": {f.name: data[f.name] for f in shown if data.get(f.name) is not None},
                }
            )
    return found


# --------------------------------------------------------------------------------------------
# Sending, reading, returning


def submit_report(user, period_text, narrative, now=None):
    """Send the commune's report of an ended period: a new submission, or version + 1 of one the
    province returned. The route commits. `now`: when it is sent, if not this moment (the demo
    writes a quarter's reports as they were sent)."""
    period = report_period(period_text)
    now = now or utcnow()
    today = today_local(now)
    if period.end >= today:
        raise PERIOD_NOT_ENDED(f"Kỳ {period.name} kết thúc ngày {dmy(period.end)}; gửi báo cáo từ ngày hôm sau")
    commune = db.session.get(Commune, user.commune_id)
    submission = db.session.execute(
        select(Submission).where(Submission.commune_id == commune.id, Submission.period == period.name)
    ).scalar_one_or_none()
    if submission is not None and submission.status == SUBMITTED:
        raise ALREADY_SUBMITTED()
    due = due_date(commune.province, period)
    if submission is None:
        submission = Submission(
            id=str(uuid.uuid4()),
            commune_id=commune.id,
            period=period.name,
            period_start=period.start,
            period_end=period.end,
            version=0,
            status=SUBMITTED,
        )
        db.session.add(submission)
    submission.version += 1
    submission.status = SUBMITTED
    version = SubmissionVersion(
        submission=submission,
        version=submission.version,
        submitted_at=now,
        submitted_by=user.id,
        due_date=due,
        late=today > due,
        figures=frozen_figures(commune, period),
        narrative=narrative,
    )
    db.session.add(version)
    db.session.flush()
    write_audit(
        "report.submit",
        user=user,
        target=("submission", submission.id),
        details={"period": period.name, "version": submission.version, "late": version.late},
    )
    return submission_document(submission, version)


def current_version(submission, number=None):
    number = submission.version if number is None else number
    found = next((v for v in submission.versions if v.version == number), None)
    if found is None:
        raise NOT_FOUND("Không có lần gửi này của báo cáo")
    return found


def names_of(*user_ids):
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def submission_document(submission, version, with_figures=True):
    names = names_of(version.submitted_by, version.returned_by)
    document = {
        "id": submission.id,
        "commune_id": submission.commune_id,
        "commune_name": submission.commune.name,
        "period": submission.period,
        "period_start": submission.period_start.isoformat(),
        "period_end": submission.period_end.isoformat(),
        "version": version.version,
        # An earlier version was returned (or it would not have been followed by another).
        "status": submission.status if version.version == submission.version else RETURNED,
        "submitted_at": iso(version.submitted_at),
        "submitted_by": version.submitted_by,
        "submitted_by_name": names.get(version.submitted_by),
        "due_date": version.due_date.isoformat(),
        "late": version.late,
        "narrative": version.narrative,
        "return_comment": version.return_comment,
        "returned_at": iso(version.returned_at) if version.returned_at else None,
        "returned_by_name": names.get(version.returned_by),
        "versions": [
            {
                "version": v.version,
                "submitted_at": iso(v.submitted_at),
                "late": v.late,
                "returned_at": iso(v.returned_at) if v.returned_at else None,
                "return_comment": v.return_comment,
            }
            for v in submission.versions
        ],
    }
    if with_figures:
        document["figures"] = version.figures
    return document


def read_submission(user, submission_id, version=None):
    submission = visible_submission(user, submission_id)
    return submission_document(submission, current_version(submission, version))


def return_submission(user, submission_id, comment, now=None):
    """The province sends the report back for correction; the commune's police and admin hear of
    it. The route commits (and the notifications go out after). `now` as for submit_report."""
    submission = visible_submission(user, submission_id)
    if not _follows(user):
        raise NOT_FOUND("Không tìm thấy báo cáo")
    if submission.status == RETURNED:
        raise ALREADY_RETURNED()
    version = current_version(submission)
    version.returned_at, version.returned_by, version.return_comment = now or utcnow(), user.id, comment
    submission.status = RETURNED
    db.session.flush()
    write_audit(
        "report.return",
        user=user,
        commune_id=submission.commune_id,
        target=("submission", submission.id),
        details={"period": submission.period, "version": version.version},
    )
    recipients = senders_of([submission.commune_id]).get(submission.commune_id, [])
    body = f"{period_title(parse_period(submission.period))}: {push.shorten(comment, push.COMMENT_MAX)}"
    push.queue_for_users(
        [
            (
                user_id,
                push.payload(
                    RETURNED_KIND,
                    "Tỉnh trả lại báo cáo",
                    body,
                    SUBMISSION_URL.format(submission.id),
                    submission_id=submission.id,
                ),
            )
            for user_id in recipients
        ]
    )
    return submission_document(submission, version)


def senders_of(commune_ids):
    """{commune id: [user ids]} of the active users who send each commune's report."""
    rows = db.session.execute(
        select(User.commune_id, User.id)
        .where(
            User.commune_id.in_(commune_ids),
            User.role.in_(roles.with_power(roles.SUBMIT_REPORTS)),
            User.active.is_(True),
        )
        .order_by(User.id)
    )
    found = {}
    for commune_id, user_id in rows:
        found.setdefault(commune_id, []).append(user_id)
    return found


def period_title(period):
    """How a report names its period: tháng 11/2026, quý 4/2026, 6 tháng đầu năm 2026, năm 2026."""
    name = period.name
    if "-Q" in name:
        return f"Báo cáo quý {name[-1]}/{name[:4]}"
    if "-H" in name:
        return f"Báo cáo 6 tháng {'đầu' if name.endswith('1') else 'cuối'} năm {name[:4]}"
    if len(name) == 4:
        return f"Báo cáo năm {name}"
    if len(name) == 7:
        return f"Báo cáo tháng {name[5:]}/{name[:4]}"
    return f"Báo cáo từ {dmy(period.start)} đến {dmy(period.end)}"


# --------------------------------------------------------------------------------------------
# Lists


def list_submissions(user, period_text=None):
    if _follows(user):
        return province_board(user, period_text)
    if not _reads_commune_reports(user):
        raise FORBIDDEN("Vai trò của bạn không xem được báo cáo gửi tỉnh")
    statement = select(Submission).where(Submission.commune_id == user.commune_id)
    if period_text is not None:
        statement = statement.where(Submission.period == named_period(period_text).name)
    submissions = db.session.execute(
        statement.order_by(Submission.period_end.desc(), Submission.period_start.desc())
    ).scalars()
    return {"items": [submission_document(s, current_version(s), with_figures=False) for s in submissions]}


def board_period(period_text):
    return named_period(period_text) if period_text is not None else previous_month()


def commune_statuses(province, period):
    """[(commune, submission or None, current version or None)] for the province's communes, by name."""
    communes = db.session.execute(
        select(Commune).where(Commune.province_id == province.id).order_by(Commune.name, Commune.id)
    ).scalars()
    communes = list(communes)
    submissions = {
        s.commune_id: s
        for s in db.session.execute(
            select(Submission).where(
                Submission.commune_id.in_([c.id for c in communes]), Submission.period == period.name
            )
        ).scalars()
    }
    versions = {}
    if submissions:
        rows = db.session.execute(
            select(SubmissionVersion)
            .join(Submission)
            .where(
                Submission.id.in_([s.id for s in submissions.values()]),
                SubmissionVersion.version == Submission.version,
            )
        ).scalars()
        versions = {v.submission_id: v for v in rows}
    return [
        (c, submissions.get(c.id), versions.get(submissions[c.id].id) if c.id in submissions else None)
        for c in communes
    ]


def row_status(submission, version, due, today):
    """status and late of one commune's report: a report not in (missing, or returned and not
    sent again) is late once its due date has passed; one that is in, as it was sent."""
    if submission is None:
        return MISSING, today > due
    if submission.status == RETURNED:
        return RETURNED, today > due
    return SUBMITTED, bool(version.late)


def province_board(user, period_text=None):
    province = db.session.get(Province, user.province_id)
    period = board_period(period_text)
    today = today_local()
    due = due_date(province, period)
    items = []
    for commune, submission, version in commune_statuses(province, period):
        status, late = row_status(submission, version, due, today)
        items.append(
            {
                "commune_id": commune.id,
                "commune_name": commune.name,
                "commune_code": commune.code,
                "status": status,
                "late": late,
                "submission_id": submission.id if submission else None,
                "version": submission.version if submission else None,
                "submitted_at": iso(version.submitted_at) if version else None,
                "due_date": (version.due_date if version else due).isoformat(),
            }
        )
    return {"period": period.name, "due_date": due.isoformat(), "items": items}
