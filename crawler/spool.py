"""The spool: articles the store could not take (locked past its timeout, out of disk space, I/O errors), kept as
JSON lines until a later crawl stores them. Nothing fetched is lost to a store fault.

Each entry is written and fsync'd before the crawl goes on. Replay leaves the file in place until every entry is
stored (saving is idempotent: an entry stored twice is "unchanged"), so a crash during replay loses nothing, and
an flock keeps two crawls from replaying or appending at the same time. When the store's own disk is full the
spool falls back to the system's temporary directory; replay reads both.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from newswatch.core.article import Article


def spool_paths(db_path: str | os.PathLike[str]) -> list[Path]:
    """Beside the store first, then the fallback in the temporary directory (keyed by the store's path)."""
    resolved = Path(db_path).resolve()
    key = hashlib.sha256(str(resolved).encode()).hexdigest()[:16]
    return [Path(f"{db_path}.pending.jsonl"), Path(tempfile.gettempdir()) / f"newswatch-{key}.pending.jsonl"]


class SpoolError(OSError):
    """Neither spool could take the article: it is lost, and the crawl must say so."""


@contextmanager
def _locked(path: Path, mode: str) -> Iterator:
    """The file, exclusively locked; if a replay removed it while we waited for the lock, the file anew."""
    while True:
        with path.open(mode, encoding="utf-8") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                if os.fstat(handle.fileno()).st_nlink == 0:
                    continue  # unlinked under us: reopen the path
                yield handle
                return
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class Spool:
    def __init__(self, db_path: str | os.PathLike[str]) -> None:
        self.paths = spool_paths(db_path)

    def append(self, article: Article) -> Path:
        """Write one article durably; returns the file it went to. SpoolError if no spool could take it."""
        line = article.to_json() + "\n"
        errors = []
        for path in self.paths:
            try:
                with _locked(path, "a") as handle:
                    handle.write(line)
                    handle.flush()
                    os.fsync(handle.fileno())
                return path
            except OSError as exc:
                errors.append(f"{path}: {exc.strerror or exc}")
        raise SpoolError(28, "no spool could take the article: " + "; ".join(errors))

    def pending(self) -> int:
        return sum(_count(path) for path in self.paths)

    def replay(self, save: Callable[[Article], object],
               refused: type[BaseException] = Exception) -> tuple[int, int, list[str]]:
        """Save every spooled article: (saved, left, unreadable lines dropped).

        Stops at the first entry ``save`` refuses (raises ``refused``), keeping it and the rest; a line that is
        not an article (cut short by a crash while it was written) cannot ever be saved and is dropped.
        """
        saved = left = 0
        dropped: list[str] = []
        for path in self.paths:
            if not path.exists():
                continue
            with _locked(path, "r+") as handle:
                lines = [line for line in handle.read().splitlines() if line.strip()]
                rest: list[str] = []
                for i, line in enumerate(lines):
                    try:
                        article = Article.from_dict(json.loads(line))
                    except (ValueError, TypeError):
                        dropped.append(line[:200])
                        continue
                    try:
                        save(article)
                    except refused:
                        rest = lines[i:]
                        break
                    saved += 1
                left += len(rest)
                if rest:
                    handle.seek(0)
                    handle.write("".join(f"{line}\n" for line in rest))
                    handle.truncate()
                    handle.flush()
                    os.fsync(handle.fileno())
                else:
                    path.unlink(missing_ok=True)  # under the lock: a waiting appender reopens the path
        return saved, left, dropped


def _count(path: Path) -> int:
    try:
        return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    except OSError:
        return 0
