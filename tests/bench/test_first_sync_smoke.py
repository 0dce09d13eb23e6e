"""bench/first_sync.py at small N, so that it cannot rot: both servers, one phone each, every figure
reported, the phone holding every record, and compression making the pull ten times smaller. No
timing is asserted here (docs/performance.md has the figures)."""

import os

import orjson
import pytest

from bench.first_sync import main
from tests.e2e.conftest import CHROMIUM, REQUIRE_BROWSER

RECORDS = 300


def test_the_first_sync_benchmark_runs_and_compression_shrinks_the_pull(tmp_path, capsys):
    if not os.access(CHROMIUM, os.X_OK):
        if REQUIRE_BROWSER:
            pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing")
    output = tmp_path / "first-sync.json"
    # A quicker link than the benchmark's: the smoke run checks the figures are there, not what they are.
    link = ["--down-kbps", "20000", "--up-kbps", "10000", "--latency-ms", "20"]
    arguments = ["--records", str(RECORDS), "--runs", "1", *link, "--chromium", CHROMIUM, "--output", str(output)]
    assert main(arguments) == 0
    result = orjson.loads(output.read_bytes())
    assert result["records"] == RECORDS
    wire = result["wire"]
    assert {coding: wire[coding]["records"] for coding in wire} == {"identity": RECORDS, "gzip": RECORDS, "br": RECORDS}
    assert wire["br"]["body_bytes"] < wire["gzip"]["body_bytes"] < wire["identity"]["body_bytes"] / 5
    off, on = result["medians"]["off"], result["medians"]["on"]
    for figures in (off, on):
        assert figures["pull_pages"] == 1 and figures["sync_seconds"] > 0 and figures["shell_bytes"] > 0
    assert on["pull_bytes"] * 5 < off["pull_bytes"]
    assert result["runs"]["off"][0]["codings"] == ["identity"] and "br" in result["runs"]["on"][0]["codings"]
    assert "compression on, medians of 1" in capsys.readouterr().out
