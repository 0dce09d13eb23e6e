"""python -m bench: run the sync benchmark once and print (and save) its figures.

    python -m bench --devices 8 --records 1250 --workers 2            # SQLite
    DATABASE_URL=postgresql://… python -m bench --backend postgresql --workers 4 --devices 200 --records 50

On PostgreSQL the run uses a new schema of its own and drops it afterwards.
"""

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import orjson
from sqlalchemy import create_engine, text

from bench import load, raw
from bench.server import MemorySampler, Server, fresh_database

PASSWORD = "bench-06"
MIB = 1024 * 1024


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgresql"),
        default="postgresql" if os.environ.get("DATABASE_URL") else "sqlite",
        help="postgresql needs DATABASE_URL (default: postgresql when it is set)",
    )
    parser.add_argument("--devices", type=int, default=8, help="simulated devices (N)")
    parser.add_argument("--records", type=int, default=1250, help="records each device creates (M)")
    parser.add_argument("--update-share", type=float, default=0.2, help="share of its records each device then updates")
    parser.add_argument("--batch", type=int, default=100, help="mutations per push request")
    parser.add_argument("--concurrency", type=int, default=None, help="devices pushing at once (default: all of them)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--pull-limit", type=int, default=1000, help="records per pull page")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", default="bench-results.json", help="where the JSON results go")
    parser.add_argument(
        "--gunicorn-arg",
        action="append",
        default=[],
        dest="gunicorn_args",
        help="an extra gunicorn option, e.g. --gunicorn-arg=--worker-class=gthread",
    )
    args = parser.parse_args(argv)
    if args.backend == "postgresql" and not os.environ.get("DATABASE_URL"):
        parser.error("--backend postgresql needs DATABASE_URL")
    args.concurrency = args.concurrency or args.devices
    return args


def machine():
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) * 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_bytes": memory,
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg(),
    }


def stored_counts(db_url):
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return {
                table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("records", "record_versions", "mutations")
            }
    finally:
        engine.dispose()


def run(args):
    with (
        tempfile.TemporaryDirectory(prefix="sotay-bench-") as folder,
        fresh_database(args.backend, folder, os.environ.get("DATABASE_URL")) as db_url,
    ):
        server = Server(db_url, folder, args.workers, PASSWORD, args.gunicorn_args)
        server.prepare()
        server.start()
        try:
            with MemorySampler(server) as memory:
                address = ("127.0.0.1", server.port)
                devices = load.prepare_devices(
                    address, PASSWORD, args.devices, args.records, args.update_share, args.batch, args.seed
                )
                memory.mark("push")
                cpu = (time.process_time(), server.cpu_seconds())
                pushed = load.push_all(address, devices, args.concurrency)
                push_cpu = (time.process_time() - cpu[0], server.cpu_seconds() - cpu[1])
                memory.mark("pull")
                cpu = (time.process_time(), server.cpu_seconds())
                pulled = load.pull_all(address, PASSWORD, args.pull_limit)
                pull_cpu = (time.process_time() - cpu[0], server.cpu_seconds() - cpu[1])
        finally:
            server.stop()
        counts = stored_counts(db_url)
        if args.backend == "sqlite":
            baseline = raw.sqlite_rates(Path(folder) / "raw.sqlite3", len(pushed.created_ids) or 1)
        else:
            baseline = raw.postgres_rates(
                db_url.replace("postgresql+psycopg://", "postgresql://"), len(pushed.created_ids) or 1
            )
    return report(args, pushed, pulled, memory, counts, baseline, push_cpu, pull_cpu)


def _ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


def report(args, pushed, pulled, memory, counts, baseline, push_cpu, pull_cpu):
    creates = args.devices * args.records
    updates = sum(round(args.records * args.update_share) for _ in range(args.devices))
    push_rate = pushed.mutations / pushed.wall
    pull_rate = len(pulled.records) / pulled.wall
    pull_phase = memory.phases["pull"]
    return {
        "machine": machine(),
        "settings": {k: v for k, v in vars(args).items() if k != "output"},
        "push": {
            "mutations": pushed.mutations,
            "creates": creates,
            "updates": updates,
            "requests": len(pushed.latencies),
            "seconds": round(pushed.wall, 3),
            "records_per_s": round(push_rate),
            "latency_ms": {
                "p50": _ms(load.percentile(pushed.latencies, 0.50)),
                "p95": _ms(load.percentile(pushed.latencies, 0.95)),
                "p99": _ms(load.percentile(pushed.latencies, 0.99)),
                "max": _ms(max(pushed.latencies, default=None)),
            },
            "retries": pushed.retries,
            "errors": pushed.errors[:20],
            "error_count": len(pushed.errors),
            "cpu_seconds": {"client": round(push_cpu[0], 2), "server": round(push_cpu[1], 2)},
        },
        "pull": {
            "records": len(pulled.records),
            "changes": pulled.changes,
            "pages": pulled.pages,
            "seconds": round(pulled.wall, 3),
            "records_per_s": round(pull_rate),
            "page_latency_ms": {
                "p50": _ms(load.percentile(pulled.latencies, 0.50)),
                "p95": _ms(load.percentile(pulled.latencies, 0.95)),
            },
            "cpu_seconds": {"client": round(pull_cpu[0], 2), "server": round(pull_cpu[1], 2)},
        },
        "memory": {
            "peak_rss_bytes": memory.peak_total(),
            "phases": memory.phases,
            # A pull pages through the commune: a worker must not grow with its size.
            "pull_worker_growth_bytes": pull_phase["worker_peak"] - pull_phase["worker_start"],
        },
        "raw": baseline,
        "ratio": {
            "push_to_raw_insert": round(push_rate / baseline["insert_rows_per_s"], 3),
            "pull_to_raw_read": round(pull_rate / baseline["read_rows_per_s"], 3),
        },
        "check": {
            "pushed_creates": creates,
            "pushed_mutations": creates + updates,
            "stored": counts,
            "pulled_records": len(pulled.records),
            "pulled_matches_pushed": set(pulled.records) == pushed.created_ids
            and sum(pulled.records.values()) == creates + updates,
            "exactly_once": counts
            == {"records": creates, "record_versions": creates + updates, "mutations": creates + updates},
        },
    }


def summary(result):
    push, pull, memory, raw_rates = result["push"], result["pull"], result["memory"], result["raw"]
    cpus = result["machine"]["cpus"]
    lines = [
        f"machine: {cpus} CPU ({result['machine']['cpu_model']}), "
        f"{result['machine']['memory_bytes'] / 2**30:.1f} GiB; load at start {result['machine']['load_average_at_start']}",
        f"settings: {result['settings']['backend']}, {result['settings']['workers']} workers, "
        f"{result['settings']['devices']} devices × {result['settings']['records']} records, "
        f"{result['settings']['concurrency']} at once, batches of {result['settings']['batch']}",
        f"push: {push['mutations']} mutations in {push['seconds']} s = {push['records_per_s']} records/s; "
        f"latency per request p50 {push['latency_ms']['p50']} ms, p95 {push['latency_ms']['p95']} ms, "
        f"p99 {push['latency_ms']['p99']} ms; errors {push['error_count']}, 503 retries {push['retries']}",
        f"      CPU: server {push['cpu_seconds']['server']} s, client {push['cpu_seconds']['client']} s "
        f"(of {push['seconds'] * cpus:.1f} s available)",
        f"pull: {pull['records']} records in {pull['pages']} pages, {pull['seconds']} s = {pull['records_per_s']} records/s; "
        f"CPU server {pull['cpu_seconds']['server']} s, client {pull['cpu_seconds']['client']} s",
        f"memory: peak RSS {memory['peak_rss_bytes'] / MIB:.0f} MiB (arbiter + workers); "
        f"a worker grew {memory['pull_worker_growth_bytes'] / MIB:.1f} MiB during the pull",
        f"raw driver: insert {raw_rates['insert_rows_per_s']:.0f} rows/s, read {raw_rates['read_rows_per_s']:.0f} rows/s; "
        f"ours/raw: push {result['ratio']['push_to_raw_insert']}, pull {result['ratio']['pull_to_raw_read']}",
        f"check: stored {result['check']['stored']}, pulled {result['check']['pulled_records']}; "
        f"exactly once {result['check']['exactly_once']}, pull matches push {result['check']['pulled_matches_pushed']}",
    ]
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    result = run(args)
    Path(args.output).write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    print(summary(result))
    print(f"results: {args.output}")
    ok = (
        result["check"]["exactly_once"]
        and result["check"]["pulled_matches_pushed"]
        and not result["push"]["error_count"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
