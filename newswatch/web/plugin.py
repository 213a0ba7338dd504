"""The Datasette plugin of newswatch: SQL functions, pages, facets, links. Registered by newswatch.web.app.

The plugin is registered process-wide, so it must not change a Datasette instance `newswatch serve` did not make.
Hooks that get the instance look up its WebState and do nothing without it. Two cannot: ``register_routes`` runs
while Datasette is constructed, before ``attach``, so the routes exist everywhere but every view answers 404
without WebState; ``register_facet_classes`` gets no instance, so the facets check WebState themselves (no
suggestions, no results elsewhere).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from datasette import hookimpl
from markupsafe import Markup, escape

from newswatch.web.metadata import DENIED_TABLES
from newswatch.web.state import state_of

# FTS5 MATCH text that matches nothing: an empty query in a canned query shows no rows rather than an error.
NOTHING = '"\ue000"'


def _functions(conn: sqlite3.Connection, state: Any) -> None:
    from crawler.sites import label
    from newswatch.core.query import compile_query
    from newswatch.web.reader import Reader
    from storage.search import since_bound
    from storage.snippet import snippet

    def match(query: str | None) -> str:
        """newswatch_match(query): the FTS5 MATCH expression of a `newswatch search` query."""
        if not (query or "").strip():
            return NOTHING
        return compile_query(query).match

    def snippet_of(text: str | None, query: str | None) -> str | None:
        if text is None or not (query or "").strip():
            return text
        return snippet(text, compile_query(query).terms)

    def rule(name: str | None, article_id: int | None) -> str | None:
        """newswatch_rule(rule, article_id): why the alert rule matches the article, or NULL."""
        found = state.rules.get(name or "")
        if found is None or article_id is None:
            return None
        verdict = state.rules.match(Reader(conn), found, [int(article_id)]).get(int(article_id))
        return verdict.why if verdict else None

    conn.create_function("newswatch_match", 1, match, deterministic=True)
    conn.create_function("newswatch_snippet", 2, snippet_of, deterministic=True)
    conn.create_function("newswatch_source_label", 1, label, deterministic=True)
    conn.create_function("newswatch_since", 1, lambda v: since_bound(v) if v else None, deterministic=True)
    conn.create_function("newswatch_rule", 2, rule)


_PRIVATE = frozenset(name.lower() for name in DENIED_TABLES)


def _refuse_private(action: int, table: str | None, _column: str | None, _db: str | None,
                    _trigger: str | None) -> int:
    """SQLite authorizer: no statement on this connection may read a private table (metadata's "allow": False
    only hides the table page; user SQL, canned or arbitrary, would still read it)."""
    if action == sqlite3.SQLITE_READ and (table or "").lower() in _PRIVATE:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    state = state_of(datasette)
    if state is not None and database == state.db_name:
        conn.set_authorizer(_refuse_private)  # no page of the plugin reads these tables either
        _functions(conn, state)


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Any]]:
    """Always the routes (called before WebState is attached); the views 404 on an instance without it."""
    from newswatch.web.views import ROUTES

    return ROUTES


@hookimpl
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    state = state_of(datasette)
    if state is None or database != state.db_name:
        return None
    from newswatch.web.facets import filters

    return filters(request, table)


@hookimpl
def register_facet_classes() -> list[type]:
    """No instance to check here: the facet classes check WebState in suggest() and facet_results()."""
    from newswatch.web.facets import MonthFacet, StorySizeFacet

    return [MonthFacet, StorySizeFacet]


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    """Article ids link to the article page, story ids to the story page (in tables and canned queries)."""
    state = state_of(datasette)
    if state is None or database != state.db_name or not isinstance(value, int) or isinstance(value, bool):
        return None
    if column == "article_id" or (table == "articles" and column in ("id", "duplicate_of")):
        path = datasette.urls.path(f"/-/article/{value}")
    elif column == "story_id":
        path = datasette.urls.path(f"/-/story/{value}")
    else:
        return None
    return Markup(f'<a href="{escape(path)}">{value}</a>')


@hookimpl
def menu_links(datasette: Any, actor: Any, request: Any) -> list[dict[str, str]] | None:
    state = state_of(datasette)
    if state is None:
        return None
    db = state.db_name
    return [
        {"href": datasette.urls.path("/-/search"), "label": "기사 검색"},
        {"href": datasette.urls.path(f"/{db}/latest"), "label": "최신 기사"},
        {"href": datasette.urls.path("/-/rules"), "label": "알림 규칙과 피드"},
        {"href": datasette.urls.path(f"/{db}/biggest_stories"), "label": "큰 이야기"},
        {"href": datasette.urls.path(f"/{db}/last_crawls"), "label": "최근 크롤"},
        {"href": datasette.urls.path(f"/{db}/crawl_errors"), "label": "크롤 오류"},
    ]


@hookimpl
def extra_template_vars(datasette: Any) -> dict[str, Any]:
    state = state_of(datasette)
    if state is None:
        return {}
    return {"nw_db": state.db_name, "nw_search_path": datasette.urls.path("/-/search"),
            "nw_rules_path": datasette.urls.path("/-/rules")}
