"""What both spiders share: config-driven settings, reporting failures, turning article pages into Articles.

Spiders only navigate: reading a page is the job of the per-site page objects in ``crawler.extract``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import scrapy
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import DNSLookupError, TCPTimedOutError
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

from crawler.extract import extract
from crawler.extract.listing import ListPage
from crawler.signals import crawl_problem
from newswatch.article import Article
from newswatch.config import Config, load_config

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


def content_type(response: Response) -> str | None:
    return response.headers.get("Content-Type", b"").decode("latin-1") or None


def classify_failure(failure: Failure) -> tuple[str, str]:
    """(kind, message) of a failed request, in words a crawl report can show."""
    if failure.check(HttpError):
        response = failure.value.response
        if response.status == 400 and b"Request Blocked" in response.body[:2000]:
            return "blocked", "HTTP 400 Request Blocked (the site's firewall refused the request)"
        return f"http_{response.status}", f"HTTP {response.status}"
    if failure.check(TwistedTimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return "timeout", str(failure.value) or "timed out"
    if failure.check(CancelledError, DownloadCancelledError) and "maxsize" in str(failure.value).lower():
        return "too_large", str(failure.value)
    if failure.check(DNSLookupError):
        return "dns", str(failure.value)
    return "network", f"{failure.type.__name__}: {failure.value}"


class NewswatchSpider(scrapy.Spider):
    config: Config

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        settings.setdict(settings_from_config(load_config(settings.get("NEWSWATCH_CONFIG"))), priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.config = load_config(crawler.settings.get("NEWSWATCH_CONFIG"))
        spider.allowed_domains = spider.config.allowed_domains(cls.name)
        spider.requested_ids: set[str] = set()
        return spider

    def report(self, url: str | None, kind: str, message: str) -> None:
        """Record a failure in the crawl record (through the store pipeline) and the log."""
        logger.warning("%s: %s %s", kind, url or "-", message)
        self.crawler.signals.send_catch_log(crawl_problem, url=url, kind=kind, message=message)

    def on_error(self, failure: Failure) -> None:
        if failure.check(scrapy.exceptions.IgnoreRequest) and not failure.check(HttpError):
            return  # robots.txt or offsite: a rule obeyed, not a failure
        kind, message = classify_failure(failure)
        self.report(failure.request.url, kind, message)

    def article_request(self, url: str, source_id: str, **meta: Any) -> scrapy.Request | None:
        """One request per article per crawl, however many lists link it."""
        if source_id in self.requested_ids:
            return None
        self.requested_ids.add(source_id)
        return scrapy.Request(url, callback=self.parse_article, errback=self.on_error, meta=meta)

    def follow_list(self, response: Response, listing: ListPage, page: int, max_pages: int,
                    next_page: Callable[[], scrapy.Request]) -> Iterator[scrapy.Request]:
        """Each article of a list page once, then the next list page while there are pages and entries."""
        if not listing.recognised:
            self.report(response.url, "unrecognised_list", "; ".join(listing.problems))
            return
        for entry in listing.entries:
            request = self.article_request(entry.url, entry.source_id)
            if request is not None:
                yield request
        last = max_pages if listing.total_pages is None else min(max_pages, listing.total_pages)
        if listing.entries and page < last:
            yield next_page()

    def parse_article(self, response: Response) -> Iterator[Article]:
        try:
            article = extract(response.url, response.body, content_type(response))
        except ValueError as exc:
            self.report(response.url, "unrecognised", str(exc))
            return
        if not article.recognised:
            self.report(response.url, "unrecognised", "; ".join(article.problems) or "not an article page")
            return
        yield article
