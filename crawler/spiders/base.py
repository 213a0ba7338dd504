"""The one spider: it walks a registered site's lists newest first and turns its article pages into Articles.

Spiders only navigate: reading a page is the job of the site's page objects (``crawler/sites/<name>``); each
site gets a subclass naming it (``crawler.spiders.sites``), so ``scrapy crawl newsprime`` works as usual.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
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
from crawler.extract.site import ListSpec, Site
from crawler.signals import article_unchanged, crawl_problem, page_validators
from crawler.sites import load_config
from newswatch.core.article import Article
from newswatch.core.clock import system_clock
from newswatch.core.config import Config, SourceConfig
from storage import Store, StoreError
from storage.articles import KnownArticle

logger = logging.getLogger(__name__)


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

    async def start(self) -> Any:
        if self.crawler.stats.get_value("newswatch/status") == "failed":
            return  # the store cannot take this crawl: fetch nothing it could not keep
        for spec in self.site.lists(self.source_config):
            yield self.list_request(spec, 1)

    def list_request(self, spec: ListSpec, page: int) -> scrapy.Request:
        return scrapy.Request(spec.page_url(page), callback=self.parse_list, errback=self.on_error,
                              cb_kwargs={"spec": spec, "page": page})

    def parse_list(self, response: Response, spec: ListSpec, page: int) -> Iterator[scrapy.Request]:
        listing = self.site.parse_list(response.url, response.body, content_type(response))
        if listing.rate_limited:
            # The site answers 200 with a notice; back off for the rest of this crawl instead of insisting.
            self.report(response.url, "rate_limited", "list page answered with the rate-limit notice")
            return
        yield from self.follow_list(response, listing, page, self.source_config.max_pages,
                                    lambda: self.list_request(spec, page + 1))

    def pages_to_walk(self, configured: int) -> int:
        return self.backfill or configured

    def report(self, url: str | None, kind: str, message: str) -> None:
        """Record a failure in the crawl record (through the store pipeline) and the log."""
        logger.warning("%s: %s %s", kind, url or "-", message)
        self.crawler.signals.send_catch_log(crawl_problem, url=url, kind=kind, message=message)

    def on_error(self, failure: Failure) -> None:
        found = classify_failure(failure)
        if found is not None:
            self.report(failure.request.url, *found)

    def article_request(self, url: str, source_id: str, known: KnownArticle | None = None) -> scrapy.Request | None:
        """One request per article per crawl, however many lists link it; conditional if we hold validators."""
        if source_id in self.requested_ids:
            return None
        self.requested_ids.add(source_id)
        self.crawler.stats.inc_value("newswatch/article_requests")  # health: recognised articles vs requested
        headers = {}
        if known is not None and known.etag:
            headers["If-None-Match"] = known.etag
        if known is not None and known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        return scrapy.Request(url, callback=self.parse_article, errback=self.on_error, headers=headers,
                              meta={"source_id": source_id, "handle_httpstatus_list": [304]})

    def needs_fetch(self, known: KnownArticle | None, entry: ListEntry) -> bool:
        """A stored article is fetched again only if the list shows a change or it is recent enough to be edited."""
        if known is None:
            return True
        if entry.title and " ".join(entry.title.split()) != " ".join(known.title.split()):
            return True
        if known.published_at:
            age = system_clock.now() - datetime.fromisoformat(known.published_at)
            return age <= timedelta(hours=self.config.crawler.recheck_hours)
        return True
    def follow_list(self, response: Response, listing: ListPage, page: int, max_pages: int,
                    next_page: Callable[[], scrapy.Request]) -> Iterator[scrapy.Request]:
        """Each article of a list page once, then the next list page while there are pages and entries."""
        if not listing.recognised:
            self.report(response.url, "unrecognised_list", "; ".join(listing.problems))
            return
        self.crawler.stats.inc_value("newswatch/list_pages")  # health: recognised lists and what they offered
        self.crawler.stats.inc_value("newswatch/list_entries", len(listing.entries))
        known = self.lookup.known(self.name, [e.source_id for e in listing.entries]) if self.lookup else {}
        for entry in listing.entries:
            if not self.needs_fetch(known.get(entry.source_id), entry):
                self.crawler.stats.inc_value("newswatch/skipped_known")
                continue
            request = self.article_request(entry.url, entry.source_id, known.get(entry.source_id))
            if request is not None:
                yield request
        max_pages = self.pages_to_walk(max_pages)
        last = max_pages if listing.total_pages is None else min(max_pages, listing.total_pages)
        # Lists are newest first: once a page shows stored articles, the pages after it hold only older ones.
        reached_stored = len([e for e in listing.entries if e.source_id in known]) > self.config.crawler.overlap
        if listing.entries and page < last and not reached_stored:
            yield next_page()

    def parse_article(self, response: Response) -> Iterator[Article]:
        source_id = response.meta.get("source_id")
        if response.status == 304:
            self.crawler.signals.send_catch_log(article_unchanged, source=self.name, source_id=source_id)
            return
        try:
            article = self.site.extract(response.url, response.body, content_type(response))
        except ValueError as exc:
            self.report(response.url, "unrecognised", str(exc))
            return
        if not article.recognised:
            self.report(response.url, "unrecognised", "; ".join(article.problems) or "not an article page")
            return
        self.crawler.signals.send_catch_log(
            page_validators, source=self.name, source_id=article.source_id,
            etag=_header(response, "ETag"), last_modified=_header(response, "Last-Modified"))
        yield article
