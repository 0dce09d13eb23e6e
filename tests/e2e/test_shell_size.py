"""The app shell (everything under pwa/: HTML, JS, CSS, icons, manifest, service worker) stays
small enough for a first load over 2G and a phone's cache: under 150 KB uncompressed."""
from pathlib import Path

PWA = Path(__file__).resolve().parents[2] / "pwa"
LIMIT = 150 * 1024


def test_app_shell_is_under_150_kb():
    sizes = {path.relative_to(PWA).as_posix(): path.stat().st_size
             for path in sorted(PWA.rglob("*")) if path.is_file()}
    total = sum(sizes.values())
    listing = "\n".join(f"{size:>9,} {name}" for name, size in sorted(sizes.items(), key=lambda s: -s[1]))
    assert sizes, f"no files under {PWA}"
    assert total < LIMIT, f"app shell is {total:,} bytes, over {LIMIT:,}:\n{listing}"
