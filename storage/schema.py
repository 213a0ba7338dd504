"""The one place for the store's schema, created and migrated by the store itself (PRAGMA user_version).

Tables
- ``articles``: one row per canonical article, keyed by (source, source_id). JSON columns: authors, emails,
  images ([{url, caption}]), attachments ([{name, url, type}]), problems. ``content_hash`` (title, subtitle, body,
  images, attachments) decides "changed"; ``text_hash`` (body without spaces and punctuation) finds the same
  text under another id, which is stored with ``duplicate_of`` = the first article having it. ``revision``
  counts versions; earlier ones are in ``revisions``. Times are ISO 8601 with +09:00.
- ``article_urls``: every URL form seen for an article (desktop, mobile, old, with noise parameters).
- ``revisions``: the earlier versions of changed articles (``data`` is the whole earlier Article as JSON).
- ``crawls``: one row per crawl of a source: start, end, status (running / ok / partial / failed / killed /
  abandoned), pages fetched, new / updated / unchanged / duplicate articles, errors, Scrapy stats (JSON), the
  ``pid`` of the process running it, ``high_water`` (the source's highest article id when it finished) and the
  ``reason`` it failed, and ``coverage`` (JSON): which fields its new and changed articles had (since v8).
- ``crawl_errors``: what failed in a crawl: URL, kind (http_404, timeout, rate_limited, unrecognised, ...), message.
- ``articles_fts``: FTS5 index of title and body as Korean-aware tokens (newswatch.core.tokens); rowid = articles.id.
- ``alert_rules``: per alert rule, when it was first seen (``watermark`` is unused since v6).
- ``alert_marks``: per rule and source, ``mark``, the last ``articles.id`` of that source the rule has considered
  (``since``: when the mark was set or began to wait). A rule that appears when a source has been crawled
  completely starts at that source's newest article; for a source never crawled completely the mark waits (NULL)
  for the first complete crawl finishing after ``since`` and starts at its ``high_water``, so what a first crawl
  finds is never "new".
- ``alert_sent``: (rule, recipient, text_hash) once per article text, ever: re-crawls, edits, aliases and copies
  of the same text never alert twice.
- ``outbox``: alert emails, each kept until the SMTP server accepted it (``sent_at``); failures record
  ``attempts``, ``last_error`` and ``next_attempt_at`` (exponential backoff). A deliverer claims a message
  (``claimed_by``, ``claimed_until``: a lease that expires if it dies) in one transaction before sending, so
  concurrent deliverers send it once. Since v8 a row may go to an Apprise URL instead of an e-mail address
  (``channel`` = "apprise", the URL as configured, secrets as ``{env:NAME}`` never resolved here), and operator
  notices (``kind`` = "notice") share the outbox, queued once per ``notice_key`` and recipient.
- ``health_incidents``: crawl health incidents (newswatch.health), one open per source and monitor: severity,
  when opened / last noticed / resolved, the crawls it spans and its evidence (JSON) at opening and now.
- ``validators``: per article key, the ETag and Last-Modified of its page and when it was last fetched
  (``fetched_at``, with a 200 or a 304): conditional requests (a 304 costs the site almost nothing) and the
  due-based re-checks (an article is re-checked when a re-check age has passed since that time).
- ``frontier``: per list a crawl walks (a section, a board), ``mark_id`` and ``mark_published``, the newest entry
  of the last complete walk: everything at or below it has been fetched. A poll pages down to it, not to the
  first stored article; a failed or interrupted crawl leaves it where it was.
- ``list_validators``: page 1 of each list's ETag / Last-Modified from its last complete walk (a 304 = no change).
- ``retries``: list entries whose page could not be fetched, retried directly on later polls; ``gave_up_at`` after
  the retry cap (recorded as a crawl error).
- ``feed_seen``: a site feed's items (newsprime's RSS) when every list was last walked completely: a later feed
  whose items are all stored or seen then, and which reaches back past every frontier, means nothing is new.
- ``articles.story_id`` and ``story_bands``: near-duplicate articles (a release and its rewrites) share a story,
  whose id is its first article's id; ``story_bands`` holds each article's MinHash LSH band keys with its
  publication day and week (day // 7), so candidates are found by index seeks (see storage.stories).
- ``story_terms``: the same for each article's specifics (amounts with units, dates, quoted names), the second
  story stage's wider net; ``story_links``: why each article is in its story — the member it matched, how
  (copy / text / event), score and threshold, what they share, and ``merged`` = 1 for a bridge's links into
  the stories it merged (storage.storywhy says it in words).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.stories import StoryIndex

if TYPE_CHECKING:
    import sqlite_utils

SCHEMA_VERSION = 9


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
    """Exactly-once delivery and honest starts: outbox claims, per-source rule marks, crawl owners."""
    for name, kind in [("claimed_by", str), ("claimed_until", str)]:
        db["outbox"].add_column(name, kind)
    db["outbox"].create_index(["sent_at", "claimed_until"])
    for name, kind in [("pid", int), ("high_water", int), ("reason", str)]:
        db["crawls"].add_column(name, kind)
    db["alert_marks"].create({"rule": str, "source": str, "mark": int, "since": str}, pk=("rule", "source"))
    # rules that already ran keep their start: their watermark becomes every source's mark
    db.execute("INSERT INTO alert_marks (rule, source, mark, since) SELECT r.name, s.source, r.watermark, "
               "r.created_at FROM alert_rules r, (SELECT DISTINCT source FROM crawls) s")


def _v7(db: sqlite_utils.Database) -> None:
    """Polling that never misses: each list's frontier, list-page validators, entries to retry."""
    db["frontier"].create({"source": str, "list_key": str, "label": str, "mark_id": str, "mark_published": str,
                           "walked_at": str}, pk=("source", "list_key"))
    db["list_validators"].create({"source": str, "list_key": str, "etag": str, "last_modified": str,
                                  "fetched_at": str}, pk=("source", "list_key"))
    db["retries"].create({"source": str, "source_id": str, "url": str, "attempts": int, "first_failed_at": str,
                          "last_error": str, "gave_up_at": str}, pk=("source", "source_id"))
    db["feed_seen"].create({"source": str, "source_id": str}, pk=("source", "source_id"))
    # every stored article counts as checked when it last changed (or when its validators were last saved)
    db.execute("INSERT OR IGNORE INTO validators (source, source_id, fetched_at) "
               "SELECT source, source_id, last_changed_at FROM articles")


def _v8(db: sqlite_utils.Database) -> None:
    """Crawl health: each crawl's field coverage, operator notices and channels in the outbox, incidents."""
    db["crawls"].add_column("coverage", str)  # JSON: which fields the crawl's new and changed articles had
    # channel: NULL = email to `recipient`; "apprise" = `recipient` is an Apprise URL ({env:NAME} unresolved).
    # kind: NULL = an alert; "notice" = an operator notice, queued once per notice_key and recipient.
    for name in ("channel", "kind", "notice_key"):
        db["outbox"].add_column(name, str)
    db.execute("CREATE UNIQUE INDEX outbox_notice_once ON outbox (notice_key, recipient) "
               "WHERE notice_key IS NOT NULL")
    db["health_incidents"].create(
        {"id": int, "source": str, "monitor": str, "severity": str, "notified_severity": str, "opened_at": str,
         "updated_at": str, "resolved_at": str, "last_notice_at": str, "first_crawl_id": int,
         "last_crawl_id": int, "summary": str, "evidence": str, "opened_evidence": str},
        pk="id", not_null={"source", "monitor", "severity", "opened_at"})
    db.execute("CREATE UNIQUE INDEX health_incidents_open ON health_incidents (source, monitor) "
               "WHERE resolved_at IS NULL")  # at most one open incident per source and monitor
    db["health_incidents"].create_index(["source", "opened_at"])


def _v9(db: sqlite_utils.Database) -> None:
    """The second story stage: specifics keys (week first, like band keys), why each article is in its story."""
    # IF NOT EXISTS: a store made by the second stage's development branch (its step 6) already has them
    db.execute("CREATE TABLE IF NOT EXISTS story_terms (week INTEGER NOT NULL, key INTEGER NOT NULL, "
               "day INTEGER NOT NULL, "
               "article_id INTEGER NOT NULL, PRIMARY KEY (week, key, day, article_id)) WITHOUT ROWID")
    db.execute("CREATE TABLE IF NOT EXISTS story_links (article_id INTEGER NOT NULL, member_id INTEGER NOT NULL, "
               "how TEXT NOT NULL, score REAL, threshold REAL, shared TEXT, merged INTEGER NOT NULL DEFAULT 0, "
               "PRIMARY KEY (article_id, member_id)) WITHOUT ROWID")
    StoryIndex(db.conn).index_terms()  # stories stay as they are; new articles find older ones by their specifics


MIGRATIONS = {1: _v1, 2: _v2, 3: _v3, 4: _v4, 5: _v5, 6: _v6, 7: _v7, 8: _v8, 9: _v9}


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
