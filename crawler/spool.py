"""The spool: articles the store could not take (locked past its timeout, out of disk space, I/O errors), kept as
JSON lines until a later crawl stores them. Nothing fetched is lost to a store fault.

Each entry is written and fsync'd before the crawl goes on. Replay leaves the file in place until every entry is
stored (saving is idempotent: an entry stored twice is "unchanged"), so a crash during replay loses nothing, and
an flock keeps two crawls from replaying or appending at the same time. When the store's own disk is full the
spool falls back to a private (0700) directory of this user in the system's temporary directory; replay reads
both. Spool files are opened without following symlinks.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO

from newswatch.core.article import Article


def spool_paths(db_path: str | os.PathLike[str]) -> list[Path]:
    """Beside the store first, then the fallback in our private directory of the temporary directory (keyed by
    the store's path)."""
    resolved = Path(db_path).resolve()
    key = hashlib.sha256(str(resolved).encode()).hexdigest()[:16]
    return [Path(f"{db_path}.pending.jsonl"), private_dir() / f"newswatch-{key}.pending.jsonl"]


def private_dir() -> Path:
    """The fallback spool's directory: ``newswatch-<uid>`` in the shared temporary directory, not a predictable
    file name there another user could plant or point a symlink at."""
    return Path(tempfile.gettempdir()) / f"newswatch-{os.getuid()}"


def _ensure_private(directory: Path, *, create: bool) -> None:
    """Make (or check) the directory ours alone: 0700, owned by us, not a symlink; OSError if it is not."""
    if create:
        with suppress(FileExistsError):
            directory.mkdir(mode=0o700)
    info = os.lstat(directory)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
        raise PermissionError(errno.EPERM, f"{directory} is not a private directory of this user")


def _safe(path: Path, *, create: bool) -> None:
    """Check the fallback's directory before a spool file in it is opened (the one beside the store is the
    user's own choice of place)."""
    if path.parent == private_dir():
        _ensure_private(path.parent, create=create)


class SpoolError(OSError):
    """Neither spool could take the article: it is lost, and the crawl must say so."""


_FLAGS = {"a": os.O_WRONLY | os.O_APPEND | os.O_CREAT, "r+": os.O_RDWR}


@contextmanager
def _locked(path: Path, mode: str) -> Iterator[TextIO | None]:
    """The file, exclusively locked, opened without following a symlink; if a replay removed it while we waited
    for the lock, the file anew — or None in mode "r+" once it is gone (nothing left to replay)."""
    while True:
        try:
            fd = os.open(path, _FLAGS[mode] | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except FileNotFoundError:
            if mode == "a":
                raise
            yield None
            return
        with os.fdopen(fd, mode, encoding="utf-8") as handle:
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
        self.errors: list[str] = []  # the last replay's entries kept because saving them raised an error

    def append(self, article: Article) -> Path:
        """Write one article durably; returns the file it went to. SpoolError if no spool could take it."""
        line = article.to_json() + "\n"
        errors = []
        for path in self.paths:
            try:
                _safe(path, create=True)
                with _locked(path, "a") as handle:
                    assert handle is not None
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

        Stops at the first entry ``save`` refuses (raises ``refused``), keeping it and the rest; an entry whose
        save raises anything else is kept (and said in ``errors``) and the rest go on. A line that is not an
        article (cut short by a crash while it was written) cannot ever be saved and is dropped. A spool file
        another crawl replayed and removed while we waited for it is nothing to replay.
        """
        saved = left = 0
        dropped: list[str] = []
        self.errors = []
        for path in self.paths:
            try:
                _safe(path, create=False)
            except OSError:
                continue  # no fallback directory, or not ours alone: nothing of ours to replay
            with _locked(path, "r+") as handle:
                if handle is None:
                    continue
                done, rest = self._replay_lines(handle, save, refused, dropped)
                saved += done
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

    def _replay_lines(self, handle: TextIO, save: Callable[[Article], object], refused: type[BaseException],
                      dropped: list[str]) -> tuple[int, list[str]]:
        """Save one file's entries: (saved, lines to keep)."""
        lines = [line for line in handle.read().splitlines() if line.strip()]
        saved = 0
        kept: list[str] = []
        for i, line in enumerate(lines):
            try:
                article = Article.from_dict(json.loads(line))
            except (ValueError, TypeError):
                dropped.append(line[:200])
                continue
            try:
                save(article)
            except refused:
                return saved, kept + lines[i:]
            except Exception as exc:  # a bug or a surprise in saving this one: keep it for a later crawl
                self.errors.append(f"{article.url}: {type(exc).__name__}: {exc}")
                kept.append(line)
                continue
            saved += 1
        return saved, kept


def _count(path: Path) -> int:
    try:
        return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    except OSError:
        return 0
