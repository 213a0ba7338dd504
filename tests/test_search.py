"""Search works the way Korean readers expect: terms match inside words, Latin words match whole."""

from __future__ import annotations

import contextlib
from datetime import datetime

import pytest

from newswatch.core.article import Article
from newswatch.core.clock import KST, FixedClock
from newswatch.core.query import compile_query
from newswatch.core.tokens import tokens
from storage import QueryError, Store

DOCS = {
    "mayor": ("광주광역시장, 인공지능 산업 비전 발표", "광주광역시장은 인공지능을 키우겠다고 말했다.", "2026-11-20T10:00:00+09:00"),
    "possessive": ("지역 경제 소식", "광주의 청년 창업이 늘었다. 인공지능 중심도시 전략의 성과다.", "2026-11-21T10:00:00+09:00"),
    "ai_word": ("AI산업 육성", "정부는 AI산업과 (AI) 반도체를 함께 키운다.", "2026-11-22T10:00:00+09:00"),
    "mail": ("전자우편 안내", "MAIL 서버 점검으로 메일 발송이 지연됐다.", "2026-11-23T10:00:00+09:00"),
    "flu": ("고병원성 AI 확산", "전남 나주 오리농장에서 고병원성 조류인플루엔자(AI)가 확인돼 방역에 나섰다.",
            "2026-11-24T10:00:00+09:00"),
    "gyeonggi": ("경기 광주시 교통 대책", "경기 광주시는 버스 노선을 늘린다.", "2026-11-24T11:00:00+09:00"),
    "body_only": ("행사 안내", "이번 행사는 광주 인공지능 사관학교 수료식이다.", "2025-01-01T10:00:00+09:00"),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "s.db"
    s = Store(path, clock=FixedClock(datetime(2026, 11, 25, tzinfo=KST)))
    for key, (title, body, published) in DOCS.items():
        source = "gwangju_city" if key == "body_only" else "newsprime"
        s.save_article(Article(source=source, source_id=key, canonical_url=f"https://x.invalid/{key}",
                               url=f"https://x.invalid/{key}", title=title, body_text=body,
                               published_at=published))
    yield s
    s.close()


def keys(store, query, **kw):
    return {store.article(h.article_id).article.source_id for h in store.search(query, **kw)}


def test_korean_term_matches_inside_words(store):
    assert {"mayor", "possessive", "gyeonggi", "body_only"} <= keys(store, "광주")
    assert "mayor" in keys(store, "인공지능")  # 인공지능을
    assert keys(store, "광주광역시장") == {"mayor"}


def test_latin_term_matches_whole_words_only(store):
    assert keys(store, "AI") == {"ai_word", "flu"}  # AI산업, (AI); not MAIL
    assert keys(store, "ai") == keys(store, "AI")
    assert keys(store, "mail") == {"mail"}


def test_and_phrase_or_not(store):
    assert keys(store, "광주 인공지능") == {"mayor", "possessive", "body_only"}
    assert keys(store, '"인공지능 중심도시"') == {"possessive"}
    assert keys(store, '"중심도시 인공지능"') == set()
    assert keys(store, "메일 OR 반도체") == {"mail", "ai_word"}
    assert keys(store, "AI NOT 조류인플루엔자") == {"ai_word"}
    assert keys(store, "AI -고병원성") == {"ai_word"}
    assert keys(store, "광주 NOT (경기 OR 사관학교)") == {"mayor", "possessive"}
    assert keys(store, "(AI OR 인공지능) and 광주 not 방역") == {"mayor", "possessive", "body_only"}


def test_ranking_prefers_title_matches_then_recency(store):
    hits = store.search("인공지능")
    assert store.article(hits[0].article_id).article.source_id == "mayor"
    assert hits == sorted(hits, key=lambda h: -h.score)


def test_filters(store):
    assert keys(store, "광주", source="gwangju_city") == {"body_only"}
    assert "body_only" not in keys(store, "광주", since="2026-01-01")
    assert keys(store, "광주", since="2026-11-24T10:30:00+09:00") == {"gyeonggi"}
    with pytest.raises(ValueError, match="--since"):
        store.search("광주", since="yesterday")


def test_snippet_highlights_original_text(store):
    (hit,) = store.search("AI산업")
    assert "[AI산업]" in hit.snippet
    (hit,) = store.search("메일")
    assert "[메일]" in hit.snippet and "[MAIL]" not in hit.snippet
    (hit,) = [h for h in store.search("AI") if "반도체" in h.snippet]
    assert hit.snippet.count("[AI]") == 2
    marked = store.search("광주의", marks=("<b>", "</b>"))
    assert "<b>광주의</b>" in marked[0].snippet


def test_matches_tests_given_articles_only(store):
    ids = {store.article_by_key(s, k).id: k for k, s in
           [("mayor", "newsprime"), ("flu", "newsprime"), ("mail", "newsprime")]}
    assert {ids[i] for i in store.matches("AI OR 인공지능", ids)} == {"mayor", "flu"}
    assert store.matches("AI", []) == set()


@pytest.mark.parametrize("query", ['"', "NEAR(광주 AI)", "title:광주", "광주*", "^광주", "광주 + AI", "a:b:c",
                                   "'; DROP TABLE articles; --", "AND", "OR 광주"])
def test_user_text_never_reaches_fts_syntax(store, query):
    with contextlib.suppress(QueryError):  # it must either run or raise QueryError, never an sqlite error
        store.search(query)
    assert store.article_count() == len(DOCS)


@pytest.mark.parametrize(("query", "message"), [
    ("", "empty"), ("   ", "empty"), ("NOT 광주", "not negated"), ("-광주", "not negated"),
    ("(광주 AI", "not closed"), ("광주)", "unmatched"), ("광주 OR", "ends where a term"), ("!!! ???", "no searchable"),
])
def test_bad_queries_say_what_is_wrong(query, message):
    with pytest.raises(QueryError, match=message):
        compile_query(query)


def test_tokens():
    assert tokens("광주광역시장") == ["광주", "주광", "광역", "역시", "시장"]
    assert tokens("AI산업 (AI) MAIL") == ["ai", "산업", "ai", "mail"]
    assert tokens("시 5G") == ["시", "5g"]
    assert compile_query("시").match == '"시" *'
    assert compile_query('"인공지능 중심도시"').match == '"인공 공지 지능 중심 심도 도시"'


def test_common_queries_rank_the_newest_candidates_and_filters_fall_back(store, monkeypatch):
    import storage.search as store_module

    monkeypatch.setattr(store_module, "RANK_CANDIDATES", 2)
    newest_two = {"gyeonggi", "body_only"}  # the last two stored articles matching 광주
    assert keys(store, "광주", limit=2) == newest_two
    # the only Gwangju-AI article in gwangju_city is among the newest; the mayor one is not, but a filter that
    # leaves too few among the newest candidates ranks them all
    assert keys(store, "광주", source="newsprime", since="2026-11-20") == {"mayor", "possessive", "gyeonggi"}


def test_ranking_inside_the_index_first_gives_the_full_ranking(tmp_path, monkeypatch):
    """The fast path (rank in FTS, join the best few) must return exactly what ranking every candidate returns:
    with copies to drop, with ties at the edge of its pool (identical texts score alike), and with few matches."""
    from storage.search import SearchIndex

    with Store(tmp_path / "r.db", clock=FixedClock(datetime(2026, 11, 25, tzinfo=KST))) as s:
        for i in range(130):
            body = "광주 인공지능 소식. " * (1 + i % 4) + f"기사 {i}번." + (" 광주" * (i % 3))
            title = "광주 인공지능" if i % 5 == 0 else f"지역 소식 {i}"
            s.save_article(Article(source="newsprime", source_id=str(i), canonical_url=f"https://x.invalid/{i}",
                                   url=f"https://x.invalid/{i}", title=title, body_text=body,
                                   published_at=f"2026-11-{1 + i % 24:02d}T10:00:00+09:00"))
            if i % 7 == 0:  # a copy of the same text under another number: dropped from results
                s.save_article(Article(source="newsprime", source_id=f"c{i}", canonical_url=f"https://x.invalid/c{i}",
                                       url=f"https://x.invalid/c{i}", title=title, body_text=body,
                                       published_at=f"2026-11-{1 + i % 24:02d}T11:00:00+09:00"))
        queries = ["광주 인공지능", "광주", "기사", "\"인공지능 소식\"", "없는낱말"]
        fast = {(q, n, d): [h.article_id for h in s.search(q, limit=n, include_duplicates=d)]
                for q in queries for n in (1, 20, 60) for d in (False, True)}
        monkeypatch.setattr(SearchIndex, "_best_in_index", lambda *a, **k: None)  # rank every candidate
        full = {(q, n, d): [h.article_id for h in s.search(q, limit=n, include_duplicates=d)]
                for q in queries for n in (1, 20, 60) for d in (False, True)}
    assert fast == full
    assert len(full[("광주", 60, False)]) == 60 and full[("없는낱말", 20, False)] == []


def test_ties_past_the_pool_fall_back_to_the_full_ranking(tmp_path, monkeypatch):
    """Ninety articles that score exactly alike: the newest twenty win, which only ranking them all can tell."""
    from storage import search as search_module

    calls: list[bool] = []
    best = search_module.SearchIndex._best_in_index

    def watched(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        rows = best(self, *args, **kwargs)
        calls.append(rows is None)
        return rows

    monkeypatch.setattr(search_module.SearchIndex, "_best_in_index", watched)
    with Store(tmp_path / "t.db") as s:
        for i in range(90):
            s.save_article(Article(source="newsprime", source_id=str(i), canonical_url=f"https://x.invalid/{i}",
                                   url=f"https://x.invalid/{i}", title="지역 소식", body_text=f"광주 인공지능 {1000 + i}",
                                   published_at=f"2026-{1 + i // 28:02d}-{1 + i % 28:02d}T10:00:00+09:00"))
        newest = [h.article_id for h in s.search("광주 인공지능", limit=20)]
    assert calls == [True]  # the pool of 80 was cut inside a tie: the full ranking answered
    assert newest == list(range(90, 70, -1))  # ids follow publication here: the newest 20, newest first
