"""Secrets: from the environment, or generated once into the instance folder (never committed).

The JWT signing key and the VAPID key pair (Web Push) are read from the environment; what the
environment lacks is taken from `secrets.json` in the instance folder, and generated into it at
the first start, so a server started as the README's production section says signs tokens and
sends notifications without an extra step. With SOTAY_REQUIRE_SECRETS=1 a secret missing from
both stops the app instead (several instances must share one, README "Several instances").
"""

import base64
import fcntl
import json
import os
import secrets as token_source
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

_FILE = "secrets.json"
VAPID = ("VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY")


def generate_vapid_keys():
    """A new P-256 key pair as (private, public) base64url strings, the form Web Push uses."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    private_raw = private_key.private_numbers().private_value.to_bytes(32, "big")
    public_raw = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return tuple(base64.urlsafe_b64encode(raw).decode().rstrip("=") for raw in (private_raw, public_raw))


def load_secrets(app):
    config, path = app.config, Path(app.instance_path) / _FILE
    if bool(config.get(VAPID[0])) != bool(config.get(VAPID[1])):
        raise RuntimeError("Set both VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY in the environment, or neither")
    needed = [name for name in ("JWT_SECRET_KEY", *VAPID) if not config.get(name)]
    if not needed:
        return
    # Every gunicorn worker starts at once and all must sign with the same keys: the first to
    # take the lock generates them, the others read what it wrote.
    with _locked(path):
        stored = json.loads(path.read_text()) if path.exists() else {}
        missing = [name for name in needed if name not in stored]
        if missing and config["REQUIRE_SECRETS"]:
            raise RuntimeError(f"{', '.join(missing)} not set: set it in the environment (production requires it)")
        if "JWT_SECRET_KEY" in missing:
            stored["JWT_SECRET_KEY"] = token_source.token_urlsafe(48)
        if set(VAPID) & set(missing):
            stored.update(zip(VAPID, generate_vapid_keys(), strict=True))
        if missing:
            _write(path, stored)
    config.update({name: stored[name] for name in needed})


def store_secret(app, name, value):
    path = Path(app.instance_path) / _FILE
    with _locked(path):
        stored = json.loads(path.read_text()) if path.exists() else {}
        stored[name] = value
        _write(path, stored)


@contextmanager
def _locked(path):
    """Hold an exclusive lock on a file beside `path` while reading and writing it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path.with_name(f"{_FILE}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _write(path, stored):
    tmp = path.with_name(f"{_FILE}.{token_source.token_hex(8)}")
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(json.dumps(stored, indent=2))
    tmp.replace(path)
