"""`newswatch serve` in a real headless Chromium, on a store filled by a real crawl of the mock sites.

Screenshots at 1280 and 390 px wide are kept under tests/artifacts/ (not committed).
"""

from __future__ import annotations

import csv
import io
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest

from newswatch.mocksite import MockSites
from newswatch.mocksite.content import KST, new_gwangju_release
from tests.conftest import ROOT, run_newswatch, screenshot_path

pytestmark = pytest.mark.slow  # real servers, child processes, a browser

ATOM = "{http://www.w3.org/2005/Atom}"
PHOTO_CAPTION = "지난해 국제포럼 모습/광주광역시 제공"
COPY_TITLE = "광주 AI 실증도시 국제포럼 개막"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read(), response.headers.get("content-type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get("content-type", "")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Mock sites, a real crawl into a store, and `newswatch serve` on it in a child process."""
    tmp = tmp_path_factory.mktemp("web-browser")
    db = tmp / "news.db"
    config = tmp / "newswatch.toml"
    with MockSites(slow_seconds=0.5) as sites:
        config.write_text(sites.config_toml(str(db)), encoding="utf-8")
        crawl = run_newswatch("--config", str(config), "crawl")
        assert crawl.returncode in (0, 1), crawl.stderr[-3000:]  # 1: newsprime's deliberately faulty links
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "newswatch.cli", "--config", str(config), "serve", "--db", str(db),
             "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if fetch(f"{base}/-/search")[0] == 200:
                        break
                except OSError:
                    pass
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "newswatch serve did not come up"
                time.sleep(0.2)
            yield base, sites, config, db
        finally:
            server.terminate()
            server.wait(timeout=10)


def test_search_open_result_facet_csv_and_screenshots(served, browser, tmp_path):
    base, _, _, _ = served
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True,
                                      locale="ko-KR")
        page = context.new_page()
        page.goto(f"{base}/-/search")
        page.fill("input[name=q]", "광주 인공지능")
        page.press("input[name=q]", "Enter")
        page.wait_for_selector("li.nw-result")
        results = page.locator("li.nw-result")
        assert results.count() >= 10
        assert page.locator("li.nw-result mark").first.inner_text() in ("광주", "인공지능")
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
        page.screenshot(path=screenshot_path(f"web-search-{width}.png"), full_page=True)

        # open the city's release of the international forum: its photo caption and the newspaper's copy
        page.locator("a.nw-title", has_text="국제포럼 개최").first.click()
        page.wait_for_selector("article h1")
        assert "/-/article/" in page.url
        caption = page.locator("figure.nw-photo figcaption", has_text=PHOTO_CAPTION)
        assert caption.count() == 1 and caption.is_visible()
        assert page.locator("figure.nw-photo img").first.evaluate("img => img.naturalWidth") > 0  # the photo loads
        assert COPY_TITLE in page.locator("ul.nw-story").inner_text()
        assert "gwangju-ai" in page.locator("table.nw-rules").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=screenshot_path(f"web-article-{width}.png"), full_page=True)
        page.go_back()

        # follow a facet: only the city's releases remain
        page.wait_for_selector("aside.nw-facets")
        page.locator("ul.nw-facet-source a", has_text="광주광역시 보도자료").click()
        page.wait_for_selector("li.nw-result")
        assert "source=gwangju_city" in page.url
        metas = page.locator("li.nw-result .nw-meta").all_inner_texts()
        assert metas and all(m.startswith("광주광역시 보도자료") for m in metas)
        assert page.locator("ul.nw-facet-source li.selected").count() == 1
        shown = page.locator("li.nw-result").count()

        # the CSV of this search: the filtered results, as the page shows them
        with page.expect_download() as download_info:
            page.click("a.nw-csv")
        download = download_info.value
        target = tmp_path / f"search-{width}.csv"
        download.save_as(target)
        rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
        assert len(rows) == shown and {r["source_label"] for r in rows} == {"광주광역시 보도자료"}
        assert {"article_id", "title", "published_at", "snippet", "canonical_url"} <= set(rows[0])
        context.close()


def test_rule_feed_and_rules_page(served, browser):
    base, _, _, _ = served
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.goto(f"{base}/-/rules")
    feed_href = page.locator("a.nw-feed").first.get_attribute("href")
    page.close()
    status, body, content_type = fetch(base + feed_href)
    assert status == 200 and content_type.startswith("application/atom+xml")
    feed = ET.fromstring(body)
    entries = feed.findall(f"{ATOM}entry")
    assert feed.find(f"{ATOM}title").text == "newswatch 알림 규칙 gwangju-ai" and entries
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert len(ids) == len(set(ids)) and all(i.startswith("tag:newswatch,2026:article:") for i in ids)
    forum = [e for e in entries if "국제포럼" in e.find(f"{ATOM}title").text]
    assert len(forum) == 1 and COPY_TITLE in forum[0].find(f"{ATOM}content").text  # one entry per story
    assert all(e.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http://127.0.0.1:")
               for e in entries)
    assert fetch(base + feed_href)[1] == body  # nothing new: the same document


def test_server_keeps_serving_while_a_crawl_writes(served, tmp_path):
    base, sites, config, _ = served
    before = ET.fromstring(fetch(f"{base}/-/rules/gwangju-ai.atom")[1])
    before_ids = [e.find(f"{ATOM}id").text for e in before.findall(f"{ATOM}entry")]
    sites.publish_gwangju(new_gwangju_release(
        22290, "광주시, 인공지능 반도체 설계센터 유치", ["광주광역시는 인공지능 반도체 설계센터를 유치했다.",
                                              "센터는 AI 집적단지 안에 들어선다. <끝>"],
        published=datetime.now(KST) - timedelta(minutes=5)))
    log = tmp_path / "crawl.log"  # a file, not a pipe: nobody reads while polling, and a full pipe would hang
    with log.open("w") as out:
        crawl = subprocess.Popen([sys.executable, "-m", "newswatch.cli", "--config", str(config), "crawl"],
                                 cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                                 stdout=out, stderr=subprocess.STDOUT, text=True)
        statuses = []
        while crawl.poll() is None:
            statuses.append(fetch(f"{base}/-/search?q=%EA%B4%91%EC%A3%BC")[0])
    assert crawl.returncode in (0, 1), log.read_text(encoding="utf-8", errors="replace")[-3000:]
    assert statuses and set(statuses) == {200}
    found = fetch(f"{base}/-/search.json?q=%EB%B0%98%EB%8F%84%EC%B2%B4+%EC%84%A4%EA%B3%84%EC%84%BC%ED%84%B0")
    assert [r["title"] for r in __import__("json").loads(found[1])["results"]] == ["광주시, 인공지능 반도체 설계센터 유치"]
    after = ET.fromstring(fetch(f"{base}/-/rules/gwangju-ai.atom")[1])
    after_ids = [e.find(f"{ATOM}id").text for e in after.findall(f"{ATOM}entry")]
    assert after_ids[1:] == before_ids and after_ids[0].endswith("22290")  # one new entry, the old ones kept
