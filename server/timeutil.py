"""UTC time, and RFC 3339 strings for the wire (SQLite hands datetimes back naive)."""

from datetime import datetime, timezone


def utcnow():
    return datetime.now(timezone.utc)


def iso(value):
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text):
    """An RFC 3339 string as an aware datetime; ValueError when it is not one."""
    if not isinstance(text, str) or len(text) > 40 or not text.isprintable():
        raise ValueError("not a time")
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value
