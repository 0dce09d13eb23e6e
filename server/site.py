"""The PWA's files at /, its service worker and version, and the health check."""
import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, send_from_directory
from sqlalchemy import text

from server.extensions import db
from server.jsonio import json_response

PWA_DIR = Path(__file__).resolve().parent.parent / "pwa"

bp = Blueprint("site", __name__)


def pwa_dir():
    """Where the PWA's files are: the repository's pwa/, unless SOTAY_PWA_DIR names a copy."""
    configured = current_app.config.get("PWA_DIR")
    return Path(configured) if configured else PWA_DIR


@bp.route("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return json_response({"status": "ok"})


def shell():
    """The app shell's URLs and a digest of every file: the version a phone runs.

    Computed from the files on each request (a few hundred microseconds), so a deploy
    that changes any file changes the service worker and every phone updates.
    """
    digest = hashlib.sha256()
    urls = ["/", "/js/version.js"]
    folder = pwa_dir()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
        # The desk screens (police, admin) are not precached: phones that never open them
        # never download them (sw.js caches them on first use).
        if relative not in ("index.html", "sw.js") and not relative.startswith("desk/"):
            urls.append("/" + relative)
    return digest.hexdigest()[:12], urls


def _javascript(text):
    response = Response(text, mimetype="text/javascript")
    # Always revalidated: a stale service worker or version would pin phones to old code.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/sw.js")
def service_worker():
    version, urls = shell()
    constants = f"const SHELL_VERSION = {json.dumps(version)};\nconst SHELL_FILES = {json.dumps(urls)};\n"
    return _javascript(constants + (pwa_dir() / "sw.js").read_text(encoding="utf-8"))


@bp.route("/js/version.js")
def app_version():
    return _javascript(f"export const APP_VERSION = {json.dumps(shell()[0])};\n")


@bp.route("/")
def index():
    return send_from_directory(pwa_dir(), "index.html")


# Top-level files and the app's asset folders only, so that /api/v1/... never falls
# through to here (a GET on a POST-only endpoint must stay a 405).
@bp.route("/<filename>")
@bp.route("/<any(js, css, icons, desk):folder>/<path:filename>")
def pwa_file(filename, folder=None):
    return send_from_directory(pwa_dir() / folder if folder else pwa_dir(), filename)
