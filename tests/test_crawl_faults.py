"""Faults of the crawl's own code and files, at the seams where they happen: an extractor bug, a store that fails
after a save, the spool raced by another crawl, retries past their cap. Each must lose no article and say so."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path
from types import SimpleNamespace

from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.extract.listing import ListEntry
from crawler.extract.site import ListSpec
from crawler.pipelines import StorePipeline
from crawler.spiders.sites import SPIDERS
from crawler.spool import Spool
from storage import Store, StoreError
from tests.test_pipeline import article

ARTICLE_URL = "https://www.newsprime.co.kr/news/article.html?no=746590"

CONFIG = """[store]
path = "{db}"

[crawler]
contact_url = "https://github.com/newswatch/newswatch"

[sources.newsprime]
sections = [64]
"""


def spider_and_pipeline(tmp_path: Path):
    """The newsprime spider and the store pipeline of one crawl, wired by Scrapy's signals, with no reactor."""
    db = tmp_path / "news.db"
    config = tmp_path / "newswatch.toml"
    config.write_text(CONFIG.format(db=db), encoding="utf-8")
    crawler = get_crawler(SPIDERS["newsprime"], {"NEWSWATCH_CONFIG": str(config), "NEWSWATCH_DB": str(db)})
    spider = SPIDERS["newsprime"].from_crawler(crawler)
    crawler.spider = spider
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider()
    return spider, pipeline


def article_response(body: bytes = b"<html><body>x</body></html>") -> HtmlResponse:
    request = Request(ARTICLE_URL, meta={"source_id": "746590"})
    return HtmlResponse(ARTICLE_URL, status=200, body=body, request=request,
                        headers={"Content-Type": "text/html; charset=utf-8"})


def test_an_extractor_bug_is_recorded_with_its_traceback_and_the_entry_is_retried(tmp_path):
    spider, pipeline = spider_and_pipeline(tmp_path)

    class BrokenSite(type(spider.site)):
        def extract(self, url: str, body: bytes, content_type: str | None = None):
            raise KeyError("a bug in the extractor")

    spider.site = BrokenSite(**{f.name: getattr(spider.site, f.name) for f in dataclasses.fields(spider.site)})
    assert list(spider.parse_article(article_response())) == []
    store = pipeline.store
    assert [r.source_id for r in store.retries("newsprime")] == ["746590"]  # tried again on the next poll
    errors = store.crawl_errors(pipeline.crawl_id)
    assert [e["kind"] for e in errors] == ["extract_error"]
    assert "KeyError" in errors[0]["message"] and "Traceback" in errors[0]["message"]
    store.close()


def test_an_entry_is_given_up_once_at_the_cap_not_on_every_later_failure(tmp_path):
    with Store(tmp_path / "news.db") as store:
        reached = [store.record_fetch_failure("newsprime", "1", "u", "http_500", cap=2) for _ in range(4)]
        assert reached == [False, True, False, False]
        assert store.given_up("newsprime", ["1"]) == {"1"} and store.retries("newsprime") == []


def closed(pipeline: StorePipeline, tmp_path: Path) -> tuple[str, str]:
    """Close the crawl as Scrapy would after fetching a few pages: (status, reason)."""
    pipeline.stats.set_value("downloader/response_count", 3)
    pipeline.on_spider_closed(SimpleNamespace(name="newsprime"), "finished")
    return pipeline.stats.get_value("newswatch/status"), pipeline.stats.get_value("newswatch/reason") or ""


def refuse(*args: object, **kwargs: object) -> None:
    raise StoreError("clearing: the database is locked by another process (waited past the busy timeout)")


def test_a_retry_entry_that_cannot_be_cleared_after_the_save_neither_spools_nor_fails_the_crawl(tmp_path):
    _, pipeline = spider_and_pipeline(tmp_path)
    pipeline.store.clear_retry = refuse
    pipeline.process_item(article(746591))
    assert Spool(tmp_path / "news.db").pending() == 0
    assert closed(pipeline, tmp_path)[0] == "ok"
    with Store(tmp_path / "news.db") as store:
        assert store.article_by_key("newsprime", "746591") is not None


def test_frontiers_move_only_with_the_crawl_record_in_one_commit(tmp_path):
    _, pipeline = spider_and_pipeline(tmp_path)
    top = ListEntry("https://x.invalid/9", "9", "t", "2026-11-20T09:00:00+09:00")
    pipeline.walks = [SimpleNamespace(spec=ListSpec("64", "sec_no=64", str), top=top, etag=None, last_modified=None)]
    pipeline.store.finish_crawl = refuse
    status, reason = closed(pipeline, tmp_path)
    assert status == "failed" and "could not be closed" in reason
    with Store(tmp_path / "news.db") as store:
        assert store.frontiers("newsprime") == {}  # not moved: the next poll walks the list again
        assert store.crawls("newsprime")[0].status == "running"  # closed as abandoned by the next crawl


def test_a_failed_crawl_counts_what_its_store_faults_were(tmp_path):
    _, pipeline = spider_and_pipeline(tmp_path)
    pipeline.store.record_fetch_failure = refuse
    pipeline.on_entry_failed("newsprime", "1", "https://x.invalid/1", "http_500")
    status, reason = closed(pipeline, tmp_path)
    assert status == "failed" and reason.startswith("1 failed fetch(es) not recorded: ")
    assert "article(s) not stored" not in reason


def test_search_within_more_ids_than_sqlite_has_parameters(tmp_path):
    with Store(tmp_path / "news.db") as store:
        store.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32_766)  # SQLite's default build (Debian's: 250,000)
        saved = store.save_article(article(746592))
        wanted = [*range(10_000_000, 10_040_000), saved.article_id]  # a saved filter's many matches
        hits = store.search("광주", only_ids=wanted)
        assert [h.article_id for h in hits] == [saved.article_id]
        assert store.search("광주", only_ids=[]) == []


def test_a_copy_edited_into_other_text_is_no_longer_a_hidden_duplicate(tmp_path):
    with Store(tmp_path / "news.db") as store:
        original = store.save_article(article(746593))
        copy = dataclasses.replace(article(746593), source_id="746594", url="https://x.invalid/746594",
                                   canonical_url="https://x.invalid/746594")
        assert store.save_article(copy).duplicate_of == original.article_id
        edited = dataclasses.replace(copy, body_text=article(746595).body_text)  # rewritten into other news
        saved = store.save_article(edited)
        assert saved.status == "updated" and saved.duplicate_of is None
        stored = store.article_by_key("newsprime", "746594")
        assert stored.duplicate_of is None and stored.story_id == saved.story_id == saved.article_id
        assert saved.article_id in {h.article_id for h in store.search("광주")}  # shown again
        assert store.save_article(dataclasses.replace(edited, title="새 제목")).duplicate_of is None  # stays so


def test_a_crawl_stopped_before_its_spider_opened_closes_the_record_it_began(tmp_path):
    """A SIGTERM in the moment between the record's start and the spider's opening (the soak's daemon stop met
    one): Scrapy never sends spider_closed, so `newswatch crawl`, still holding the source's lock, closes it."""
    from crawler.sites import load_config
    from newswatch.cli.crawl import close_unfinished
    from newswatch.crawl import CrawlOutcome

    db = tmp_path / "news.db"
    config_path = tmp_path / "newswatch.toml"
    config_path.write_text(CONFIG.format(db=db), encoding="utf-8")
    with Store(db) as store:
        begun = store.start_crawl("newsprime")
        finished = store.start_crawl("gwangju_city")
        store.finish_crawl(finished, status="ok", pages_fetched=3)
    outcomes = [CrawlOutcome("newsprime", begun, None), CrawlOutcome("gwangju_city", finished, "ok")]
    close_unfinished(load_config(config_path), db, outcomes)
    with Store(db) as store:
        assert store.running_sources() == []
        assert (store.crawl(begun).status, store.crawl(finished).status) == ("killed", "ok")
    assert (outcomes[0].status, outcomes[0].reason) == ("killed", "stopped before the crawl could close its record")
