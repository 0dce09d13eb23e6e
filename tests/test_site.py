"""The app shell's version: /sw.js and /js/version.js name the same digest of every file under
pwa/, so any change to any shell file is a new service worker (phones are offered the update)
and the same files always give the same version (phones are not made to update for nothing)."""

import json
import re
import shutil
from pathlib import Path

import pytest

from server import site


@pytest.fixture
def shell_copy(tmp_path, monkeypatch):
    """A copy of pwa/ served in its place, to change files without touching the real one."""
    copy = tmp_path / "pwa"
    shutil.copytree(site.PWA_DIR, copy)
    monkeypatch.setattr(site, "PWA_DIR", copy)
    return copy


def versions(client):
    worker = client.get("/sw.js")
    module = client.get("/js/version.js")
    assert worker.status_code == module.status_code == 200
    shell = re.search(r'^const SHELL_VERSION = "([0-9a-f]+)";$', worker.get_data(as_text=True), re.M).group(1)
    app = re.search(r'^export const APP_VERSION = "([0-9a-f]+)";$', module.get_data(as_text=True), re.M).group(1)
    return shell, app


def shell_files(client):
    text = client.get("/sw.js").get_data(as_text=True)
    return json.loads(re.search(r"^const SHELL_FILES = (\[.*\]);$", text, re.M).group(1))


def test_the_worker_and_the_page_name_the_same_version(client, shell_copy):
    shell, app = versions(client)
    assert shell == app
    assert versions(client) == (shell, app)  # the same files, the same version


def test_a_changed_shell_file_is_a_new_version(client, shell_copy):
    before, _ = versions(client)
    css = shell_copy / "css" / "app.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* one more rule */\n", encoding="utf-8")
    after, app = versions(client)
    assert after != before and app == after

    css.write_text(css.read_text(encoding="utf-8").replace("\n/* one more rule */\n", ""), encoding="utf-8")
    assert versions(client) == (before, before)  # back to the same bytes, back to the same version


def test_a_new_shell_file_is_precached_and_changes_the_version(client, shell_copy):
    before, _ = versions(client)
    (shell_copy / "js" / "extra.js").write_text("export const EXTRA = 1;\n", encoding="utf-8")
    assert "/js/extra.js" in shell_files(client)
    assert versions(client)[0] != before


def test_the_worker_precaches_every_shell_file_and_each_is_served(client, shell_copy):
    files = shell_files(client)
    on_disk = {"/" + p.relative_to(shell_copy).as_posix() for p in shell_copy.rglob("*") if p.is_file()}
    # The desk screens (police, admin) are cached on first use, not precached on every phone.
    phone_shell = {url for url in on_disk if not url.startswith("/desk/")}
    assert set(files) == (phone_shell - {"/index.html", "/sw.js"}) | {"/", "/js/version.js"}
    for url in files:
        assert client.get(url).status_code == 200, url


def test_the_worker_and_the_version_are_always_revalidated(client):
    for url in ("/sw.js", "/js/version.js"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-cache", url
        assert response.mimetype == "text/javascript", url


def test_the_served_shell_is_the_real_pwa_folder():
    assert site.PWA_DIR == Path(__file__).resolve().parents[1] / "pwa"
    assert (site.PWA_DIR / "sw.js").is_file() and (site.PWA_DIR / "index.html").is_file()
