"""Commands: seed-demo, create-user, vapid-keys (flask --app wsgi ...)."""
import base64

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from sqlalchemy import select

from server.auth.passwords import hash_password
from server.extensions import db
from server.models import Commune, User, Village
from server.models.users import ROLES
from server.records.integrity import broken_chains
from server.secrets import store_secret

# PROTOCOL.md §12: the demo communes, villages and users, relied on by others' tests.
DEMO = [
    {
        "commune": ("Quang Trung", "thị xã Bỉm Sơn", "Thanh Hóa"),
        "villages": ["Thôn 1", "Thôn 2", "Thôn 3", "Thôn 4", "Thôn 5"],
        "users": [
            ("admin.qt", "Tổ công tác Đề án 06 xã Quang Trung", "admin", []),
            ("police.qt", "Công an xã Quang Trung", "police", []),
            ("staff.qt", "Trần Văn Bình (cán bộ thôn)", "village_staff", ["Thôn 1", "Thôn 2"]),
            ("vol.qt1", "Nguyễn Thị Lan", "volunteer", ["Thôn 1", "Thôn 2"]),
            ("vol.qt2", "Lê Văn Hùng", "volunteer", ["Thôn 1", "Thôn 2"]),
            ("vol.qt3", "Phạm Thị Hoa", "volunteer", ["Thôn 3"]),
        ],
    },
    {
        "commune": ("Cẩm Hải", "thành phố Cẩm Phả", "Quảng Ninh"),
        "villages": ["Thôn Đông", "Thôn Tây"],
        "users": [
            ("admin.ch", "Tổ công tác Đề án 06 xã Cẩm Hải", "admin", []),
            ("police.ch", "Công an xã Cẩm Hải", "police", []),
            ("vol.ch1", "Vũ Đức Anh", "volunteer", ["Thôn Đông"]),
        ],
    },
]


def seed_demo(password):
    """Create the demo communes, villages and users; running it again changes nothing but passwords."""
    password_hash = hash_password(password)
    for spec in DEMO:
        name, district, province = spec["commune"]
        commune = db.session.execute(select(Commune).where(Commune.name == name)).scalar_one_or_none()
        if commune is None:
            commune = Commune(name=name, district=district, province=province)
            db.session.add(commune)
            db.session.flush()
        villages = {}
        for village_name in spec["villages"]:
            village = db.session.execute(select(Village).where(
                Village.commune_id == commune.id, Village.name == village_name)).scalar_one_or_none()
            if village is None:
                village = Village(commune_id=commune.id, name=village_name, active=True)
                db.session.add(village)
                db.session.flush()
            villages[village_name] = village
        for username, full_name, role, village_names in spec["users"]:
            user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
            if user is None:
                user = User(username=username, commune_id=commune.id)
                db.session.add(user)
            user.full_name, user.role, user.active = full_name, role, True
            user.commune_id = commune.id
            user.password_hash = password_hash
            user.villages = [villages[v] for v in village_names]
    db.session.commit()


def generate_vapid_keys():
    """A new P-256 key pair as (private, public) base64url strings, the form Web Push uses."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    private_raw = private_key.private_numbers().private_value.to_bytes(32, "big")
    public_raw = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    encode = lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("=")  # noqa: E731
    return encode(private_raw), encode(public_raw)


def register_cli(app):
    @app.cli.command("seed-demo")
    @click.option("--password", required=True, help="Mật khẩu cho mọi tài khoản mẫu")
    def seed_demo_command(password):
        """Tạo dữ liệu mẫu: xã Quang Trung và Cẩm Hải, các thôn và tài khoản."""
        seed_demo(password)
        click.echo("Đã tạo dữ liệu mẫu: admin.qt, police.qt, staff.qt, vol.qt1, vol.qt2, vol.qt3, "
                   "admin.ch, police.ch, vol.ch1")

    @app.cli.command("create-user")
    @click.option("--username", required=True)
    @click.option("--password", required=True, prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--full-name", required=True)
    @click.option("--role", required=True, type=click.Choice(ROLES))
    @click.option("--commune", "commune_name", required=True, help="Tên xã")
    @click.option("--village", "village_names", multiple=True, help="Tên thôn (lặp lại nếu nhiều thôn)")
    def create_user_command(username, password, full_name, role, commune_name, village_names):
        """Tạo một tài khoản (xã và thôn phải có sẵn; xã chưa có thì được tạo)."""
        if db.session.execute(select(User).where(User.username == username)).scalar_one_or_none():
            raise click.ClickException(f"Tên đăng nhập {username} đã có")
        commune = db.session.execute(select(Commune).where(Commune.name == commune_name)).scalar_one_or_none()
        if commune is None:
            commune = Commune(name=commune_name)
            db.session.add(commune)
            db.session.flush()
        villages = []
        for village_name in village_names:
            village = db.session.execute(select(Village).where(
                Village.commune_id == commune.id, Village.name == village_name)).scalar_one_or_none()
            if village is None:
                village = Village(commune_id=commune.id, name=village_name, active=True)
                db.session.add(village)
            villages.append(village)
        db.session.add(User(username=username, full_name=full_name, role=role, commune_id=commune.id,
                            password_hash=hash_password(password), villages=villages, active=True))
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

    @app.cli.command("vapid-keys")
    @click.option("--force", is_flag=True, help="Tạo cặp khóa mới dù đã có (thiết bị phải đăng ký lại)")
    def vapid_keys_command(force):
        """Tạo cặp khóa VAPID cho Web Push vào thư mục instance (một lần)."""
        if current_app.config.get("VAPID_PUBLIC_KEY") and not force:
            click.echo(f"Đã có khóa VAPID. Khóa công khai: {current_app.config['VAPID_PUBLIC_KEY']}")
            return
        private, public = generate_vapid_keys()
        store_secret(current_app, "VAPID_PRIVATE_KEY", private)
        store_secret(current_app, "VAPID_PUBLIC_KEY", public)
        click.echo(f"Đã tạo khóa VAPID. Khóa công khai: {public}")
