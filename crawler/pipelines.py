"""The one pipeline: hand each Article to the store and keep the crawl record (pages, counts, failures).

If the database cannot take a write (locked past its timeout, disk full), the article is spooled to a
``<db>.pending.jsonl`` file beside it and saved at the start of the next crawl, so nothing fetched is lost.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.signals import article_unchanged, crawl_problem, page_validators
from newswatch.core.article import Article
from storage import Store, StoreError, Validators

logger = logging.getLogger(__name__)


def pending_path(db_path: str | Path) -> Path:
    return Path(f"{db_path}.pending.jsonl")


class StorePipeline:
    def __init__(self, db_path: str, crawler: Any) -> None:
        self.db_path = db_path
        self.crawler = crawler
        self.store: Store | None = None
        self.crawl_id: int | None = None
        self.spooled = 0
        self.unrecorded: list[tuple[str | None, str, str]] = []  # problems the busy store could not take yet
        self.validators: dict[tuple[str, str], Validators] = {}  # saved with their article, in its commit

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        db_path = crawler.settings.get("NEWSWATCH_DB")
        if not db_path:
            raise NotConfigured("no NEWSWATCH_DB: items go to feeds only")
        pipeline = cls(db_path, crawler)
        crawler.signals.connect(pipeline.on_problem, signal=crawl_problem)
        crawler.signals.connect(pipeline.on_validators, signal=page_validators)
        crawler.signals.connect(pipeline.on_unchanged, signal=article_unchanged)
        crawler.signals.connect(pipeline.on_spider_error, signal=signals.spider_error)
        crawler.signals.connect(pipeline.on_spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider: Any = None) -> None:
        self.store = getattr(self.crawler.spider, "store", None) or Store(self.db_path)  # the crawl's one Store
        self.crawl_id = self.store.start_crawl(self.crawler.spider.name)
        self.crawler.stats.set_value("newswatch/crawl_id", self.crawl_id)
        self._replay_pending()

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if isinstance(item, Article):
            self._save(item)
        return item

    def _save(self, article: Article) -> None:
        assert self.store is not None
        try:
            self.store.save_article(article, fetched_url=article.url, crawl_id=self.crawl_id,
                                    validators=self.validators.pop((article.source, article.source_id), None))
        except StoreError as exc:
            self.spooled += 1
            with pending_path(self.db_path).open("a", encoding="utf-8") as fh:
                fh.write(article.to_json() + "\n")
            self.on_problem(article.url, "store", f"{exc}; spooled to {pending_path(self.db_path)}")

    def _replay_pending(self) -> None:
        path = pending_path(self.db_path)
        if not path.exists():
            return
        work = path.with_suffix(".replaying")
        path.replace(work)
        for line in work.read_text(encoding="utf-8").splitlines():
            if line.strip():
                self._save(Article.from_dict(json.loads(line)))
        work.unlink()

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
        if self.store is not None and self.crawl_id is not None:
            self.store.count_unchanged(self.crawl_id)

    def on_spider_error(self, failure: Any, response: Any, spider: Any) -> None:
        self.on_problem(getattr(response, "url", None), "spider_error", failure.getErrorMessage())

    def on_spider_closed(self, spider: Any, reason: str) -> None:
        if self.store is None or self.crawl_id is None:
            return
        pending, self.unrecorded = self.unrecorded, []
        for url, kind, message in pending:
            self.on_problem(url, kind, message)
        stats = self.crawler.stats.get_stats()
        pages = int(stats.get("downloader/response_count", 0))
        record = self.store.finish_crawl(self.crawl_id, status=_status(reason, pages, self.store, self.crawl_id),
                                         pages_fetched=pages, stats=_plain(stats))
        logger.info("crawl %s of %s: %s", record.id, record.source, record.status)
        self.store.close()
        self.store = None


def _status(reason: str, pages: int, store: Store, crawl_id: int) -> str:
    if reason != "finished":
        return "killed"
    errors = store.crawl_error_count(crawl_id)
    if pages == 0:
        return "failed"
    return "partial" if errors else "ok"


def _plain(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, int | float | str | bool) else str(v)) for k, v in stats.items()}
