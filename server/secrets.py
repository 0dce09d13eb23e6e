"""Secrets: from the environment, or generated once into the instance folder (never committed)."""
import json
import os
import secrets as token_source
from pathlib import Path

_FILE = "secrets.json"


def load_secrets(app):
    path = Path(app.instance_path) / _FILE
    stored = json.loads(path.read_text()) if path.exists() else {}
    if not app.config.get("JWT_SECRET_KEY"):
        if app.config["REQUIRE_SECRETS"] and "JWT_SECRET_KEY" not in stored:
            raise RuntimeError("JWT_SECRET_KEY is not set: set it in the environment (production requires it)")
        if "JWT_SECRET_KEY" not in stored:
            stored = _create_once(path, {"JWT_SECRET_KEY": token_source.token_urlsafe(48)})
        app.config["JWT_SECRET_KEY"] = stored["JWT_SECRET_KEY"]
    for name in ("VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY"):
        if not app.config.get(name) and name in stored:
            app.config[name] = stored[name]


def store_secret(app, name, value):
    path = Path(app.instance_path) / _FILE
    stored = json.loads(path.read_text()) if path.exists() else {}
    stored[name] = value
    _write(path, stored)


def _create_once(path, stored):
    """Create the file unless another process (a sibling worker) did first; return what is in it.

    Every worker must sign with the same key, so the first file written wins.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{_FILE}.{token_source.token_hex(8)}")
    tmp.write_text(json.dumps(stored, indent=2))
    tmp.chmod(0o600)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return json.loads(path.read_text())


def _write(path, stored):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(stored, indent=2))
    tmp.chmod(0o600)
    tmp.replace(path)
