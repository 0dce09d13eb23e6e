"""python -m bench.first_sync: a police phone's first sync of a 10,000-record commune, in the real
app in Chromium over an emulated slow link (docs/performance.md, "Bytes on the wire").

    python -m bench.first_sync                          # 10,000 records, 5 runs, compression off and on
    python -m bench.first_sync --records 300 --runs 1   # a smoke run

What one run does:

1. A fresh SQLite database, migrated and seeded with the demo accounts by the `flask` commands, and
   the commune Quang Trung filled through the API: four field devices push `--records` creates (80 %
   VNeID help, 10 % death checks, 10 % outreach, bench/records.py) and then update a fifth of them.
2. Two gunicorn servers on that database, as `make run` serves: one with SOTAY_COMPRESSION=0 (the
   answers as they went before compression) and one with compression on.
3. What a pull costs on the wire: police.qt pulls the whole commune in pages of the app's size
   (pwa/js/sync.js) with `Accept-Encoding` identity, gzip and br; the bytes of the bodies received.
4. Each run, for each server in turn: Debian's chromium (Playwright, executable_path) opens the app
   as a phone in a new profile, over a link emulated through CDP (`Network.emulateNetworkConditions`,
   default 1.6 Mbit/s down, 750 kbit/s up, 150 ms latency) for the page and its service worker. The
   app shell loads and its service worker installs (as while a person types their password); then
   police.qt logs in, and the run is timed from the click until the status bar shows the first
   sync's time. The bytes are CDP's `encodedDataLength` of every response (headers and body as
   received), the page's and the service worker's. The phone must then hold every record.

Medians over the runs are printed and written to `--output` (JSON) with every run's figures.
"""

import argparse
import http.client
import itertools
import json
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

import brotli
import gzip
import orjson

from bench import load
from bench.__main__ import machine
from bench.server import HOST, Server, fresh_database

PASSWORD = "bench-06"
POLICE = "police.qt"
FIELD_DEVICES = 4
# The app's pull page (pwa/js/sync.js PULL_LIMIT): the wire figures are for the pages it asks for.
APP_PULL_LIMIT = 1000
NEVER_SYNCED = "Chưa đồng bộ lần nào"  # the status bar before the first sync (pwa/js/i18n.js)
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
    "service_workers": "allow",
}
COUNT_RECORDS = """async () => {
  const db = await new Promise((ok, fail) => { const r = indexedDB.open("sotay06"); r.onsuccess = () => ok(r.result); r.onerror = fail; });
  return new Promise((ok) => { const c = db.transaction("records").objectStore("records").count(); c.onsuccess = () => ok(c.result); });
}"""
DECODE = {"identity": lambda body: body, "gzip": gzip.decompress, "br": brotli.decompress}


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.first_sync", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000, help="records in the commune")
    parser.add_argument("--runs", type=int, default=5, help="first syncs timed on each server")
    parser.add_argument("--modes", choices=("both", "on", "off"), default="both", help="compression off, on, or both")
    parser.add_argument("--down-kbps", type=float, default=1600)
    parser.add_argument("--up-kbps", type=float, default=750)
    parser.add_argument("--latency-ms", type=float, default=150)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of each server")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a first sync may take before it fails")
    parser.add_argument("--output", default="bench-first-sync.json")
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------------------------
# The commune and what its pull weighs


def fill_commune(address, records):
    """`records` records in Quang Trung, pushed by four field devices (and a fifth of them updated)."""
    per_device = -(-records // FIELD_DEVICES)
    devices = load.prepare_devices(address, PASSWORD, FIELD_DEVICES, per_device, 0.2, 100, seed=17)
    outcome = load.push_all(address, devices, FIELD_DEVICES)
    if outcome.errors:
        raise RuntimeError(f"filling the commune failed: {outcome.errors[:3]}")
    return len(outcome.created_ids)


def wire_bytes(address, limit):
    """Per coding: the bytes of the pull bodies police.qt receives for the whole commune."""
    figures = {}
    for coding in DECODE:
        login = load.Connection(*address)
        device = load.login(login, POLICE, PASSWORD)
        login.close()
        connection = http.client.HTTPConnection(*address, timeout=120)
        received, records, pages, cursor = 0, 0, 0, None
        while True:
            query = {"device_id": device.device_id, "limit": limit, **({"cursor": cursor} if cursor else {})}
            headers = {"Authorization": f"Bearer {device.token}", "Accept-Encoding": coding}
            connection.request("GET", f"{load.API}/sync/pull?{urlencode(query)}", headers=headers)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"pull failed: HTTP {response.status} {body[:300]!r}")
            sent_as = response.getheader("Content-Encoding") or "identity"
            if sent_as != coding:
                raise RuntimeError(f"asked for {coding}, the server sent {sent_as}")
            page = orjson.loads(DECODE[coding](body))
            received += len(body)
            records += len(page["changes"])
            pages += 1
            cursor = page["cursor"]
            if not page["has_more"]:
                break
        connection.close()
        figures[coding] = {
            "records": records,
            "pages": pages,
            "body_bytes": received,
            "bytes_per_record": round(received / max(records, 1), 1),
        }
    return figures


# ---------------------------------------------------------------------------------------------
# The phone


class Traffic:
    """Every response the page and its service worker receive, from CDP's Network events."""

    def __init__(self):
        self.requests = {}
        self.phase = "shell"

    def event(self, source, method, params):
        key = (source, params.get("requestId"))
        if method == "Network.requestWillBeSent":
            self.requests[key] = {
                "url": params["request"]["url"],
                "method": params["request"]["method"],
                "phase": self.phase,
                "source": source,
                "started": params["timestamp"],
                "bytes": 0,
                "coding": None,
                "answered": None,
                "finished": None,
            }
        elif key in self.requests and method == "Network.responseReceived":
            headers = {k.lower(): v for k, v in params["response"]["headers"].items()}
            self.requests[key]["coding"] = headers.get("content-encoding")
            self.requests[key]["answered"] = params["timestamp"]
        elif key in self.requests and method == "Network.loadingFinished":
            self.requests[key]["bytes"] = params["encodedDataLength"]
            self.requests[key]["finished"] = params["timestamp"]

    def of_phase(self, phase):
        return [r for r in self.requests.values() if r["phase"] == phase and r["finished"] is not None]


def watch(context, page, conditions, traffic):
    """CDP on the page and, through auto-attach, on its service worker: the same emulated link on
    both (the worker is held at its start until it has it), and every response counted."""
    session = context.new_cdp_session(page)
    messages = itertools.count(1)

    for method in ("Network.requestWillBeSent", "Network.responseReceived", "Network.loadingFinished"):
        session.on(method, lambda params, method=method: traffic.event("page", method, params))

    def send_to(session_id, method, params=None):
        message = {"id": next(messages), "method": method, "params": params or {}}
        session.send("Target.sendMessageToTarget", {"sessionId": session_id, "message": json.dumps(message)})

    def attached(event):
        session_id = event["sessionId"]
        if event["targetInfo"]["type"] == "service_worker":
            send_to(session_id, "Network.enable")
            send_to(session_id, "Network.emulateNetworkConditions", conditions)
        send_to(session_id, "Runtime.runIfWaitingForDebugger")

    def from_target(event):
        message = json.loads(event["message"])
        if message.get("method", "").startswith("Network."):
            traffic.event(event["sessionId"], message["method"], message["params"])

    session.on("Target.attachedToTarget", attached)
    session.on("Target.receivedMessageFromTarget", from_target)
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", conditions)
    # Not flattened: Playwright's own session keeps the flat protocol; ours reaches the worker
    # through Target.sendMessageToTarget.
    session.send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": False})
    return session


def first_sync(browser, base_url, conditions, records, timeout):
    """One phone, new profile: load the app, log in as police, wait for the first sync's end."""
    from playwright.sync_api import expect

    context = browser.new_context(base_url=base_url, **PHONE)
    context.set_default_timeout(timeout * 1000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    traffic = Traffic()
    try:
        watch(context, page, conditions, traffic)
        started = time.monotonic()
        page.goto("/")
        page.wait_for_selector("#username")
        page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
        shell_seconds = time.monotonic() - started
        traffic.phase = "sync"
        page.fill("#username", POLICE)
        page.fill("#password", PASSWORD)
        started = time.monotonic()
        page.click("#login-form button[type=submit]")
        expect(page.locator("#last-sync")).not_to_have_text(NEVER_SYNCED, timeout=timeout * 1000)
        sync_seconds = time.monotonic() - started
        held = page.evaluate(COUNT_RECORDS)
    finally:
        context.close()
    if held != records:
        raise RuntimeError(f"the phone holds {held} records of {records}")
    if errors:
        raise RuntimeError(f"the app failed: {errors[:3]}")
    shell, sync = traffic.of_phase("shell"), traffic.of_phase("sync")
    pulls = sorted((r for r in sync if "/api/v1/sync/pull" in r["url"]), key=lambda r: r["started"])
    return {
        "shell_seconds": round(shell_seconds, 2),
        "shell_bytes": sum(r["bytes"] for r in shell),
        "shell_requests": len(shell),
        "sync_seconds": round(sync_seconds, 2),
        "sync_bytes": sum(r["bytes"] for r in sync),
        "sync_requests": len(sync),
        "pull_pages": len(pulls),
        "pull_bytes": sum(r["bytes"] for r in pulls),
        # From the first pull's request to the last pull's last byte, on the browser's clock.
        "pull_seconds": round(max(r["finished"] for r in pulls) - min(r["started"] for r in pulls), 2),
        "codings": sorted({r["coding"] or "identity" for r in shell + sync}),
        "pull_page_ms": pull_profile(pulls),
    }


def pull_profile(pulls):
    """Where a pull page's time goes, medians over the pages in ms: from its request to its
    headers (the link's latency and the server), from its headers to its last byte (the link's
    bandwidth), and from its last byte to the next page's request (the phone: parsing the page and
    storing it in IndexedDB)."""
    ms = lambda seconds: round(seconds * 1000)  # noqa: E731
    return {
        "to_headers": ms(statistics.median(r["answered"] - r["started"] for r in pulls)),
        "to_last_byte": ms(statistics.median(r["finished"] - r["answered"] for r in pulls)),
        "on_the_phone": ms(statistics.median(b["started"] - a["finished"] for a, b in itertools.pairwise(pulls)))
        if len(pulls) > 1
        else None,
    }


# ---------------------------------------------------------------------------------------------
# The run


def run(args):
    from playwright.sync_api import sync_playwright

    modes = {"both": ("off", "on"), "on": ("on",), "off": ("off",)}[args.modes]
    conditions = {
        "offline": False,
        "latency": args.latency_ms,
        "downloadThroughput": args.down_kbps * 1000 / 8,
        "uploadThroughput": args.up_kbps * 1000 / 8,
    }
    result = {
        "machine": machine(),
        "settings": {**vars(args), "app_pull_limit": APP_PULL_LIMIT},
        "runs": {mode: [] for mode in modes},
    }
    with ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="sotay-first-sync-"))
        db_url = stack.enter_context(fresh_database("sqlite", folder))
        servers = {}
        for mode in modes:
            server_folder = Path(folder) / mode
            server_folder.mkdir()
            server = Server(
                db_url,
                server_folder,
                args.workers,
                PASSWORD,
                extra_env={"SOTAY_COMPRESSION": "1" if mode == "on" else "0"},
            )
            if not servers:
                server.prepare()
            server.start()
            stack.callback(server.stop)
            servers[mode] = server
        address = (HOST, next(iter(servers.values())).port)
        started = time.perf_counter()
        result["records"] = fill_commune(address, args.records)
        result["fill_seconds"] = round(time.perf_counter() - started, 1)
        if "on" in servers:
            result["wire"] = wire_bytes((HOST, servers["on"].port), APP_PULL_LIMIT)
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=args.chromium, args=["--disable-gpu", "--disable-quic"])
        stack.callback(browser.close)
        for number in range(args.runs):
            # Taking turns, so that a busier minute on the shared machine falls on both.
            for mode in modes if number % 2 == 0 else reversed(modes):
                figures = first_sync(browser, servers[mode].base_url, conditions, result["records"], args.timeout)
                result["runs"][mode].append(figures)
                print(f"run {number + 1}, compression {mode}: {summary_line(figures)}", flush=True)
    result["medians"] = {mode: medians(runs) for mode, runs in result["runs"].items()}
    return result


def medians(runs):
    """The median of each figure over the runs (of each figure inside a dict too)."""
    figures = {}
    for name, value in runs[0].items():
        if isinstance(value, dict):
            figures[name] = medians([run[name] for run in runs])
        elif isinstance(value, (int, float)):
            figures[name] = statistics.median(run[name] for run in runs if run[name] is not None)
    return figures


def summary_line(figures):
    return (
        f"first sync {figures['sync_seconds']} s, {figures['sync_bytes'] / 1e6:.2f} MB "
        f"({figures['pull_pages']} pull pages, {figures['pull_bytes'] / 1e6:.2f} MB in {figures['pull_seconds']} s); "
        f"shell {figures['shell_seconds']} s, {figures['shell_bytes'] / 1e3:.0f} kB; a pull page: "
        + ", ".join(
            f"{name.replace('_', ' ')} {value} ms"
            for name, value in figures["pull_page_ms"].items()
            if value is not None
        )
        + (f"; codings {', '.join(figures['codings'])}" if "codings" in figures else "")
    )


def summary(result):
    settings = result["settings"]
    lines = [
        f"machine: {result['machine']['cpus']} CPU, load at start {result['machine']['load_average_at_start']}",
        f"commune: {result['records']} records (filled in {result['fill_seconds']} s); link "
        f"{settings['down_kbps']:g} kbit/s down, {settings['up_kbps']:g} kbit/s up, {settings['latency_ms']:g} ms",
    ]
    for coding, wire in result.get("wire", {}).items():
        lines.append(
            f"pull on the wire, {coding}: {wire['body_bytes']:,} bytes for {wire['records']} records "
            f"in {wire['pages']} pages = {wire['bytes_per_record']} bytes a record"
        )
    for mode, medians in result["medians"].items():
        lines.append(f"compression {mode}, medians of {len(result['runs'][mode])}: {summary_line(medians)}")
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    result = run(args)
    Path(args.output).write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    print(summary(result))
    print(f"results: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
