"""Browser tests: the real server under gunicorn with the demo data, the app loaded in Debian's
chromium (driven by Playwright for Python) at a phone's size, and an API client to check what the
server holds and to act as a reviewer.

Every test in this folder is marked `e2e`, so `pytest -m "not e2e"` leaves them out.
Without /usr/bin/chromium the browser tests are skipped, unless REQUIRE_BROWSER=1 (as in CI),
which makes a missing browser a failure.
"""

import os
from contextlib import contextmanager
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.conftest import empty_database
from tests.e2e.policy import PolicedBrowser
from tests.helpers import PASSWORD, Caller, body_of
from tests.sync.live_server import LiveServer

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"

# Playwright itself starts chromium with --headless, --no-sandbox, --no-first-run,
# --disable-background-networking, --disable-component-update, --disable-sync and a new
# --user-data-dir. The rest: no GPU on a server, and no QUIC, whose attempts a closed network
# only answers with errors.
CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic"]

# A cheap Android phone, as issue 3 describes the volunteer's. http://127.0.0.1 is a secure
# context, so the service worker registers as it would over HTTPS.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
    "service_workers": "allow",
}
DEFAULT_TIMEOUT_MS = 15_000

_reports = pytest.StashKey[dict]()
_log_offset = pytest.StashKey[int]()


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (fixtures look at it to save a screenshot), and add
    what the server logged during a failed test to its report."""
    report = yield
    app = item.funcargs.get("live_app") if hasattr(item, "funcargs") else None
    if app is not None:
        if report.when == "setup":
            item.stash[_log_offset] = app.log_size()
        elif report.failed and not _failed(item):  # once, with the first failure
            report.sections.append(("server log", app.log_since(item.stash.get(_log_offset, 0))))
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


def _failed(node):
    """Whether a phase of this test has failed so far."""
    return any(report.failed for report in node.stash.get(_reports, {}).values())


# ---------------------------------------------------------------------------------------------
# The server


@dataclass
class LiveApp:
    """The running server: `url` (no trailing slash), the demo accounts' `password`, and
    `pwa_dir`, the copy of pwa/ it serves (a test may change it to publish a new version)."""

    url: str
    password: str
    server: LiveServer
    pwa_dir: Path

    @property
    def log_path(self):
        return self.server.log_dir / f"gunicorn-{self.server.port}-{self.server.starts}.log"

    def log_size(self):
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_since(self, offset, chars=20_000):
        with open(self.log_path, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")[-chars:]


@contextmanager
def served(folder, workers=2, extra_env=None, copy_pwa=False, config=None, before_start=None):
    """A real server as `make run` serves it (gunicorn) from `folder`, on a fresh SQLite database
    migrated and seeded with the demo data by the `flask` commands; a LiveApp while it runs.
    `copy_pwa`: it serves a copy of pwa/ the test may change (LiveApp.pwa_dir); `before_start(server)`
    runs once the database is ready, before gunicorn starts."""
    environment = dict(extra_env or {})
    pwa_dir = None
    if copy_pwa:
        pwa_dir = folder / "pwa"
        shutil.copytree(HERE.parents[1] / "pwa", pwa_dir)
        environment["SOTAY_PWA_DIR"] = str(pwa_dir)
    with empty_database("sqlite", folder) as database_url:
        server = LiveServer(
            database_url, folder / "instance", folder, workers=workers, config=config, extra_env=environment
        )
        try:
            server.prepare_database()
            if before_start:
                before_start(server)
            server.start()
            yield LiveApp(url=server.base_url, password=PASSWORD, server=server, pwa_dir=pwa_dir)
        finally:
            server.close()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The server for the whole session (2 workers), with VAPID keys and a copy of pwa/.

    SQLite only: the server's PostgreSQL behaviour is covered by the API tests; the browser tests
    prove the client, and would only run twice as long on a second backend.
    """
    folder = tmp_path_factory.mktemp("e2e-server")
    # The access log too, so a failed test's report shows which requests the phone made.
    config = folder / "gunicorn_e2e.py"
    config.write_text('accesslog = "-"\n')
    with served(
        folder,
        config=config,
        copy_pwa=True,
        # Test only: the notification test's push service listens on loopback.
        extra_env={"SOTAY_TEST_PUSH_LOOPBACK": "1"},
        # VAPID keys, as `make run` makes them: the app sends Web Push after its responses.
        before_start=lambda server: server.flask("vapid-keys"),
    ) as app:
        yield app


# ---------------------------------------------------------------------------------------------
# The API, as another device would use it


class ApiFailure(AssertionError):
    """An API call answered with an error: the status and the server's error envelope."""

    def __init__(self, method, path, status, body):
        self.status = status
        self.body = body
        self.error = body.get("error", {}) if isinstance(body, dict) else {}
        super().__init__(f"{method} {path} -> {status}: {body}")


class Api:
    """A demo user logged in on a device of its own (a new uuid4), speaking the HTTP API.
    `get` and `post` return the parsed JSON body and raise ApiFailure on any error status."""

    def __init__(self, base_url, username, password=PASSWORD, device_id=None):
        self.session = requests.Session()
        self.caller = Caller(self.session, username, password, device_id, base_url=base_url)
        self.username = username
        self.device_id = self.caller.device_id
        self.user = self.caller.user

    def request(self, method, path, **kwargs):
        response = self.caller.request(method, path, **kwargs)
        if response.status_code == 204:
            return None
        try:
            body = body_of(response)
        except ValueError:
            body = response.text
        if response.status_code >= 400:
            raise ApiFailure(method, path, response.status_code, body)
        return body

    def get(self, path, **params):
        """api.get("/records", type="vneid_support") -> the parsed body."""
        return self.request("GET", path, params=params or None)

    def post(self, path, json=None):
        return self.request("POST", path, json=json)

    def records(self, **filters):
        """Every record this user may see through GET /records (all pages), newest change first."""
        items, page = [], 1
        while True:
            body = self.get("/records", per_page=200, page=page, **filters)
            items += body["items"]
            if page * body["per_page"] >= body["total"]:
                return items
            page += 1

    def review(self, record_id, action, comment=None):
        """A review action on the record's current version (police or admin): the record after."""
        record = self.get(f"/records/{record_id}")
        payload = {"action": action, "base_version": record["version"]}
        if comment is not None:
            payload["comment"] = comment
        return self.post(f"/records/{record_id}/review", json=payload)

    def close(self):
        self.session.close()


@pytest.fixture
def api(live_app):
    """api(username, password=None) -> Api: that demo user, logged in on a new device."""
    opened = []

    def login(username, password=None):
        client = Api(live_app.url, username, password or live_app.password)
        opened.append(client)
        return client

    yield login
    for client in opened:
        client.close()


# ---------------------------------------------------------------------------------------------
# The browser and the phone


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, for the whole session. Playwright's own browser download
    cannot work here (no network but package registries), so it is started by executable_path."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if REQUIRE_BROWSER:
            pytest.fail(f"REQUIRE_BROWSER=1 but {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, chromium_sandbox=False, args=CHROMIUM_ARGS
        )
        try:
            yield PolicedBrowser(browser)
        finally:
            browser.close()


@pytest.fixture(autouse=True)
def no_policy_violations(request):
    """Every browser test fails if the Content-Security-Policy or Trusted Types blocked anything
    in any of its pages: the whole suite proves the app runs under the policy (policy.py). A test
    that means to cause a violation clears `browser.violations`."""
    if "browser" not in request.fixturenames:
        yield
        return
    violations = request.getfixturevalue("browser").violations
    violations.clear()
    yield
    if violations:
        pytest.fail("blocked by the page's security policy:\n  " + "\n  ".join(violations))


@dataclass
class Phone:
    """One phone: its own browser context (its own storage, IndexedDB and service workers) and
    a page on it. `console_errors` and `page_errors` collect from every page of the context."""

    context: object
    page: object
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)

    def new_page(self):
        """Another tab on the same phone (the old one may be closed first: "close and reopen")."""
        self.page = self.context.new_page()
        return self.page

    def set_offline(self, offline):
        self.context.set_offline(offline)


@pytest.fixture
def phone(browser, live_app, request):
    """A fresh phone at 360×740 on the live app: page.goto("/") opens the app. The test fails
    at teardown if a page raised an uncaught exception (clear `phone.page_errors` when a test
    means to cause one); on failure a screenshot is saved under tests/e2e/artifacts/."""
    workers = "block" if request.node.get_closest_marker("no_service_worker") else "allow"
    context = browser.new_context(base_url=live_app.url, **{**PHONE, "service_workers": workers})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    phone = Phone(context=context, page=None)

    def watch(page):
        def on_console(message):
            if message.type == "error":
                phone.console_errors.append(f"{page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: phone.page_errors.append(f"{page.url}: {error}"))

    context.on("page", watch)
    phone.new_page()
    try:
        yield phone
        if _failed(request.node) and not phone.page.is_closed():
            path = save_screenshot(phone.page, f"{_file_name(request.node.nodeid)}-failed")
            print(f"screenshot: {path}")
        if phone.console_errors:
            print("console errors:\n  " + "\n  ".join(phone.console_errors))
        if phone.page_errors:
            pytest.fail("uncaught exceptions in the page:\n  " + "\n  ".join(phone.page_errors))
    finally:
        context.close()


# ---------------------------------------------------------------------------------------------
# Artifacts


@pytest.fixture(scope="session")
def artifacts():
    """tests/e2e/artifacts/ (ignored by git), created if missing."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def save_screenshot(page, name):
    """The page's viewport as tests/e2e/artifacts/<name>.png; returns the path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{_file_name(name)}.png"
    page.screenshot(path=str(path))
    return path


def _file_name(text):
    return re.sub(r"[^\w.-]+", "_", text).strip("_")
