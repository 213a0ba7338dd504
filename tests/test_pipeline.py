"""The store pipeline: a locked database spools articles beside it, and the next crawl saves them."""

from __future__ import annotations

import sqlite3
from types import SimpleNamespace

from crawler.pipelines import StorePipeline, pending_path
from newswatch.core.article import Article
from storage import Store


def make_pipeline(db) -> StorePipeline:
    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector

    stats = MemoryStatsCollector(SimpleNamespace(settings=Settings({"STATS_DUMP": False})))
    stats.set_value("downloader/response_count", 3)
    crawler = SimpleNamespace(spider=SimpleNamespace(name="newsprime"), stats=stats)
    return StorePipeline(str(db), crawler)


def article() -> Article:
    return Article("newsprime", "746580", "https://www.newsprime.co.kr/news/article.html?no=746580",
                   "https://www.newsprime.co.kr/news/article.html?no=746580", "광주 AI 집적단지 2단계",
                   body_text="[프라임경제] 광주 인공지능 집적단지 2단계 사업이 시작됐다.")


def test_locked_database_spools_and_the_next_crawl_saves(tmp_path):
    db = tmp_path / "news.db"
    first = make_pipeline(db)
    first.open_spider()
    first.store.close()
    first.store = Store(db, timeout=0.1)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        first.process_item(article())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert first.spooled == 1 and pending_path(db).exists()
    first.on_spider_closed(None, "finished")
    with Store(db) as store:
        assert store.article_count() == 0
        (error,) = store.crawl_errors(store.crawls("newsprime")[0].id)
        assert error["kind"] == "store" and "spooled" in error["message"]
    second = make_pipeline(db)
    second.open_spider()  # replays the spool first
    second.on_spider_closed(None, "finished")
    assert not pending_path(db).exists()
    with Store(db) as store:
        assert store.article_by_key("newsprime", "746580").article.title == "광주 AI 집적단지 2단계"
        assert store.crawls("newsprime")[0].new == 1
