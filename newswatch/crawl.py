"""Run the spiders into the store with the real Scrapy engine, in this process.

Twisted's reactor cannot be restarted, so this runs once per process: the CLI calls it once, and the
scheduler runs each crawl in a child process (``newswatch crawl``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.sites import SITE_NAMES
from newswatch.core.config import Config
from newswatch.core.errors import UsageError


@dataclass
class CrawlOutcome:
    """What one source's crawl in this process left: its crawl record, or why there is none."""

    source: str
    crawl_id: int | None
    status: str | None  # ok, partial, failed, killed (None: the crawl ended without a verdict)
    reason: str | None = None
    counts: str | None = None  # pages, new, updated … as the crawl itself counted them


def enabled_sources(config: Config, requested: list[str] | None = None) -> list[str]:
    """The sources to crawl: those asked for (validated), else every enabled one."""
    if requested:
        unknown = [s for s in requested if s not in SITE_NAMES]
        if unknown:
            raise UsageError(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(SITE_NAMES)}")
        return list(dict.fromkeys(requested))
    return [name for name, source in config.sources.items() if source.enabled]


def scrapy_settings(config_path: str | os.PathLike[str] | None, db_path: str | os.PathLike[str],
                    log_level: str = "WARNING", backfill: int = 0, log_file: str | None = None,
                    progress: bool = False) -> Settings:
    """Scrapy's own log stays at WARNING unless asked (or goes, in full, to ``log_file``)."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("NEWSWATCH_DB", str(db_path), priority="cmdline")
    settings.set("NEWSWATCH_CONFIG", str(config_path) if config_path else None, priority="cmdline")
    settings.set("LOG_LEVEL", "INFO" if log_file and log_level == "WARNING" else log_level, priority="cmdline")
    if log_file:
        settings.set("LOG_FILE", log_file, priority="cmdline")
    settings.set("NEWSWATCH_BACKFILL", backfill, priority="cmdline")
    settings.set("NEWSWATCH_PROGRESS", progress, priority="cmdline")
    settings.set("LOG_DATEFORMAT", "%Y-%m-%d %H:%M:%S%z", priority="cmdline")  # times say their zone
    return settings


def run_crawl(config: Config, db_path: str | Path, sources: list[str], log_level: str = "WARNING",
              backfill: int = 0, log_file: str | None = None, progress: bool = False) -> list[CrawlOutcome]:
    """Crawl the given sources concurrently (they are different sites); return when all have finished."""
    from crawler.spiders.sites import SPIDERS

    settings = scrapy_settings(config.path, db_path, log_level, backfill, log_file, progress)
    settings.set("NEWSWATCH_STORE_TIMEOUT", config.store.timeout, priority="cmdline")
    settings.set("NEWSWATCH_RETRY_CAP", config.crawler.retry_cap, priority="cmdline")
    process = CrawlerProcess(settings)
    crawlers = {}
    for name in sources:
        crawlers[name] = process.create_crawler(SPIDERS[name])
        process.crawl(crawlers[name])
    process.start()
    keys = ("crawl_id", "status", "reason", "counts")
    return [CrawlOutcome(name, *(crawler.stats.get_value(f"newswatch/{key}") for key in keys))
            for name, crawler in crawlers.items()]
