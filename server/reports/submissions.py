"""Reports sent upward (PROTOCOL.md §10a): a commune closes a period and sends its report to the
province; the province follows its communes, returns a report for correction, compares them.

A submission's figures are worked out once, when the commune sends it, and stored with the
version (DESIGN.md decision 14): records changed later never change a report already sent. The
roll-up is the opposite, live figures for every commune of the province from one grouped query.

Who sees what: a commune's own reports for its police, admin and leader; every commune of the
province for the province's roles; anything else does not exist for the caller (404).
"""

import calendar
import os
import tempfile
import uuid
from collections import Counter
from datetime import date, timedelta

from openpyxl import Workbook
from sqlalchemy import and_, select

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
from server.models import Commune, Province, Target, User, Village
from server.models.submissions import ProvinceTarget, ReportDeadline, Submission, SubmissionVersion
from server.push import service as push
from server.reports import export, measures, queries, service
from server.reports.periods import (
    EARLIEST,
    Period,
    PeriodError,
    dmy,
    is_range,
    local_date,
    local_midnight_utc,
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


def _version(submission, number=None):
    number = submission.version if number is None else number
    found = next((v for v in submission.versions if v.version == number), None)
    if found is None:
        raise NOT_FOUND("Không có lần gửi này của báo cáo")
    return found


def _names(*user_ids):
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def submission_document(submission, version, with_figures=True):
    names = _names(version.submitted_by, version.returned_by)
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
    return submission_document(submission, _version(submission, version))


def return_submission(user, submission_id, comment, now=None):
    """The province sends the report back for correction; the commune's police and admin hear of
    it. The route commits (and the notifications go out after). `now` as for submit_report."""
    submission = visible_submission(user, submission_id)
    if not _follows(user):
        raise NOT_FOUND("Không tìm thấy báo cáo")
    if submission.status == RETURNED:
        raise ALREADY_RETURNED()
    version = _version(submission)
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
    recipients = _senders_of([submission.commune_id]).get(submission.commune_id, [])
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


def _senders_of(commune_ids):
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
    return {"items": [submission_document(s, _version(s), with_figures=False) for s in submissions]}


def _board_period(period_text):
    return named_period(period_text) if period_text is not None else previous_month()


def _statuses(province, period):
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


def _row_status(submission, version, due, today):
    """status and late of one commune's report: a report not in (missing, or returned and not
    sent again) is late once its due date has passed; one that is in, as it was sent."""
    if submission is None:
        return MISSING, today > due
    if submission.status == RETURNED:
        return RETURNED, today > due
    return SUBMITTED, bool(version.late)


def province_board(user, period_text=None):
    province = db.session.get(Province, user.province_id)
    period = _board_period(period_text)
    today = today_local()
    due = due_date(province, period)
    items = []
    for commune, submission, version in _statuses(province, period):
        status, late = _row_status(submission, version, due, today)
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


# --------------------------------------------------------------------------------------------
# The roll-up: live figures of every commune of the province


def _headline():
    return next((m for m in measures.MEASURES.values() if m.declared.headline), next(iter(measures.MEASURES.values())))


def _covering(rows, period):
    """Of targets (start, end, value) the one for the period: its own, else the shortest that
    covers it; None when none does."""
    covering = [r for r in rows if r[0] <= period.start and r[1] >= period.end]
    return min(covering, key=lambda r: (r[1] - r[0], r[0])) if covering else None


def rollup(user, period_text=None):
    province = db.session.get(Province, user.province_id)
    period = _board_period(period_text)
    today = today_local()
    due = due_date(province, period)
    statuses = _statuses(province, period)
    commune_ids = [c.id for c, _, _ in statuses]
    states = measures.COUNT_RULES[measures.DEFAULT_COUNT_RULE]
    scope = queries.R.c.commune_id.in_(commune_ids)

    def by_commune():
        return queries.R.c.commune_id

    # One grouped query for every commune of the province (grouped by commune, type and the
    # fields measures read), however many communes and records.
    per_commune = queries.figures(scope, states, period, key=by_commune, breakdowns=False) if commune_ids else {}
    commune_targets = {}
    for target in db.session.execute(
        select(Target).where(
            Target.commune_id.in_(commune_ids),
            Target.village_id.is_(None),
            Target.period_start <= period.start,
            Target.period_end >= period.end,
        )
    ).scalars():
        commune_targets.setdefault((target.commune_id, target.measure), []).append(
            (target.period_start, target.period_end, target.value)
        )
    chosen = {key: _covering(rows, period) for key, rows in commune_targets.items()}
    province_rows = {}
    for target in db.session.execute(
        select(ProvinceTarget).where(
            ProvinceTarget.province_id == province.id,
            ProvinceTarget.period_start <= period.start,
            ProvinceTarget.period_end >= period.end,
        )
    ).scalars():
        province_rows.setdefault(target.measure, []).append((target.period_start, target.period_end, target.value))

    headline = _headline()
    # A target of a longer period (the year's, seen in November) is measured from its own start
    # to the end of the period: one grouped query per distinct span, never one per commune.
    spans = {(r[0], period.end) for (cid, key), r in chosen.items() if key == headline.key and r is not None}
    span_figures = {
        span: (
            per_commune
            if span == (period.start, period.end)
            else queries.figures(scope, states, Period("", *span), key=by_commune, breakdowns=False)
        )
        for span in spans
    }

    rows = []
    for commune, submission, version in statuses:
        figures = per_commune.get(commune.id, Counter())
        status, late = _row_status(submission, version, due, today)
        targets = {key: (chosen.get((commune.id, key)) or (None, None, None))[2] for key in measures.MEASURES}
        share = None
        target = chosen.get((commune.id, headline.key))
        if target is not None and target[2]:
            counted = span_figures[(target[0], period.end)].get(commune.id, Counter())
            actual = measures.value(counted, headline)
            share = measures.percent(actual, target[2]) if actual is not None else None
        rows.append(
            {
                "commune_id": commune.id,
                "commune_name": commune.name,
                "commune_code": commune.code,
                "status": status,
                "late": late,
                "measures": measures.measures_of(figures),
                "targets": targets,
                "share_of_target": share,
            }
        )
    rows.sort(key=lambda r: (r["share_of_target"] is None, -(r["share_of_target"] or 0), r["commune_name"]))
    total = measures.merged(per_commune.get(cid, Counter()) for cid in commune_ids)
    totals = measures.measures_of(total)
    return {
        "period": period.name,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "province": {"id": province.id, "name": province.name},
        "due_date": due.isoformat(),
        "headline": headline.key,
        "measures": [
            {
                **m.document(),
                "value": totals[key],
                "target": (_covering(province_rows.get(key, []), period) or (None, None, None))[2],
            }
            for key, m in measures.MEASURES.items()
        ],
        "communes": rows,
    }


# --------------------------------------------------------------------------------------------
# Files


STATUS_LABELS = {SUBMITTED: "Đã gửi", RETURNED: "Bị trả lại", MISSING: "Chưa gửi"}


def _save(rows, sheet_title, name):
    handle, path = tempfile.mkstemp(prefix="bao-cao-", suffix=".xlsx")
    os.close(handle)
    try:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(sheet_title)
        for row in rows:
            sheet.append(export._xlsx_row(sheet, row))
        workbook.save(path)
    except BaseException:
        os.unlink(path)
        raise
    return service.ExportFile(name, export.XLSX_MIMETYPE, path=path)


def export_submission(user, submission_id, version_number=None):
    """The report as it was sent (that version), as XLSX; the export is audited."""
    submission = visible_submission(user, submission_id)
    version = _version(submission, version_number)
    period = parse_period(submission.period)
    names = _names(version.submitted_by)
    rows = [
        [period_title(period).upper()],
        [submission.commune.name],
        [f"Lần gửi {version.version}"],
        [f"Ngày gửi: {dmy(local_date(version.submitted_at))}" + (f" — {names[version.submitted_by]}" if names else "")],
        [f"Hạn nộp: {dmy(version.due_date)}" + (" — Nộp muộn" if version.late else " — Đúng hạn")],
    ]
    if version.returned_at:
        rows.append([f"Tỉnh trả lại ngày {dmy(local_date(version.returned_at))}: {version.return_comment or ''}"])
    for part in NARRATIVE_PARTS:
        rows += [[], [NARRATIVE_LABELS[part]], [(version.narrative or {}).get(part) or ""]]
    rows.append([])
    rows += export.summary_rows(version.figures)
    found = version.figures.get("difficulties") or []
    if found:
        rows += [[], ["KHÓ KHĂN, VƯỚNG MẮC ĐANG TỒN TẠI"], ["Loại", "Thôn", "Nội dung"]]
        for item in found:
            rt = RECORD_TYPES.get(item["type"])
            label = rt.label.vi if rt else item["type"]
            text = "; ".join(f"{_field_label(rt, k)}: {v}" for k, v in item["fields"].items())
            rows.append([label, item["village"], text])
    result = _save(rows, "Báo cáo", f"bao-cao-{submission.period}-lan-{version.version}.xlsx")
    write_audit(
        "report.submission_export",
        user=user,
        commune_id=submission.commune_id,
        target=("submission", submission.id),
        details={"period": submission.period, "version": version.version},
    )
    return result


def _field_label(rt, name):
    try:
        return rt.field(name).label.vi
    except (AttributeError, KeyError):
        return name


def export_rollup(user, period_text=None):
    """The roll-up as XLSX: one row per commune, the province's totals and targets; audited."""
    document = rollup(user, period_text)
    keys = [m["key"] for m in document["measures"]]
    labels = {m["key"]: m["label"]["vi"] for m in document["measures"]}
    headline = document["headline"]
    rows = [
        ["TỔNG HỢP KẾT QUẢ THỰC HIỆN ĐỀ ÁN 06 CỦA CÁC XÃ"],
        [document["province"]["name"]],
        [
            f"Kỳ {document['period']}: từ ngày {dmy(date.fromisoformat(document['from']))} "
            f"đến ngày {dmy(date.fromisoformat(document['to']))}"
        ],
        [f"Hạn nộp báo cáo: {dmy(date.fromisoformat(document['due_date']))}"],
        [f"Ngày lập: {dmy(today_local())}"],
        [],
        [
            "STT",
            "Mã xã",
            "Xã",
            "Tình trạng báo cáo",
            "Nộp muộn",
            *(labels[k] for k in keys),
            f"Chỉ tiêu: {labels[headline]}",
            "Tỷ lệ đạt chỉ tiêu (%)",
        ],
    ]
    for number, row in enumerate(document["communes"], start=1):
        rows.append(
            [
                number,
                row["commune_code"],
                row["commune_name"],
                STATUS_LABELS[row["status"]],
                "Có" if row["late"] else "Không",
                *(row["measures"][k] for k in keys),
                row["targets"][headline],
                row["share_of_target"],
            ]
        )
    province_target = next(m["target"] for m in document["measures"] if m["key"] == headline)
    rows.append(["", "", "Toàn tỉnh", "", "", *(m["value"] for m in document["measures"]), province_target, None])
    result = _save(rows, "Tổng hợp", f"tong-hop-{document['period']}.xlsx")
    write_audit(
        "report.rollup_export",
        user=user,
        target=("province", document["province"]["id"]),
        details={"period": document["period"]},
    )
    return result


# --------------------------------------------------------------------------------------------
# Reminders


def queue_reminders(days=3, now=None):
    """Remind the police and admin of every commune whose report of the period just ended is not
    in and falls due within `days` days (or today): one notification per commune, period and day,
    so running it again the same day queues nothing more. Returns {commune name: period}."""
    now = now or utcnow()
    today = today_local(now)
    last_month = previous_month(now)
    ended = [last_month] + [
        p for p in (_named_for(last_month.end, kind) for kind in ("quarter", "half", "year")) if p is not None
    ]
    communes = db.session.execute(select(Commune).order_by(Commune.id)).scalars().all()
    submitted = set(
        db.session.execute(
            select(Submission.commune_id, Submission.period).where(
                Submission.period.in_([p.name for p in ended]), Submission.status == SUBMITTED
            )
        ).all()
    )
    senders = _senders_of([c.id for c in communes])
    already = _reminded_today(today)
    deadlines = {}  # province id -> {period: the date it set}
    chosen = select(ReportDeadline).where(ReportDeadline.period.in_([p.name for p in ended]))
    for deadline in db.session.execute(chosen).scalars():
        deadlines.setdefault(deadline.province_id, {})[deadline.period] = deadline.due_date
    provinces = {p.id: p for p in db.session.execute(select(Province)).scalars()}
    notifications, reminded = [], {}
    for commune in communes:
        province = provinces.get(commune.province_id)
        for period in ended:
            if (commune.id, period.name) in submitted or (commune.id, period.name) in already:
                continue
            due = due_date(province, period, deadlines.get(commune.province_id, {}))
            if not (today <= due <= today + timedelta(days=days)):
                continue
            body = f"{period_title(period)} hạn nộp {dmy(due)}"
            for user_id in senders.get(commune.id, []):
                notifications.append(
                    (
                        user_id,
                        push.payload(
                            REMINDER_KIND,
                            "Nhắc nộp báo cáo",
                            body,
                            "/#/reports/submissions",
                            commune_id=commune.id,
                            period=period.name,
                        ),
                    )
                )
            reminded[commune.name] = period.name
    push.queue_for_users(notifications, now)
    return reminded


def _named_for(last_day, kind):
    """The quarter, half year or year that ends on `last_day`, if one does."""
    month = last_day.month
    if kind == "quarter" and month % 3 == 0:
        return parse_period(f"{last_day.year}-Q{month // 3}")
    if kind == "half" and month % 6 == 0:
        return parse_period(f"{last_day.year}-H{month // 6}")
    if kind == "year" and month == 12:
        return parse_period(f"{last_day.year}")
    return None


def _reminded_today(today):
    """(commune id, period) already reminded today (Vietnam's day)."""
    rows = db.session.execute(
        select(push.NOTIFICATIONS.c.payload).where(
            and_(
                push.NOTIFICATIONS.c.kind == REMINDER_KIND,
                push.NOTIFICATIONS.c.created_at >= local_midnight_utc(today),
            )
        )
    ).scalars()
    return {(p.get("commune_id"), p.get("period")) for p in rows if isinstance(p, dict)}
