"""python -m bench.compare: medians of two sets of `python -m bench` results, side by side.

    python -m bench.compare /tmp/old-*.json -- /tmp/new-*.json

On a shared machine single runs spread widely: compare sets taken in turn, and read the load.
"""

import statistics
import sys
from pathlib import Path

import orjson

FIGURES = (
    ("load average at start", lambda r: r["machine"]["load_average_at_start"][0]),
    ("push, mutations/s", lambda r: r["push"]["records_per_s"]),
    ("ours/raw push", lambda r: r["ratio"]["push_to_raw_insert"]),
    ("push p50 ms", lambda r: r["push"]["latency_ms"]["p50"]),
    ("push p95 ms", lambda r: r["push"]["latency_ms"]["p95"]),
    ("push p99 ms", lambda r: r["push"]["latency_ms"]["p99"]),
    ("server CPU s", lambda r: r["push"]["cpu_seconds"]["server"]),
    ("raw insert rows/s", lambda r: r["raw"]["insert_rows_per_s"]),
    ("pull records/s", lambda r: r["pull"]["records_per_s"]),
)


def column(paths):
    results = [orjson.loads(Path(path).read_bytes()) for path in paths]
    if not all(r["check"]["exactly_once"] and r["check"]["pulled_matches_pushed"] for r in results):
        raise SystemExit("a run failed its exactly-once or pull check")
    return [
        (
            statistics.median(figure(r) for r in results),
            min(figure(r) for r in results),
            max(figure(r) for r in results),
        )
        for _, figure in FIGURES
    ]


def _number(value):
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _cell(figure):
    median, low, high = figure
    return f"{_number(median)} ({_number(low)} – {_number(high)})"


def main(argv):
    if "--" not in argv:
        raise SystemExit(__doc__)
    split = argv.index("--")
    before, after = column(argv[:split]), column(argv[split + 1 :])
    print(f"| median (min – max) | before, {split} runs | after, {len(argv) - split - 1} runs |")
    print("| --- | --- | --- |")
    for (name, _), old, new in zip(FIGURES, before, after, strict=True):
        print(f"| {name} | {_cell(old)} | {_cell(new)} |")


if __name__ == "__main__":
    main(sys.argv[1:])
