"""The store pipeline and the spool: a store fault fails the crawl loudly, spools the article, and the next crawl
stores it; a replay killed halfway loses nothing and stores nothing twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from crawler.pipelines import StorePipeline
from crawler.spool import Spool
from newswatch.core.article import Article
from storage import Store
from tests.conftest import ROOT


def make_pipeline(db) -> StorePipeline:
    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector

    stats = MemoryStatsCollector(SimpleNamespace(settings=Settings({"STATS_DUMP": False})))
    stats.set_value("downloader/response_count", 3)
    crawler = SimpleNamespace(spider=SimpleNamespace(name="newsprime"), stats=stats)
    return StorePipeline(str(db), crawler)


SYLLABLES = "가나다라마바사아자차카타파하거너더러머버서어저처커터퍼허고노도로모보소오조초"


def article(no: int = 746580) -> Article:
    """A distinct article per number (texts that share nothing, as different news do)."""
    url = f"https://www.newsprime.co.kr/news/article.html?no={no}"
    words = [SYLLABLES[(no * 7 + i * 13) % len(SYLLABLES)] + SYLLABLES[(no * 11 + i * 5) % len(SYLLABLES)]
             for i in range(30)]
    return Article("newsprime", str(no), url, url, f"광주 AI 집적단지 {no}",
                   body_text=f"[프라임경제] 기사 {no}번: " + " ".join(words))


def test_a_locked_store_fails_the_crawl_spools_the_article_and_the_next_crawl_stores_it(tmp_path):
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
    assert Spool(db).pending() == 1
    first.on_spider_closed(SimpleNamespace(name="newsprime"), "finished")
    assert first.crawler.stats.get_value("newswatch/status") == "failed"
    assert "locked" in first.crawler.stats.get_value("newswatch/reason")
    with Store(db) as store:
        assert store.article_count() == 0
        record = store.crawls("newsprime")[0]
        assert record.status == "failed"
        (error,) = store.crawl_errors(record.id)
        assert error["kind"] == "store" and "spooled to" in error["message"]
    second = make_pipeline(db)
    second.open_spider()  # replays the spool first
    second.on_spider_closed(SimpleNamespace(name="newsprime"), "finished")
    assert Spool(db).pending() == 0 and second.crawler.stats.get_value("newswatch/status") == "ok"
    with Store(db) as store:
        assert store.article_by_key("newsprime", "746580").article.title == "광주 AI 집적단지 746580"
        assert store.crawls("newsprime")[0].new == 1


def test_a_line_cut_short_by_a_crash_is_dropped_and_reported_not_retried_forever(tmp_path):
    db = tmp_path / "news.db"
    spool = Spool(db)
    spool.append(article(1))
    with spool.paths[0].open("a", encoding="utf-8") as handle:
        handle.write('{"source": "newsprime", "source_id": "2", "canon')  # the crash
    with Store(db) as store:
        saved, left, dropped = spool.replay(store.save_article)
        assert (saved, left, len(dropped)) == (1, 0, 1) and store.article_count() == 1
    assert spool.pending() == 0 and not spool.paths[0].exists()


REPLAY = """
import sys
from crawler.spool import Spool
from storage import Store
with Store(sys.argv[1]) as store:
    Spool(sys.argv[1]).replay(store.save_article)
"""


@pytest.mark.slow
def test_sigkill_during_spool_replay_loses_nothing_and_stores_nothing_twice(tmp_path):
    db = tmp_path / "news.db"
    Store(db).close()
    spool = Spool(db)
    for no in range(1, 401):
        spool.append(article(no))
    child = subprocess.Popen([sys.executable, "-c", REPLAY, str(db)], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill it once it has stored some but not all
        with Store(db) as store:
            if store.article_count() >= 20:
                break
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    with Store(db) as store:
        halfway = store.article_count()
    assert 20 <= halfway < 400 and spool.pending() == 400  # nothing removed before everything is stored
    with Store(db) as store:
        saved, left, dropped = spool.replay(store.save_article)
        assert (saved, left, dropped) == (400, 0, [])
        assert store.article_count() == 400  # each once: the re-saved ones were "unchanged"
        assert store.conn.execute("SELECT count(DISTINCT source_id) FROM articles").fetchone()[0] == 400
    assert not spool.paths[0].exists()
