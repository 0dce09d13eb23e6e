"""Run by test_export_memory.py in its own process: export a report through the HTTP route and
print the peak RSS growth it caused. On Linux the peak (VmHWM) is reset to the current RSS before
each export by writing 5 to /proc/self/clear_refs, so each figure is that export's own peak over
what the process held before it; elsewhere ru_maxrss is used (a lower bound on the growth)."""

import json
import resource
import sys
import time

from server import create_app
from tests.helpers import Caller


def _status_kib(name):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(name + ":"))


def reset_peak():
    """The current RSS in KiB, with the peak reset to it where the system allows."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return _status_kib("VmRSS")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak():
    try:
        return _status_kib("VmHWM")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(database_url, instance_path, output):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    app.instance_path = instance_path
    client = app.test_client()
    admin = Caller(client, "admin.qt")
    # Warm up on an empty month: every module and code path loaded before the baseline.
    for fmt in ("xlsx", "csv"):
        admin.get(
            "/reports/export", query_string={"period": "2001-01", "format": fmt, "type": "vneid_activation"}
        ).get_data()
    results = {}
    for fmt in ("xlsx", "csv"):
        baseline = reset_peak()
        started = time.monotonic()
        response = admin.get(
            "/reports/export",
            query_string={"period": "2026-10", "format": fmt, "type": "vneid_activation"},
            buffered=False,
        )
        size = 0
        with open(f"{output}.{fmt}", "wb") as out:
            for chunk in response.response:
                size += len(chunk)
                out.write(chunk)
        response.close()
        results[fmt] = {
            "status": response.status_code,
            "bytes": size,
            "growth_kib": peak() - baseline,
            "seconds": round(time.monotonic() - started, 1),
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:4])
