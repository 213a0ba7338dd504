"""One crawl of a source at a time, across processes: an flock'ed file beside the store.

The OS drops an flock when its holder dies, so a crashed or killed crawl never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from newswatch.core.errors import NewswatchError


class CrawlLocked(NewswatchError, RuntimeError):
    """Another process is crawling this source into this store."""

    label = "skipped"
    exit_code = 3


def lock_path(db_path: str | os.PathLike[str], source: str) -> Path:
    return Path(f"{db_path}.{source}.lock")


class CrawlLock:
    def __init__(self, db_path: str | os.PathLike[str], source: str) -> None:
        self.path = lock_path(db_path, source)
        self.source = source
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise CrawlLocked naming the holder; never waits."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise CrawlLocked(f"{self.source} is already being crawled into this store (pid {holder})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def held_elsewhere(self) -> bool:
        """True if some other process holds the lock now (for status displays)."""
        if self._fd is not None or not self.path.exists():
            return False
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def __enter__(self) -> CrawlLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
