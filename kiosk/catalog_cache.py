"""The last catalog from the hub, kept on disk for offline use (it holds no personal data).

`FileCatalogCache` implements the controller's `CatalogCache` port. A save writes a
temporary file beside the cache, fsyncs it, renames it over the old one and fsyncs
the directory, so a power cut leaves either the old catalog or the new one, never
half of one. Neither method raises: a kiosk without a cache still works online.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from hub.protocol.kiosk_api import Catalog

log = logging.getLogger(__name__)

MAX_CACHE_BYTES = 1_000_000
"""A catalog is a few kilobytes; a larger file is not ours and is not read."""


class FileCatalogCache:
    """The cached catalog as one JSON file at `path`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self) -> Catalog | None:
        """The cached catalog; None when missing, unreadable or corrupt (logged)."""
        try:
            with self.path.open("rb") as file:
                data = file.read(MAX_CACHE_BYTES + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("catalog cache unreadable: %s", type(exc).__name__)
            return None
        if len(data) > MAX_CACHE_BYTES:
            log.warning("catalog cache too large, ignored")
            return None
        try:
            return Catalog.model_validate_json(data)
        except ValidationError as exc:
            log.warning("catalog cache corrupt, ignored (%d error(s))", exc.error_count())
            return None

    def save(self, catalog: Catalog) -> None:
        """Replace the cached catalog atomically; a failure is logged, the old file kept."""
        data = catalog.model_dump_json().encode()
        tmp: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(tmp, self.path)
            tmp = None
            _fsync_dir(self.path.parent)
        except OSError as exc:
            log.warning("catalog cache not saved: %s", type(exc).__name__)
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable (POSIX: the directory entry lives in the directory)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
