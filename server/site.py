"""The PWA's files at /, and the health check."""
from pathlib import Path

from flask import Blueprint, send_from_directory
from sqlalchemy import text

from server.extensions import db
from server.jsonio import json_response

PWA_DIR = Path(__file__).resolve().parent.parent / "pwa"

bp = Blueprint("site", __name__)


@bp.route("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return json_response({"status": "ok"})


@bp.route("/")
def index():
    return send_from_directory(PWA_DIR, "index.html")


# Top-level files and the app's asset folders only, so that /api/v1/... never falls
# through to here (a GET on a POST-only endpoint must stay a 405).
@bp.route("/<filename>")
@bp.route("/<any(js, css, icons):folder>/<path:filename>")
def pwa_file(filename, folder=None):
    return send_from_directory(PWA_DIR / folder if folder else PWA_DIR, filename)
