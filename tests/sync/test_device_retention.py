"""How long approved records stay on the phones (SOTAY_DEVICE_RETENTION_DAYS, docs/api.md §7):
every pull says it, every record says when it was approved, and the app will not start with a
setting it cannot mean."""

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from server import create_app
from tests.helpers import body_of, update, vneid_data

ROOT = Path(__file__).resolve().parents[2]


def test_every_pull_page_says_how_long_approved_records_stay(app, login, villages):
    volunteer = login("vol.qt1")
    volunteer.push_ok([volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data()) for _ in range(3)])
    pages = [volunteer.pull(limit=2)]
    pages.append(volunteer.pull(pages[0]["cursor"], limit=2))
    assert [p["has_more"] for p in pages] == [True, False]
    assert [p["approved_retention_days"] for p in pages] == [30, 30]

    app.config["DEVICE_RETENTION_DAYS"] = 7
    assert volunteer.pull(pages[-1]["cursor"])["approved_retention_days"] == 7


def test_a_record_says_when_it_was_approved_and_a_later_edit_does_not_move_it(login, villages):
    volunteer, police = login("vol.qt1"), login("police.qt")
    mutation = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data())
    record_id = mutation["record_id"]
    volunteer.push_ok([mutation])
    records, cursor, _ = volunteer.pull_all()
    assert records[record_id]["reviewed_at"] is None

    before = datetime.now().astimezone()
    approved = body_of(police.post(f"/records/{record_id}/review", json={"action": "approve", "base_version": 1}))
    after = datetime.now().astimezone()
    approved_at = approved["reviewed_at"]
    assert before <= datetime.fromisoformat(approved_at.replace("Z", "+00:00")) <= after
    records, cursor, _ = volunteer.pull_all(cursor)
    assert records[record_id]["reviewed_at"] == approved_at

    # Police correct the approved record: a new version, still approved since the same moment,
    # so the phones drop it when its approval is old, not when its last change is.
    [result] = police.push_ok([update(record_id, 2, {"phone": "0987654321"})])
    assert result["status"] == "applied"
    records, _, _ = volunteer.pull_all(cursor)
    assert records[record_id]["review_state"] == "approved"
    assert records[record_id]["updated_at"] > approved_at
    assert records[record_id]["reviewed_at"] == approved_at
    assert body_of(volunteer.get(f"/records/{record_id}"))["reviewed_at"] == approved_at


@pytest.mark.parametrize("value", ["0", "-1", "3651", "7.5", "30d", "", " ", "٣٠", 0, None])
def test_the_retention_must_be_a_whole_number_of_days_from_1_to_3650(value):
    with pytest.raises(ValueError, match="SOTAY_DEVICE_RETENTION_DAYS must be a whole number of days"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "DEVICE_RETENTION_DAYS": value})


def _start(retention, tmp_path):
    """A process that builds the app with SOTAY_DEVICE_RETENTION_DAYS set, as gunicorn would."""
    env = {
        **os.environ,
        "SOTAY_DEVICE_RETENTION_DAYS": retention,
        "SOTAY_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    return subprocess.run(
        [sys.executable, "-c", "from server import create_app; print(create_app().config['DEVICE_RETENTION_DAYS'])"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_app_reads_the_retention_from_the_environment_and_refuses_a_bad_one(tmp_path):
    started = _start(" 45 ", tmp_path)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "45"
    refused = _start("0", tmp_path)
    assert refused.returncode != 0
    assert "SOTAY_DEVICE_RETENTION_DAYS must be a whole number of days from 1 to 3650, not '0'" in refused.stderr
