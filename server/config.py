"""Settings, read from the environment only here, with defaults for development."""

import os
from datetime import timedelta

import orjson


def _int(name, default):
    return int(os.environ.get(name, default))


def database_url(url):
    """PostgreSQL URLs as people write them (postgres://, postgresql://) speak through psycopg 3."""
    if url:
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_settings(config):
    """Settings a typo would turn into wrong behaviour stop the app at start, naming the variable."""
    days = str(config["DEVICE_RETENTION_DAYS"]).strip()
    if not (days.isascii() and days.isdigit() and 1 <= int(days) <= 3650):
        raise ValueError(f"SOTAY_DEVICE_RETENTION_DAYS must be a whole number of days from 1 to 3650, not {days!r}")
    config["DEVICE_RETENTION_DAYS"] = int(days)
    compression = config["COMPRESSION"]
    if not isinstance(compression, bool):
        if str(compression).strip() not in ("0", "1"):
            raise ValueError(
                f"SOTAY_COMPRESSION must be 1 (compress) or 0 (a proxy in front does), not {compression!r}"
            )
        config["COMPRESSION"] = str(compression).strip() == "1"


class Config:
    # Without DATABASE_URL the app uses SQLite in the instance folder (set in create_app).
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    # How long a write waits for a lock another transaction holds before it answers 503
    # (SQLite's busy_timeout, PostgreSQL's lock_timeout; server/__init__.py).
    DATABASE_LOCK_WAIT_SECONDS = float(os.environ.get("DATABASE_LOCK_WAIT_SECONDS", 10))
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_pre_ping": True,
        # JSON columns (record data, history) through orjson: the push and pull hot path.
        "json_serializer": lambda value: orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode(),
        "json_deserializer": orjson.loads,
    }

    # Secrets come from the environment or are generated once into the instance folder.
    JWT_SECRET_KEY = os.environ.get("JWT_SECRET_KEY")
    VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY")
    VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY")
    VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:to-cong-tac-de-an-06@example.invalid")
    # Web Push (server/push/sender.py): how long one send may take, how often and how far apart
    # a failed one is retried, how long a sender holds a claimed row, and how long the push
    # service keeps a message for a phone that is offline. A failed send is tried again after
    # 30 s, 1, 2, 4, 8, 16, 32 min, then hourly: 32 attempts span 25 hours, so a push service
    # down for a day loses nothing (tests/push/test_push_outage.py).
    PUSH_TIMEOUT_SECONDS = float(os.environ.get("PUSH_TIMEOUT_SECONDS", 5))
    PUSH_MAX_ATTEMPTS = _int("PUSH_MAX_ATTEMPTS", 32)
    PUSH_RETRY_BASE_SECONDS = _int("PUSH_RETRY_BASE_SECONDS", 30)
    PUSH_RETRY_MAX_SECONDS = _int("PUSH_RETRY_MAX_SECONDS", 3600)
    PUSH_CLAIM_BATCH = _int("PUSH_CLAIM_BATCH", 10)
    PUSH_TTL_SECONDS = _int("PUSH_TTL_SECONDS", 3 * 86400)
    PUSH_KEEP_DAYS = _int("PUSH_KEEP_DAYS", 30)
    # Send what a request queued in a background thread once its response is out (the
    # `push-send` worker retries and catches up either way).
    PUSH_SEND_AFTER_REQUEST = os.environ.get("PUSH_SEND_AFTER_REQUEST", "1") == "1"
    # Hosts a subscription endpoint may point to, e.g. "fcm.googleapis.com,push.services.mozilla.com,
    # notify.windows.com,push.apple.com" (a name or any subdomain of it); empty: any host.
    PUSH_ENDPOINT_HOSTS = [h.strip().lower() for h in os.environ.get("PUSH_ENDPOINT_HOSTS", "").split(",") if h.strip()]
    # TEST ONLY, never in production: admit push endpoints on loopback addresses (and plain http
    # there), so tests can run a push service on this machine (server/push/endpoints.py).
    PUSH_TEST_LOOPBACK = os.environ.get("SOTAY_TEST_PUSH_LOOPBACK") == "1"
    # In production a missing secret stops the app instead of being generated.
    REQUIRE_SECRETS = os.environ.get("SOTAY_REQUIRE_SECRETS") == "1"

    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=_int("ACCESS_TOKEN_MINUTES", 15))
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=_int("REFRESH_TOKEN_DAYS", 30))
    JWT_TOKEN_LOCATION = ["headers"]

    # Failed logins in a window, counted in the database so the limits hold across every worker
    # and instance (server/auth/ratelimit.py): per account and address, per address, per account
    # across all addresses, and, for a device already bound to the account, per account and device.
    LOGIN_WINDOW_SECONDS = _int("LOGIN_WINDOW_SECONDS", 900)
    LOGIN_MAX_FAILURES_PER_ACCOUNT = _int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 10)
    LOGIN_MAX_FAILURES_PER_ADDRESS = _int("LOGIN_MAX_FAILURES_PER_ADDRESS", 100)
    LOGIN_MAX_FAILURES_PER_ACCOUNT_ALL_ADDRESSES = _int("LOGIN_MAX_FAILURES_PER_ACCOUNT_ALL_ADDRESSES", 50)
    LOGIN_MAX_FAILURES_PER_DEVICE = _int("LOGIN_MAX_FAILURES_PER_DEVICE", 10)

    # Argon2id cost; tests lower it to keep the suite quick.
    PASSWORD_TIME_COST = _int("PASSWORD_TIME_COST", 3)
    PASSWORD_MEMORY_KIB = _int("PASSWORD_MEMORY_KIB", 65536)

    # Reverse proxies in front of the app (0: none). Their X-Forwarded-For is then trusted,
    # so login limits count the client's address, not the proxy's.
    PROXY_HOPS = _int("PROXY_HOPS", 0)

    # Approved records stay on the phones this many days after their approval, then the app
    # drops them (never from the server), so a lost phone holds less personal data. Sent with
    # every pull (docs/api.md §7); check_settings() refuses anything but 1 to 3650.
    DEVICE_RETENTION_DAYS = os.environ.get("SOTAY_DEVICE_RETENTION_DAYS", "30")

    # Answers compressed as the client asks (server/compression.py); 0 where a proxy in front
    # compresses instead, so the work is not done twice. check_settings() refuses anything else.
    COMPRESSION = os.environ.get("SOTAY_COMPRESSION", "1")

    # The folder the app serves the PWA from; unset: the repository's pwa/ (server/site.py).
    PWA_DIR = os.environ.get("SOTAY_PWA_DIR")

    MAX_CONTENT_LENGTH = _int("MAX_BODY_BYTES", 4 * 1024 * 1024)
    PUSH_MAX_MUTATIONS = 500
    PULL_DEFAULT_LIMIT = 500
    PULL_MAX_LIMIT = 1000

    API_TITLE = "Sổ Tay 06"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_SPEC_OPTIONS = {
        "info": {"description": "Sổ Tay 06: sync server for Đề án 06 field work. See docs/api.md."},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
        "security": [{"bearerAuth": []}],
    }

    JSON_SORT_KEYS = False
