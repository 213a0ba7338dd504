"""Articles: saving with dedup (aliases, exact copies, revisions), loading, and what incremental crawls ask."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from newswatch.core.article import Article
from newswatch.core.clock import iso
from storage.stories import story_day, story_text

JSON_FIELDS = ("authors", "emails", "images", "attachments", "problems")
_NON_TEXT = re.compile(r"[\W_]+", re.UNICODE)


@dataclass
class SaveResult:
    status: str  # "new" | "updated" | "unchanged" | "duplicate"
    article_id: int
    duplicate_of: int | None = None
    story_id: int | None = None  # set for new articles: their own id, or the story they joined


@dataclass
class StoredArticle:
    id: int
    article: Article
    revision: int
    duplicate_of: int | None
    first_seen_at: str
    last_changed_at: str
    aliases: list[str] = field(default_factory=list)
    story_id: int | None = None


@dataclass
class KnownArticle:
    source_id: str
    title: str
    published_at: str | None
    etag: str | None
    last_modified: str | None


@dataclass
class Revision:
    revision: int
    replaced_at: str
    article: Article


@dataclass(frozen=True)
class Validators:
    """A fetched page's ETag / Last-Modified (either may be None): kept for the next conditional request. The store
    records the time of the fetch beside them (its clock, at the save), which the re-check schedule counts from."""

    etag: str | None = None
    last_modified: str | None = None


def text_hash(body: str) -> str:
    return hashlib.sha256(_NON_TEXT.sub("", body.lower()).encode()).hexdigest()


def content_hash(a: Article) -> str:
    payload = {
        "title": " ".join(a.title.split()), "subtitle": " ".join((a.subtitle or "").split()),
        "body": " ".join(a.body_text.split()),
        "images": [[i.url, i.caption] for i in a.images], "attachments": [[x.name, x.url] for x in a.attachments],
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


class ArticleStore:
    """The article tables' seam of Store (a mixin: it uses the Store's connection, clock and transaction)."""

    def save_article(self, article: Article, *, fetched_url: str | None = None, crawl_id: int | None = None,
                     validators: Validators | None = None) -> SaveResult:
        """Store an article once per (source, source_id), with its URL forms and validators, in one commit.

        See the module docstring of storage.schema for the rules. Raises StoreError (nothing written) when the
        database cannot take the write.
        """
        if not article.recognised or not article.title.strip() or not article.body_text.strip():
            raise ValueError(f"not storing {article.url}: unrecognised or empty ({'; '.join(article.problems)})")
        now = iso(self.clock.now())
        chash, thash = content_hash(article), text_hash(article.body_text)
        with self.transaction(f"saving {article.url}"):
            row = self.conn.execute(
                "SELECT id, content_hash, revision FROM articles WHERE source = ? AND source_id = ?",
                [article.source, article.source_id],
            ).fetchone()
            if row is None:
                result = self._insert_article(article, chash, thash, now)
            elif row[1] == chash:
                result = SaveResult("unchanged", row[0])
            else:
                result = self._revise_article(row[0], row[2], row[1], article, chash, thash, now)
            for url in dict.fromkeys(u for u in (article.canonical_url, article.url, fetched_url) if u):
                self.conn.execute("INSERT OR IGNORE INTO article_urls (url, article_id, first_seen_at) "
                                  "VALUES (?, ?, ?)", [url, result.article_id, now])
            if validators is not None:  # a fetched page: record when (and its validators) for re-checks
                self._put_validators(article.source, article.source_id, validators, now)
        if crawl_id is not None:
            self.count(crawl_id, result.status)
        return result

    def _insert_article(self, article: Article, chash: str, thash: str, now: str) -> SaveResult:
        first = self.conn.execute(
            "SELECT id FROM articles WHERE text_hash = ? AND duplicate_of IS NULL ORDER BY id LIMIT 1", [thash],
        ).fetchone()
        dup_of = first[0] if first else None
        values = self._row(article, chash, thash) | {
            "duplicate_of": dup_of, "revision": 1, "first_seen_at": now, "last_changed_at": now}
        article_id = self.db["articles"].insert(values).last_pk
        self._index(article_id, article)
        story = self.stories.assign(article_id, article.source, story_text(article),
                                    story_day(article.published_at, now), copy_of=dup_of)
        return SaveResult("duplicate" if dup_of else "new", article_id, dup_of, story)

    def _revise_article(self, article_id: int, revision: int, old_hash: str, article: Article, chash: str,
                        thash: str, now: str) -> SaveResult:
        old = self.article(article_id)
        assert old is not None
        self.db["revisions"].insert({
            "article_id": article_id, "revision": revision, "replaced_at": now,
            "title": old.article.title, "subtitle": old.article.subtitle,
            "body_text": old.article.body_text, "content_hash": old_hash, "data": old.article.to_json(),
        })
        self.db["articles"].update(article_id, self._row(article, chash, thash) | {
            "revision": revision + 1, "last_changed_at": now})
        day = story_day(article.published_at, old.first_seen_at)
        copy_of, story = old.duplicate_of, None
        if copy_of is not None and not self._same_text(copy_of, thash):
            copy_of, story = self._recheck_copy(article_id, article, thash, day)
        else:
            self.stories.update(article_id, story_text(old.article), story_text(article), day,
                                story_day(old.article.published_at, old.first_seen_at))
        self.conn.execute("DELETE FROM articles_fts WHERE rowid = ?", [article_id])
        self._index(article_id, article)
        return SaveResult("updated", article_id, copy_of, story)

    def _same_text(self, article_id: int, thash: str) -> bool:
        row = self.conn.execute("SELECT text_hash FROM articles WHERE id = ?", [article_id]).fetchone()
        return row is not None and row[0] == thash

    def _recheck_copy(self, article_id: int, article: Article, thash: str, day: int) -> tuple[int | None, int]:
        """A copy edited into other text is no longer its original's hidden duplicate: it is a copy of the first
        article that has the new text, if any, or an article of its own; either way stories.assign places it
        afresh (a copy kept no band keys, so there are none to move). (copy_of, story)."""
        first = self.conn.execute(
            "SELECT id FROM articles WHERE text_hash = ? AND duplicate_of IS NULL AND id != ? ORDER BY id LIMIT 1",
            [thash, article_id]).fetchone()
        copy_of = first[0] if first else None
        self.conn.execute("UPDATE articles SET duplicate_of = ?, story_id = NULL WHERE id = ?", [copy_of, article_id])
        self.conn.execute("DELETE FROM story_links WHERE article_id = ?", [article_id])
        story = self.stories.assign(article_id, article.source, story_text(article), day, copy_of=copy_of)
        return copy_of, story

    @staticmethod
    def _row(a: Article, chash: str, thash: str) -> dict[str, Any]:
        data = a.to_dict()
        row = {k: data[k] for k in ("source", "source_id", "canonical_url", "title", "subtitle", "section",
                                    "department", "contact", "published_at", "updated_at", "body_text")}
        row |= {k: json.dumps(data[k], ensure_ascii=False) for k in JSON_FIELDS}
        return row | {"content_hash": chash, "text_hash": thash}

    def _index(self, article_id: int, a: Article) -> None:
        from newswatch.core.tokens import index_text

        body = "\n".join(p for p in (a.subtitle or "", a.body_text, *[i.caption or "" for i in a.images]) if p)
        self.conn.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)",
                          [article_id, index_text(a.title), index_text(body)])

    def article(self, article_id: int) -> StoredArticle | None:
        rows = self.rows("SELECT * FROM articles WHERE id = ?", [article_id])
        if not rows:
            return None
        row = rows[0]
        data = {k: (json.loads(row[k]) if k in JSON_FIELDS and row[k] else row[k]) for k in row}
        aliases = [r[0] for r in self.conn.execute(
            "SELECT url FROM article_urls WHERE article_id = ? ORDER BY first_seen_at, url", [article_id])]
        data["url"] = row["canonical_url"]
        return StoredArticle(row["id"], Article.from_dict(data), row["revision"], row["duplicate_of"],
                             row["first_seen_at"], row["last_changed_at"], aliases, row["story_id"])

    def article_by_url(self, url: str) -> StoredArticle | None:
        row = self.conn.execute("SELECT article_id FROM article_urls WHERE url = ?", [url]).fetchone()
        return self.article(row[0]) if row else None

    def article_by_key(self, source: str, source_id: str) -> StoredArticle | None:
        row = self.conn.execute("SELECT id FROM articles WHERE source = ? AND source_id = ?",
                                [source, source_id]).fetchone()
        return self.article(row[0]) if row else None

    def revisions(self, article_id: int) -> list[Revision]:
        return [Revision(r[0], r[1], Article.from_dict(json.loads(r[2])))
                for r in self.conn.execute("SELECT revision, replaced_at, data FROM revisions WHERE article_id = ? "
                                           "ORDER BY revision", [article_id])]

    def recent_article_ids(self, sources: list[str], limit: int) -> list[int]:
        """The newest articles of these sources (exact copies left out), newest first."""
        marks = ",".join("?" * len(sources))
        return [r[0] for r in self.conn.execute(
            f"SELECT id FROM articles WHERE duplicate_of IS NULL AND source IN ({marks}) "
            f"ORDER BY coalesce(published_at, first_seen_at) DESC, id DESC LIMIT ?", [*sources, limit])]

    def article_count(self, source: str | None = None) -> int:
        if source:
            return self.conn.execute("SELECT count(*) FROM articles WHERE source = ?", [source]).fetchone()[0]
        return self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    # --- incremental crawling --------------------------------------------------------------------------------

    def known(self, source: str, source_ids: Iterable[str]) -> dict[str, KnownArticle]:
        """What the store knows of these articles: enough to decide whether to fetch them again."""
        ids = list(source_ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(
            f"SELECT a.source_id, a.title, a.published_at, v.etag, v.last_modified FROM articles a "
            f"LEFT JOIN validators v ON v.source = a.source AND v.source_id = a.source_id "
            f"WHERE a.source = ? AND a.source_id IN ({marks})", [source, *ids]).fetchall()
        return {r[0]: KnownArticle(r[0], r[1], r[2], r[3], r[4]) for r in rows}

    def _put_validators(self, source: str, source_id: str, validators: Validators, now: str) -> None:
        self.conn.execute(
            "INSERT INTO validators (source, source_id, etag, last_modified, fetched_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (source, source_id) DO UPDATE SET etag = excluded.etag, "
            "last_modified = excluded.last_modified, fetched_at = excluded.fetched_at",
            [source, source_id, validators.etag, validators.last_modified, now])
