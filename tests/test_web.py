"""`newswatch serve` in-process (Datasette's test client, no sockets): search as `newswatch search` does it,
article and story pages, escaping of untrusted article text, read-only defaults, facets, feeds, SQL functions."""

from __future__ import annotations

import asyncio
import csv
import html
import io
import re
import sqlite3
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from crawler.sites import load_config
from newswatch.core.article import Article, Attachment, Image
from newswatch.core.clock import KST, FixedClock
from storage import Store
from tests.story_fixtures import story_article

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE_TITLE = '광주 인공지능 <script>alert("t")</script> & <b>굵게</b>'


def article(source_id: str, title: str, body: str, published: str, source: str = "newsprime", **kw) -> Article:
    url = f"https://news.invalid/{source}/{source_id}"
    return Article(source=source, source_id=source_id, canonical_url=url, url=url, title=title, body_text=body,
                   published_at=published, **kw)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A store with a story (a release and two rewrites), an edited article and a hostile one; two rules."""
    tmp = tmp_path_factory.mktemp("web")
    db = tmp / "news.db"
    config_path = tmp / "newswatch.toml"
    config_path.write_text(
        f'[store]\npath = "{db}"\n'
        '[[alerts.rules]]\nname = "gwangju-ai"\n'
        '[[alerts.rules]]\nname = "chip"\nquery = "반도체"\nsource = "newsprime"\n', encoding="utf-8")
    clock = FixedClock(datetime(2026, 11, 25, 9, tzinfo=KST))
    with Store(db, clock=clock) as store:
        ids = {}
        for name in ("release_ai_center", "rewrite_ai_center", "rewrite_ai_center_brief"):
            ids[name] = store.save_article(story_article(name, images=[
                Image("https://img.invalid/center.jpg", "생성형 AI 실증지원센터 개소식/광주광역시 제공")] if
                name == "release_ai_center" else [])).article_id
        chip = article("900001", "광주 AI 반도체 인재 양성 협약", "광주시와 GIST가 인공지능 반도체 인재를 기른다.\n\n"
                       "두 기관은 500명을 길러낼 계획이다.", "2026-09-12T10:00:00+09:00")
        ids["chip"] = store.save_article(chip).article_id
        clock.advance(hours=1)
        store.save_article(article("900001", chip.title, chip.body_text.replace("500명", "1000명") +
                                   "\n\n협약식은 광주과학기술원에서 열렸다.", chip.published_at))
        ids["hostile"] = store.save_article(article(
            "900002", HOSTILE_TITLE, '본문 <img src=x onerror=alert(1)> "광주" 인공지능\n\n<a href="javascript:alert(2)">x</a>',
            "2026-10-01T10:00:00+09:00",
            images=[Image("javascript:alert(3)", '<svg onload=alert(4)> 캡션'), Image("data:text/html,hi", None)],
            attachments=[Attachment("<i>첨부</i>.hwp", "javascript:alert(5)", "hwp")])).article_id
        ids["old"] = store.save_article(article("900003", "광주 인공지능 산업 과거 기사", "광주 인공지능 이야기.",
                                                "2025-03-02T10:00:00+09:00", source="gwangju_city")).article_id
    config = load_config(config_path)
    return db, config, ids


def serve(site, **kw):
    from newswatch.web.app import make_datasette

    db, config, _ = site
    return make_datasette(db, config, **kw)


def get(datasette, path: str, **kw):
    return asyncio.run(datasette.client.get(path, **kw))


@pytest.fixture(scope="module")
def ds(site):
    return serve(site)


def test_search_page_shows_what_newswatch_search_finds_in_its_order(site, ds):
    db, _, _ = site
    with Store(db) as store:
        expected = [h.article_id for h in store.search("광주 인공지능")]
        expected_stories = [s.hit.article_id for s in store.search_stories("광주 인공지능")]
    data = get(ds, "/-/search.json?q=광주+인공지능").json()
    assert [r["article_id"] for r in data["results"]] == expected and len(expected) >= 4
    assert "[" in data["results"][0]["snippet"]  # the CLI's markers in JSON
    stories = get(ds, "/-/search.json?q=광주+인공지능&stories=1").json()["results"]
    assert [r["article_id"] for r in stories] == expected_stories
    page = get(ds, "/-/search?q=광주+인공지능")
    assert page.status_code == 200 and "<mark>광주</mark>" in page.text and "<mark>인공지능</mark>" in page.text
    assert 'lang="ko"' in page.text and "기사 검색" in page.text


def test_search_filters_and_facets(site, ds):
    _, _, ids = site
    data = get(ds, "/-/search.json?q=광주+인공지능&source=gwangju_city").json()
    assert {r["source"] for r in data["results"]} == {"gwangju_city"}
    assert [f["value"] for f in data["facets"]["source"]] == ["gwangju_city"]
    recent = get(ds, "/-/search.json?q=광주+인공지능&since=2026-01-01").json()
    assert ids["old"] not in [r["article_id"] for r in recent["results"]]
    all_ = get(ds, "/-/search.json?q=광주+인공지능").json()
    months = {f["value"]: f["count"] for f in all_["facets"]["month"]}
    assert months["2025-03"] == 1 and sum(months.values()) == len(all_["results"])
    march = get(ds, "/-/search.json?q=광주+인공지능&month=2025-03").json()["results"]
    assert [r["article_id"] for r in march] == [ids["old"]]
    sizes = {f["value"]: f["count"] for f in all_["facets"]["size"]}
    assert sizes.get("3", 0) >= 1  # the release and its two rewrites
    in_story = get(ds, "/-/search.json?q=광주+인공지능&size=3").json()["results"]
    assert in_story and all(r["story_size"] == 3 for r in in_story)
    page = get(ds, "/-/search?q=광주+인공지능").text
    assert "month=2025-03" in page and "size=3" in page  # facet links keep the query


def _link(page: str, css_class: str) -> str:
    return html.unescape(re.search(f'<a href="([^"]+)"[^>]*class="{css_class}"', page).group(1))


def test_search_exports_carry_every_filter_beyond_the_page(site, ds):
    _, _, ids = site
    for filters, expected in (("&size=3", None), ("&month=2025-03", [ids["old"]]), ("&size=3&stories=1", None)):
        shown = [r["article_id"] for r in get(ds, f"/-/search.json?q=광주+인공지능{filters}").json()["results"]]
        assert shown == (expected or shown) and shown, filters
        page = get(ds, f"/-/search?q=광주+인공지능{filters}&limit=1").text  # one on the page, all in the download
        rows = list(csv.DictReader(io.StringIO(get(ds, _link(page, "nw-csv")).text)))
        assert [int(r["article_id"]) for r in rows] == shown, filters
        assert {"article_id", "source_label", "title", "published_at", "snippet", "canonical_url"} <= set(rows[0])
        json_href = re.search(r'<a href="([^"]+)">JSON</a>', page).group(1)
        assert [r["article_id"] for r in get(ds, html.unescape(json_href)).json()["results"]] == shown, filters
    assert len(shown) == 1  # one per story: the three articles of the story are one row
    def feed_ids(filters: str) -> list[str]:
        feed = ET.fromstring(get(ds, _link(get(ds, f"/-/search?q=광주+인공지능{filters}").text, "nw-feed")).content)
        return [e.find(f"{ATOM}id").text for e in feed.findall(f"{ATOM}entry")]

    assert len(feed_ids("")) > 1 and len(feed_ids("&size=3")) == 1  # the feed too: the story, one entry
    assert [i.rsplit(":", 1)[1] for i in feed_ids("&month=2025-03")] == ["900003"]


def test_a_csv_download_never_hands_a_spreadsheet_a_formula(tmp_path):
    """Titles are untrusted and analysts open downloads in spreadsheets: a cell that starts like a formula is
    made text (a leading apostrophe), everything else is as stored."""
    db = tmp_path / "f.db"
    with Store(db) as store:
        store.save_article(article("900101", '=HYPERLINK("http://evil.invalid","광주 인공지능")',
                                   "광주 인공지능 집적단지 소식.", "2026-10-02T10:00:00+09:00"))
        store.save_article(article("900102", "-광주 인공지능 특구", "광주 인공지능 특구 소식.",
                                   "2026-10-03T10:00:00+09:00"))
    config_path = tmp_path / "newswatch.toml"
    config_path.write_text(f'[store]\npath = "{db}"\n', encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(get(serve((db, load_config(config_path), {})),
                                               "/-/search.csv?q=광주+인공지능").text)))
    assert sorted(r["title"] for r in rows) == ["'-광주 인공지능 특구", '\'=HYPERLINK("http://evil.invalid","광주 인공지능")']
    assert all(not r[k].startswith(("=", "+", "-", "@")) for r in rows for k in r)


def test_bad_queries_are_explained_not_500(ds):
    page = get(ds, "/-/search?q=광주+(인공지능")
    assert page.status_code == 400 and ("괄호" in page.text or "parenthesis" in page.text)
    assert get(ds, "/-/search.json?q=NOT+광주").status_code == 400
    assert get(ds, "/-/search?q=광주&since=어제").status_code == 400
    assert get(ds, "/-/search?q=").status_code == 200  # the empty form


def test_article_page_text_photos_attachments_story_rules_and_revision_diff(site, ds):
    _, _, ids = site
    page = get(ds, f"/-/article/{ids['release_ai_center']}?q=실증지원센터").text
    assert "생성형 AI 실증지원센터 개소식/광주광역시 제공" in page and "<figcaption>" in page
    assert '<img src="https://img.invalid/center.jpg"' in page
    assert page.count("<p>") >= 9 and "<mark>실증지원센터</mark>" in page
    assert "같은 소식 2건" in page and f"/-/article/{ids['rewrite_ai_center']}" in page
    assert "gwangju-ai" in page and "맞음" in page and "장소:" in page  # the topic rule's why-line
    assert "newsprime만 봄" in page or "프라임경제만 봄" in page  # the chip rule covers newsprime only
    chip = get(ds, f"/-/article/{ids['chip']}").text
    assert "판 1 → 2" in chip and 'class="removed">− 두 기관은 500명을' in chip
    assert 'class="added">+ 두 기관은 1000명을' in chip and "검색어 「반도체」" in chip
    assert get(ds, "/-/article/999999").status_code == 404
    story = get(ds, f"/-/story/{ids['release_ai_center']}").text
    assert "같은 소식 3건" in story


def test_untrusted_article_text_is_escaped_everywhere(site, ds):
    _, _, ids = site
    pages = [get(ds, f"/-/article/{ids['hostile']}").text, get(ds, "/-/search?q=광주+인공지능").text,
             get(ds, "/-/rules/gwangju-ai").text, get(ds, "/news/latest").text]
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page and "<svg onload" not in page
        assert 'href="javascript:' not in page and 'src="javascript:' not in page and 'src="data:' not in page
        assert "<b>굵게</b>" not in page
    assert "&lt;script&gt;" in pages[0] and "&lt;svg onload=alert(4)&gt; 캡션" in pages[0]
    assert "&lt;i&gt;첨부&lt;/i&gt;.hwp" in pages[0]  # shown, not linked
    feed = ET.fromstring(get(ds, "/-/search.atom?q=광주+인공지능").content)  # well-formed whatever titles hold
    entry = next(e for e in feed.findall(f"{ATOM}entry") if e.find(f"{ATOM}id").text.endswith(":900002"))
    assert entry.find(f"{ATOM}title").text == HOSTILE_TITLE  # a text node: the title as written, escaped in XML
    content = entry.find(f"{ATOM}content").text  # HTML a feed reader renders: article text escaped inside it
    assert "<script" not in content and "<img" not in content and 'href="javascript:' not in content
    assert all(link.get("href").startswith("http") for link in entry.iter(f"{ATOM}link"))


def test_read_only_defaults(site, ds):
    assert get(ds, "/news?sql=select+1").status_code == 403  # arbitrary SQL is off
    assert get(ds, "/news/outbox").status_code == 403 and get(ds, "/news/alert_sent").status_code == 403
    assert get(ds, "/news.db").status_code in (403, 404)  # no download of the file
    assert asyncio.run(ds.client.post("/-/search", data={"q": "x"})).status_code in (403, 405)
    with_sql = serve(site, allow_sql=True)
    assert get(with_sql, "/news.json?sql=select+count(*)+as+n+from+articles&_shape=array").json() == [{"n": 6}]
    refused = get(with_sql, "/news.json?sql=delete+from+articles")
    assert refused.status_code == 400
    with_sql.get_database("news").close()
    # every page reads through connections SQLite opened read-only (mode=ro)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        asyncio.run(ds.get_database("news").execute_fn(lambda conn: conn.execute("CREATE TABLE x (y)")))


def test_private_tables_are_refused_even_to_arbitrary_sql(site):
    with_sql = serve(site, allow_sql=True)
    try:
        for sql in ("select * from outbox", "select recipient from alert_sent", "select count(*) from OUTBOX",
                    "select a.id from articles a where exists (select 1 from alert_sent)"):
            refused = get(with_sql, "/news.json", params={"sql": sql})
            assert refused.status_code in (400, 403), sql
            error = refused.json()["error"]
            assert "prohibited" in error or "not authorized" in error, (sql, error)
        rows = get(with_sql, "/news.json", params={"sql": "select id from articles order by id", "_shape": "array"})
        assert rows.status_code == 200 and len(rows.json()) == 6
        assert get(with_sql, "/news").status_code == 200  # the database page still lists its tables
    finally:
        with_sql.get_database("news").close()


def test_other_datasette_instances_are_left_alone(site, ds):
    from datasette.app import Datasette

    db, _, _ = site
    plain = Datasette(files=[str(db)], settings={"suggest_facets": True})  # the plugin is registered, no WebState
    try:
        data = get(plain, "/news/articles.json?_facet_story_size=story_id&_facet_month=published_at"
                          "&_extra=suggested_facets").json()
        assert data["facet_results"] == {}
        assert data["suggested_facets"] and all(f.get("type") != "story_size" for f in data["suggested_facets"])
        assert get(plain, "/-/search?q=광주").status_code == 404
    finally:
        plain.get_database("news").close()
    ours = get(ds, "/news/articles.json?_extra=suggested_facets").json()
    assert any(f["type"] == "story_size" for f in ours["suggested_facets"])


def test_datasette_pages_json_csv_and_canned_queries(site, ds):
    db, _, ids = site
    assert get(ds, "/news.json").status_code == 200
    rows = get(ds, "/news/articles.json?_shape=array&_q=광주+인공지능").json()
    with Store(db) as store:
        assert {r["id"] for r in rows} == store.matches("광주 인공지능", range(1, 100))
    facets = get(ds, "/news/articles.json?_facet_month=published_at&_facet_story_size=story_id").json()
    by_type = {f["type"]: f for f in facets["facet_results"].values()}
    assert {"2025-03", "2026-11"} <= {v["value"] for v in by_type["month"]["results"]}
    assert "_story_size=3" in next(v for v in by_type["story_size"]["results"] if v["value"] == "3")["toggle_url"]
    assert len(get(ds, "/news/articles.json?_story_size=3&_shape=array").json()) == 3
    canned = get(ds, "/news/search.csv?q=광주+인공지능&source=&since=").text
    table = list(csv.DictReader(io.StringIO(canned)))
    with Store(db) as store:
        assert {int(r["article_id"]) for r in table} == {h.article_id for h in store.search("광주 인공지능")}
    assert get(ds, "/news/search.json?q=&source=&since=&_shape=array").json() == []
    matches = get(ds, "/news/rule_matches.json?rule=chip&_shape=array").json()
    assert [m["article_id"] for m in matches] == [ids["chip"]] and "반도체" in matches[0]["why"]
    for name in ("latest", "biggest_stories", "last_crawls", "crawl_errors"):
        assert get(ds, f"/news/{name}.json").status_code == 200, name
    biggest = get(ds, "/news/biggest_stories.json?_shape=array").json()
    assert biggest[0]["articles"] == 3
    latest = get(ds, "/news/latest").text
    assert f'href="/-/article/{ids["hostile"]}"' in latest  # ids link to article pages


def test_rule_feed_has_stable_ids_and_new_entries_only_for_new_matches(site, tmp_path):
    import shutil

    db, config, ids = site
    copy = tmp_path / "feed.db"
    shutil.copy(db, copy)
    from newswatch.web.app import make_datasette

    ds = make_datasette(copy, config)

    def entries():
        feed = ET.fromstring(get(ds, "/-/rules/gwangju-ai.atom").content)
        assert feed.find(f"{ATOM}id").text == "tag:newswatch,2026:rule:gwangju-ai"
        return [(e.find(f"{ATOM}id").text, e.find(f"{ATOM}updated").text) for e in feed.findall(f"{ATOM}entry")], feed

    first, feed = entries()
    assert first and all(i.startswith("tag:newswatch,2026:article:") for i, _ in first)
    titles = [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")]
    assert sum("실증지원센터" in t for t in titles) == 1  # one entry per story, its copies listed inside
    assert entries()[0] == first
    clock = FixedClock(datetime(2026, 11, 26, 9, tzinfo=KST))
    with Store(copy, clock=clock) as store:
        store.save_article(article("900010", "광주시, 인공지능 데이터센터 증설 착수", "광주광역시가 인공지능 데이터센터 "
                                   "증설 공사에 들어갔다. 시는 AI 집적단지 기업의 연산 수요에 대비한다.",
                                   "2026-11-26T08:00:00+09:00", source="gwangju_city"))
        store.save_article(article("900011", "부산 관광 축제 개막", "부산에서 관광 축제가 열렸다.",
                                   "2026-11-26T08:30:00+09:00"))
    second, _ = entries()
    assert second[1:] == first and second[0][0].endswith(":gwangju_city:900010")
    search_feed = ET.fromstring(get(ds, "/-/search.atom?q=데이터센터+증설").content)
    assert len(search_feed.findall(f"{ATOM}entry")) == 1
    assert get(ds, "/-/rules/nope.atom").status_code == 404


def test_feed_times_are_rfc3339_and_odd_stamps_do_not_break_the_feed():
    from newswatch.alerts.matching import Match
    from newswatch.web import feeds
    from newswatch.web.matches import Entry

    def entry(i: int, first_seen: str | None, published: str | None) -> Entry:
        return Entry({"id": i, "source": "newsprime", "source_id": str(i), "title": f"기사 {i}", "body_text": "본문",
                      "canonical_url": f"https://news.invalid/{i}", "first_seen_at": first_seen,
                      "published_at": published}, Match("맞음"))

    body = feeds.render(feed_id="tag:x", title="t", self_url="http://h/f", html_url="http://h/", label=str,
                        article_url=lambda i: f"http://h/{i}", entries=[
                            entry(1, "2026-01-01T10:00", "2026-01-01"), entry(2, "2026-01-02T10:00:00+09:00", "어제"),
                            entry(3, "not a time", "2025-12-31T23:00:00.123456")])
    feed = ET.fromstring(body)
    times = {e.find(f"{ATOM}id").text[-1]: (e.find(f"{ATOM}updated").text, getattr(
        e.find(f"{ATOM}published"), "text", None)) for e in feed.findall(f"{ATOM}entry")}
    assert times == {"1": ("2026-01-01T10:00:00+09:00", "2026-01-01T00:00:00+09:00"),
                     "2": ("2026-01-02T10:00:00+09:00", None),  # an unparsable published_at is left out
                     "3": ("2025-12-31T23:00:00+09:00", "2025-12-31T23:00:00+09:00")}  # updated from published
    assert feed.find(f"{ATOM}updated").text == "2026-01-02T10:00:00+09:00"
    rfc3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
    assert all(rfc3339.match(t) for pair in times.values() for t in pair if t)


def test_serve_warns_when_not_local_and_needs_a_store(tmp_path, monkeypatch, capsys, site):
    import uvicorn

    from newswatch.cli import main

    db, _, _ = site
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    monkeypatch.chdir(tmp_path)
    assert main(["serve", "--db", str(db)]) == 0
    assert calls[-1]["host"] == "127.0.0.1" and calls[-1]["port"] == 8001
    assert "warning" not in capsys.readouterr().err
    assert main(["serve", "--db", str(db), "--host", "0.0.0.0", "--port", "9000"]) == 0
    assert "warning: serving on 0.0.0.0" in capsys.readouterr().err and calls[-1]["port"] == 9000
    assert main(["serve", "--db", str(tmp_path / "missing.db")]) == 2
    assert not (tmp_path / "missing.db").exists()


def test_rule_verdicts_are_a_bounded_lru(site, ds):
    from newswatch.alerts.matching import Match
    from newswatch.web.matches import _MISSING, VerdictCache
    from newswatch.web.state import state_of

    cache = VerdictCache(2)
    cache.put(("r", 1, 1), Match("a"))
    cache.put(("r", 2, 1), None)
    assert cache.get(("r", 1, 1)).why == "a"  # used: now the most recent
    cache.put(("r", 3, 1), Match("c"))
    assert len(cache) == 2 and cache.get(("r", 2, 1)) is _MISSING  # the least recently used went
    rules = state_of(ds).rules
    first = get(ds, "/-/rules/gwangju-ai.atom").content
    kept, rules._verdicts = rules._verdicts, VerdictCache(1)  # smaller than one request: verdicts still whole
    try:
        assert get(ds, "/-/rules/gwangju-ai.atom").content == first and len(rules._verdicts) == 1
    finally:
        rules._verdicts = kept


def test_facet_attrs_start_over_for_a_store_rebuilt_at_the_same_path(tmp_path):
    from newswatch.web.attrs import attrs_for

    path = tmp_path / "rebuilt.db"

    def build(*published: str) -> None:
        path.unlink(missing_ok=True)
        with Store(path) as store:
            for n, stamp in enumerate(published):
                store.save_article(article(str(800 + n), f"기사 {n}", f"{stamp}에 쓴 본문 {n}", stamp))

    def months() -> list[int]:
        attrs = attrs_for(str(path))
        with sqlite3.connect(path) as conn:
            attrs.refresh(conn)
        return [attrs.month[i] for i in attrs.select(range(1, 10), source=None, since=None, month=None, sizes=None)]

    build("2026-01-05T10:00:00+09:00", "2026-02-05T10:00:00+09:00", "2026-03-05T10:00:00+09:00")
    assert len(months()) == 3
    build("2025-07-05T10:00:00+09:00")  # fewer articles: ids 2 and 3 must not linger, id 1 is another article
    assert months() == [2025 * 12 + 6]
    with sqlite3.connect(path) as conn:  # the same file, its rows gone: max(id) went back, so it starts over
        conn.execute("DELETE FROM articles")
    assert months() == []
