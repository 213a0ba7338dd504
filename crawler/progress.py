"""A Scrapy extension for `newswatch crawl`: one line per source on stderr when its crawl starts, every 30 s
while it runs, and none at the end (the CLI prints the result). Off unless NEWSWATCH_PROGRESS is set."""

from __future__ import annotations

import sys
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

INTERVAL = 30.0


class Progress:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> Progress:
        if not crawler.settings.getbool("NEWSWATCH_PROGRESS"):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def opened(self, spider: Any) -> None:
        lists = ", ".join(spec.label for spec in spider.site.lists(spider.source_config))
        print(f"{spider.name}: crawling {spider.site.label} ({lists}) …", file=sys.stderr, flush=True)
        self.loop = task.LoopingCall(self.tick, spider)
        self.loop.start(INTERVAL, now=False)

    def tick(self, spider: Any) -> None:
        stats = self.crawler.stats
        print(f"{spider.name}: {stats.get_value('downloader/response_count', 0)} pages fetched, "
              f"{stats.get_value('item_scraped_count', 0)} articles read so far …", file=sys.stderr, flush=True)

    def closed(self, spider: Any) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
