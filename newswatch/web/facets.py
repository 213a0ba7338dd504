"""The articles table in Datasette: Korean search (`_q`), month and story-size facets, a story-size filter.

Datasette's own `_search` cannot use the store's index: it sends words as they are to FTS5, while the index holds
Hangul bigrams and whole Latin words. `_q` takes a `newswatch search` query instead, compiled by the query
language of the store (newswatch.core.query), so the table page, its facets and its CSV/JSON agree with search.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args
from datasette.utils.asgi import BadRequest

from newswatch.core.query import QueryError, compile_query
from newswatch.web.reader import SIZE_BUCKETS, size_range
from newswatch.web.state import state_of

STORY_SIZE_SQL = ("max(1, (select count(*) from articles b where b.story_id = coalesce({t}.story_id, {t}.id)))")


def filters(request: Any, table: str) -> FilterArguments | None:
    """`_q` (a search query) and `_story_size` (1, 2, 3, 4, 5+) on the articles table."""
    if table != "articles":
        return None
    where, params, human = [], {}, []
    query = (request.args.get("_q") or "").strip()
    if query:
        try:
            params["nw_match"] = compile_query(query).match
        except QueryError as exc:
            raise BadRequest(f"검색어 오류: {exc}") from None
        where.append("id in (select rowid from articles_fts where articles_fts match :nw_match)")
        human.append(f'검색어 "{query}"')
    size = request.args.get("_story_size")
    if size:
        if size not in SIZE_BUCKETS:
            raise BadRequest(f"_story_size: expected one of {', '.join(SIZE_BUCKETS)}")
        params["nw_size_low"], params["nw_size_high"] = size_range(size)
        where.append(STORY_SIZE_SQL.format(t="articles") + " between :nw_size_low and :nw_size_high")
        human.append(f"같은 소식 {size}건짜리 이야기")
    return FilterArguments(where, params, human) if where else None


class _Grouped(Facet):
    """A facet over a value computed from a column: subclasses give the SQL of the value and the toggle args."""

    def value_sql(self, column: str) -> str:
        raise NotImplementedError

    def toggle_key(self, column: str) -> str:
        raise NotImplementedError

    def order(self) -> str:
        return "count desc, value"

    def ours(self) -> bool:
        """On the store `newswatch serve` serves (facet classes are registered in every Datasette of the process)."""
        state = state_of(self.ds)
        return state is not None and self.database == state.db_name

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        from datasette.database import QueryInterrupted

        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        if not self.ours():
            return results, timed_out
        pairs = self.get_querystring_pairs()
        size = self.get_facet_size()
        for source_and_config in self.get_configs():
            config, source = source_and_config["config"], source_and_config["source"]
            column = config.get("column") or config["simple"]
            sql = (f"select {self.value_sql(column)} as value, count(*) as count from ({self.sql}) t "
                   f"where value is not null group by value order by {self.order()} limit {size + 1}")
            try:
                rows = await self.ds.execute(self.database, sql, self.params, truncate=False,
                                             custom_time_limit=self.ds.setting("facet_time_limit_ms"))
            except QueryInterrupted:
                timed_out.append(column)
                continue
            key = self.toggle_key(column)
            values = []
            for row in rows.rows[:size]:
                value = str(row["value"])
                selected = (key, value) in pairs
                path = (path_with_removed_args(self.request, {key: value}) if selected
                        else path_with_added_args(self.request, {key: value}))
                values.append({"value": value, "label": self.label(value), "count": row["count"],
                               "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path)),
                               "selected": selected})
            facet_key = f"_facet_{self.type}"
            results.append({
                "name": column, "type": self.type, "hideable": source != "metadata",
                "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {facet_key: column})),
                "results": values, "truncated": len(rows) > size})
        return results, timed_out

    def label(self, value: str) -> str:
        return value


class MonthFacet(_Grouped):
    """`_facet_month=published_at`: counts by YYYY-MM; a value filters with `published_at__startswith`."""

    type = "month"

    def value_sql(self, column: str) -> str:
        return f"substr(t.{escape_sqlite(column)}, 1, 7)"

    def toggle_key(self, column: str) -> str:
        return f"{column}__startswith"

    def order(self) -> str:
        return "value desc"

    async def suggest(self) -> list[dict[str, Any]]:
        return []


class StorySizeFacet(_Grouped):
    """`_facet_story_size=story_id`: how many articles the rows' stories have (1 = no copies); filters `_story_size`."""

    type = "story_size"

    def value_sql(self, column: str) -> str:
        size = STORY_SIZE_SQL.format(t="t")
        return f"case when {size} >= 5 then '5+' else cast({size} as text) end"

    def toggle_key(self, column: str) -> str:
        return "_story_size"

    def order(self) -> str:
        return "value"

    def label(self, value: str) -> str:
        return "단독 기사" if value == "1" else f"같은 소식 {value}건"

    async def suggest(self) -> list[dict[str, Any]]:
        asked = "_facet_story_size" in urllib.parse.parse_qs(self.request.query_string)
        if not self.ours() or self.table != "articles" or asked:
            return []
        return [{"name": "story_id", "type": self.type,
                 "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(
                     path_with_added_args(self.request, {"_facet_story_size": "story_id"})))}]
