"""Datasette metadata for the store: table labels and facets, hidden internals, denied tables, canned queries.

Canned queries are read-only SELECTs that run even when arbitrary SQL is off; they use the plugin's SQL
functions (``newswatch_match`` compiles a `newswatch search` query to the FTS5 MATCH of the store's bigram index).
"""

from __future__ import annotations

from typing import Any

from markupsafe import escape

# Alert recipients and the texts of alert emails are personal data: not served, whatever the SQL setting ("allow":
# False hides the table pages; the plugin's SQLite authorizer refuses every read of them, arbitrary SQL included).
DENIED_TABLES = ("outbox", "alert_sent")
HIDDEN_TABLES = ("articles_fts", "articles_fts_data", "articles_fts_idx", "articles_fts_docsize",
                 "articles_fts_config", "articles_fts_content", "story_bands", "validators", "alert_rules",
                 "alert_marks")

QUERIES: dict[str, dict[str, Any]] = {
    "latest": {
        "title": "최신 기사",
        "description": "가장 최근에 저장된 기사 200건 (복제본 제외)",
        "sql": "select id as article_id, newswatch_source_label(source) as source_label, title, published_at,\n"
               "  first_seen_at, coalesce(story_id, id) as story_id, canonical_url\n"
               "from articles where duplicate_of is null order by id desc limit 200",
    },
    "search": {
        "title": "검색 (newswatch search와 같은 검색어)",
        "description": "q: 검색어 (AND, \"구\", OR, NOT/-, 괄호) · source: newsprime / gwangju_city 또는 빈칸 · "
                       "since: YYYY-MM-DD 또는 빈칸",
        "sql": "select a.id as article_id, newswatch_source_label(a.source) as source_label, a.title,\n"
               "  a.published_at, newswatch_snippet(a.body_text, :q) as snippet, coalesce(a.story_id, a.id) as "
               "story_id,\n  a.canonical_url\n"
               "from articles_fts join articles a on a.id = articles_fts.rowid\n"
               "where articles_fts match newswatch_match(:q) and a.duplicate_of is null\n"
               "  and (:source = '' or a.source = :source)\n"
               "  and (:since = '' or a.published_at >= newswatch_since(:since))\n"
               "order by bm25(articles_fts, 5.0, 1.0), a.published_at desc limit 1000",
    },
    "rule_matches": {
        "title": "알림 규칙별 일치 기사",
        "description": "rule: 알림 규칙 이름 (최근 500건 중 규칙에 맞는 기사와 그 이유)",
        "sql": "select id as article_id, newswatch_source_label(source) as source_label, title, published_at,\n"
               "  why, canonical_url\n"
               "from (select a.*, newswatch_rule(:rule, a.id) as why\n"
               "      from (select * from articles where duplicate_of is null order by id desc limit 500) a)\n"
               "where why is not null order by id desc",
    },
    "biggest_stories": {
        "title": "큰 이야기 (같은 소식이 많은 순)",
        "description": "기사가 둘 이상인 이야기: 보도자료와 그 기사화, 재게재",
        "sql": "select story_id, count(*) as articles, count(distinct source) as sources,\n"
               "  (select title from articles s where s.id = a.story_id) as title,\n"
               "  min(published_at) as first_published, max(published_at) as last_published\n"
               "from articles a where story_id is not null\n"
               "group by story_id having count(*) > 1 order by articles desc, last_published desc limit 200",
    },
    "last_crawls": {
        "title": "최근 크롤",
        "description": "크롤 50회: 상태, 가져온 페이지, 새 기사/수정/변경 없음/복제, 오류 수",
        "sql": "select id as crawl_id, newswatch_source_label(source) as source_label, started_at, finished_at,\n"
               "  status, pages_fetched, new, updated, unchanged, duplicates, errors, reason\n"
               "from crawls order by id desc limit 50",
    },
    "crawl_errors": {
        "title": "출처별 마지막 크롤의 오류",
        "description": "각 출처의 가장 최근 크롤에서 실패한 것: 종류(http_404, timeout, unrecognised …), URL, 메시지",
        "sql": "select c.id as crawl_id, newswatch_source_label(c.source) as source_label, c.started_at,\n"
               "  e.kind, e.url, e.message\n"
               "from crawl_errors e join crawls c on c.id = e.crawl_id\n"
               "where e.crawl_id in (select max(id) from crawls group by source)\n"
               "order by c.source, e.id",
    },
}


def articles_description(search_path: str) -> str:
    """The articles table's description: a Korean search box filtering the table (with its facets) by `_q`."""
    return (
        '<form class="nw-table-search" method="get" action="">'
        '<label for="nw-q">한국어 검색 (newswatch search와 같은 검색어)</label> '
        '<input id="nw-q" type="search" name="_q" placeholder="광주 인공지능"> '
        '<button type="submit">거르기</button> '
        f'<a href="{escape(search_path)}">검색 페이지</a></form>'
    )


def build(db_name: str, *, search_path: str) -> dict[str, Any]:
    tables: dict[str, Any] = {name: {"hidden": True} for name in HIDDEN_TABLES}
    tables |= {name: {"allow": False, "hidden": True} for name in DENIED_TABLES}
    tables["articles"] = {
        "label_column": "title",
        "sort_desc": "id",
        "facets": ["source", {"month": "published_at"}],
        "description_html": articles_description(search_path),
    }
    tables["crawls"] = {"sort_desc": "id", "facets": ["source", "status"]}
    tables["crawl_errors"] = {"sort_desc": "id", "facets": ["kind"]}
    tables["revisions"] = {"sort_desc": "id"}
    return {
        "title": "newswatch",
        "description_html": (f'프라임경제와 광주광역시 보도자료 모음. <a href="{escape(search_path)}">기사 검색</a>'),
        "databases": {db_name: {"tables": tables, "queries": QUERIES}},
    }
