"""Scrapy settings of newswatch: polite defaults. Values from the newswatch config overlay these at spider
priority (see ``crawler.spiders.base``), and ``-s NAME=VALUE`` on the command line overlays both."""

BOT_NAME = "newswatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Politeness: robots.txt, a descriptive User-Agent (set from the config), few parallel requests per site,
# AutoThrottle adapting the delay to the server's latency, and a cap on page size.
ROBOTSTXT_OBEY = True
USER_AGENT = "newswatch/0.1 (monitoring crawler; +https://github.com/newswatch/newswatch)"
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 5_000_000
DOWNLOAD_WARNSIZE = 2_000_000
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Retries of 5xx, 408, 429 and network errors, with exponential backoff between tries.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry; doubled each time
RETRY_BACKOFF_MAX = 60.0
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
}

ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
EXTENSIONS = {"crawler.progress.Progress": 500}
NEWSWATCH_PROGRESS = False  # `newswatch crawl` turns on its progress lines
# The store pipeline writes only when a database is named (`newswatch crawl` always names one);
# `scrapy crawl newsprime -O out.jsonl` works as in any Scrapy project.
NEWSWATCH_DB = None
NEWSWATCH_CONFIG = None

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
