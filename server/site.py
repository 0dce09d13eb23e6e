"""The PWA's files at /, its service worker and version, and the health check.

Outside /api/v1, but in the OpenAPI document too (without security): what they answer, and in
which Content-Type, is part of the contract the fuzz test holds the server to."""

import hashlib
import json
from pathlib import Path

from flask import Response, current_app, send_from_directory
from marshmallow import fields
from sqlalchemy import text
from werkzeug.security import safe_join

from server.extensions import db
from server.jsonio import Blueprint, json_response
from server.schemas import ResponseSchema

PWA_DIR = Path(__file__).resolve().parent.parent / "pwa"

bp = Blueprint("site", __name__, description="Ứng dụng (PWA) và kiểm tra tình trạng máy chủ")
# The app's files by extension, as send_from_directory names them.
FILE_TYPES = ("text/html", "text/javascript", "text/css", "image/png", "application/manifest+json")


class HealthSchema(ResponseSchema):
    status = fields.String(metadata={"enum": ["ok"]})


def public_file(*content_types):
    """Document a public answer (no token): a file in one of `content_types`, or a 404."""

    def decorator(view):
        view = bp.alt_response(404, response="NOT_FOUND")(view)
        for content_type in reversed(content_types[1:]):
            view = bp.alt_response(200, description=content_type, content_type=content_type, success=True)(view)
        view = bp.response(200, description=content_types[0], content_type=content_types[0])(view)
        return bp.doc(security=[])(view)

    return decorator


def pwa_dir():
    """Where the PWA's files are: the repository's pwa/, unless SOTAY_PWA_DIR names a copy."""
    configured = current_app.config.get("PWA_DIR")
    return Path(configured) if configured else PWA_DIR


@bp.route("/healthz")
@bp.doc(security=[])
@bp.response(200, HealthSchema)
@bp.errors()
def healthz():
    """Máy chủ và cơ sở dữ liệu đang trả lời (503 khi cơ sở dữ liệu không trả lời)."""
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
@public_file("text/javascript")
def service_worker():
    """Service worker của ứng dụng: phiên bản và danh sách tệp cần lưu sẵn, rồi mã của nó."""
    version, urls = shell()
    constants = f"const SHELL_VERSION = {json.dumps(version)};\nconst SHELL_FILES = {json.dumps(urls)};\n"
    return _javascript(constants + (pwa_dir() / "sw.js").read_text(encoding="utf-8"))


@bp.route("/js/version.js")
@public_file("text/javascript")
def app_version():
    """Phiên bản ứng dụng đang phục vụ (cùng phiên bản với service worker)."""
    return _javascript(f"export const APP_VERSION = {json.dumps(shell()[0])};\n")


@bp.route("/")
@public_file("text/html")
def index():
    """Trang của ứng dụng."""
    return _send(pwa_dir(), "index.html")


# Top-level files and the app's asset folders only, so that /api/v1/... never falls
# through to here (a GET on a POST-only endpoint must stay a 405).
@bp.route("/<filename>")
@bp.route("/<any(js, css, icons, desk, vendor):folder>/<path:filename>")
@public_file(*FILE_TYPES)
def pwa_file(filename, folder=None):
    """Một tệp của ứng dụng."""
    return _send(pwa_dir() / folder if folder else pwa_dir(), filename)


def _send(folder, filename):
    """A file of the app, its ETag a digest of its content rather than of its time and size: a
    deploy that writes files anew leaves the unchanged ones' ETags as they were, so a phone
    revalidating them (the service worker's install, sw.js) gets 304s, not the files again."""
    path = safe_join(str(folder), filename)
    if path is None or not Path(path).is_file():
        return send_from_directory(folder, filename)  # its 404
    etag = hashlib.blake2b(Path(path).read_bytes(), digest_size=12).hexdigest()
    return send_from_directory(folder, filename, etag=etag)
