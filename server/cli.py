"""Commands: seed-demo, load-places, create-user, vapid-keys, push-send, push-digest, report-reminders,
verify-history, report, backup, restore (flask --app wsgi ...)."""

import shutil
import time
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from server import roles
from server.auth.passwords import hash_password
from server.extensions import db
from server.demo import seed_demo, usernames
from server.models import Commune, User
from server.places import (
    communes_named,
    official_communes_named,
    open_official_commune,
    provinces_named,
    village_named,
)
from server.places.official import OfficialListError, load_official_places
from server.records.integrity import broken_chains
from server.reports.export import CSV_TYPES
from server.reports.measures import COUNT_RULES, DEFAULT_COUNT_RULE
from server.reports.periods import PeriodError, parse_period, previous_month
from server.reports.service import build_export, commune_scope
from server.secrets import generate_vapid_keys, store_secret


def write_report_file(
    commune_name, month=None, period=None, fmt="xlsx", record_type="summary", count_rule=DEFAULT_COUNT_RULE, output=None
):
    """The periodic report of a commune written to a file, as GET /reports/export makes it."""
    communes = communes_named(commune_name)
    if len(communes) != 1:
        raise click.ClickException(
            f"Không tìm thấy xã {commune_name}" if not communes else f"Có {len(communes)} xã tên {commune_name}"
        )
    if month and period:
        raise click.ClickException("Dùng --month hoặc --period, không dùng cả hai")
    try:
        report_period = parse_period(month or period) if (month or period) else previous_month()
        if month and report_period.name != month:
            raise PeriodError("--month phải có dạng YYYY-MM")
    except PeriodError as err:
        raise click.ClickException(str(err)) from None
    result = build_export(commune_scope(communes[0]), report_period, fmt, record_type, count_rule, via="cli")
    target = Path(output or result.filename)
    if result.path:
        shutil.move(result.path, target)
    else:
        with open(target, "wb") as out:
            for chunk in result.chunks:
                out.write(chunk)
    db.session.commit()  # the audit entry
    return target


def _province_named(name):
    found = provinces_named(name)
    if len(found) > 1:
        raise click.ClickException(f"Có {len(found)} tỉnh tên {name}: dùng mã tỉnh")
    if not found:
        raise click.ClickException(
            f"Không có tỉnh {name}: nạp danh sách chính thức (make places) hoặc mở một xã của tỉnh"
        )
    return found[0]


def _commune_named(name):
    """The commune meant: one the app has, or else one of the official list opened now, or else a
    commune of that name made without a code (a deployment without the list)."""
    found = communes_named(name)
    if not found:
        found = [open_official_commune(place) for place in _one_or_none(official_communes_named(name), name)]
    if len(found) > 1:
        raise click.ClickException(f"Có {len(found)} xã tên {name}: dùng mã xã")
    if found:
        return found[0]
    commune = Commune(name=" ".join(name.split()))
    db.session.add(commune)
    db.session.flush()
    return commune


def _one_or_none(found, name):
    if len(found) > 1:
        raise click.ClickException(f"Có {len(found)} xã tên {name} trong danh sách chính thức: dùng mã xã")
    return found


def register_cli(app):
    @app.cli.command("seed-demo")
    @click.option("--password", required=True, help="Mật khẩu cho mọi tài khoản mẫu")
    @click.option(
        "--accounts-only",
        is_flag=True,
        help="Chỉ tạo tỉnh, xã, thôn và tài khoản; không tạo hoạt động ba tháng qua (các xã để trống)",
    )
    def seed_demo_command(password, accounts_only):
        """Tạo dữ liệu mẫu: tỉnh Thanh Hóa, phường Quang Trung và xã Cẩm Tân, các thôn, tài khoản,
        và (trừ khi --accounts-only) hoạt động ba tháng qua của hai xã."""
        seed_demo(password)
        click.echo("Đã tạo dữ liệu mẫu: " + ", ".join(usernames()))
        if accounts_only:
            return
        from server.demo_activity import seed_activity

        started = time.monotonic()
        written = seed_activity()
        for commune_name, count in written.items():
            click.echo(f"{commune_name}: {count} bản ghi của ba tháng qua")
        if not written:
            click.echo("Các xã mẫu đã có bản ghi: không tạo thêm hoạt động")
        else:
            click.echo(f"Xong trong {time.monotonic() - started:.1f} s")

    @app.cli.command("load-places")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def load_places_command(path):
        """Nạp danh sách tỉnh, xã chính thức từ PATH (nested-divisions.json, hoặc gói .whl của
        vietnam-provinces chứa tệp đó); chạy lại thì cập nhật, không tạo trùng (docs/places.md)."""
        try:
            counts = load_official_places(path)
        except OfficialListError as err:
            raise click.ClickException(str(err)) from None
        db.session.commit()
        click.echo(
            f"Đã nạp {counts['provinces']} tỉnh, {counts['communes']} xã"
            f" ({counts['added']} mới, {counts['changed']} thay đổi, {counts['renamed']} xã/tỉnh đã mở được đổi tên)"
        )

    @app.cli.command("create-user")
    @click.option("--username", required=True)
    @click.option("--password", required=True, prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--full-name", required=True)
    @click.option("--role", required=True, type=click.Choice(roles.CODES))
    @click.option("--commune", "commune_name", help="Tên hoặc mã xã (vai trò của xã)")
    @click.option("--province", "province_name", help="Tên hoặc mã tỉnh (vai trò của tỉnh)")
    @click.option("--village", "village_names", multiple=True, help="Tên thôn (lặp lại nếu nhiều thôn)")
    def create_user_command(username, password, full_name, role, commune_name, province_name, village_names):
        """Tạo một tài khoản. Xã chưa mở thì được mở từ danh sách chính thức (nếu đã nạp), không
        có trong danh sách thì được tạo; thôn chưa có thì được tạo."""
        province_role = roles.ROLES[role].tier == roles.PROVINCE_TIER
        if province_role and (not province_name or commune_name or village_names):
            raise click.ClickException(
                f"Vai trò {role} thuộc một tỉnh: dùng --province, không dùng --commune, --village"
            )
        if not province_role and (not commune_name or province_name):
            raise click.ClickException(f"Vai trò {role} thuộc một xã: dùng --commune, không dùng --province")
        if db.session.execute(select(User).where(User.username == username)).scalar_one_or_none():
            raise click.ClickException(f"Tên đăng nhập {username} đã có")
        user = User(
            username=username, full_name=full_name, role=role, password_hash=hash_password(password), active=True
        )
        if province_role:
            user.province_id = _province_named(province_name).id
            where = f"tỉnh {province_name}"
        else:
            commune = _commune_named(commune_name)
            user.commune_id = commune.id
            user.villages = [village_named(commune, name) for name in village_names]
            where = f"xã {commune.name}"
        db.session.add(user)
        db.session.commit()
        click.echo(f"Đã tạo {username} ({role}) ở {where}")

    @app.cli.command("verify-history")
    def verify_history_command():
        """Kiểm tra chuỗi băm của lịch sử bản ghi: phát hiện dữ liệu bị sửa ngoài ứng dụng."""
        problems = 0
        for record_id, version, reason in broken_chains():
            problems += 1
            click.echo(f"{record_id} v{version or '-'}: {reason}")
        if problems:
            raise click.ClickException(f"{problems} chỗ không khớp trong lịch sử bản ghi")
        click.echo("Lịch sử bản ghi toàn vẹn")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True))
    def backup_command(path):
        """Sao lưu toàn bộ cơ sở dữ liệu vào tệp PATH (ứng dụng vẫn chạy được trong lúc sao lưu)."""
        from server import backup

        try:
            backup.backup(path, click.echo)
        except backup.BackupError as err:
            raise click.ClickException(str(err)) from None

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option(
        "--force",
        is_flag=True,
        help="Thay cả cơ sở dữ liệu đang có dữ liệu (dừng ứng dụng và các tiến trình gửi thông báo trước)",
    )
    def restore_command(path, force):
        """Khôi phục cơ sở dữ liệu từ bản sao lưu PATH; mọi thiết bị đăng nhập lại và đồng bộ lại từ đầu."""
        from server import backup

        try:
            backup.restore(path, force, click.echo)
        except backup.BackupError as err:
            raise click.ClickException(str(err)) from None

    @app.cli.command("report")
    @click.option("--commune", "commune_name", required=True, help='Tên xã, ví dụ "Quang Trung"')
    @click.option("--month", help="Tháng YYYY-MM (mặc định: tháng trước)")
    @click.option("--period", help="Hoặc một kỳ: 2026, 2026-H1, 2026-Q4, 2026-01-01..2026-01-15")
    @click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True)
    @click.option(
        "--type",
        "record_type",
        type=click.Choice(CSV_TYPES),
        default="summary",
        show_default=True,
        help="CSV: bảng tổng hợp, hoặc bản ghi của một loại",
    )
    @click.option(
        "--count", "count_rule", type=click.Choice(list(COUNT_RULES)), default=DEFAULT_COUNT_RULE, show_default=True
    )
    @click.option(
        "--output",
        type=click.Path(dir_okay=False, writable=True),
        help="Tệp ghi ra (mặc định: bao-cao-<kỳ>.<định dạng> ở thư mục hiện tại)",
    )
    def report_command(commune_name, month, period, fmt, record_type, count_rule, output):
        """Ghi báo cáo định kỳ của một xã ra tệp (để chạy theo lịch), và ghi vào nhật ký."""
        report_file = write_report_file(commune_name, month, period, fmt, record_type, count_rule, output)
        click.echo(f"Đã ghi báo cáo: {report_file}")

    @app.cli.command("vapid-keys")
    @click.option("--force", is_flag=True, help="Tạo cặp khóa mới dù đã có (thiết bị phải đăng ký lại)")
    def vapid_keys_command(force):
        """Tạo cặp khóa VAPID cho Web Push vào thư mục instance (một lần; chạy lại không đổi gì)."""
        config = current_app.config
        if config.get("VAPID_PUBLIC_KEY") and config.get("VAPID_PRIVATE_KEY") and not force:
            click.echo(f"Đã có khóa VAPID. Khóa công khai: {current_app.config['VAPID_PUBLIC_KEY']}")
            return
        private, public = generate_vapid_keys()
        store_secret(current_app, "VAPID_PRIVATE_KEY", private)
        store_secret(current_app, "VAPID_PUBLIC_KEY", public)
        click.echo(f"Đã tạo khóa VAPID. Khóa công khai: {public}")

    @app.cli.command("push-send")
    @click.option("--loop", is_flag=True, help="Chạy liên tục (tiến trình gửi thông báo), không dừng khi hết việc")
    @click.option(
        "--interval",
        type=click.FloatRange(0.1, 3600),
        default=5,
        show_default=True,
        help="Số giây nghỉ khi không còn thông báo đến hạn (với --loop)",
    )
    def push_send_command(loop, interval):
        """Gửi các thông báo đẩy đến hạn (kể cả gửi lại khi lỗi); --loop để chạy như một worker."""
        from server.push import sender, service

        if not (current_app.config.get("VAPID_PRIVATE_KEY") and current_app.config.get("VAPID_PUBLIC_KEY")):
            raise click.ClickException(
                "Chưa có khóa VAPID: đặt VAPID_PRIVATE_KEY/VAPID_PUBLIC_KEY hoặc chạy flask --app wsgi vapid-keys"
            )
        pruned_at = 0.0
        while True:
            counts = sender.send_due(limit=500)
            if counts:
                click.echo(", ".join(f"{outcome}: {n}" for outcome, n in sorted(counts.items())))
            if not loop:
                return
            if time.monotonic() - pruned_at > 3600:
                service.prune()
                db.session.commit()
                pruned_at = time.monotonic()
            if not counts:
                db.session.remove()  # no connection held while idle
                time.sleep(interval)

    @app.cli.command("push-digest")
    def push_digest_command():
        """Xếp hàng thông báo tổng hợp cho công an xã: số bản ghi mới từ lần thông báo trước (chạy theo lịch)."""
        from server.push import service

        counts = service.queue_police_digests()
        db.session.commit()
        for username, count in counts.items():
            click.echo(f"{username}: {count} bản ghi mới")
        click.echo(f"Đã xếp hàng {len(counts)} thông báo tổng hợp; push-send sẽ gửi đi")

    @app.cli.command("report-reminders")
    @click.option(
        "--days",
        type=click.IntRange(0, 31),
        default=3,
        show_default=True,
        help="Nhắc khi hạn nộp còn không quá bấy nhiêu ngày (0: chỉ ngày đến hạn)",
    )
    def report_reminders_command(days):
        """Nhắc công an xã và tổ công tác nộp báo cáo định kỳ sắp đến hạn (chạy hằng ngày; chạy lại trong ngày không nhắc lần nữa)."""
        from server.reports.reminders import queue_reminders

        reminded = queue_reminders(days)
        db.session.commit()
        for commune, period in reminded.items():
            click.echo(f"{commune}: báo cáo {period}")
        click.echo(f"Đã xếp hàng lời nhắc cho {len(reminded)} xã; push-send sẽ gửi đi")
