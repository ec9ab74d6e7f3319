"""The hub's files hold personal data (names, phone numbers) and secrets: private to it.

The process runs with umask 077 (hub.cli), the state directory is 0700, the
SQLite database and its WAL files, the broker's password file and the hub's
broker secret are 0600. Files left more open by an older version are narrowed
at start.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) and make it 0700 when it is ours."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _narrow(path, 0o700)
    return path


def private_file(path: Path) -> None:
    """Make an existing file 0600 when it is ours (a missing file is fine)."""
    _narrow(path, 0o600)


def private_sqlite(database: Path) -> None:
    """The database file and its WAL and shared-memory files, 0600."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        private_file(database.with_name(database.name + suffix))


def _narrow(path: Path, mode: int) -> None:
    with contextlib.suppress(FileNotFoundError, PermissionError):
        info = path.stat()
        if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) & ~mode:
            os.chmod(path, mode)
