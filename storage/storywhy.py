"""Why an article is in its story, in one short Korean line (``StoryIndex.why``).

Read from ``story_links``: the member an article matched when it was saved, how (same text, shared sentences, the
same event), the score against its threshold and what the two share; and, when the story grew by a merge, the
article that bridged the two stories.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from newswatch.core.clock import KST, read_time
from newswatch.core.oneline import one_line


def _when(published_at: str | None) -> str:
    if not published_at:
        return "시각 미상"
    moment = read_time(published_at)
    return moment.astimezone(KST).strftime("%m-%d %H:%M") if moment else published_at


class _Explainer:
    def __init__(self, db: sqlite3.Connection, label: Callable[[str], str]) -> None:
        self.db = db
        self.label = label

    def article(self, article_id: int) -> str:
        row = self.db.execute("SELECT title, source, published_at FROM articles WHERE id = ?", [article_id]).fetchone()
        if row is None:
            return f"#{article_id}"
        return f"#{article_id} 「{one_line(row[0], 28)}」({self.label(row[1])}, {_when(row[2])})"

    def primary(self, article_id: int) -> tuple | None:
        return self.db.execute(
            "SELECT member_id, how, score, threshold, shared FROM story_links WHERE article_id = ? AND merged = 0",
            [article_id]).fetchone()

    def starter(self, article_id: int) -> int:
        """The article that started the story this one first joined (following each article's own link)."""
        seen = {article_id}
        while (link := self.primary(article_id)) is not None and link[0] not in seen:
            article_id = link[0]
            seen.add(article_id)
        return article_id

    def merge_note(self, article_id: int, story: int) -> str:
        """How the story came to hold this article's first story: the bridge that merged them, if any."""
        rows = self.db.execute(
            "SELECT l.article_id, l.member_id FROM story_links l JOIN articles a ON a.id = l.article_id "
            "WHERE a.story_id = ? AND l.article_id IN (SELECT article_id FROM story_links WHERE merged = 1) "
            "ORDER BY l.article_id, l.member_id", [story]).fetchall()
        joined: dict[int, set[int]] = {}  # bridge: the first articles of the stories it joined
        for bridge, member in rows:
            joined.setdefault(bridge, set()).add(self.starter(member))
        if article_id in joined:
            return f" · 이 기사가 {', '.join(f'#{s}' for s in sorted(joined[article_id]))} 이야기를 이어 하나로 합침"
        mine = self.starter(article_id)
        if mine == story and not any(mine in starters for starters in joined.values()):
            return ""
        for bridge, starters in joined.items():
            if mine in starters and (mine != story or len(starters) > 1):
                return f" · {self.article(bridge)} 기사가 두 이야기를 이어 하나로 합침"
        return ""

    def explain(self, article_id: int) -> str:
        row = self.db.execute("SELECT coalesce(story_id, id), duplicate_of FROM articles WHERE id = ?",
                              [article_id]).fetchone()
        if row is None:
            return f"#{article_id}: 없는 기사"
        story, duplicate_of = row
        size = self.db.execute("SELECT count(*) FROM articles WHERE story_id = ?", [story]).fetchone()[0]
        link = self.primary(article_id)
        if link is None:
            if duplicate_of is not None:
                return f"같은 본문: {self.article(duplicate_of)}"
            if size <= 1:
                return "같은 이야기로 묶인 다른 기사 없음"
            if story == article_id:
                return f"이 이야기의 첫 기사 (모두 {size}건)"
            return f"#{story} 이야기에 속함 (묶인 이유는 기록 전에 저장됨)" + self.merge_note(article_id, story)
        member, how, score, threshold, shared = link
        if how == "copy":
            line = f"같은 본문: {self.article(member)}"
        elif how == "text":
            line = f"같은 문장 {score:.0%}: {self.article(member)} (기준 {threshold:.0%})"
        else:
            common = "·".join(json.loads(shared)) if shared else "-"
            line = f"같은 사건: {self.article(member)} — 공통 {common}, 점수 {score:.2f} (기준 {threshold:.2f})"
        return line + self.merge_note(article_id, story)


def explain(db: sqlite3.Connection, article_id: int, label: Callable[[str], str] = str) -> str:
    """One line: which member this article joined, how and with what in common; the bridge if stories merged."""
    return _Explainer(db, label).explain(article_id)
