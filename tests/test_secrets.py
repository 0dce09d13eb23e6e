"""Secrets on a server started as the README's production section says (server/secrets.py): the
JWT key and the VAPID key pair come from the environment, or are generated once into the
instance folder, so Web Push works on any server that starts; SOTAY_REQUIRE_SECRETS=1 refuses
to start without them instead."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from server import create_app
from server.secrets import generate_vapid_keys
from tests.conftest import empty_database
from tests.helpers import PASSWORD
from tests.sync.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[1]


def app_in(folder, monkeypatch, **config):
    monkeypatch.setenv("SOTAY_INSTANCE_PATH", str(folder))
    for name in ("JWT_SECRET_KEY", "VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY"):
        config.setdefault(name, None)
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'db.sqlite3'}", **config})


def test_a_first_start_generates_the_vapid_keys_once_into_the_instance_folder(tmp_path, monkeypatch):
    first = app_in(tmp_path, monkeypatch)
    stored = json.loads((tmp_path / "secrets.json").read_text())
    assert first.config["VAPID_PUBLIC_KEY"] == stored["VAPID_PUBLIC_KEY"]
    assert first.config["VAPID_PRIVATE_KEY"] == stored["VAPID_PRIVATE_KEY"]
    assert first.config["JWT_SECRET_KEY"] == stored["JWT_SECRET_KEY"]
    again = app_in(tmp_path, monkeypatch)
    assert {k: again.config[k] for k in stored} == stored


def test_keys_from_the_environment_are_used_and_not_written(tmp_path, monkeypatch):
    private, public = generate_vapid_keys()
    app = app_in(tmp_path, monkeypatch, JWT_SECRET_KEY="k" * 48, VAPID_PRIVATE_KEY=private, VAPID_PUBLIC_KEY=public)
    assert app.config["VAPID_PUBLIC_KEY"] == public
    assert not (tmp_path / "secrets.json").exists()


def test_an_instance_made_before_vapid_keys_gets_them_at_its_next_start(tmp_path, monkeypatch):
    (tmp_path / "secrets.json").write_text(json.dumps({"JWT_SECRET_KEY": "old-key"}))
    app = app_in(tmp_path, monkeypatch)
    stored = json.loads((tmp_path / "secrets.json").read_text())
    assert stored["JWT_SECRET_KEY"] == app.config["JWT_SECRET_KEY"] == "old-key"
    assert app.config["VAPID_PUBLIC_KEY"] == stored["VAPID_PUBLIC_KEY"]


def test_production_refuses_to_start_without_vapid_keys(tmp_path, monkeypatch):
    with pytest.raises(RuntimeError, match="VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY"):
        app_in(tmp_path, monkeypatch, REQUIRE_SECRETS=True, JWT_SECRET_KEY="k" * 48)
    assert not (tmp_path / "secrets.json").exists()


def test_half_a_key_pair_in_the_environment_stops_the_start(tmp_path, monkeypatch):
    private, _ = generate_vapid_keys()
    with pytest.raises(RuntimeError, match="both"):
        app_in(tmp_path, monkeypatch, VAPID_PRIVATE_KEY=private)


def test_workers_starting_at_once_share_one_key_pair(tmp_path):
    """Every gunicorn worker imports the app at the same moment; all must send with the same key."""
    script = (
        "from server import create_app; "
        "print(create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite:///' + __import__('sys').argv[1]})"
        ".config['VAPID_PUBLIC_KEY'])"
    )
    env = {"SOTAY_INSTANCE_PATH": str(tmp_path / "instance"), "PATH": "/usr/bin:/bin"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path / "db.sqlite3")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    keys = {process.communicate(timeout=120)[0].strip() for process in processes}
    assert len(keys) == 1 and len(keys.pop()) == 87


@pytest.mark.slow
def test_a_server_started_as_the_readme_says_serves_its_vapid_key(tmp_path):
    """`flask db upgrade`, then gunicorn, with no VAPID setting anywhere: the key is there."""
    with empty_database("sqlite", tmp_path) as url:
        server = LiveServer(
            url, tmp_path / "instance", tmp_path, extra_env={"VAPID_PRIVATE_KEY": "", "VAPID_PUBLIC_KEY": ""}
        )
        try:
            server.prepare_database()
            server.start()
            login = requests.post(
                f"{server.base_url}/api/v1/auth/login",
                timeout=10,
                json={"username": "vol.qt1", "password": PASSWORD, "device_id": "6f1c1e7a-6a41-4c55-9a4e-0b3d2c1f9e11"},
            )
            response = requests.get(
                f"{server.base_url}/api/v1/push/vapid-public-key",
                timeout=10,
                headers={"Authorization": f"Bearer {login.json()['access_token']}"},
            )
        finally:
            server.close()
    assert response.status_code == 200, response.text
    stored = json.loads((tmp_path / "instance" / "secrets.json").read_text())
    assert response.json()["public_key"] == stored["VAPID_PUBLIC_KEY"]
