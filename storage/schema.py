"""The one place for the store's schema, created and migrated by the store itself (PRAGMA user_version).

Tables
- ``articles``: one row per canonical article, keyed by (source, source_id). JSON columns: authors, emails,
  images ([{url, caption}]), attachments ([{name, url, type}]), problems. ``content_hash`` (title, subtitle, body,
  images, attachments) decides "changed"; ``text_hash`` (body without spaces and punctuation) finds the same
  text under another id, which is stored with ``duplicate_of`` = the first article having it. ``revision``
  counts versions; earlier ones are in ``revisions``. Times are ISO 8601 with +09:00.
- ``article_urls``: every URL form seen for an article (desktop, mobile, old, with noise parameters).
- ``revisions``: the earlier versions of changed articles (``data`` is the whole earlier Article as JSON).
- ``crawls``: one row per crawl of a source: start, end, status (running / ok / partial / failed / killed),
  pages fetched, new / updated / unchanged / duplicate articles, errors, Scrapy stats (JSON).
- ``crawl_errors``: what failed in a crawl: URL, kind (http_404, timeout, rate_limited, unrecognised, ...), message.
- ``articles_fts``: FTS5 index of title and body as Korean-aware tokens (newswatch.core.tokens); rowid = articles.id.
- ``alert_rules``: per alert rule, when it was first seen and ``watermark``, the last ``articles.id`` it has
  considered (a new rule starts at the current end of the store, so old articles do not flood its first email).
- ``alert_sent``: (rule, recipient, text_hash) once per article text, ever: re-crawls, edits, aliases and copies
  of the same text never alert twice.
- ``outbox``: alert emails, each kept until the SMTP server accepted it (``sent_at``); failures record
  ``attempts``, ``last_error`` and ``next_attempt_at`` (exponential backoff).
- ``validators``: per article key, the ETag and Last-Modified of its page when last fetched, for conditional
  requests (a 304 costs the site almost nothing).
- ``articles.story_id`` and ``story_bands``: near-duplicate articles (a release and its rewrites) share a story,
  whose id is its first article's id; ``story_bands`` holds each article's MinHash LSH band keys with its
  publication day and week (day // 7), so candidates are found by index seeks (see storage.stories).
- ``story_terms``: the same for each article's specifics (amounts with units, dates, quoted names), the second
  story stage's wider net; ``story_links``: why each article is in its story — the member it matched, how
  (copy / text / event), score and threshold, what they share, and ``merged`` = 1 for a bridge's links into
  the stories it merged (storage.storywhy says it in words).
"""

from __future__ import annotations

import sqlite_utils

from storage.stories import StoryIndex

SCHEMA_VERSION = 6


def _v1(db: sqlite_utils.Database) -> None:
    db["articles"].create(
        {
            "id": int, "source": str, "source_id": str, "canonical_url": str, "title": str, "subtitle": str,
            "authors": str, "emails": str, "section": str, "department": str, "contact": str,
            "published_at": str, "updated_at": str, "body_text": str, "images": str, "attachments": str,
            "problems": str, "content_hash": str, "text_hash": str, "duplicate_of": int, "revision": int,
            "first_seen_at": str, "last_changed_at": str,
        },
        pk="id",
        not_null={"source", "source_id", "canonical_url", "title", "body_text", "content_hash", "text_hash"},
        foreign_keys=[("duplicate_of", "articles", "id")],
    )
    db["articles"].create_index(["source", "source_id"], unique=True)
    db["articles"].create_index(["published_at"])
    db["articles"].create_index(["source", "published_at"])
    db["articles"].create_index(["text_hash"])
    db["article_urls"].create(
        {"url": str, "article_id": int, "first_seen_at": str}, pk="url",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["article_urls"].create_index(["article_id"])
    db["revisions"].create(
        {"id": int, "article_id": int, "revision": int, "replaced_at": str, "title": str, "subtitle": str,
         "body_text": str, "content_hash": str, "data": str},
        pk="id", foreign_keys=[("article_id", "articles", "id")],
    )
    db["revisions"].create_index(["article_id", "revision"], unique=True)
    db["crawls"].create(
        {"id": int, "source": str, "started_at": str, "finished_at": str, "status": str, "pages_fetched": int,
         "new": int, "updated": int, "unchanged": int, "duplicates": int, "errors": int, "stats": str},
        pk="id",
    )
    db["crawls"].create_index(["source", "started_at"])
    db["crawl_errors"].create(
        {"id": int, "crawl_id": int, "at": str, "url": str, "kind": str, "message": str},
        pk="id", foreign_keys=[("crawl_id", "crawls", "id")],
    )
    db["crawl_errors"].create_index(["crawl_id"])
    db.execute(
        "CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, tokenize='unicode61 remove_diacritics 0')"
    )


def _v2(db: sqlite_utils.Database) -> None:
    # if_not_exists here and in _v4: steps once ran without a transaction; one left half done is finished.
    db["alert_rules"].create({"name": str, "created_at": str, "watermark": int}, pk="name", if_not_exists=True)
    db["alert_sent"].create(
        {"rule": str, "recipient": str, "text_hash": str, "article_id": int, "outbox_id": int, "at": str},
        pk=("rule", "recipient", "text_hash"), if_not_exists=True,
    )
    db["outbox"].create(
        {"id": int, "rule": str, "recipient": str, "subject": str, "body_text": str, "body_html": str,
         "article_ids": str, "created_at": str, "attempts": int, "next_attempt_at": str, "sent_at": str,
         "last_error": str},
        pk="id", if_not_exists=True,
    )
    db["outbox"].create_index(["sent_at", "next_attempt_at"], if_not_exists=True)


def _v3(db: sqlite_utils.Database) -> None:
    db["validators"].create({"source": str, "source_id": str, "etag": str, "last_modified": str, "fetched_at": str},
                            pk=("source", "source_id"))


def _v4(db: sqlite_utils.Database) -> None:
    if "story_id" not in db["articles"].columns_dict:
        db["articles"].add_column("story_id", int)
    db["articles"].create_index(["story_id"], if_not_exists=True)
    db.execute("CREATE TABLE IF NOT EXISTS story_bands (key INTEGER NOT NULL, day INTEGER NOT NULL, "
               "article_id INTEGER NOT NULL, PRIMARY KEY (key, day, article_id)) WITHOUT ROWID")


def _v5(db: sqlite_utils.Database) -> None:
    """Band keys by week first (insert cost independent of the store's size), then stories for older articles."""
    db.execute("CREATE TABLE story_bands_v5 (week INTEGER NOT NULL, key INTEGER NOT NULL, day INTEGER NOT NULL, "
               "article_id INTEGER NOT NULL, PRIMARY KEY (week, key, day, article_id)) WITHOUT ROWID")
    db.execute("INSERT INTO story_bands_v5 (week, key, day, article_id) SELECT day / 7, key, day, article_id "
               "FROM story_bands ORDER BY day / 7, key, day, article_id")
    db.execute("DROP TABLE story_bands")
    db.execute("ALTER TABLE story_bands_v5 RENAME TO story_bands")
    StoryIndex(db.conn, second_stage=False).backfill()  # stores older than v4: every article; v4 stores: none left


def _v6(db: sqlite_utils.Database) -> None:
    """The second story stage: specifics keys (week first, like band keys), why each article is in its story."""
    db.execute("CREATE TABLE story_terms (week INTEGER NOT NULL, key INTEGER NOT NULL, day INTEGER NOT NULL, "
               "article_id INTEGER NOT NULL, PRIMARY KEY (week, key, day, article_id)) WITHOUT ROWID")
    db.execute("CREATE TABLE story_links (article_id INTEGER NOT NULL, member_id INTEGER NOT NULL, "
               "how TEXT NOT NULL, score REAL, threshold REAL, shared TEXT, merged INTEGER NOT NULL DEFAULT 0, "
               "PRIMARY KEY (article_id, member_id)) WITHOUT ROWID")
    StoryIndex(db.conn).index_terms()  # stories stay as they are; new articles find older ones by their specifics


MIGRATIONS = {1: _v1, 2: _v2, 3: _v3, 4: _v4, 5: _v5, 6: _v6}


def migrate(db: sqlite_utils.Database) -> None:
    """Bring the schema to SCHEMA_VERSION, one transaction per step.

    The connection is in autocommit mode, so each step takes its own BEGIN IMMEDIATE: a step killed halfway
    leaves the store at the version before it, and a second process opening the store meanwhile waits, then
    finds the step done instead of doing it again.
    """
    if db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return  # the usual case takes no lock: readers open the store while a crawl writes
    while True:
        db.execute("BEGIN IMMEDIATE")
        try:
            current = db.execute("PRAGMA user_version").fetchone()[0]
            if current > SCHEMA_VERSION:
                raise RuntimeError(
                    f"the store has schema version {current}, newer than this newswatch ({SCHEMA_VERSION})")
            if current == SCHEMA_VERSION:
                db.execute("COMMIT")
                return
            MIGRATIONS[current + 1](db)
            db.execute(f"PRAGMA user_version = {current + 1}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
