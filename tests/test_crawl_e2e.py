"""Full crawls of the mock sites through the real Scrapy engine over HTTP, into a real SQLite store."""

from __future__ import annotations

import json
import sys

import pytest

from newswatch.mocksite import MockSites
from newswatch.mocksite.content import (
    BROKEN_NO,
    DIRECTORY_LINKED_NO,
    EUC_KR_NO,
    FLAKY_NO,
    MISSING_NO,
    MOBILE_LINKED_NO,
    NO_CHARSET_NO,
    OFFSITE_NO,
    ROBOTS_NO,
    SEED_NO,
    SLOW_NO,
    kst,
    new_newsprime_article,
)
from newswatch.monitor.locks import CrawlLock
from storage import Store
from tests.conftest import run_newswatch

pytestmark = pytest.mark.slow  # real servers, child processes and real time


def crawl(sites: MockSites, tmp_path, *args: str, **config) -> tuple:
    db = tmp_path / "news.db"
    config_path = tmp_path / "newswatch.toml"
    config_path.write_text(sites.config_toml(str(db), **config), encoding="utf-8")
    result = run_newswatch("--config", str(config_path), "crawl", *args)
    return result, db


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory):
    """One full crawl of both sources, shared by the assertions below."""
    tmp = tmp_path_factory.mktemp("e2e")
    with MockSites(slow_seconds=0.5) as sites:
        result, db = crawl(sites, tmp)
        yield sites, result, db, [r.path for r in sites.requests()]


def test_crawl_stores_both_sources_and_reports(first_crawl):
    sites, result, db, _ = first_crawl
    assert result.returncode == 0, result.stderr[-3000:]
    assert "newsprime: partial" in result.stdout and "gwangju_city: ok" in result.stdout
    with Store(db) as store:
        assert store.article_count("newsprime") == 17  # every catalogue article, none of the faulty links
        assert store.article_count("gwangju_city") == 13  # both boards
        seed = store.article_by_key("newsprime", str(SEED_NO)).article
        assert seed.title == '이용섭 광주시장 취임 2주년 "광주형일자리, 인공지능 큰 성과"'
        assert seed.authors == ["김성태", "강경식"] and seed.published_at == "2020-06-29T17:40:29+09:00"
        assert [i.caption for i in seed.images][1] == "이용섭 광주광역시장의 임기 2년 핵심성과. ⓒ 광주광역시"
        assert "맨 위로" not in seed.body_text and "무단전재" not in seed.body_text
        assert store.article_by_key("newsprime", str(EUC_KR_NO)).article.title == "광주시·GIST, AI 반도체 인재 양성 협약"
        assert "똠방각하" in store.article_by_key("newsprime", str(EUC_KR_NO)).article.body_text
        assert store.article_by_key("newsprime", str(NO_CHARSET_NO)).article.title == "여수 국가산단 안전점검 강화"
        release = store.article_by_key("gwangju_city", f"{sites.gwangju_url.split('//')[1]}/BD_0000000027/22210")
        assert release.article.department == "인공지능산업과" and len(release.article.attachments) == 2


def test_url_forms_are_aliases_of_canonical_articles(first_crawl):
    sites, _, db, _ = first_crawl
    with Store(db) as store:
        mobile = store.article_by_key("newsprime", str(MOBILE_LINKED_NO))
        assert f"{sites.newsprime_url}/section_view.html?no={MOBILE_LINKED_NO}&menu=index" in mobile.aliases
        assert mobile.article.canonical_url == f"{sites.newsprime_url}/news/article.html?no={MOBILE_LINKED_NO}"
        directory = store.article_by_key("newsprime", str(DIRECTORY_LINKED_NO))
        assert any("/news/article/?no=" in url for url in directory.aliases)


def test_failures_are_recorded_and_rules_obeyed(first_crawl):
    _, _, db, paths = first_crawl
    with Store(db) as store:
        record = store.crawls("newsprime")[0]
        errors = {(e["kind"], e["url"].split("?")[1].split("&")[0]) for e in store.crawl_errors(record.id)}
    assert errors == {("http_404", f"no={MISSING_NO}"), ("http_500", f"no={BROKEN_NO}")}
    assert record.status == "partial" and record.errors == 2 and record.new == 17
    assert sum(f"no={FLAKY_NO}" in p for p in paths) == 3  # two 500s, then retried into a 200
    assert sum(f"no={BROKEN_NO}" in p for p in paths) == 4  # first try + 3 retries, then recorded
    assert not [p for p in paths if f"no={ROBOTS_NO}" in p or p.startswith("/news/print/")]  # robots.txt obeyed
    assert "/robots.txt" in paths
    with Store(db) as store:
        stats = store.crawl_stats(record.id)
        assert stats.get("offsite/filtered", 0) >= 1  # the link to another host was dropped, not fetched
        assert store.article_by_key("newsprime", str(OFFSITE_NO)) is None


def test_recrawl_publish_and_edit(tmp_path):
    with MockSites(slow_seconds=0.1) as sites:
        result, db = crawl(sites, tmp_path, "--source", "newsprime")
        assert result.returncode == 0, result.stderr[-2000:]
        sites.clear_log()
        again, _ = crawl(sites, tmp_path, "--source", "newsprime")
        assert "0 new, 0 updated" in again.stdout
        catalogue = {str(a) for a in (SEED_NO, EUC_KR_NO, MOBILE_LINKED_NO, DIRECTORY_LINKED_NO)}
        assert not [r.path for r in sites.requests() if any(f"no={n}" in r.path for n in catalogue)]
        sites.publish_newsprime(new_newsprime_article(
            746590, "광주 AI 데이터센터 증설 착공", ["[프라임경제] 광주 인공지능 데이터센터 증설 공사가 시작됐다."],
            published=kst(2026, 9, 21, 9, 0)))
        # an edit the list shows (a new title) is fetched again although the article is old
        sites.edit_newsprime(746580, title="광주시, AI 집적단지 2단계 예타 최종 통과",
                             paragraphs=["[프라임경제] 예타 통과 소식을 전한 기사가 고쳐졌다.", "수정된 둘째 문단."])
        third, _ = crawl(sites, tmp_path, "--source", "newsprime")
        assert "1 new, 1 updated" in third.stdout
        backfill, _ = crawl(sites, tmp_path, "--source", "newsprime", "--backfill", "2")
        assert "0 new, 0 updated, 18 unchanged" in backfill.stdout  # --backfill walks and fetches everything
    with Store(db) as store:
        edited = store.article_by_key("newsprime", "746580")
        assert edited.revision == 2 and edited.article.body_text.endswith("수정된 둘째 문단.")
        assert "6000억원" in store.revisions(edited.id)[0].article.body_text
        assert [h.title for h in store.search("증설 착공")] == ["광주 AI 데이터센터 증설 착공"]


def test_a_release_and_its_rewrite_crawled_from_two_sites_are_one_story(tmp_path):
    from datetime import datetime, timedelta

    from newswatch.core.clock import KST
    from newswatch.mocksite.content import new_gwangju_release
    from tests.story_fixtures import story_fixture

    recent = datetime.now(KST) - timedelta(hours=3)
    release, rewrite = story_fixture("release_ai_center"), story_fixture("rewrite_ai_center")
    with MockSites(slow_seconds=0.1, faulty_links=False) as sites:
        sites.publish_gwangju(new_gwangju_release(
            22301, release["title"], release["paragraphs"], published=recent,
            subtitle_lines=release["subtitle"].split("\n"),
            contact_lines=["담당부서 : 인공지능산업과", "담당자 : 김지훈 주무관", "연락처 : 062-613-3941"]))
        sites.publish_newsprime(new_newsprime_article(
            760101, rewrite["title"], rewrite["paragraphs"], published=recent + timedelta(hours=5),
            subtitle=rewrite["subtitle"], reporters=["장철호"], emails=["jch@newsprime.co.kr"]))
        result, db = crawl(sites, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    found = run_newswatch("search", "--stories", "--json", "실증지원센터", "--db", str(db))
    stories = json.loads(found.stdout)
    assert len(stories) == 1, found.stdout
    story = stories[0]
    assert {(story["source"], story["title"]), *[(c["source"], c["title"]) for c in story["copies"]]} == {
        ("newsprime", rewrite["title"]), ("gwangju_city", release["title"])}
    with Store(db) as store:  # the catalogue's forum release and newsprime's report of it are one story too
        assert store.stats().stories_with_copies == 2
        forum = [h for h in store.search_stories("국제포럼") if h.copies]
        assert [(h.hit.source, [c.source for c in h.copies]) for h in forum] in (
            [("gwangju_city", ["newsprime"])], [("newsprime", ["gwangju_city"])])


def test_rate_limit_and_timeout_are_soft_failures(tmp_path):
    with MockSites(slow_seconds=6.0, rate_limit_per_minute=1) as sites:  # list page 2 gets the notice
        result, db = crawl(sites, tmp_path, "--source", "newsprime", timeout=2.0, retries=0)
    assert result.returncode == 0, result.stderr[-2000:]
    with Store(db) as store:
        record = store.crawls("newsprime")[0]
        errors = [(e["kind"], e["url"]) for e in store.crawl_errors(record.id)]
        timed_out = {url for kind, url in errors if kind == "timeout"}
        assert any(f"no={SLOW_NO}&" in url for url in timed_out)
        assert store.article_by_key("newsprime", str(SLOW_NO)) is None
        assert [url for kind, url in errors if kind == "rate_limited"][0].endswith("page=2")
        # page 1 is stored but for what failed: the slow page, the flaky one (retries are off), anything else
        # that timed out on a loaded machine; page 2 was never read
        failed_articles = {url for kind, url in errors if kind in ("timeout", "http_500", "http_404")}
        assert store.article_count("newsprime") == 15 + 2 - len(failed_articles)  # 2: the broken and missing links
        assert record.status == "partial"


def test_second_crawl_of_a_locked_source_is_skipped(tmp_path):
    with MockSites() as sites:
        db = tmp_path / "news.db"
        with CrawlLock(db, "newsprime"):
            result, _ = crawl(sites, tmp_path, "--source", "newsprime")
        assert result.returncode == 3 and "already being crawled" in result.stderr
        assert not sites.requests("newsprime")


def test_broken_config_fails_in_words(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[sources.newsprime]\nbase_url = 12\n", encoding="utf-8")
    result = run_newswatch("--config", str(bad), "crawl")
    assert result.returncode == 2
    assert "sources.newsprime.base_url: expected a string" in result.stderr and "Traceback" not in result.stderr


def test_plain_scrapy_commands_work_from_the_repo_root(tmp_path):
    import subprocess

    from tests.conftest import ROOT

    listed = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True)
    assert listed.stdout.split() == ["gwangju_city", "newsprime"]
    with MockSites() as sites:
        config = tmp_path / "mock.toml"
        config.write_text(sites.config_toml(str(tmp_path / "unused.db")), encoding="utf-8")
        out = tmp_path / "out.jsonl"
        done = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "gwangju_city", "-O", str(out),
                               "-s", f"NEWSWATCH_CONFIG={config}"], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(items) == 13 and all(i["source"] == "gwangju_city" and i["body_text"] for i in items)
    assert not (tmp_path / "unused.db").exists()  # without NEWSWATCH_DB, scrapy crawl only writes the feed
