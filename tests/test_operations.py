"""PROTOCOL.md §12 and STYLE.md: migrations on both databases, the CLI, health, OpenAPI, the envelope."""

import json
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text

from server import create_app
from server.config import database_url
from server.extensions import db
from server.models import User
from tests.conftest import FAST_HASHING, TEST_DATABASE_URL, empty_database
from tests.helpers import PASSWORD, Caller


@pytest.fixture
def empty_database_url(backend, tmp_path):
    with empty_database(backend, tmp_path) as url:
        yield url


def test_migrations_build_the_whole_schema_from_empty_with_a_single_head(empty_database_url, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, **FAST_HASHING})
    app.instance_path = str(tmp_path)
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        assert len(script.get_heads()) == 1
        upgrade()
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert context.get_current_revision() == script.get_current_head()
            differences = compare_metadata(context, db.metadata)
        engine.dispose()
        assert differences == [], "models and migrations disagree; run flask db migrate"


def test_seed_demo_is_idempotent_and_makes_the_protocols_users(app):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["seed-demo", "--password", "another-password"])
        assert result.exit_code == 0, result.output
    users = {u.username: u for u in db.session.execute(select(User)).scalars()}
    assert sorted(users) == sorted(
        ["admin.qt", "police.qt", "staff.qt", "vol.qt1", "vol.qt2", "vol.qt3", "civil.qt", "leader.qt"]
        + ["admin.ch", "police.ch", "vol.ch1"]
        + ["province.th", "padmin.th"]
    )
    assert [v.name for v in users["staff.qt"].villages] == ["Thôn 1", "Thôn 2"]
    assert [v.name for v in users["vol.qt3"].villages] == ["Thôn 3"]
    assert users["vol.ch1"].commune.name == "Xã Cẩm Tân"
    assert [v.name for v in users["vol.ch1"].commune.villages] == ["Thôn Đông", "Thôn Tây"]
    assert {u.role for u in users.values()} == {
        "admin",
        "police",
        "village_staff",
        "volunteer",
        "civil_status",
        "commune_viewer",
        "province_officer",
        "province_admin",
    }
    quang_trung = users["admin.qt"].commune
    assert (quang_trung.name, quang_trung.code, quang_trung.kind) == ("Phường Quang Trung", 14818, "phường")
    assert users["civil.qt"].commune == users["leader.qt"].commune == quang_trung
    # Both communes and the province users are Thanh Hóa's; a province user belongs to no commune.
    thanh_hoa = quang_trung.province
    assert (thanh_hoa.name, thanh_hoa.code) == ("Tỉnh Thanh Hóa", 38)
    assert users["vol.ch1"].commune.province == thanh_hoa
    assert all(users[u].province == thanh_hoa and users[u].commune is None for u in ("province.th", "padmin.th"))


def test_create_user_makes_an_account_that_can_log_in(app, client):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--username",
            "vol.qt9",
            "--password",
            "mot-mat-khau",
            "--full-name",
            "Đỗ Thị Mai",
            "--role",
            "volunteer",
            "--commune",
            "Quang Trung",
            "--village",
            "Thôn 4",
        ]
    )
    assert result.exit_code == 0, result.output
    caller = Caller(client, "vol.qt9", password="mot-mat-khau")
    assert [v["name"] for v in caller.user["villages"]] == ["Thôn 4"]


def test_vapid_keys_are_generated_once_into_the_instance_folder(app, tmp_path):
    # create_app read the default instance folder, where `make run` may have made keys already.
    app.config.update({"VAPID_PRIVATE_KEY": None, "VAPID_PUBLIC_KEY": None})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["vapid-keys"])
    assert first.exit_code == 0, first.output
    stored = json.loads((tmp_path / "secrets.json").read_text())
    assert len(stored["VAPID_PUBLIC_KEY"]) == 87  # 65 bytes, base64url without padding
    again = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    again.config.update({"VAPID_PRIVATE_KEY": None, "VAPID_PUBLIC_KEY": None})
    again.instance_path = str(tmp_path)
    from server.secrets import load_secrets

    load_secrets(again)
    assert again.config["VAPID_PUBLIC_KEY"] == stored["VAPID_PUBLIC_KEY"]
    assert (tmp_path / "secrets.json").stat().st_mode & 0o077 == 0


def test_health_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_the_openapi_document_lists_every_endpoint(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    for path in (
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/forms",
        "/api/v1/sync/push",
        "/api/v1/sync/pull",
        "/api/v1/records",
        "/api/v1/records/{record_id}",
        "/api/v1/records/{record_id}/review",
        "/api/v1/records/review",
        "/api/v1/conflicts",
        "/api/v1/conflicts/{conflict_id}",
        "/api/v1/conflicts/{conflict_id}/resolve",
        "/api/v1/users",
        "/api/v1/villages",
        "/api/v1/devices",
        "/api/v1/devices/{device_id}/revoke",
        "/api/v1/audit",
        "/api/v1/targets",
        "/api/v1/reports/progress",
        "/api/v1/reports/export",
        "/api/v1/reports/submissions",
        "/api/v1/reports/submissions/{submission_id}",
        "/api/v1/reports/submissions/{submission_id}/return",
        "/api/v1/reports/submissions/{submission_id}/export",
        "/api/v1/reports/rollup",
        "/api/v1/reports/rollup/export",
        "/api/v1/province/deadlines",
        "/api/v1/province/targets",
    ):
        assert path in document["paths"], path


@pytest.mark.parametrize(
    "method, path, status, code",
    [
        ("GET", "/api/v1/no-such-thing", 404, "not_found"),
        ("DELETE", "/api/v1/forms", 405, "method_not_allowed"),
        ("PUT", "/api/v1/sync/push", 405, "method_not_allowed"),
    ],
)
def test_routing_errors_come_in_the_envelope(client, method, path, status, code):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_a_crash_in_a_view_is_a_500_in_the_envelope_without_a_trace(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": {"code": "internal_error", "message": "Lỗi máy chủ; sự cố đã được ghi lại"}}
    assert b"secret detail" not in response.data


def test_an_unreachable_database_is_a_503_in_the_envelope(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://postgres@127.0.0.1:1/nowhere", **FAST_HASHING})
    app.instance_path = str(tmp_path)
    client = app.test_client()
    for response in (
        client.get("/healthz"),
        client.post(
            "/api/v1/auth/login", json={"username": "vol.qt1", "password": PASSWORD, "device_id": str(uuid.uuid4())}
        ),
    ):
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "database_unavailable"
        assert response.headers["Retry-After"]


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL only: set TEST_DATABASE_URL")
def test_a_connection_lost_after_the_answer_was_made_still_gives_that_answer():
    """The database goes away between a view's last query and the end of its request: ending the
    session must not turn the answer into gunicorn's HTML 500 (a teardown error escapes every
    error handler)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL, **FAST_HASHING})
    killer = create_engine(database_url(TEST_DATABASE_URL))

    @app.route("/lose-connection")
    def lose_connection():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with killer.begin() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return {"served": True}

    try:
        response = app.test_client().get("/lose-connection")
        assert (response.status_code, response.get_json()) == (200, {"served": True})
        # The dead connection left the pool: the next request gets a live one.
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        killer.dispose()
