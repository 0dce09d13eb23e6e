"""Commands: seed-demo, create-user, vapid-keys, push-send, push-digest, verify-history, report,
backup, restore (flask --app wsgi ...)."""

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
from server.models import Commune, User, Village
from server.places import communes_named
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

    @app.cli.command("create-user")
    @click.option("--username", required=True)
    @click.option("--password", required=True, prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--full-name", required=True)
    @click.option("--role", required=True, type=click.Choice(roles.CODES))
    @click.option("--commune", "commune_name", required=True, help="Tên xã")
    @click.option("--village", "village_names", multiple=True, help="Tên thôn (lặp lại nếu nhiều thôn)")
    def create_user_command(username, password, full_name, role, commune_name, village_names):
        """Tạo một tài khoản (xã và thôn phải có sẵn; xã chưa có thì được tạo)."""
        if db.session.execute(select(User).where(User.username == username)).scalar_one_or_none():
            raise click.ClickException(f"Tên đăng nhập {username} đã có")
        found = communes_named(commune_name)
        if len(found) > 1:
            raise click.ClickException(f"Có {len(found)} xã tên {commune_name}: dùng mã xã")
        commune = found[0] if found else None
        if commune is None:
            commune = Commune(name=commune_name)
            db.session.add(commune)
            db.session.flush()
        villages = []
        for village_name in village_names:
            village = db.session.execute(
                select(Village).where(Village.commune_id == commune.id, Village.name == village_name)
            ).scalar_one_or_none()
            if village is None:
                village = Village(commune_id=commune.id, name=village_name, active=True)
                db.session.add(village)
            villages.append(village)
        db.session.add(
            User(
                username=username,
                full_name=full_name,
                role=role,
                commune_id=commune.id,
                password_hash=hash_password(password),
                villages=villages,
                active=True,
            )
        )
        db.session.commit()
        click.echo(f"Đã tạo {username} ({role}) ở xã {commune_name}")

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
    @click.option("--period", help="Hoặc một kỳ: 2026, 2026-Q4, 2026-01-01..2026-06-30")
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
