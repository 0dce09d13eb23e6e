"""Writing a backup file so that a crash never leaves half of one under its name."""

import os
from pathlib import Path


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def temporary_beside(path, purpose):
    """A temporary file name in the same folder as `path` (so a rename replaces it at once)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{purpose}-{os.getpid()}.tmp")


def replace_durably(temporary, target):
    """The finished temporary file takes the target's name: on disk first, then renamed, and
    the rename itself on disk, so after a power cut there is the old file or the new one.
    Readable by its owner only: it holds every record's personal data and password hashes."""
    os.chmod(temporary, 0o600)
    with open(temporary, "rb") as written:
        os.fsync(written.fileno())
    os.replace(temporary, target)
    folder = os.open(Path(target).parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def remove_sqlite_files(path):
    """A SQLite file and the journal files beside it."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def size_text(path):
    size = Path(path).stat().st_size
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
