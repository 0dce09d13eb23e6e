"""The measuring aids of docs/performance.md at small N, so that they cannot rot: bench.push_time
(where a push's CPU goes, by phase) and bench.compare (two sets of runs side by side)."""

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from bench import compare

ROOT = Path(__file__).resolve().parents[2]


def test_push_time_reports_every_phase_of_a_push():
    # Its own process: it times the push by wrapping its functions for as long as it runs.
    completed = subprocess.run(
        [sys.executable, "-m", "bench.push_time", "--devices", "1", "--records", "30"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = orjson.loads(completed.stdout)
    phases = report["us_per_mutation"]
    assert report["mutations"] == 36
    assert all(value >= 0 for value in phases.values()), phases
    assert phases["locked, in all"] < phases["total"]
    assert {"locked: reads", "locked: decisions", "locked: writes", "locked: commit"} <= set(phases)


def _result(rate, checked=True):
    return {
        "machine": {"load_average_at_start": [1.5, 1.0, 0.5]},
        "push": {
            "records_per_s": rate,
            "latency_ms": {"p50": 50.0, "p95": 90.0, "p99": 120.0},
            "cpu_seconds": {"server": 1.2},
        },
        "ratio": {"push_to_raw_insert": rate / 80_000},
        "raw": {"insert_rows_per_s": 80_000},
        "pull": {"records_per_s": 40_000},
        "check": {"exactly_once": checked, "pulled_matches_pushed": True},
    }


def test_compare_puts_the_medians_of_two_sets_side_by_side(tmp_path, capsys):
    paths = []
    for name, rate in (("old-1", 5000), ("old-2", 7000), ("old-3", 6000), ("new-1", 9000), ("new-2", 11000)):
        path = tmp_path / f"{name}.json"
        path.write_bytes(orjson.dumps(_result(rate)))
        paths.append(str(path))
    compare.main([*paths[:3], "--", *paths[3:]])
    rows = {line.split(" | ")[0].strip("| "): line for line in capsys.readouterr().out.splitlines()}
    assert rows["push, mutations/s"] == "| push, mutations/s | 6,000 (5,000 – 7,000) | 10,000 (9,000 – 11,000) |"


def test_compare_refuses_a_run_that_failed_its_checks(tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_bytes(orjson.dumps(_result(5000)))
    bad.write_bytes(orjson.dumps(_result(5000, checked=False)))
    with pytest.raises(SystemExit, match="exactly-once"):
        compare.main([str(good), "--", str(bad)])
