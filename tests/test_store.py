"""The store's dedup rules, revision history, crawl records and failure modes, on real SQLite files."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from datetime import datetime

import pytest

from newswatch.core.article import Article, Attachment, Image
from newswatch.core.clock import KST, FixedClock
from storage import Store, StoreError


@pytest.fixture
def clock():
    return FixedClock(datetime(2026, 11, 25, 9, 0, tzinfo=KST))


@pytest.fixture
def store(tmp_path, clock):
    with Store(tmp_path / "news.db", clock=clock) as s:
        yield s


def article(source_id: str = "502345", **changes) -> Article:
    base = Article(
        source="newsprime", source_id=source_id,
        canonical_url=f"https://www.newsprime.co.kr/news/article.html?no={source_id}",
        url=f"https://www.newsprime.co.kr/news/article/?no={source_id}&sec_no=64",
        title="광주, 인공지능 중심도시로 도약", subtitle="AI 집적단지 2단계 착수",
        authors=["김성태"], published_at="2026-11-24T17:40:29+09:00",
        body_text="[프라임경제] 광주광역시가 인공지능 집적단지 2단계 사업에 착수했다.\n\n시는 AI 기업 100곳을 유치한다.",
        images=[Image("https://www.newsprime.co.kr/data/photos/a.jpg", "착수식 모습. ⓒ 광주광역시")],
        attachments=[Attachment("계획.hwp", "https://example.invalid/f.hwp", "hwp")],
    )
    return dataclasses.replace(base, **changes)


def test_new_article_round_trips_every_field(store):
    a = article()
    result = store.save_article(a, fetched_url=a.url)
    assert result.status == "new"
    stored = store.article(result.article_id)
    assert stored.revision == 1 and stored.duplicate_of is None
    for name in ("source", "source_id", "canonical_url", "title", "subtitle", "authors", "published_at",
                 "body_text", "images", "attachments"):
        assert getattr(stored.article, name) == getattr(a, name), name
    assert stored.first_seen_at == "2026-11-25T09:00:00+09:00"


def test_every_url_form_is_an_alias_of_one_row(store):
    forms = ["https://m.newsprime.co.kr/section_view.html?no=502345&menu=1",
             "http://www.newsprime.co.kr/news/article.html?no=502345",
             "https://newsprime.co.kr/ezview/article_main.html?no=502345"]
    ids = {store.save_article(article(url=u), fetched_url=u).article_id for u in forms}
    assert len(ids) == 1
    assert store.article_count() == 1
    for url in forms + [article().canonical_url]:
        assert store.article_by_url(url).id == ids.pop() if len(ids) else store.article_by_url(url) is not None
    assert set(forms) <= set(store.article(1).aliases)


def test_unchanged_article_writes_nothing(store, clock):
    a = article()
    store.save_article(a, fetched_url=a.url)
    before = store.conn.total_changes
    clock.advance(hours=1)
    assert store.save_article(a, fetched_url=a.url).status == "unchanged"
    assert store.conn.total_changes == before
    assert store.article(1).last_changed_at == "2026-11-25T09:00:00+09:00"


def test_changed_article_keeps_its_earlier_version(store, clock):
    store.save_article(article())
    clock.advance(hours=2)
    edited = article(body_text=article().body_text + "\n\n(수정) 유치 목표는 120곳으로 늘었다.")
    result = store.save_article(edited)
    assert result.status == "updated"
    stored = store.article(result.article_id)
    assert stored.revision == 2 and stored.article.body_text.endswith("120곳으로 늘었다.")
    assert stored.last_changed_at == "2026-11-25T11:00:00+09:00"
    (rev,) = store.revisions(result.article_id)
    assert rev.revision == 1 and rev.article.body_text == article().body_text
    assert [h.article_id for h in store.search("120곳")] == [result.article_id]


def test_same_text_under_another_id_is_a_duplicate_hidden_from_search(store):
    first = store.save_article(article("100"))
    copy = article("200", body_text=article().body_text.replace("\n\n", "   \n\n  ") + " ")
    result = store.save_article(copy)
    assert result.status == "duplicate" and result.duplicate_of == first.article_id
    assert [h.article_id for h in store.search("집적단지")] == [first.article_id]
    assert {h.article_id for h in store.search("집적단지", include_duplicates=True)} == {1, 2}


def test_junk_is_never_stored(store):
    with pytest.raises(ValueError, match="not storing"):
        store.save_article(article(recognised=False, problems=["rate-limit notice"]))
    with pytest.raises(ValueError):
        store.save_article(article(body_text="  "))
    assert store.article_count() == 0


def test_crawl_record_counts_and_errors(store, clock):
    crawl = store.start_crawl("newsprime")
    store.save_article(article("1"), crawl_id=crawl)
    store.save_article(article("2", body_text="다른 기사 본문이다."), crawl_id=crawl)
    store.save_article(article("1"), crawl_id=crawl)
    store.save_article(article("3"), crawl_id=crawl)  # same text as 1
    store.record_error(crawl, "http://x/news/article.html?no=9", "http_404", "HTTP 404")
    clock.advance(minutes=3)
    record = store.finish_crawl(crawl, status="partial", pages_fetched=7)
    assert (record.new, record.unchanged, record.duplicates, record.updated, record.errors) == (2, 1, 1, 0, 1)
    assert (record.status, record.pages_fetched, record.finished_at) == ("partial", 7, "2026-11-25T09:03:00+09:00")
    assert store.crawls("newsprime")[0].id == crawl
    stats = store.stats()
    assert stats.articles == {"newsprime": 3} and stats.duplicates == 1
    assert stats.errors_last_crawls["newsprime"][0]["kind"] == "http_404"
    assert "HTTP 404" in stats.render()


def test_abandoned_crawl_is_closed_with_its_reason_and_what_it_stored(store):
    crawl = store.start_crawl("newsprime")
    store.save_article(article("1"))  # what the crawl stored before it died; its own counts died with it
    store.save_article(article("2", body_text="다른 기사 본문이다."))
    assert store.abandon_running_crawls("newsprime") == [crawl]
    assert (store.crawl(crawl).new, store.crawl(crawl).status) == (2, "abandoned")
    crawl = store.start_crawl("gwangju_city")
    assert store.running_sources() == ["gwangju_city"]
    assert store.abandon_running_crawls("gwangju_city", reason="timeout: killed after 5 s") == [crawl]
    record = store.crawl(crawl)
    assert record.status == "abandoned" and record.errors == 1 and record.finished_at
    assert store.crawl_errors(crawl)[0]["message"] == "timeout: killed after 5 s"
    assert store.abandon_running_crawls("gwangju_city") == [] and store.running_sources() == []


def test_locked_database_fails_in_words_and_loses_nothing(tmp_path):
    path = tmp_path / "locked.db"
    with Store(path) as s:
        s.save_article(article("1"))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Event()
    try:
        with Store(path, timeout=0.2) as s:
            with pytest.raises(StoreError, match="locked by another process"):
                s.save_article(article("2", body_text="잠긴 동안 저장하려는 기사."))
            holder.execute("ROLLBACK")
            released.set()
            assert s.save_article(article("2", body_text="잠긴 동안 저장하려는 기사.")).status == "new"
            assert s.article_count() == 2
    finally:
        if not released.is_set():
            holder.execute("ROLLBACK")
        holder.close()


def test_corrupt_or_foreign_file_is_refused_by_name(tmp_path):
    good = tmp_path / "good.db"
    with Store(good) as s:
        for i in range(30):
            s.save_article(article(str(i), body_text=f"본문 {i} " * 200))
        s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(good.read_bytes()[:8192] + b"\x00garbage" * 500)
    with pytest.raises(StoreError, match="damaged.db"), Store(damaged) as s:
        s.search("본문")
    text = tmp_path / "notes.db"
    text.write_text("this is not a database at all" * 100)
    with pytest.raises(StoreError, match="not a SQLite database"):
        Store(text)
