"""The one spider: it walks a registered site's lists newest first and turns its article pages into Articles.

Spiders only navigate: reading a page is the job of the site's page objects (``crawler/sites/<name>``); each
site gets a subclass naming it (``crawler.spiders.sites``), so ``scrapy crawl newsprime`` works as usual.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import DNSLookupError, TCPTimedOutError
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

from crawler.extract.listing import ListEntry, ListPage
from crawler.extract.site import Site
from crawler.signals import (
    article_unchanged,
    crawl_problem,
    entry_failed,
    feed_seen,
    list_walked,
    page_validators,
)
from crawler.sites import load_config
from crawler.spiders.walk import ListWalk, comparable
from newswatch.core.article import Article
from newswatch.core.config import Config, SourceConfig
from storage import Store, StoreError

logger = logging.getLogger(__name__)


def title_changed(entry: ListEntry, stored_title: str) -> bool:
    return bool(entry.title) and " ".join(entry.title.split()) != " ".join(stored_title.split())


def settings_from_config(cfg: Config) -> dict[str, Any]:
    """The Scrapy settings the newswatch config controls."""
    c = cfg.crawler
    return {
        "USER_AGENT": c.resolved_user_agent(),
        "CONCURRENT_REQUESTS_PER_DOMAIN": c.concurrency_per_domain,
        "DOWNLOAD_DELAY": c.download_delay,
        "AUTOTHROTTLE_START_DELAY": max(c.download_delay, 0.1),
        "AUTOTHROTTLE_ENABLED": c.autothrottle,
        "DOWNLOAD_TIMEOUT": c.timeout,
        "RETRY_TIMES": c.retries,
        "RETRY_BACKOFF_BASE": c.retry_backoff,
        "DOWNLOAD_MAXSIZE": c.max_page_bytes,
        "DOWNLOAD_WARNSIZE": min(c.max_page_bytes, 2_000_000),
        "ROBOTSTXT_OBEY": c.obey_robots,
    }


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def content_type(response: Response) -> str | None:
    return response.headers.get("Content-Type", b"").decode("latin-1") or None


def classify_failure(failure: Failure) -> tuple[str, str] | None:
    """(kind, message) of a failed request, in words a crawl report can show; None for a rule obeyed
    (robots.txt, an offsite link), which is not a failure."""
    if failure.check(HttpError):
        response = failure.value.response
        if response.status == 400 and b"Request Blocked" in response.body[:2000]:
            return "blocked", "HTTP 400 Request Blocked (the site's firewall refused the request)"
        return f"http_{response.status}", f"HTTP {response.status}"
    if failure.check(IgnoreRequest):
        text = str(failure.value)
        if "max redirections" in text:
            return "redirect_loop", "too many redirects (a redirect loop)"
        if "DOWNLOAD_MAXSIZE" in text:
            return "too_large", f"refused while decompressing: {text}"
        return None
    if failure.check(TwistedTimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return "timeout", str(failure.value) or "timed out"
    if failure.check(CancelledError, DownloadCancelledError) and "maxsize" in str(failure.value).lower():
        return "too_large", str(failure.value)
    if failure.check(DNSLookupError):
        return "dns", str(failure.value)
    return "network", f"{failure.type.__name__}: {failure.value}"


class SiteSpider(scrapy.Spider):
    site: Site  # set by each site's subclass
    config: Config
    source_config: SourceConfig
    store: Store | None  # the crawl's one Store: look-ups here, saves in the pipeline, which closes it

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        settings.setdict(settings_from_config(load_config(settings.get("NEWSWATCH_CONFIG"))), priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.config = load_config(crawler.settings.get("NEWSWATCH_CONFIG"))
        spider.source_config = spider.config.sources[cls.site.name]
        spider.allowed_domains = cls.site.allowed_domains(spider.source_config)
        spider.requested_ids: set[str] = set()
        spider.backfill = crawler.settings.getint("NEWSWATCH_BACKFILL", 0)
        db = crawler.settings.get("NEWSWATCH_DB")
        spider.store = None
        if db:
            try:
                spider.store = Store(db, timeout=spider.config.store.timeout)
            except StoreError as exc:
                crawler.stats.set_value("newswatch/status", "failed")
                crawler.stats.set_value("newswatch/reason", str(exc))
                logger.error("%s: the crawl cannot start: %s", cls.site.name, exc)
        logger.info("%s: crawling %s into %s", cls.site.name, ", ".join(spider.allowed_domains),
                    db or "no store (items go to feeds only)")
        return spider

    @property
    def lookup(self) -> Store | None:
        """The store to consult about stored articles, unless this crawl ignores what is stored."""
        return self.store if self.config.crawler.incremental and not self.backfill else None

    # --- what a poll requests ---------------------------------------------------------------------------

    async def start(self) -> Any:
        """Due re-checks and retries first (they need no list), then the feed or the lists."""
        if self.crawler.stats.get_value("newswatch/status") == "failed":
            return  # the store cannot take this crawl: fetch nothing it could not keep
        crawler_cfg = self.config.crawler
        # The stored frontier even on a backfill (which ignores what is stored): a backfill that stops short of it
        # must not count as complete and move it above pages it never fetched.
        frontiers = self.store.frontiers(self.name) if self.store is not None else {}
        self.feed_items: list[str] = []
        self.walks = {spec.key: ListWalk(spec, frontiers.get(spec.key) if crawler_cfg.incremental else None,
                                         self.source_config.max_pages, crawler_cfg.max_catchup_pages, self.backfill)
                      for spec in self.site.lists(self.source_config)}
        if self.lookup is not None:
            for due in self.lookup.due_rechecks(self.name, crawler_cfg.recheck_ages):
                self.crawler.stats.inc_value("newswatch/rechecks_due")
                if request := self.article_request(due.url, due.source_id, due.etag, due.last_modified):
                    yield request
            for entry in self.lookup.retries(self.name):
                self.crawler.stats.inc_value("newswatch/retries")
                if request := self.article_request(entry.url, entry.source_id):
                    yield request
        if self.lookup is not None and self.site.feed is not None and all(w.frontier for w in self.walks.values()):
            yield scrapy.Request(self.site.feed(self.source_config), callback=self.parse_feed,
                                 errback=self.on_feed_error, dont_filter=True)
            return
        for walk in self.walks.values():
            yield self.list_request(walk, 1)

    def list_request(self, walk: ListWalk, page: int) -> scrapy.Request:
        """A list page; page 1 of a list with a frontier is conditional on its validators (304 = no change)."""
        headers, meta = {}, {}
        if page == 1 and walk.frontier is not None and self.lookup is not None:
            etag, last_modified = self.lookup.list_validators(self.name, walk.spec.key)
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            meta["handle_httpstatus_list"] = [304]
        return scrapy.Request(walk.spec.page_url(page), callback=self.parse_list, errback=self.on_error,
                              headers=headers, meta=meta, dont_filter=True, cb_kwargs={"walk": walk, "page": page})

    def article_request(self, url: str, source_id: str, etag: str | None = None,
                        last_modified: str | None = None) -> scrapy.Request | None:
        """One request per article per crawl, however many lists link it; conditional if we hold validators."""
        if source_id in self.requested_ids:
            return None
        self.requested_ids.add(source_id)
        self.crawler.stats.inc_value("newswatch/article_requests")  # health: recognised articles vs requested
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return scrapy.Request(url, callback=self.parse_article, errback=self.on_article_error, headers=headers,
                              meta={"source_id": source_id, "handle_httpstatus_list": [304]})

    # --- the feed: one request that can tell nothing is new ----------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        """Nothing is new if every feed item is stored or was seen at the last complete walk, and the feed reaches
        back past every list's frontier; then no list is walked. Otherwise every list is walked as usual."""
        feed = self.site.parse_feed(response.url, response.body, content_type(response))
        if not feed.recognised or not feed.entries:
            self.report(response.url, "unrecognised_feed", "; ".join(feed.problems) or "an empty feed")
            yield from (self.list_request(walk, 1) for walk in self.walks.values())
            return
        assert self.lookup is not None
        self.feed_items = [e.source_id for e in feed.entries]
        known = self.lookup.known(self.name, self.feed_items)
        for entry in feed.entries:  # a stored article whose title changed: re-check it
            stored = known.get(entry.source_id)
            if stored is None or not title_changed(entry, stored.title):
                continue
            if request := self.article_request(entry.url, entry.source_id, stored.etag, stored.last_modified):
                yield request
        seen = self.lookup.feed_seen(self.name)
        oldest = min((e.published or "" for e in feed.entries), default="")
        marks = [w.frontier.mark_published or "" for w in self.walks.values() if w.frontier is not None]
        covered = bool(oldest) and all(m and comparable(oldest, m) <= comparable(m, oldest) for m in marks)
        if covered and all(e.source_id in known or e.source_id in seen for e in feed.entries):
            self.crawler.stats.set_value("newswatch/feed_says_unchanged", True)
            return
        for walk in self.walks.values():
            yield self.list_request(walk, 1)

    def on_feed_error(self, failure: Failure) -> Iterator[scrapy.Request]:
        self.on_error(failure)
        for walk in self.walks.values():
            yield self.list_request(walk, 1)

    # --- list pages -------------------------------------------------------------------------------------

    def parse_list(self, response: Response, walk: ListWalk, page: int) -> Iterator[scrapy.Request]:
        if response.status == 304:  # page 1 unchanged since the last complete walk: nothing new on this list
            self.crawler.stats.inc_value("newswatch/lists_unchanged")
            return
        listing = self.site.parse_list(response.url, response.body, content_type(response))
        if listing.rate_limited:
            # The site answers 200 with a notice; back off for the rest of this crawl instead of insisting.
            self.report(response.url, "rate_limited", "list page answered with the rate-limit notice")
            return
        if not listing.recognised:
            self.report(response.url, "unrecognised_list", "; ".join(listing.problems))
            return
        self.crawler.stats.inc_value("newswatch/list_pages")  # health: recognised lists and what they offered
        self.crawler.stats.inc_value("newswatch/list_entries", len(listing.entries))
        if page == 1:
            walk.etag, walk.last_modified = _header(response, "ETag"), _header(response, "Last-Modified")
        yield from self.follow_entries(listing)
        if walk.after_page(page, listing):
            yield self.list_request(walk, page + 1)
        elif walk.complete:
            if walk.gap:
                self.report(response.url, "frontier_gap",
                            f"{walk.spec.label}: the last complete walk's newest article was not reached within "
                            f"{page} pages; older articles in between may be missing (newswatch crawl --backfill)")
            self.crawler.signals.send_catch_log(list_walked, source=self.name, walk=walk)
            if self.feed_items and all(w.complete for w in self.walks.values()):
                self.crawler.signals.send_catch_log(feed_seen, source=self.name, source_ids=self.feed_items)

    def follow_entries(self, listing: ListPage) -> Iterator[scrapy.Request]:
        """Fetch what is not stored, stored articles whose list title changed, and everything on a backfill."""
        if self.lookup is None:
            for entry in listing.entries:
                if request := self.article_request(entry.url, entry.source_id):
                    yield request
            return
        ids = [e.source_id for e in listing.entries]
        known = self.lookup.known(self.name, ids)
        given_up = self.lookup.given_up(self.name, ids)
        for entry in listing.entries:
            stored = known.get(entry.source_id)
            if stored is None and entry.source_id in given_up:
                continue  # failed past the retry cap: recorded, not fetched on every poll
            if stored is not None and not title_changed(entry, stored.title):
                self.crawler.stats.inc_value("newswatch/skipped_known")
                continue
            etag, last_modified = (stored.etag, stored.last_modified) if stored else (None, None)
            if request := self.article_request(entry.url, entry.source_id, etag, last_modified):
                yield request

    def report(self, url: str | None, kind: str, message: str) -> None:
        """Record a failure in the crawl record (through the store pipeline) and the log."""
        logger.warning("%s: %s %s", kind, url or "-", message)
        self.crawler.signals.send_catch_log(crawl_problem, url=url, kind=kind, message=message)

    def on_error(self, failure: Failure) -> None:
        found = classify_failure(failure)
        if found is not None:
            self.report(failure.request.url, *found)

    def on_article_error(self, failure: Failure) -> None:
        """An article page that could not be fetched: recorded, and retried on later polls up to the cap."""
        found = classify_failure(failure)
        if found is None:
            return  # robots.txt or offsite: a rule obeyed
        self.report(failure.request.url, *found)
        self.crawler.signals.send_catch_log(entry_failed, source=self.name, source_id=failure.request.meta["source_id"],
                                            url=failure.request.url, error=f"{found[0]}: {found[1]}")

    def entry_unread(self, response: Response, source_id: str | None, kind: str, why: str, detail: str = "") -> None:
        """An article page fetched but not read: recorded (with ``detail``, a traceback) and retried later."""
        self.report(response.url, kind, f"{why}\n{detail[-1500:]}" if detail else why)  # the traceback's end
        self.crawler.signals.send_catch_log(entry_failed, source=self.name, source_id=source_id,
                                            url=response.url, error=f"{kind}: {why}")

    def parse_article(self, response: Response) -> Iterator[Article]:
        source_id = response.meta.get("source_id")
        if response.status == 304:
            self.crawler.signals.send_catch_log(article_unchanged, source=self.name, source_id=source_id)
            return
        try:
            article = self.site.extract(response.url, response.body, content_type(response))
        except ValueError as exc:
            self.entry_unread(response, source_id, "unrecognised", str(exc))
            return
        except Exception as exc:  # an extractor bug must not lose the entry: recorded, and retried on later polls
            self.entry_unread(response, source_id, "extract_error", f"{type(exc).__name__}: {exc}",
                              detail=traceback.format_exc())
            return
        if not article.recognised:
            self.entry_unread(response, source_id, "unrecognised", "; ".join(article.problems) or "not an article page")
            return
        self.crawler.signals.send_catch_log(
            page_validators, source=self.name, source_id=article.source_id,
            etag=_header(response, "ETag"), last_modified=_header(response, "Last-Modified"))
        yield article
