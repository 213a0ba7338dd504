"""Polling that never misses an article and costs almost nothing when nothing changed (issue 9).

The walk's decisions and the re-check schedule are tested as plain functions; the rest against the mock sites
through real crawls in child processes, counting requests from the server's log.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import pytest

from crawler.extract.listing import ListEntry, ListPage
from crawler.extract.site import ListSpec
from crawler.spiders.walk import ListWalk
from newswatch.core.clock import KST, FixedClock
from newswatch.mocksite import MockSites
from newswatch.mocksite.content import BROKEN_NO, MISSING_NO, new_newsprime_article
from storage import Store
from storage.frontier import Frontier, due_since
from tests.conftest import ROOT, run_newswatch

HOURS = [1.0, 3.0, 12.0, 36.0]


# --- the walk and the schedule, as functions ----------------------------------------------------------------

def entries(*ids: int, day: str = "2026-11-20") -> list[ListEntry]:
    return [ListEntry(f"https://x.invalid/{i}", str(i), f"t{i}", f"{day}T09:00:00+09:00") for i in ids]


def walk(frontier: Frontier | None, **kw) -> ListWalk:
    return ListWalk(ListSpec("64", "sec_no=64", lambda p: f"p{p}"), frontier, max_pages=2, catchup=5, **kw)


def test_a_walk_goes_down_to_its_frontier_not_to_the_first_stored_article():
    mark = Frontier("64", "sec_no=64", "100", "2026-11-20T09:00:00+09:00", "2026-11-20T10:00:00+09:00")
    w = walk(mark)
    assert w.after_page(1, ListPage("p1", entries(130, 129, 128)))  # stored articles on page 1: go on
    assert w.after_page(2, ListPage("p2", entries(127, 126, 125)))
    assert not w.after_page(3, ListPage("p3", entries(102, 101, 100))) and w.complete  # the mark
    assert w.top.source_id == "130"
    older = walk(mark)  # the mark's article was deleted: an entry of an earlier day ends the walk
    assert not older.after_page(1, ListPage("p1", entries(99, 98, day="2026-11-19"))) and older.complete


def test_an_old_entry_pinned_above_the_news_is_neither_the_frontier_nor_the_end_of_a_walk():
    pinned = ListEntry("https://x.invalid/5", "5", "공지", "2026-09-10T09:00:00+09:00")
    first = walk(None)
    first.after_page(1, ListPage("p1", [pinned, *entries(130, 129)]))
    assert first.top.source_id == "130"  # the newest by date, not the first row
    mark = Frontier("64", "sec_no=64", "5", "2026-09-10T09:00:00+09:00", "x")  # a frontier that was the pinned row
    w = walk(mark)
    assert w.after_page(1, ListPage("p1", [pinned, *entries(140, 139)]))  # new entries below it: go on
    assert not w.after_page(2, ListPage("p2", entries(99, 98, day="2026-09-01"))) and w.complete


def test_a_walk_that_cannot_reach_its_frontier_stops_at_the_catchup_cap_and_says_so():
    w = walk(Frontier("64", "x", "1", "2026-01-01T00:00:00+09:00", "x"))
    pages = [w.after_page(p, ListPage(f"p{p}", entries(100 - p))) for p in range(1, 6)]
    assert pages == [True, True, True, True, False] and w.complete and w.gap


def test_first_walks_go_max_pages_deep_and_backfills_complete_only_at_the_frontier():
    first = walk(None)
    assert first.after_page(1, ListPage("p1", entries(5, 4))) and not first.after_page(2, ListPage("p2", entries(3)))
    assert first.complete and not first.gap
    mark = Frontier("64", "x", "1", "2026-11-01T00:00:00+09:00", "x")
    shallow = walk(mark, backfill=2)
    assert shallow.after_page(1, ListPage("p1", entries(9))) and not shallow.after_page(2, ListPage("p2", entries(8)))
    assert not shallow.complete  # it did not reach the frontier: the frontier must not move
    ended = walk(mark)
    assert not ended.after_page(1, ListPage("p1", [])) and ended.complete  # an empty page: the list's end


def test_a_backfill_walks_its_pages_past_the_frontier_and_then_counts_as_complete():
    mark = Frontier("64", "x", "9", "2026-11-20T09:00:00+09:00", "x")
    deep = walk(mark, backfill=3)
    assert deep.after_page(1, ListPage("p1", entries(11, 10, 9)))  # the frontier on page 1: a backfill goes on
    assert deep.after_page(2, ListPage("p2", entries(8, 7)))
    assert not deep.after_page(3, ListPage("p3", entries(6, 5))) and deep.complete


def test_rechecks_come_due_at_growing_ages_after_publication():
    published = datetime(2026, 11, 20, 9, 0, tzinfo=KST)
    fetched = published + timedelta(minutes=10)
    at = lambda h: published + timedelta(hours=h)  # noqa: E731
    assert due_since(published, fetched, at(0.9), HOURS) is None
    assert due_since(published, fetched, at(1.5), HOURS) == at(1)
    assert due_since(published, at(1.5), at(2.9), HOURS) is None  # checked after the 1 h point
    assert due_since(published, at(1.5), at(13), HOURS) == at(12)  # 3 h and 12 h passed: one re-check
    assert due_since(published, at(13), at(100), HOURS) == at(36)
    assert due_since(published, at(37), at(1000), HOURS) is None  # never again after the last age


def test_the_store_lists_due_rechecks_and_an_undated_article_counts_from_when_it_was_first_seen(tmp_path):
    from tests.test_store import article

    clock = FixedClock(datetime(2026, 11, 20, 9, 0, tzinfo=KST))
    with Store(tmp_path / "s.db", clock=clock) as store:
        from storage import Validators

        store.save_article(article("1", published_at="2026-11-20T08:30:00+09:00"), validators=Validators('"e"'))
        store.save_article(article("2", published_at=None, body_text="날짜 없는 기사 본문이다."), validators=Validators())
        assert store.due_rechecks("newsprime", HOURS) == []
        clock.advance(hours=1)  # article 1 is 1.5 h old: due; article 2 is 1 h from first seen: due
        assert sorted(r.source_id for r in store.due_rechecks("newsprime", HOURS)) == ["1", "2"]
        (one,) = [r for r in store.due_rechecks("newsprime", HOURS) if r.source_id == "1"]
        assert one.etag == '"e"' and one.due_since == "2026-11-20T09:30:00+09:00"
        store.mark_checked("newsprime", "1")
        store.mark_checked("newsprime", "2")
        assert store.due_rechecks("newsprime", HOURS) == []  # not on every poll: only at the next age


# --- real polls of the mock sites ---------------------------------------------------------------------------

def config(sites: MockSites, tmp_path, *, retries: int = 3, extra: str = "", timeout_store: float | None = None):
    db = tmp_path / "news.db"
    path = tmp_path / "newswatch.toml"
    text = sites.config_toml(str(db), retries=retries, extra=extra)
    if timeout_store is not None:
        text = text.replace(f'path = "{db}"', f'path = "{db}"\ntimeout = {timeout_store}')
    path.write_text(text, encoding="utf-8")
    return path, db


def poll(path, *args: str):
    return run_newswatch("--config", str(path), "crawl", *args)


def by_site(sites: MockSites) -> dict[str, list[str]]:
    return {name: [r.path for r in sites.requests(name)] for name in ("newsprime", "gwangju")}


def publish(sites: MockSites, first: int, count: int, **kw) -> list[int]:
    now = datetime.now(KST)
    numbers = list(range(first, first + count))
    for i, no in enumerate(numbers):
        sites.publish_newsprime(new_newsprime_article(
            no, f"광주 새 소식 {no}", [f"[프라임경제] 기사 {no}번의 본문. 서로 다른 내용 {no * 7}."],
            published=now - timedelta(minutes=count - i), **kw))
    return numbers


def stored_ids(db) -> list[str]:
    with Store(db) as store:
        return [r[0] for r in store.conn.execute("SELECT source_id FROM articles WHERE source = 'newsprime'")]


@pytest.mark.slow
def test_a_poll_with_nothing_new_costs_at_most_three_requests_per_source(tmp_path):
    with MockSites(slow_seconds=0.1, faulty_links=False) as sites:
        path, db = config(sites, tmp_path)
        assert poll(path).returncode == 0  # the first crawl: every list page and article
        assert poll(path).returncode == 0  # the lists have frontiers now; the feed is remembered
        sites.clear_log()
        assert poll(path).returncode == 0
        quiet = by_site(sites)
        assert sorted(quiet["newsprime"]) == ["/data/rss/news.xml", "/robots.txt"]  # the feed says: nothing new
        assert sorted(quiet["gwangju"]) == sorted([  # page 1 of each board, answered 304
            "/robots.txt", "/boardList.do?pageId=www789&boardId=BD_0000000027&movePage=1",
            "/boardList.do?pageId=jngj22&boardId=JG_0000000003&movePage=1"])
        assert {r.status for r in sites.requests("gwangju") if "boardList" in r.path} == {304}
        sites.clear_log()
        publish(sites, 746620, 2)
        assert poll(path).returncode == 0
        busy = by_site(sites)
        assert len(busy["newsprime"]) <= 3 + 2, busy["newsprime"]  # robots, feed, list page 1 and the 2 new
        assert len(busy["gwangju"]) == 3  # nothing new there: still 304s
    assert {"746620", "746621"} <= set(stored_ids(db))


@pytest.mark.slow
def test_a_due_recheck_is_one_conditional_request_and_then_not_again(tmp_path):
    with MockSites(slow_seconds=0.1, faulty_links=False) as sites:
        soon = datetime.now(KST) - timedelta(hours=1) + timedelta(seconds=15)  # its 1 h re-check in 15 s
        sites.publish_newsprime(new_newsprime_article(746630, "광주 AI 반도체 센터 착공",
                                                      ["[프라임경제] 광주 AI 반도체 센터가 착공했다."], published=soon))
        path, db = config(sites, tmp_path)
        assert poll(path).returncode == 0 and poll(path).returncode == 0
        assert datetime.now(KST) < soon + timedelta(hours=1), "the two polls took longer than the margin"
        time.sleep((soon + timedelta(hours=1, seconds=1) - datetime.now(KST)).total_seconds())  # now it is due
        sites.clear_log()
        assert poll(path).returncode == 0
        article_requests = [(r.path, r.status) for r in sites.requests("newsprime") if "no=746630" in r.path]
        assert article_requests == [("/news/article.html?no=746630", 304)]
        sites.clear_log()
        assert poll(path).returncode == 0
        assert not [r for r in sites.requests("newsprime") if "no=746630" in r.path]  # not due again yet
        status = run_newswatch("--config", str(path), "status")
        assert "list sec_no=64: down to" in status.stdout and "re-checks:" in status.stdout


@pytest.mark.slow
def test_a_crawl_killed_halfway_is_finished_by_the_next_poll(tmp_path):
    with MockSites(slow_seconds=0.1, faulty_links=False) as sites:
        path, db = config(sites, tmp_path)
        assert poll(path).returncode == 0
        new = publish(sites, 746640, 20)  # more than a list page
        sites.article_delay = 0.3
        child = subprocess.Popen([sys.executable, "-m", "newswatch.cli", "--config", str(path), "crawl",
                                  "--source", "newsprime"], cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(set(stored_ids(db)) & {str(n) for n in new}) < 4:
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait()
        halfway = set(stored_ids(db)) & {str(n) for n in new}
        assert 4 <= len(halfway) < 20
        sites.article_delay = 0.0
        again = poll(path)
        assert again.returncode == 0, again.stderr[-2000:]
        assert "closed 1 crawl record(s) left running" in again.stderr
    ids = stored_ids(db)
    assert {str(n) for n in new} <= set(ids) and len(ids) == len(set(ids))  # every article, each once


@pytest.mark.slow
def test_a_shallow_backfill_after_an_outage_leaves_the_frontier_for_the_next_poll(tmp_path):
    with MockSites(slow_seconds=0.1, faulty_links=False) as sites:
        path, db = config(sites, tmp_path)
        assert poll(path, "--source", "newsprime").returncode == 0
        new = publish(sites, 746720, 40)  # the outage: almost three list pages of news
        assert poll(path, "--source", "newsprime", "--backfill", "1").returncode == 0
        assert len(set(stored_ids(db)) & {str(n) for n in new}) < 40  # page 1's share only
        again = poll(path, "--source", "newsprime")
        assert again.returncode == 0, again.stderr[-2000:]
    ids = stored_ids(db)
    assert {str(n) for n in new} <= set(ids) and len(ids) == len(set(ids))


@pytest.mark.slow
def test_a_list_page_that_answered_500_once_loses_nothing_below_it(tmp_path):
    with MockSites(slow_seconds=0.1, faulty_links=False) as sites:
        path, db = config(sites, tmp_path, retries=0)
        assert poll(path).returncode == 0
        new = publish(sites, 746660, 20)
        sites.fail_next("newsprime", "sec_no=64&page=2", times=1)
        sites.clear_log()
        assert poll(path, "--source", "newsprime").returncode == 0  # partial: page 2 failed, the rest stored
        assert [r.status for r in sites.requests("newsprime") if "sec_no=64&page=2" in r.path][:1] == [500]
        assert len(set(stored_ids(db)) & {str(n) for n in new}) < 20  # page 2's share is missing for now
        assert poll(path, "--source", "newsprime").returncode == 0
    ids = stored_ids(db)
    assert {str(n) for n in new} <= set(ids) and len(ids) == len(set(ids))


@pytest.mark.slow
def test_saves_failing_mid_crawl_lose_nothing(tmp_path):
    with MockSites(slow_seconds=0.1, faulty_links=False) as sites:
        path, db = config(sites, tmp_path, timeout_store=1)
        assert poll(path).returncode == 0
        new = publish(sites, 746680, 20)
        sites.article_delay = 0.15
        holder: list[sqlite3.Connection] = []

        def lock_the_store_once_some_are_saved() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(set(stored_ids(db)) & {str(n) for n in new}) < 3:
                time.sleep(0.05)
            conn = sqlite3.connect(db, isolation_level=None, timeout=30, check_same_thread=False)
            conn.execute("BEGIN IMMEDIATE")
            holder.append(conn)

        locker = threading.Thread(target=lock_the_store_once_some_are_saved)
        locker.start()
        failed = poll(path, "--source", "newsprime")
        locker.join()
        holder[0].execute("ROLLBACK")
        holder[0].close()
        assert failed.returncode == 1 and "spooled" in failed.stderr, failed.stderr[-2000:]
        sites.article_delay = 0.0
        assert poll(path, "--source", "newsprime").returncode == 0
    ids = stored_ids(db)
    assert {str(n) for n in new} <= set(ids) and len(ids) == len(set(ids))


@pytest.mark.slow
def test_failing_entries_are_retried_up_to_the_cap_then_given_up_and_recorded(tmp_path):
    with MockSites(slow_seconds=0.1) as sites:  # with the 404 and always-500 links on page 1
        path, db = config(sites, tmp_path, retries=0)
        text = path.read_text(encoding="utf-8").replace("retry_backoff = 0.1", "retry_backoff = 0.1\nretry_cap = 2")
        path.write_text(text, encoding="utf-8")
        poll(path, "--source", "newsprime")
        sites.clear_log()
        poll(path, "--source", "newsprime")  # the second attempt: the cap
        retried = [r.path for r in sites.requests("newsprime") if f"no={BROKEN_NO}" in r.path or f"no={MISSING_NO}" in r.path]
        assert len(retried) == 2
        with Store(db) as store:
            kinds = {(e["kind"], e["url"]) for e in store.crawl_errors(store.crawls("newsprime")[0].id)}
            assert any(kind == "gave_up" and str(BROKEN_NO) in url for kind, url in kinds)
        sites.clear_log()
        poll(path, "--source", "newsprime")
        assert not [r for r in sites.requests("newsprime") if f"no={BROKEN_NO}" in r.path]  # given up


@pytest.mark.slow
def test_an_undated_article_is_recorded_and_not_refetched_on_every_poll(tmp_path):
    with MockSites(slow_seconds=0.1, faulty_links=False) as sites:
        sites.publish_newsprime(new_newsprime_article(746700, "날짜 없는 광주 기사", ["[프라임경제] 날짜가 없는 기사다."],
                                                      published=datetime.now(KST), show_date=False))
        path, db = config(sites, tmp_path)
        assert poll(path).returncode == 0
        with Store(db) as store:
            stored = store.article_by_key("newsprime", "746700").article
            assert stored.published_at is None and "no date found" in stored.problems
        sites.clear_log()
        assert poll(path).returncode == 0 and poll(path).returncode == 0
        assert not [r for r in sites.requests("newsprime") if "no=746700" in r.path]
