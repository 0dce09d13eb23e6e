"""python -m bench.lighthouse: Lighthouse on the login screen and, logged in as a police user, on the
home, the records list and the review queue; prints each page's scores and fails when performance,
accessibility or best practices is under 95 on any of them (docs/pwa.md, "Lighthouse").

    make lighthouse                                   # installs Lighthouse (npm ci), then this
    python -m bench.lighthouse --port 8830

The app runs as `make run` serves it (gunicorn, the demo data) on a fresh SQLite database in a
temporary instance folder; Lighthouse 12.2.3 (package.json: 13 needs Node 22) drives Debian's
chromium (CHROME_PATH) through a user flow, bench/lighthouse.mjs. Lighthouse's defaults: a mobile
phone, slow 4G (150 ms, 1.6 Mbit/s) and a 4× slower CPU, simulated. The simulation slows down the
CPU time it observed, so a busy machine scores lower: the flow runs --runs times (3) and each
figure is the median, as Lighthouse's own advice on variability has it."""

import argparse
import os
import statistics
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

from bench.server import ROOT, Server

USERNAME = "police.qt"
PASSWORD = "demo-06"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
# Each of these must score at least this on every page.
REQUIRED = {"performance": 95, "accessibility": 95, "best-practices": 95}


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.lighthouse", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, help="the server's port (default: a free one)")
    parser.add_argument("--runs", type=int, default=3, help="how many times the flow runs (the median is kept)")
    parser.add_argument("--report", default="lighthouse-flow.html", help="where the HTML report of the flow goes")
    parser.add_argument("--output", default="lighthouse-results.json", help="where the JSON figures go")
    return parser.parse_args(argv)


def run_flow(base_url, report, chrome):
    env = dict(os.environ, CHROME_PATH=chrome)
    completed = subprocess.run(
        ["node", "bench/lighthouse.mjs", base_url, USERNAME, PASSWORD, str(Path(report).resolve())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if completed.returncode != 0:
        raise SystemExit(f"Lighthouse failed:\n{completed.stderr[-5000:]}")
    return orjson.loads(completed.stdout.strip().splitlines()[-1])


def chromium_version(path):
    completed = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    return completed.stdout.strip()


def _median(values, digits=None):
    """The median of the runs that measured the step (Lighthouse now and then loses a trace:
    NO_NAVSTART); None if none did."""
    measured = [value for value in values if value is not None]
    return round(statistics.median(measured), digits) if measured else None


def median_of(runs):
    """One result from several runs of the flow: per step and category the median score, each
    run's scores beside it, and the failing audits of every run."""
    result = {key: value for key, value in runs[0].items() if key != "steps"}
    result["steps"] = []
    for at, step in enumerate(runs[0]["steps"]):
        taken = [run["steps"][at] for run in runs]
        result["steps"].append(
            {
                "name": step["name"],
                "url": step["url"],
                "storage_reset": step["storage_reset"],
                "scores": {c: _median([t["scores"][c] for t in taken]) for c in CATEGORIES},
                "metrics": {m: _median([t["metrics"][m] for t in taken], 3) for m in step["metrics"]},
                "runs": [t["scores"] for t in taken],
                "problems": sorted({p for t in taken for p in t["problems"]}),
                "failing": {
                    c: {
                        audit: [t["failing"][c].get(audit, "ok") for t in taken]
                        for t0 in taken
                        for audit in t0["failing"][c]
                    }
                    for c in CATEGORIES
                },
            }
        )
    return result


def summary(result):
    throttling = result["throttling"]
    lines = [
        f"Lighthouse {result['lighthouse']}, {result['chromium']}",
        f"{result['form_factor']}, {result['throttling_method']} throttling: RTT {throttling['rttMs']} ms, "
        f"{throttling['throughputKbps'] / 1024:.1f} Mbit/s down, CPU ×{throttling['cpuSlowdownMultiplier']}",
        f"median of {len(result['steps'][0]['runs'])} runs",
        f"{'page':<16}" + "".join(f"{c:>16}" for c in CATEGORIES),
    ]
    for step in result["steps"]:
        lines.append(f"{step['name']:<16}" + "".join(f"{str(step['scores'][c]):>16}" for c in CATEGORIES))
        lines.append(
            f"{'':<16}"
            + "".join(
                f"{' ' + '/'.join('–' if r[c] is None else str(r[c]) for r in step['runs']):>16}" for c in CATEGORIES
            )
        )
        metrics = step["metrics"]
        if metrics["lcp_ms"] is not None:
            lines.append(
                f"    FCP {metrics['fcp_ms'] / 1000:.1f} s, LCP {metrics['lcp_ms'] / 1000:.1f} s, "
                f"TBT {metrics['tbt_ms']:.0f} ms, CLS {metrics['cls']:.3f}, Speed Index {metrics['speed_index_ms'] / 1000:.1f} s"
            )
        for problem in step["problems"]:
            lines.append(f"    ! {problem}")
        for category, audits in step["failing"].items():
            if audits:
                lines.append(
                    f"    {category}: "
                    + "; ".join(f"{audit} ({', '.join(values)})" for audit, values in audits.items())
                )
    return "\n".join(lines)


def below(result):
    """What keeps the run from passing: each required category under its least, or never measured."""
    return [
        f"{step['name']}: {category} {'not measured' if score is None else score}"
        for step in result["steps"]
        for category, least in REQUIRED.items()
        if (score := step["scores"][category]) is None or score < least
    ]


def main(argv=None):
    args = parse_args(argv)
    if not shutil.which("node") or not (ROOT / "node_modules" / "lighthouse").is_dir():
        raise SystemExit("Lighthouse is not installed: make lighthouse (npm ci) first")
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory(prefix="sotay-lighthouse-") as folder:
        server = Server(f"sqlite:///{Path(folder) / 'lighthouse.sqlite3'}", folder, 2, PASSWORD, port=args.port)
        # As `make run`: the schema, then the demo communes, accounts and three months of their work.
        server.flask("db", "upgrade")
        server.flask("seed-demo", "--password", PASSWORD)
        server.start()
        try:
            # The HTML report is the last run's.
            result = median_of([run_flow(server.base_url, args.report, chrome) for _ in range(args.runs)])
        finally:
            server.stop()
    result["chromium"] = chromium_version(chrome)
    Path(args.output).write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    print(summary(result))
    print(f"report: {args.report}, figures: {args.output}")
    failed = below(result)
    if failed:
        print("under the required scores: " + "; ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
