"""The benchmark at small N, so that it cannot rot: it runs end to end on each backend, reports
every figure, and the server holds exactly what was pushed. No timing is asserted here."""

import os

import orjson
import pytest

from bench.__main__ import main
from tests.conftest import BACKENDS, TEST_DATABASE_URL

FIGURES = {
    "push": ("mutations", "seconds", "records_per_s", "latency_ms", "cpu_seconds"),
    "pull": ("records", "pages", "seconds", "records_per_s", "cpu_seconds"),
    "memory": ("peak_rss_bytes", "pull_worker_growth_bytes", "phases"),
    "raw": ("insert_rows_per_s", "read_rows_per_s"),
    "ratio": ("push_to_raw_insert", "pull_to_raw_read"),
}


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_benchmark_runs_and_the_server_holds_exactly_what_was_pushed(backend, tmp_path, monkeypatch, capsys):
    if backend == "postgresql":
        monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    output = tmp_path / "bench.json"
    status = main(
        ["--backend", backend, "--devices", "2", "--records", "200", "--pull-limit", "150", "--output", str(output)]
    )
    assert status == 0, capsys.readouterr().out
    result = orjson.loads(output.read_bytes())

    for section, names in FIGURES.items():
        for name in names:
            assert result[section][name] is not None, (section, name)
    assert set(result["push"]["latency_ms"]) == {"p50", "p95", "p99", "max"}
    assert result["memory"]["peak_rss_bytes"] > 0
    # 2 devices × 200 creates, then 40 updates each
    assert result["push"]["mutations"] == 480 and result["push"]["error_count"] == 0
    assert result["check"]["stored"] == {"records": 400, "record_versions": 480, "mutations": 480}
    assert result["check"]["pulled_records"] == 400 and result["pull"]["pages"] == 3
    assert result["check"]["exactly_once"] and result["check"]["pulled_matches_pushed"]
    assert result["settings"]["backend"] == backend
    assert os.cpu_count() == result["machine"]["cpus"]
