"""The province benchmark at its smallest (--small: 3 communes, 2,000 records), so that it cannot
rot: it generates the province, measures every figure against a real server, and drops its schema.
PostgreSQL only; skipped without TEST_DATABASE_URL (REQUIRE_POSTGRES=1 makes that a failure,
tests/conftest.py). No timing is asserted here."""

import orjson
import pytest
from sqlalchemy import create_engine, text

from bench.province import main
from server.config import database_url
from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="the province benchmark runs on PostgreSQL only")


def test_the_province_benchmark_gives_its_figures_and_drops_its_schema(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL)
    output = tmp_path / "province.json"
    assert main(["--small", "--output", str(output)]) == 0
    result = orjson.loads(output.read_bytes())

    one, full = result["one_commune"], result["all_communes"]
    assert (one["communes"], full["communes"]) == (1, 3)
    assert full["stored"]["records"] >= 2_000 and full["stored"]["record_versions"] > 0
    for part in (one, full):
        assert part["export"]["runs"] == 2 and part["export"]["p95_ms"] > 0 and part["export"]["bytes"] > 0
        for device in ("police", "volunteer"):
            assert part["pull"][device]["runs"] >= 3 and part["pull"][device]["median_ms"] > 0
            assert part["pull"]["initial_pull"][device]["records"] > 0
        # Measured when the server has the province's endpoints, said so when it has not.
        for name in ("rollup", "submissions"):
            assert "skipped" in part["province"][name] or part["province"][name]["p95_ms"] > 0
    printed = capsys.readouterr().out
    assert "(a) export" in printed and "(b) incremental pull" in printed

    engine = create_engine(database_url(TEST_DATABASE_URL))
    with engine.connect() as connection:
        left = connection.execute(
            text("SELECT count(*) FROM pg_namespace WHERE nspname = :schema"), {"schema": result["schema"]}
        ).scalar_one()
    engine.dispose()
    assert left == 0
