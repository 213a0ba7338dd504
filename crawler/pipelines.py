"""The one pipeline: hand each Article to the store and keep the crawl record (pages, counts, failures).

No failure is quiet. An article the store cannot take (locked past its timeout, out of disk space, an I/O
error) goes to the spool (crawler.spool) and fails the crawl: its record says why, the crawl's stats carry the
verdict to `newswatch crawl` (which exits non-zero), and the next crawl stores the spooled articles first.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.signals import article_unchanged, crawl_problem, entry_failed, feed_seen, list_walked, page_validators
from crawler.spool import Spool, SpoolError
from newswatch.core.article import Article
from newswatch.core.coverage import Coverage
from storage import Store, StoreError, Validators
from storage.crawls import counts_line

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, db_path: str, crawler: Any) -> None:
        self.db_path = db_path
        self.crawler = crawler
        self.store: Store | None = None
        self.crawl_id: int | None = None
        self.spool = Spool(db_path)
        self.store_failures: list[str] = []  # store faults that fail the crawl: articles spooled or lost, and more
        self.unstored = 0  # this crawl's articles the store did not take (spooled or lost)
        self.lost = 0
        self.still_spooled = 0  # earlier crawls' spooled articles that could still not be stored
        self.unrecorded_fetches = 0  # failed fetches the store could not record (not retried)
        self.unrecorded: list[tuple[str | None, str, str]] = []  # problems the failing store could not take yet
        self.validators: dict[tuple[str, str], Validators] = {}  # saved with their article, in its commit
        self.timeout = 30.0
        self.walks: list[Any] = []  # lists walked completely: their frontiers move if the crawl does not fail
        self.feed: list[str] | None = None
        self.retry_cap = 5
        self.coverage = Coverage()  # fields of this crawl's new and changed articles (the health monitors')

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        db_path = crawler.settings.get("NEWSWATCH_DB")
        if not db_path:
            raise NotConfigured("no NEWSWATCH_DB: items go to feeds only")
        pipeline = cls(db_path, crawler)
        pipeline.timeout = crawler.settings.getfloat("NEWSWATCH_STORE_TIMEOUT", 30.0)
        pipeline.retry_cap = crawler.settings.getint("NEWSWATCH_RETRY_CAP", 5)
        crawler.signals.connect(pipeline.on_problem, signal=crawl_problem)
        crawler.signals.connect(pipeline.on_validators, signal=page_validators)
        crawler.signals.connect(pipeline.on_unchanged, signal=article_unchanged)
        crawler.signals.connect(pipeline.on_entry_failed, signal=entry_failed)
        crawler.signals.connect(pipeline.on_list_walked, signal=list_walked)
        crawler.signals.connect(pipeline.on_feed_seen, signal=feed_seen)
        crawler.signals.connect(pipeline.on_spider_error, signal=signals.spider_error)
        crawler.signals.connect(pipeline.on_spider_closed, signal=signals.spider_closed)
        return pipeline

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    def open_spider(self, spider: Any = None) -> None:
        """Start the crawl record; if the store cannot take it, the crawl fails before it fetches anything."""
        name = self.crawler.spider.name
        if self.stats.get_value("newswatch/status") == "failed":
            return  # the spider could not open the store
        try:
            self.store = getattr(self.crawler.spider, "store", None) or Store(self.db_path, timeout=self.timeout)
            self.crawl_id = self.store.start_crawl(name)
        except StoreError as exc:
            fail(self.crawler, str(exc))
            return
        self.stats.set_value("newswatch/crawl_id", self.crawl_id)
        self._replay_spool()

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if isinstance(item, Article) and self.crawl_id is not None:
            self._save(item)
        return item

    def _save(self, article: Article) -> None:
        assert self.store is not None and self.crawl_id is not None
        fetched = self.validators.pop((article.source, article.source_id), Validators())
        try:
            saved = self.store.save_article(article, fetched_url=article.url, crawl_id=self.crawl_id,
                                            validators=fetched)
        except StoreError as exc:
            self._spool(article, exc)
            return
        if saved.status != "unchanged":  # an unchanged article has the fields it had when first counted
            self.coverage.add(article)
        self._clear_retry(article)

    def _clear_retry(self, article: Article) -> None:
        """After the save committed: a failure here only costs one needless retry on a later poll (a stored
        article fetched again is "unchanged"), so it is logged, not spooled and not a failed crawl."""
        assert self.store is not None
        try:
            self.store.clear_retry(article.source, article.source_id)
        except StoreError as exc:
            logger.warning("%s stored, but its retry entry could not be cleared: %s", article.url, exc)

    def _spool(self, article: Article, exc: StoreError) -> None:
        self.unstored += 1
        try:
            where = self.spool.append(article)
        except SpoolError as spool_exc:
            self.lost += 1
            self.store_failures.append(f"{exc}; {spool_exc}: the article is lost")
            logger.critical("%s NOT STORED AND NOT SPOOLED: %s; %s", article.url, exc, spool_exc)
            self.on_problem(article.url, "lost", f"{exc}; {spool_exc}")
            return
        self.store_failures.append(f"{exc}; spooled to {where}")
        logger.error("%s not stored (%s): spooled to %s for the next crawl", article.url, exc, where)
        self.on_problem(article.url, "store", f"{exc}; spooled to {where}")

    def _replay_spool(self) -> None:
        if not self.spool.pending():
            return
        saved, left, dropped = self.spool.replay(self._replayed, refused=StoreError)
        logger.warning("spool: %d spooled article(s) stored, %d still waiting", saved, left)
        for line in dropped:
            self.on_problem(None, "spool_unreadable", f"a spooled line cut short by a crash was dropped: {line}")
        for error in self.spool.errors:
            self.on_problem(None, "spool_replay", f"a spooled article could not be saved and stays spooled: {error}")
        self.still_spooled = left
        if left:
            self.store_failures.append(f"{left} spooled article(s) could still not be stored")

    def _replayed(self, article: Article) -> None:
        assert self.store is not None
        self.store.save_article(article, crawl_id=self.crawl_id)

    def on_problem(self, url: str | None, kind: str, message: str) -> None:
        if self.store is None or self.crawl_id is None:
            return
        try:
            self.store.record_error(self.crawl_id, url, kind, message)
        except StoreError as exc:
            logger.error("could not record %s for %s yet: %s", kind, url, exc)
            self.unrecorded.append((url, kind, message))

    def on_validators(self, source: str, source_id: str, etag: str | None, last_modified: str | None) -> None:
        """The spider sends a page's validators just before its Article: keep them for the article's commit."""
        self.validators[(source, source_id)] = Validators(etag, last_modified)

    def on_unchanged(self, source: str, source_id: str) -> None:
        """A 304: unchanged; its check time is recorded for the re-check schedule."""
        if self.store is not None and self.crawl_id is not None:
            self.store.count_unchanged(self.crawl_id)
            try:
                self.store.mark_checked(source, source_id)
                self.store.clear_retry(source, source_id)
            except StoreError as exc:  # only the re-check schedule suffers: it is checked again next poll
                logger.warning("could not record the check of %s: %s", source_id, exc)

    def on_entry_failed(self, source: str, source_id: str, url: str, error: str) -> None:
        """Retried on later polls; at the cap it is given up, and that is recorded."""
        if self.store is None or self.crawl_id is None:
            return
        try:
            if self.store.record_fetch_failure(source, source_id, url, error, cap=self.retry_cap):
                self.on_problem(url, "gave_up", f"not fetched after {self.retry_cap} polls, no longer retried: {error}")
        except StoreError as exc:
            self.unrecorded_fetches += 1
            self.store_failures.append(f"{exc} (recording a failed fetch of {url})")

    def on_list_walked(self, source: str, walk: Any) -> None:
        self.walks.append(walk)

    def on_feed_seen(self, source: str, source_ids: list[str]) -> None:
        self.feed = source_ids

    def on_spider_error(self, failure: Any, response: Any, spider: Any) -> None:
        self.on_problem(getattr(response, "url", None), "spider_error", failure.getErrorMessage())

    def on_spider_closed(self, spider: Any, reason: str) -> None:
        if self.store is None or self.crawl_id is None:
            return
        pending, self.unrecorded = self.unrecorded, []
        for url, kind, message in pending:
            self.on_problem(url, kind, message)
        pages = int(self.stats.get_value("downloader/response_count", 0))
        status, why = self._verdict(reason, pages)
        counts = self.store.crawl_counts(self.crawl_id)
        try:
            errors = self.store.crawl_error_count(self.crawl_id) + len(self.unrecorded)
        except StoreError:
            errors = len(self.unrecorded)
        self.stats.set_value("newswatch/status", status)
        self.stats.set_value("newswatch/reason", why)
        self.stats.set_value("newswatch/counts", counts_line(pages, counts["new"], counts["updated"],
                                                             counts["unchanged"], counts["duplicate"], errors))
        try:
            with self.store.transaction(f"closing crawl {self.crawl_id}"):  # frontiers and record: one commit
                if status in ("ok", "partial"):
                    self._move_frontiers(spider.name)
                record = self.store.finish_crawl(self.crawl_id, status=status, pages_fetched=pages,
                                                 stats=_plain(self.stats.get_stats()), reason=why,
                                                 coverage=self.coverage.to_dict())
            log = logger.info if status == "ok" else logger.warning
            log("crawl %s of %s: %s%s", record.id, record.source, record.summary(), f" ({why})" if why else "")
        except StoreError as exc:
            self.stats.set_value("newswatch/status", "failed")
            closing = f"the record could not be closed: {exc}"
            self.stats.set_value("newswatch/reason", f"{why}; {closing}" if why else closing)
            logger.error("crawl %s of %s: %s; its record could not be closed: %s", self.crawl_id, spider.name,
                         status, exc)
        finally:
            self.store.close()
            self.store = None

    def _move_frontiers(self, source: str) -> None:
        """Lists walked completely by a crawl that did not fail: their newest entry is the new frontier."""
        assert self.store is not None
        for walk in self.walks:
            if walk.top is not None:
                self.store.set_frontier(source, walk.spec.key, walk.spec.label, walk.top.source_id,
                                        walk.top.published, etag=walk.etag, last_modified=walk.last_modified)
        if self.feed is not None:
            self.store.set_feed_seen(source, self.feed)

    def _store_faults(self) -> str:
        """The crawl's store faults counted by kind, so each number says what it counts."""
        lost = f", {self.lost} lost" if self.lost else ""
        return _counted((self.unstored, "{} article(s) not stored" + lost),
                        (self.still_spooled, "{} spooled article(s) still waiting"),
                        (self.unrecorded_fetches, "{} failed fetch(es) not recorded")) or "store faults"

    def _verdict(self, reason: str, pages: int) -> tuple[str, str | None]:
        """(status, why): killed, failed (store faults, nothing fetched), partial (fetch errors), or ok."""
        if reason != "finished":
            return "killed", f"stopped: {reason}"
        if self.store_failures:
            return "failed", f"{self._store_faults()}: {self.store_failures[0]}"
        if pages == 0:
            return "failed", "no page could be fetched"
        assert self.store is not None and self.crawl_id is not None
        try:
            errors = self.store.crawl_error_count(self.crawl_id) + len(self.unrecorded)
        except StoreError as exc:
            return "failed", f"the crawl's errors cannot be read: {exc}"
        return ("partial", f"{errors} page(s) failed") if errors else ("ok", None)


def _counted(*parts: tuple[int, str]) -> str:
    return "; ".join(text.format(n) for n, text in parts if n)


def fail(crawler: Any, why: str) -> None:
    """Mark the crawl failed before it started (the spider then requests nothing) and say why, once."""
    crawler.stats.set_value("newswatch/status", "failed")
    crawler.stats.set_value("newswatch/reason", why)
    logger.error("%s: the crawl cannot start: %s", crawler.spider.name if crawler.spider else "crawl", why)


def _plain(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, int | float | str | bool) else str(v)) for k, v in stats.items()}
