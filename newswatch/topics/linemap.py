"""Where a key of a TOML file is written, so a bad value can be reported by its line.

tomllib gives values without positions; this scan of the text is enough for the files topics are written in
(one key per line, tables and arrays of tables in square brackets). Unknown places fall back to the nearest
enclosing table's line, so an error always names some line.
"""

from __future__ import annotations

import json
import re

Path = tuple[str | int, ...]

_BARE = re.compile(r'\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+)\s*')


def _split_key(text: str) -> tuple[str, ...] | None:
    parts: list[str] = []
    rest = text
    while True:
        m = _BARE.match(rest)
        if not m:
            return None
        token = m.group(1)
        parts.append(token[1:-1] if token[0] in "\"'" else token)
        rest = rest[m.end():]
        if not rest:
            return tuple(parts)
        if rest[0] != ".":
            return None
        rest = rest[1:]


class LineMap:
    """Line numbers (1-based) of tables and keys, by key path; array-of-tables entries carry their index."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self._at: dict[Path, int] = {}
        counts: dict[Path, int] = {}  # arrays of tables: the index of their latest entry
        table: Path = ()
        for number, raw in enumerate(self.lines, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("[["):
                key = _split_key(line[2:line.find("]]")]) if "]]" in line else None
                if key is not None:
                    counts[key] = counts.get(key, -1) + 1
                    table = (*self._indexed(key[:-1], counts), key[-1], counts[key])
                    self._at.setdefault(table, number)
                continue
            if line.startswith("["):
                key = _split_key(line[1:line.find("]")]) if "]" in line else None
                if key is not None:
                    table = self._indexed(key, counts)
                    self._at.setdefault(table, number)
                continue
            if "=" in line:
                key = _split_key(line.split("=", 1)[0])
                if key is not None:
                    self._at.setdefault((*table, *key), number)

    @staticmethod
    def _indexed(key: tuple[str, ...], counts: dict[Path, int]) -> Path:
        """``[a.b.c]`` under ``[[a.b]]`` means a.b[latest].c: put the index in."""
        out: list[str | int] = []
        plain: list[str] = []
        for part in key:
            plain.append(part)
            out.append(part)
            if tuple(plain) in counts:
                out.append(counts[tuple(plain)])
        return tuple(out)

    def line(self, path: Path) -> int | None:
        """The line of ``path`` or of its nearest written ancestor."""
        for end in range(len(path), 0, -1):
            if path[:end] in self._at:
                return self._at[path[:end]]
        return None

    def element_line(self, path: Path, value: object) -> int | None:
        """The line of one element of an array written at ``path`` (multi-line arrays put elements below)."""
        start = self.line(path)
        if start is None or not isinstance(value, str):
            return start
        needles = {json.dumps(value, ensure_ascii=False), f"'{value}'"}
        for number in range(start, min(start + 400, len(self.lines) + 1)):
            if any(n in self.lines[number - 1] for n in needles):
                return number
        return start
