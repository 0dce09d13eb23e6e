"""The app shell every phone downloads and keeps (what the service worker precaches, and the
worker itself: HTML, JS, CSS, icons, manifest, the vendored rule evaluator with its licence)
stays small enough for a first load over 2G: DESIGN.md decision 9 budgets at most 100 KB
compressed for everything a phone precaches. Measured as the server sends it to a browser that
takes gzip (every browser does; one that also takes brotli gets ~12 % fewer bytes): the bytes on
the wire, with the icons as they are (PNG does not compress again). The desk screens (police and
admin) load only on their devices, on first use, and have a budget of their own."""

import json
import re
from pathlib import Path

from server import create_app

PWA = Path(__file__).resolve().parents[2] / "pwa"
SHELL_LIMIT = 100 * 1024  # compressed
# The commune's desk and, since reports go upward, the province's screens (its board, a
# commune's report, deadlines and targets, its communes). A device fetches only those its role
# opens (app.js keepDeskScreens), so no device downloads all of them.
DESK_LIMIT = 128 * 1024


def _listing(sizes):
    return "\n".join(f"{size:>9,} {name}" for name, size in sorted(sizes.items(), key=lambda s: -s[1]))


def test_app_shell_is_under_100_kb_compressed():
    client = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).test_client()
    gzip_only = {"Accept-Encoding": "gzip"}
    shell_files = json.loads(
        re.search(r"const SHELL_FILES = (\[.*?\]);", client.get("/sw.js").get_data(as_text=True)).group(1)
    )
    sizes = {}
    for url in ["/sw.js", *shell_files]:
        response = client.get(url, headers=gzip_only)
        assert response.status_code == 200, url
        sizes[url] = len(response.get_data())
        response.close()
    on_disk = {"/" + p.relative_to(PWA).as_posix() for p in PWA.rglob("*") if p.is_file()}
    # Everything on disk is either in the shell or a desk screen: nothing escapes the measure.
    assert on_disk - {"/index.html"} - set(sizes) == {u for u in on_disk if u.startswith("/desk/")}
    total = sum(sizes.values())
    assert total < SHELL_LIMIT, f"app shell is {total:,} bytes compressed, over {SHELL_LIMIT:,}:\n{_listing(sizes)}"


def test_desk_screens_stay_within_their_budget():
    sizes = {p.name: p.stat().st_size for p in (PWA / "desk").rglob("*") if p.is_file()}
    assert sizes, "no desk screens"
    total = sum(sizes.values())
    assert total < DESK_LIMIT, f"desk screens are {total:,} bytes, over {DESK_LIMIT:,}:\n{_listing(sizes)}"
